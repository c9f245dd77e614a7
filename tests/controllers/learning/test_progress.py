"""Completing lessons and topics, positions, next step, course completion,
progress views and resets."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import CREATABLE, DELETABLE, LOGGED_IN, LearnomyApp, hookimpl
from tests.conftest import ALL_PLUGINS
from tests.plugins import acme
from tests.racing import race

API = "/wp-json/learnomy/v1"


@pytest.fixture
def enrolled(client: Client, people, make_course):
    """A published two-lesson course ann is enrolled in."""
    course = make_course(lessons=2)
    assert client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"]).status_code == 201
    return course


def complete(client: Client, people, lesson_id: int, who: str = "ann"):
    return client.post(f"{API}/lessons/{lesson_id}/complete", headers=people[who])


def test_completing_lessons_completes_the_course(client: Client, people, enrolled) -> None:
    first, second = enrolled["lesson_ids"]
    one = complete(client, people, first)
    assert one.status_code == 200
    assert one.json["data"] == {"type": "lesson", "id": first, "completed": True, "newly_completed": True,
                                "progress_percent": 50, "course_completed": False}
    again = complete(client, people, first).json["data"]
    assert again["newly_completed"] is False and again["progress_percent"] == 50
    done = complete(client, people, second).json["data"]
    assert done["progress_percent"] == 100 and done["course_completed"] is True
    enrollment = client.get(f"{API}/me/enrollments", headers=people["ann"]).json["data"][0]
    assert enrollment["status"] == "completed" and enrollment["completed_at"]
    assert [e for e, _ in acme.EVENTS].count("course.completed") == 1


def test_completion_needs_an_unlocked_lesson_and_an_enrollment(client: Client, people, make_course) -> None:
    course = make_course(lessons=2, drip_mode="sequential")
    first, second = course["lesson_ids"]
    assert complete(client, people, first).status_code == 403
    assert client.post(f"{API}/lessons/{first}/complete").status_code == 401
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    locked = complete(client, people, second)
    assert locked.status_code == 403 and locked.json["error"]["code"] == "learnomy_lesson_locked_sequential"
    assert complete(client, people, first).status_code == 200
    assert complete(client, people, second).status_code == 200
    assert complete(client, people, 99999).status_code == 404


def test_topics_complete_too(client: Client, people, enrolled) -> None:
    lesson = enrolled["lesson_ids"][0]
    topic = client.post(f"{API}/lessons/{lesson}/topics", json={"title": "t"}, headers=people["ivy"]).json["data"]["id"]
    response = client.post(f"{API}/topics/{topic}/complete", headers=people["ann"])
    assert response.status_code == 200 and response.json["data"]["type"] == "topic"
    assert client.post(f"{API}/topics/{topic}/complete", headers=people["bob"]).status_code == 403
    progress = client.get(f"{API}/courses/{enrolled['id']}/progress", headers=people["ann"]).json["data"]
    assert [i["type"] for i in progress["completed_items"]] == ["topic"] and progress["percent"] == 0


def test_positions(client: Client, people, enrolled) -> None:
    lesson = enrolled["lesson_ids"][0]
    url = f"{API}/lessons/{lesson}/position"
    assert client.post(url, json={"position": 61.5, "percent": 40}, headers=people["ann"]).json["data"]["position"] == 61.5
    assert client.post(url, json={"position": 90}, headers=people["ann"]).json["data"]["position"] == 90
    assert client.post(url, json={"position": -1}, headers=people["ann"]).status_code == 400
    assert client.post(url, json={}, headers=people["ann"]).status_code == 400
    assert client.post(url, json={"position": 1}, headers=people["bob"]).status_code == 403
    assert client.post(url, json={"position": 1}).status_code == 401
    progress = client.get(f"{API}/courses/{enrolled['id']}/progress", headers=people["ann"]).json["data"]
    assert progress["last_activity_at"]


def test_next_step(client: Client, people, enrolled) -> None:
    url = f"{API}/courses/{enrolled['id']}/next-step"
    first, second = enrolled["lesson_ids"]
    assert client.get(url, headers=people["ann"]).json["data"]["item"]["id"] == first
    complete(client, people, first)
    assert client.get(url, headers=people["ann"]).json["data"]["item"] == {"type": "lesson", "id": second, "title": "Lesson 2"}
    complete(client, people, second)
    assert client.get(url, headers=people["ann"]).json["data"] == {"done": True, "item": None, "locked": None}
    assert client.get(url, headers=people["bob"]).status_code == 403
    assert client.get(url).status_code == 401


def test_next_step_reports_a_drip_lock(client: Client, people, make_course) -> None:
    course = make_course(drip_mode="date")
    client.patch(f"{API}/lessons/{course['lesson_ids'][0]}", json={"available_at": "2999-01-01T00:00:00Z"}, headers=people["ivy"])
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    data = client.get(f"{API}/courses/{course['id']}/next-step", headers=people["ann"]).json["data"]
    assert data["item"] is None and data["locked"]["lock"]["unlocks_at"] == "2999-01-01T00:00:00Z"


def test_explicit_course_completion(client: Client, people, enrolled) -> None:
    url = f"{API}/courses/{enrolled['id']}/complete"
    refused = client.post(url, headers=people["ann"])
    assert refused.status_code == 409 and refused.json["error"]["code"] == "learnomy_course_incomplete"
    assert len(refused.json["error"]["details"]) == 2
    for lesson in enrolled["lesson_ids"]:
        complete(client, people, lesson)
    assert client.post(url, headers=people["ann"]).json["data"]["status"] == "completed"
    assert client.post(url, headers=people["bob"]).status_code == 403


def test_progress_views(client: Client, people, enrolled, make_course) -> None:
    complete(client, people, enrolled["lesson_ids"][0])
    own = client.get(f"{API}/courses/{enrolled['id']}/progress", headers=people["ann"]).json["data"]
    assert own["percent"] == 50 and own["total_items"] == 2 and own["user_id"] == people.ids["ann"]
    assert client.get(f"{API}/courses/{enrolled['id']}/progress", headers=people["bob"]).status_code == 403
    other = make_course("oscar")
    client.post(f"{API}/courses/{other['id']}/enroll", headers=people["ann"])
    url = f"{API}/users/{people.ids['ann']}/progress"
    assert [p["course_id"] for p in client.get(url, headers=people["ivy"]).json["data"]] == [enrolled["id"]]
    assert client.get(url, headers=people["admin"]).json["meta"]["total"] == 2
    assert client.get(url, headers=people["bob"]).status_code == 403
    assert client.get(url).status_code == 401


def test_reset_keeps_history_and_reverses_completion(app, client: Client, people, enrolled) -> None:
    for lesson in enrolled["lesson_ids"]:
        complete(client, people, lesson)
    url = f"{API}/courses/{enrolled['id']}/progress/reset"
    assert client.post(url, json={"user_id": people.ids["ann"]}, headers=people["ann"]).status_code == 403
    assert client.post(url, json={}, headers=people["ivy"]).status_code == 400
    assert client.post(url, json={"user_id": people.ids["bob"]}, headers=people["ivy"]).status_code == 404
    reset = client.post(url, json={"user_id": people.ids["ann"]}, headers=people["ivy"])
    assert reset.status_code == 200
    assert reset.json["data"]["percent"] == 0 and reset.json["data"]["status"] == "active"
    assert reset.json["data"]["completed_items"] == []
    with app.storage.engine.connect() as db:
        history = db.execute(app.tables["lrn_progress_resets"].select()).one()
    assert history.previous_status == "completed" and len(history.completed_items) == 2


def test_dashboard_counts_are_real(client: Client, people, enrolled, make_course) -> None:
    other = make_course()
    client.post(f"{API}/courses/{other['id']}/enroll", headers=people["ann"])
    for lesson in enrolled["lesson_ids"]:
        complete(client, people, lesson)
    complete(client, people, other["lesson_ids"][0])
    third = make_course(lessons=2)
    client.post(f"{API}/courses/{third['id']}/enroll", headers=people["ann"])
    complete(client, people, third["lesson_ids"][0])
    counts = client.get(f"{API}/me/dashboard", headers=people["ann"]).json["data"]
    assert counts["enrolled"] == 3 and counts["completed"] == 2 and counts["in_progress"] == 1


class Tasks:
    """A plugin whose task 7 counts toward every course's completion
    (``learnomy_required_items``): ``POST /tasks/v1/courses/{id}/task`` completes it
    for the caller (``record_completion``), ``DELETE`` deletes it (``forget_item``)."""

    def __init__(self) -> None:
        self.alive = {7}

    @hookimpl
    def learnomy_required_items(self, request: Any, course_ids: list[int]) -> list[dict[str, Any]]:
        return [{"course_id": c, "type": "task", "id": t, "title": "Task", "order": (99, 0, 0, t)}
                for c in course_ids for t in self.alive]

    @hookimpl
    def learnomy_register_routes(self, registry: Any) -> None:
        from learnomy.controllers.learning import forget_item, record_completion

        def delete(request: Any) -> Any:
            self.alive.discard(7)
            return forget_item(request, "task", 7, int(request.params["id"]))

        registry.register_rest_route("tasks/v1", r"/courses/(?P<id>[\d]+)/task", [
            {"methods": CREATABLE, "permission_callback": LOGGED_IN,
             "callback": lambda request: record_completion(request, request.user.id, "task", 7,
                                                           int(request.params["id"])),
             "args": {"id": {"type": "integer", "minimum": 1}}},
            {"methods": DELETABLE, "permission_callback": LOGGED_IN, "callback": delete,
             "args": {"id": {"type": "integer", "minimum": 1}}}])


@pytest.fixture
def tasks_app(make_app: Callable[..., LearnomyApp]) -> Callable[[], LearnomyApp]:
    """Apps with every plugin and one :class:`Tasks` (shared: a task deleted is gone for all)."""
    tasks = Tasks()
    return lambda: make_app(plugins=[*ALL_PLUGINS, tasks])


def test_a_plugin_records_completion_of_its_own_items(tasks_app, people, make_course) -> None:
    """``record_completion``: a plugin's required item, finished, completes the course."""
    client = Client(tasks_app())
    course = make_course(lessons=1)
    assert client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"]).status_code == 201
    complete(client, people, course["lesson_ids"][0])
    assert client.get(f"{API}/courses/{course['id']}/progress", headers=people["ann"]).json["data"]["percent"] == 50
    acme.EVENTS.clear()
    done = client.post(f"/wp-json/tasks/v1/courses/{course['id']}/task", headers=people["ann"])
    assert done.status_code == 200, done.json
    assert done.json["data"] == {"newly_completed": True, "percent": 100, "course_completed": True}
    assert [e for e, _ in acme.EVENTS] == ["task.completed", "course.completed"]
    again = client.post(f"/wp-json/tasks/v1/courses/{course['id']}/task", headers=people["ann"]).json["data"]
    assert again["newly_completed"] is False and again["course_completed"] is True
    progress = client.get(f"{API}/courses/{course['id']}/progress", headers=people["ann"]).json["data"]
    assert {"type": "task", "id": 7} in [{"type": i["type"], "id": i["id"]} for i in progress["completed_items"]]


def _tasks_done(client: Client, people, make_course) -> dict[str, Any]:
    """A two-lesson course (with the task: three items) ann and bob enrolled in, both
    with the task done; ann has the first lesson done too."""
    course = make_course(lessons=2)
    for who in ("ann", "bob"):
        assert client.post(f"{API}/courses/{course['id']}/enroll", headers=people[who]).status_code == 201
        assert client.post(f"/wp-json/tasks/v1/courses/{course['id']}/task", headers=people[who]).status_code == 200
    complete(client, people, course["lesson_ids"][0])
    assert client.get(f"{API}/courses/{course['id']}/progress", headers=people["ann"]).json["data"]["percent"] == 66
    return course


def test_a_plugin_forgets_the_completions_of_an_item_it_deletes(tasks_app, people, make_course) -> None:
    """``forget_item``: a deleted item's completions go and every student's percent is recomputed."""
    client = Client(tasks_app())
    course = _tasks_done(client, people, make_course)
    forgot = client.delete(f"/wp-json/tasks/v1/courses/{course['id']}/task", headers=people["ann"])
    assert forgot.status_code == 200, forgot.json
    assert forgot.json["data"] == {"students": 2}
    for who, percent in (("ann", 50), ("bob", 0)):
        progress = client.get(f"{API}/courses/{course['id']}/progress", headers=people[who]).json["data"]
        assert progress["percent"] == percent
        assert all(i["type"] != "task" for i in progress["completed_items"])


def _waiting_for_a_lock(app: LearnomyApp) -> bool:
    """Whether a statement on the test database has been running for a while (200 ms
    on MariaDB, a second on MySQL): on these few rows, one waiting for a lock
    (MariaDB 10.11's INNODB_TRX did not say LOCK WAIT for it)."""
    running = "TIME_MS > 200" if app.storage.engine.dialect.is_mariadb else "TIME >= 1"
    with app.storage.engine.connect() as db:
        return bool(db.exec_driver_sql(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()"
            f" AND ID <> CONNECTION_ID() AND INFO IS NOT NULL AND {running}").scalar())


def test_forgetting_an_item_while_its_student_completes_another_deadlocks_nothing(
        tasks_app, people, make_course, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deletion has done its first student's writes when that student completes a
    lesson; it goes on once the completion waits for it. Taking the student before
    their completions, as completing does, the completion waits its turn; the other
    way round, each waited for the other (MySQL/MariaDB chose a victim: a 500)."""
    from learnomy.controllers.learning import progress as progress_module

    deleting, completing = Client(tasks_app()), Client(tasks_app())
    course = _tasks_done(deleting, people, make_course)
    lesson = course["lesson_ids"][1]
    app = deleting.application
    real, midway = progress_module.recompute, threading.Event()

    def recompute(request: Any, user_id: int, course_id: int) -> dict[str, Any]:
        if request.rest_method == "DELETE" and not midway.is_set():  # the deletion, before its first recompute
            midway.set()
            if app.storage.is_sqlite:
                time.sleep(0.3)  # one writer: the completion waits for the whole deletion anyway
            else:
                deadline = time.monotonic() + 20
                while not _waiting_for_a_lock(app):
                    assert time.monotonic() < deadline, "the completion never waited for the deletion"
                    time.sleep(0.02)
        return real(request, user_id, course_id)

    monkeypatch.setattr(progress_module, "recompute", recompute)

    def complete_when_midway() -> Any:
        assert midway.wait(20)
        return complete(completing, people, lesson)

    forgot, completed = race([
        lambda: deleting.delete(f"/wp-json/tasks/v1/courses/{course['id']}/task", headers=people["ann"]),
        complete_when_midway])
    assert (forgot.status_code, completed.status_code) == (200, 200), (forgot.json, completed.json)
    assert forgot.json["data"] == {"students": 2}
    progress = deleting.get(f"{API}/courses/{course['id']}/progress", headers=people["ann"]).json["data"]
    assert progress["percent"] == 100 and progress["status"] == "completed"
    assert sorted(i["id"] for i in progress["completed_items"]) == sorted(course["lesson_ids"])
