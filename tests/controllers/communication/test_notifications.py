"""Notifications, preferences, announcements and their fan-out."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy_core.jobs import run_due_jobs
from tests.controllers.conftest import API, People
from tests.plugins import mailbox


def enroll(client: Client, people: People, course: dict[str, Any], who: str = "ann") -> None:
    response = client.post(f"{API}/courses/{course['id']}/enroll", headers=people[who])
    assert response.status_code == 201, response.json


def _notifications(client: Client, people: People, who: str = "ann", **query: Any) -> Any:
    response = client.get(f"{API}/notifications", query_string=query, headers=people[who])
    assert response.status_code == 200, response.json
    return response.json


def test_enrolling_notifies_the_student(client: Client, people: People, make_course: Callable[..., Any]) -> None:
    course = make_course()
    enroll(client, people, course)
    body = _notifications(client, people)
    [item] = body["data"]
    assert item["type"] == "enrollment.created"
    assert item["title"] == "You are enrolled"
    assert str(course["id"]) in item["body"] and item["link"] == f"/courses/{course['id']}"
    assert item["data"]["course_id"] == course["id"] and item["read_at"] is None
    assert _notifications(client, people, "bob")["data"] == []
    count = client.get(f"{API}/notifications/unread-count", headers=people["ann"])
    assert count.json["data"] == {"count": 1}
    dashboard = client.get(f"{API}/me/dashboard", headers=people["ann"]).json["data"]
    assert dashboard["unread_notifications"] == 1


def test_read_read_all_and_delete(client: Client, people: People, make_course: Callable[..., Any]) -> None:
    for _ in range(3):
        enroll(client, people, make_course())
    items = _notifications(client, people)["data"]
    assert len(items) == 3 and items[0]["id"] > items[-1]["id"]  # newest first
    first = items[0]["id"]
    read = client.post(f"{API}/notifications/{first}/read", headers=people["ann"])
    assert read.status_code == 200 and read.json["data"]["read_at"] is not None
    assert [i["id"] for i in _notifications(client, people, unread="true")["data"]] == [i["id"] for i in items[1:]]
    assert [i["id"] for i in _notifications(client, people, unread="false")["data"]] == [first]
    everything = client.post(f"{API}/notifications/read-all", headers=people["ann"])
    assert everything.json["data"] == {"updated": 2}
    assert client.get(f"{API}/notifications/unread-count", headers=people["ann"]).json["data"] == {"count": 0}
    gone = client.delete(f"{API}/notifications/{first}", headers=people["ann"])
    assert gone.status_code == 200 and gone.json["data"]["deleted"] is True
    assert len(_notifications(client, people)["data"]) == 2


@pytest.mark.parametrize("method,path", [
    ("GET", "/notifications"), ("GET", "/notifications/unread-count"), ("POST", "/notifications/read-all"),
    ("POST", "/notifications/1/read"), ("DELETE", "/notifications/1"),
    ("GET", "/me/notification-preferences"), ("PUT", "/me/notification-preferences"),
])
def test_anonymous_callers_get_401(client: Client, method: str, path: str) -> None:
    assert client.open(f"{API}{path}", method=method, json={}).status_code == 401


def test_someone_elses_notification_is_not_found(client: Client, people: People,
                                                 make_course: Callable[..., Any]) -> None:
    enroll(client, people, make_course())
    [item] = _notifications(client, people)["data"]
    for method, path in (("POST", f"/notifications/{item['id']}/read"), ("DELETE", f"/notifications/{item['id']}")):
        assert client.open(f"{API}{path}", method=method, headers=people["bob"]).status_code == 404
        assert client.open(f"{API}{path}", method=method, headers=people["admin"]).status_code == 404
    assert _notifications(client, people)["data"][0]["read_at"] is None


def test_bad_list_arguments_are_400(client: Client, people: People) -> None:
    response = client.get(f"{API}/notifications", query_string={"unread": "maybe"}, headers=people["ann"])
    assert response.status_code == 400 and response.json["error"]["details"]


def test_preferences_have_defaults_and_refuse_unknown_events(client: Client, people: People) -> None:
    prefs = client.get(f"{API}/me/notification-preferences", headers=people["ann"]).json["data"]
    assert prefs["enrollment.created"] == {"in_app": True, "email": False}
    assert prefs["certificate.issued"] == {"in_app": True, "email": True}
    assert "announcement.posted" in prefs
    bad = client.put(f"{API}/me/notification-preferences", json={"nope.event": {"email": True}},
                     headers=people["ann"])
    assert bad.status_code == 400 and bad.json["error"]["details"][0]["param"] == "nope.event"
    bad = client.put(f"{API}/me/notification-preferences", json={"enrollment.created": {"email": "yes"}},
                     headers=people["ann"])
    assert bad.status_code == 400
    good = client.put(f"{API}/me/notification-preferences", json={"enrollment.created": {"email": True}},
                      headers=people["ann"])
    assert good.status_code == 200
    assert good.json["data"]["enrollment.created"] == {"in_app": True, "email": True}
    again = client.put(f"{API}/me/notification-preferences", json={"enrollment.created": {"in_app": False}},
                       headers=people["ann"])
    assert again.json["data"]["enrollment.created"] == {"in_app": False, "email": True}
    # Bob's are his own.
    bobs = client.get(f"{API}/me/notification-preferences", headers=people["bob"]).json["data"]
    assert bobs["enrollment.created"] == {"in_app": True, "email": False}


def test_preferences_decide_in_app_and_email(client: Client, app: LearnomyApp, people: People,
                                             make_course: Callable[..., Any]) -> None:
    client.put(f"{API}/me/notification-preferences",
               json={"enrollment.created": {"in_app": False, "email": True}}, headers=people["ann"])
    enroll(client, people, make_course())
    assert _notifications(client, people)["data"] == []
    assert mailbox.SENT == []  # not during the request: a job sends it
    assert run_due_jobs(app) >= 1
    assert [m["to"] for m in mailbox.SENT] == ["ann@example.org"]
    assert mailbox.SENT[0]["subject"] == "You are enrolled"


def test_announcements(client: Client, app: LearnomyApp, people: People, make_course: Callable[..., Any]) -> None:
    course = make_course()
    enroll(client, people, course, "ann")
    enroll(client, people, course, "bob")
    path = f"{API}/courses/{course['id']}/announcements"
    assert client.post(path, json={"title": "Hi"}).status_code == 401
    assert client.post(path, json={"title": "Hi"}, headers=people["ann"]).status_code == 403
    assert client.post(path, json={"title": "Hi"}, headers=people["oscar"]).status_code == 403
    assert client.post(f"{API}/courses/999999/announcements", json={"title": "Hi"},
                       headers=people["ivy"]).status_code == 404
    bad = client.post(path, json={"title": ""}, headers=people["ivy"])
    assert bad.status_code == 400 and bad.json["error"]["details"]
    made = client.post(path, json={"title": "Welcome", "content": "<p>Hello</p><script>x</script>"},
                       headers=people["ivy"])
    assert made.status_code == 201, made.json
    announcement = made.json["data"]
    assert announcement["author_id"] == people.ids["ivy"] and "<script>" not in announcement["content"]
    # Nobody is told during the request; the fan-out job tells every student.
    assert [n["type"] for n in _notifications(client, people)["data"]] == ["enrollment.created"]
    while run_due_jobs(app):  # the fan-out, then the mail jobs it queued
        pass
    for who in ("ann", "bob"):
        [item] = [n for n in _notifications(client, people, who)["data"] if n["type"] == "announcement.posted"]
        assert item["title"] == "Welcome"
    assert sorted(m["to"] for m in mailbox.SENT if m["subject"] == "Welcome") == ["ann@example.org", "bob@example.org"]
    listed = client.get(path, headers=people["ann"])
    assert listed.status_code == 200 and [a["id"] for a in listed.json["data"]] == [announcement["id"]]
    assert client.get(path).status_code == 401
    assert client.get(path, headers=people["admin"]).status_code == 200
    one = f"{API}/announcements/{announcement['id']}"
    assert client.patch(one, json={"title": "x"}).status_code == 401
    assert client.patch(one, json={"title": "x"}, headers=people["ann"]).status_code == 403
    assert client.patch(one, json={"title": ""}, headers=people["ivy"]).status_code == 400
    edited = client.patch(one, json={"title": "Welcome!"}, headers=people["ivy"])
    assert edited.status_code == 200 and edited.json["data"]["title"] == "Welcome!"
    assert client.delete(one, headers=people["oscar"]).status_code == 403
    assert client.delete(one, headers=people["ivy"]).status_code == 200
    assert client.delete(one, headers=people["ivy"]).status_code == 404
    assert client.get(path, headers=people["ann"]).json["data"] == []


def test_the_fan_out_goes_in_batches(client: Client, app: LearnomyApp, people: People,
                                     make_course: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from learnomy.controllers.communication import announcements

    monkeypatch.setattr(announcements, "BATCH", 2)
    course = make_course()
    enrollments = app.tables["lrn_enrollments"]
    with app.storage.engine.begin() as db:  # seven students, straight in the database
        db.execute(sa.insert(enrollments), [
            {"user_id": 1000 + n, "course_id": course["id"], "status": "active", "source": "manual",
             "enrolled_at": datetime(2026, 1, 1), "progress_percent": 0, "live_key": f"{1000 + n}:{course['id']}"}
            for n in range(7)])
    made = client.post(f"{API}/courses/{course['id']}/announcements", json={"title": "News"}, headers=people["ivy"])
    assert made.status_code == 201
    runs = 0
    while run_due_jobs(app):
        runs += 1
    notifications = app.tables["lrn_notifications"]
    with app.storage.engine.connect() as db:
        users = sorted(db.execute(sa.select(notifications.c.user_id).where(
            notifications.c.type == "announcement.posted")).scalars())
    assert users == [1000 + n for n in range(7)]  # each once
    jobs = app.tables["lrn_jobs"]
    with app.storage.engine.connect() as db:
        fanouts = db.execute(sa.select(sa.func.count()).select_from(jobs).where(
            jobs.c.kind == "announcement.fanout")).scalar_one()
    assert fanouts == 4  # 2 + 2 + 2 + 1


def test_a_lesson_opening_after_enrollment_is_announced_then(client: Client, app: LearnomyApp, people: People,
                                                            make_course: Callable[..., Any]) -> None:
    from datetime import timedelta, timezone

    course = make_course(drip_mode="after_enrollment", lessons=2)
    first, second = course["lesson_ids"]
    client.patch(f"{API}/lessons/{first}", json={"drip_days": 2}, headers=people["ivy"])
    enroll(client, people, course)
    enroll(client, people, course, "bob")
    client.delete(f"{API}/enrollments/{_enrollment_of(app, people.ids['bob'])}", headers=people["admin"])
    assert run_due_jobs(app) == 0  # not open yet
    soon = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=2, minutes=1)
    assert run_due_jobs(app, now=soon) == 2
    opened = [n for n in _notifications(client, people)["data"] if n["type"] == "lesson.unlocked"]
    assert [(n["data"]["lesson_id"], n["title"]) for n in opened] == [(first, "A lesson is open")]
    assert "Lesson 1 is open now." == opened[0]["body"]
    assert [n for n in _notifications(client, people, "bob")["data"] if n["type"] == "lesson.unlocked"] == []


def _enrollment_of(app: LearnomyApp, user_id: int) -> int:
    enrollments = app.tables["lrn_enrollments"]
    with app.storage.engine.connect() as db:
        return int(db.execute(sa.select(enrollments.c.id).where(enrollments.c.user_id == user_id)).scalar_one())


def test_racing_preference_updates_leave_one_row(make_app: Callable[..., LearnomyApp], people: People) -> None:
    from tests.racing import race

    clients = [Client(make_app()) for _ in range(4)]
    answers = race([lambda c=c, n=n: c.put(f"{API}/me/notification-preferences",
                                           json={"enrollment.created": {"email": n % 2 == 0}},
                                           headers=people["ann"]).status_code
                    for n, c in enumerate(clients)])
    assert answers == [200] * 4
    prefs = clients[0].application.tables["lrn_notification_prefs"]  # type: ignore[attr-defined]
    with clients[0].application.storage.engine.connect() as db:  # type: ignore[attr-defined]
        assert db.execute(sa.select(sa.func.count()).select_from(prefs)).scalar_one() == 1
