"""``learnomy_quiz_locks``: a plugin's lock on an enrolled student's quiz refuses a new attempt."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import LearnomyApp, hookimpl
from tests.conftest import ALL_PLUGINS

API = "/wp-json/learnomy/v1"
OPENS = datetime(2999, 1, 1)


class Weekly:
    PLUGIN_NAME = "weekly"

    @hookimpl
    def learnomy_quiz_locks(self, request: Any, course: Any, enrollment: Any, quiz: Any) -> Any:
        return {"reason": "weekly", "unlocks_at": OPENS} if quiz.title == "Locked" else None


class Never:
    PLUGIN_NAME = "never"

    @hookimpl
    def learnomy_quiz_locks(self, quiz: Any) -> Any:
        return {"reason": "never", "unlocks_at": None} if quiz.title == "Locked" else None


@pytest.fixture
def app(make_app: Callable[..., LearnomyApp], request: pytest.FixtureRequest) -> LearnomyApp:
    return make_app(plugins=[*ALL_PLUGINS, *getattr(request, "param", [Weekly()])])


def quiz(client: Client, people: Any, course: dict[str, Any], title: str) -> int:
    made = client.post(f"{API}/sections/{course['section_id']}/quizzes", json={"title": title},
                       headers=people["ivy"]).json["data"]
    client.post(f"{API}/quizzes/{made['id']}/questions", json={"type": "true_false", "title": "?", "answer": True},
                headers=people["ivy"])
    return int(made["id"])


def test_a_locked_quiz_refuses_a_new_attempt(client: Client, people: Any, make_course: Any) -> None:
    course = make_course()
    locked, open_ = quiz(client, people, course, "Locked"), quiz(client, people, course, "Open")
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    refused = client.post(f"{API}/quizzes/{locked}/attempts", headers=people["ann"])
    assert refused.status_code == 403 and refused.json["error"]["code"] == "learnomy_quiz_locked_weekly"
    assert refused.json["error"]["details"] == [{"reason": "weekly", "unlocks_at": "2999-01-01T00:00:00Z"}]
    assert client.post(f"{API}/quizzes/{open_}/attempts", headers=people["ann"]).status_code == 201


@pytest.mark.parametrize("app", [[Weekly(), Never()], [Never(), Weekly()]], indirect=True)
def test_the_lock_unlocking_last_wins(client: Client, people: Any, make_course: Any) -> None:
    course = make_course()
    locked = quiz(client, people, course, "Locked")
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    refused = client.post(f"{API}/quizzes/{locked}/attempts", headers=people["ann"])
    assert refused.json["error"]["code"] == "learnomy_quiz_locked_never"
