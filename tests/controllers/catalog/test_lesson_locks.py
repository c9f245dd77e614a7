"""``learnomy_lesson_locks``: a plugin's locks on an enrolled student's lessons."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp, hookimpl
from tests.conftest import ALL_PLUGINS

API = "/wp-json/learnomy/v1"
CALLS: list[int] = []


class FinalWeek:
    """Locks a course's last lesson for a week after enrollment."""

    PLUGIN_NAME = "final_week"

    @hookimpl
    def learnomy_lesson_locks(self, request: Any, course: Any, enrollment: Any, lessons: list[Any]) -> Any:
        CALLS.append(int(course.id))
        opens = enrollment.enrolled_at + timedelta(days=7)
        if opens > datetime.utcnow():
            return {int(lessons[-1].id): {"reason": "final_week", "unlocks_at": opens}}
        return None


class Forever:
    """Locks the same lesson with no date (never by time): it unlocks last."""

    PLUGIN_NAME = "forever"

    @hookimpl
    def learnomy_lesson_locks(self, lessons: list[Any]) -> Any:
        return {int(lessons[-1].id): {"reason": "forever", "unlocks_at": None}, 999999999: {"reason": "ghost"}}


@pytest.fixture
def app(make_app: Callable[..., LearnomyApp], request: pytest.FixtureRequest) -> LearnomyApp:
    extra = getattr(request, "param", [FinalWeek()])
    return make_app(plugins=[*ALL_PLUGINS, *extra])


@pytest.fixture(autouse=True)
def _calls() -> None:
    CALLS.clear()


def enrolled(client: Client, people: Any, make_course: Callable[..., dict[str, Any]], **fields: Any) -> dict[str, Any]:
    course = make_course(lessons=2, **fields)
    assert client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"]).status_code == 201
    return course


def test_a_plugins_lock_shows_in_locked_and_refuses_the_lesson(client: Client, people, make_course) -> None:
    course = enrolled(client, people, make_course)
    first, last = course["lesson_ids"]
    outline = client.get(f"{API}/courses/{course['id']}/curriculum", headers=people["ann"]).json["data"]
    lessons = outline[0]["lessons"]
    assert lessons[0]["locked"] is None
    assert lessons[1]["locked"]["reason"] == "final_week" and lessons[1]["locked"]["unlocks_at"].endswith("Z")
    refused = client.get(f"{API}/lessons/{last}", headers=people["ann"])
    assert refused.status_code == 403 and refused.json["error"]["code"] == "learnomy_lesson_locked_final_week"
    assert refused.json["error"]["details"][0]["unlocks_at"] == lessons[1]["locked"]["unlocks_at"]
    assert client.get(f"{API}/lessons/{first}", headers=people["ann"]).status_code == 200


def test_the_lock_lifts_when_the_plugin_says_so(app: LearnomyApp, client: Client, people, make_course) -> None:
    course = enrolled(client, people, make_course)
    with app.storage.engine.begin() as db:
        db.execute(sa.update(app.tables["lrn_enrollments"]).values(enrolled_at=datetime.utcnow() - timedelta(days=8)))
    assert client.get(f"{API}/lessons/{course['lesson_ids'][1]}", headers=people["ann"]).status_code == 200


def test_editors_are_never_asked(client: Client, people, make_course) -> None:
    course = enrolled(client, people, make_course)
    CALLS.clear()
    assert client.get(f"{API}/lessons/{course['lesson_ids'][1]}", headers=people["ivy"]).status_code == 200
    assert CALLS == []


def test_asked_once_per_course_and_request(client: Client, people, make_course) -> None:
    course = enrolled(client, people, make_course)
    CALLS.clear()
    client.get(f"{API}/courses/{course['id']}/curriculum", headers=people["ann"])
    assert CALLS == [course["id"]]


def test_free_drip_wins_when_it_applies(client: Client, people, make_course) -> None:
    course = enrolled(client, people, make_course, drip_mode="sequential")
    refused = client.get(f"{API}/lessons/{course['lesson_ids'][1]}", headers=people["ann"])
    assert refused.json["error"]["code"] == "learnomy_lesson_locked_sequential"


@pytest.mark.parametrize("app", [[FinalWeek(), Forever()], [Forever(), FinalWeek()]], indirect=True)
def test_between_plugins_the_lock_unlocking_last_wins(client: Client, people, make_course) -> None:
    course = enrolled(client, people, make_course)
    refused = client.get(f"{API}/lessons/{course['lesson_ids'][1]}", headers=people["ann"])
    assert refused.json["error"]["code"] == "learnomy_lesson_locked_forever"
    assert refused.json["error"]["details"][0]["unlocks_at"] is None
