"""The mobile app's traffic, for ``python -m bench load`` (Locust, headless, closed loop).

Each simulated client is one student of the pool the load mode logged in
beforehand (``LEARNOMY_LOAD_POOL``, a JSON file), with the courses they are
enrolled in. Task weights follow the app: log in 1, catalog and course pages 35,
revalidations with ``If-None-Match`` 25, dashboard and progress 15, lesson
completion and position writes 15, sync batches 4, quiz attempts 5. Requests are
named by kind, so Locust's statistics are per kind.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from locust import FastHttpUser, constant, task

API = "/wp-json/learnomy/v1"
POOL: list[dict[str, Any]] = json.loads(open(os.environ["LEARNOMY_LOAD_POOL"]).read())
COURSES = int(os.environ.get("LEARNOMY_LOAD_COURSES", "10000"))
PASSWORD = os.environ.get("LEARNOMY_LOAD_PASSWORD", "")
_next = itertools.count()


def _lessons(course_id: int) -> list[int]:
    """The bench data set's lesson ids of a course (six, numbered in course order)."""
    return [(course_id - 1) * 6 + k for k in range(1, 7)]


class Student(FastHttpUser):
    wait_time = constant(0)  # closed loop: the next request as soon as the answer is in

    def on_start(self) -> None:
        self.me = POOL[next(_next) % len(POOL)]
        self.headers = {"Authorization": f"Bearer {self.me['token']}"}
        self.etags: dict[str, str] = {}
        self.rng = random.Random()

    def _get(self, url: str, name: str, auth: bool = True) -> None:
        with self.client.get(url, headers=self.headers if auth else {}, name=name, catch_response=True) as answer:
            if answer.status_code == 200:
                etag = answer.headers.get("ETag")
                if etag:
                    self.etags[url] = etag
                answer.success()
            else:
                answer.failure(f"{answer.status_code}")

    @task(1)
    def log_in(self) -> None:
        self.client.post(f"{API}/auth/token", json={"username": self.me["login"], "password": PASSWORD}, name="login")

    @task(35)
    def catalog(self) -> None:
        kind = self.rng.random()
        if kind < 0.3:
            self._get(f"{API}/courses?per_page=20", "catalog", auth=False)
        elif kind < 0.8:
            self._get(f"{API}/courses/{self.rng.randint(1, COURSES)}", "catalog", auth=False)
        else:
            self._get(f"{API}/courses/{self.rng.choice(self.me['courses'])}/curriculum", "catalog")

    @task(25)
    def revalidate(self) -> None:
        if not self.etags:
            self._get(f"{API}/courses/{self.rng.choice(self.me['courses'])}/progress", "dashboard")
            return
        url = self.rng.choice(list(self.etags))
        auth = "/progress" in url or "/me/" in url or "curriculum" in url
        headers = {**(self.headers if auth else {}), "If-None-Match": self.etags[url]}
        with self.client.get(url, headers=headers, name="revalidate", catch_response=True) as answer:
            if answer.status_code == 200 and answer.headers.get("ETag"):
                self.etags[url] = answer.headers["ETag"]
            if answer.status_code in (200, 304):
                answer.success()
            else:
                answer.failure(f"{answer.status_code}")

    @task(15)
    def dashboard(self) -> None:
        kind = self.rng.random()
        if kind < 0.3:
            self._get(f"{API}/me/dashboard", "dashboard")
        elif kind < 0.5:
            self._get(f"{API}/me/enrollments", "dashboard")
        else:
            self._get(f"{API}/courses/{self.rng.choice(self.me['courses'])}/progress", "dashboard")

    @task(15)
    def lesson_write(self) -> None:
        lesson = self.rng.choice(_lessons(self.rng.choice(self.me["courses"])))
        if self.rng.random() < 0.4:
            self.client.post(f"{API}/lessons/{lesson}/complete", headers=self.headers, name="lesson_write")
        else:
            self.client.post(f"{API}/lessons/{lesson}/position", headers=self.headers, name="lesson_write",
                             json={"position": self.rng.randint(0, 3600), "percent": self.rng.randint(0, 100)})

    @task(4)
    def sync(self) -> None:
        now = datetime.now(timezone.utc)
        items = []
        for k in range(5):
            lesson = self.rng.choice(_lessons(self.rng.choice(self.me["courses"])))
            when = (now - timedelta(minutes=10 - k)).strftime("%Y-%m-%dT%H:%M:%SZ")
            if k % 2:
                items.append({"client_id": str(uuid.uuid4()), "type": "lesson_complete", "occurred_at": when,
                              "lesson_id": lesson})
            else:
                items.append({"client_id": str(uuid.uuid4()), "type": "lesson_position", "occurred_at": when,
                              "lesson_id": lesson, "position": self.rng.randint(0, 3600), "percent": 50})
        self.client.post(f"{API}/progress/sync", json={"items": items}, headers=self.headers, name="sync")

    @task(5)
    def quiz_attempt(self) -> None:
        with self.client.post(f"{API}/quizzes/{self.me['quiz_id']}/attempts", headers=self.headers,
                              name="quiz_attempt", catch_response=True) as started:
            if started.status_code != 201:
                started.failure(f"{started.status_code}")
                return
            attempt = started.json()["data"]
        answers = {str(q): "a" for q in self.me["question_ids"]}
        self.client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": answers}, headers=self.headers,
                         name="quiz_attempt")
