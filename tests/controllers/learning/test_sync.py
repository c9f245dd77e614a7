"""Offline sync: ordering, replay, partial failure and clock skew."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

API = "/wp-json/learnomy/v1"
SYNC = f"{API}/progress/sync"


def at(**delta: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def item(kind: str, **fields) -> dict:
    return {"client_id": str(uuid.uuid4()), "type": kind, "occurred_at": at(minutes=-10), **fields}


@pytest.fixture
def course(client: Client, people, make_course):
    course = make_course(lessons=2)
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    return course


def sync(client: Client, people, *items, who: str = "ann"):
    response = client.post(SYNC, json={"items": list(items)}, headers=people[who])
    assert response.status_code == 200, response.json
    return response.json["data"]


def test_completions_apply_and_report_canonical_state(client: Client, people, course) -> None:
    first, second = course["lesson_ids"]
    data = sync(client, people, item("lesson_complete", lesson_id=first, occurred_at=at(hours=-2)),
                item("lesson_complete", lesson_id=second))
    assert [r["status"] for r in data["results"]] == ["applied", "applied"]
    assert data["state"]["courses"][str(course["id"])] == {"progress_percent": 100, "completed": True}
    assert data["state"]["lessons"][str(first)]["completed"] is True


def test_replaying_a_client_id_changes_nothing(client: Client, people, course) -> None:
    once = item("lesson_position", lesson_id=course["lesson_ids"][0], position=30)
    first = sync(client, people, once)["results"][0]
    later = item("lesson_position", lesson_id=course["lesson_ids"][0], position=50, occurred_at=at(minutes=-1))
    sync(client, people, later)
    replay = sync(client, people, once)["results"][0]
    assert replay["status"] == "duplicate" and replay["original_status"] == first["status"] == "applied"
    assert replay["recorded_at"] == first["recorded_at"]
    data = sync(client, people, item("lesson_position", lesson_id=course["lesson_ids"][0], position=1,
                                     occurred_at=at(hours=-5)))
    assert data["results"][0]["status"] == "superseded"
    assert data["state"]["lessons"][str(course["lesson_ids"][0])]["position"] == 50


def test_latest_occurred_at_wins_within_one_batch(client: Client, people, course) -> None:
    lesson = course["lesson_ids"][0]
    newer = item("lesson_position", lesson_id=lesson, position=80, occurred_at=at(minutes=-1))
    older = item("lesson_position", lesson_id=lesson, position=20, occurred_at=at(minutes=-30))
    data = sync(client, people, newer, older)
    assert [r["status"] for r in data["results"]] == ["applied", "superseded"]
    assert data["state"]["lessons"][str(lesson)]["position"] == 80


def test_a_duplicate_from_another_device_is_recognised(client: Client, people, course) -> None:
    shared = item("lesson_complete", lesson_id=course["lesson_ids"][0])
    sync(client, people, shared)
    assert sync(client, people, shared)["results"][0]["status"] == "duplicate"


def test_a_replay_answers_the_outcome_and_the_current_state(client: Client, people, course) -> None:
    """The first answer was lost: the replay brings the outcome and the state it would have shown."""
    first, second = course["lesson_ids"]
    completed = item("lesson_complete", lesson_id=first)
    position = item("lesson_position", lesson_id=second, position=30)
    original = sync(client, people, completed, position)
    sync(client, people, item("lesson_position", lesson_id=second, position=45, occurred_at=at(minutes=-1)))
    replay = sync(client, people, completed, position)
    assert [r["status"] for r in replay["results"]] == ["duplicate", "duplicate"]
    assert [r["original_status"] for r in replay["results"]] == [r["status"] for r in original["results"]]
    state = replay["state"]
    assert state["lessons"][str(first)] == original["state"]["lessons"][str(first)]
    assert state["lessons"][str(first)]["completed"] is True
    assert state["lessons"][str(second)]["position"] == 45  # as it stands now, not as it stood
    assert state["courses"][str(course["id"])] == {"progress_percent": 50, "completed": False}


def test_items_fail_alone(client: Client, people, course, make_course) -> None:
    foreign = make_course("oscar")
    data = sync(client, people,
                item("lesson_complete", lesson_id=course["lesson_ids"][0]),
                item("lesson_complete", lesson_id=foreign["lesson_ids"][0]),
                item("lesson_complete", lesson_id=99999),
                item("lesson_complete"),
                {"type": "lesson_complete", "lesson_id": 1},
                item("quiz_attempt_submit", attempt_id=99999))
    statuses = [r["status"] for r in data["results"]]
    assert statuses == ["applied", "rejected", "rejected", "rejected", "rejected", "rejected"]
    assert data["results"][1]["error"]["code"] == "learnomy_not_enrolled"
    assert data["results"][2]["error"]["code"] == "learnomy_not_found"


def test_a_locked_lesson_is_refused_and_may_be_retried(client: Client, people, make_course) -> None:
    course = make_course(lessons=2, drip_mode="sequential")
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    blocked = item("lesson_complete", lesson_id=course["lesson_ids"][1])
    assert sync(client, people, blocked)["results"][0]["error"]["code"] == "learnomy_lesson_locked_sequential"
    sync(client, people, item("lesson_complete", lesson_id=course["lesson_ids"][0]))
    assert sync(client, people, blocked)["results"][0]["status"] == "applied"


def test_clock_skew(client: Client, people, course) -> None:
    lesson = course["lesson_ids"][0]
    slightly = item("lesson_position", lesson_id=lesson, position=5, occurred_at=at(minutes=3))
    ahead = item("lesson_position", lesson_id=lesson, position=6, occurred_at=at(hours=3))
    far = item("lesson_position", lesson_id=lesson, position=7, occurred_at=at(days=3))
    results = sync(client, people, slightly, ahead, far)["results"]
    assert results[0]["status"] == "applied" and results[0]["clamped"] is False
    assert results[1]["status"] == "applied" and results[1]["clamped"] is True
    assert results[2]["status"] == "rejected" and results[2]["error"]["code"] == "learnomy_occurred_at_in_future"


@pytest.mark.parametrize("body", [{}, {"items": []}, {"items": "nope"}, {"items": [{}] * 101}])
def test_bad_batches(client: Client, people, body: dict) -> None:
    assert client.post(SYNC, json=body, headers=people["ann"]).status_code == 400


def test_sync_needs_a_login(client: Client) -> None:
    assert client.post(SYNC, json={"items": [{}]}).status_code == 401


def test_an_offline_quiz_submission(client: Client, people, course) -> None:
    quiz = client.post(f"{API}/sections/{course['section_id']}/quizzes", json={"title": "Q"}, headers=people["ivy"]).json["data"]
    question = client.post(f"{API}/quizzes/{quiz['id']}/questions", json={
        "type": "true_false", "title": "Yes?", "answer": True}, headers=people["ivy"]).json["data"]
    attempt = client.post(f"{API}/quizzes/{quiz['id']}/attempts", headers=people["ann"]).json["data"]
    submit = item("quiz_attempt_submit", attempt_id=attempt["id"], answers={str(question["id"]): True})
    data = sync(client, people, submit)
    assert data["results"][0]["status"] == "applied"
    assert data["state"]["attempts"][str(attempt["id"])]["percent"] == 100
    again = item("quiz_attempt_submit", attempt_id=attempt["id"], answers={str(question["id"]): False})
    assert sync(client, people, again)["results"][0]["status"] == "superseded"
    bobs = sync(client, people, item("quiz_attempt_submit", attempt_id=attempt["id"]), who="bob")
    assert bobs["results"][0]["status"] == "rejected"


@pytest.fixture
def timed_attempt(client: Client, people, course):
    """ann's attempt at a one-question quiz with a time limit, and the question's id."""
    quiz = client.post(f"{API}/sections/{course['section_id']}/quizzes", json={"title": "Q", "time_limit_minutes": 5},
                       headers=people["ivy"]).json["data"]
    question = client.post(f"{API}/quizzes/{quiz['id']}/questions", json={
        "type": "true_false", "title": "Yes?", "answer": True}, headers=people["ivy"]).json["data"]
    attempt = client.post(f"{API}/quizzes/{quiz['id']}/attempts", headers=people["ann"]).json["data"]
    return attempt, question["id"]


def test_an_offline_submission_after_the_deadline_counts_what_was_saved(app, client: Client, people,
                                                                         timed_attempt) -> None:
    """occurred_at cannot carry answers past the deadline: graded as the attempt stood at it."""
    attempt, question_id = timed_attempt
    deadline = datetime.now(timezone.utc) - timedelta(minutes=1)
    with app.storage.engine.begin() as db:
        db.execute(sa.update(app.tables["lrn_attempts"]).values(deadline_at=deadline.replace(tzinfo=None)))
    back_dated = item("quiz_attempt_submit", attempt_id=attempt["id"], answers={str(question_id): True},
                      occurred_at=(deadline - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    data = sync(client, people, back_dated)
    assert data["results"][0]["status"] == "applied"
    assert data["state"]["attempts"][str(attempt["id"])]["percent"] == 0
    stored = client.get(f"{API}/attempts/{attempt['id']}", headers=people["ann"]).json["data"]
    assert stored["answers"] == {} and stored["status"] == "graded"


def test_a_replayed_submission_answers_the_attempt(client: Client, people, timed_attempt) -> None:
    attempt, question_id = timed_attempt
    submit = item("quiz_attempt_submit", attempt_id=attempt["id"], answers={str(question_id): True})
    sync(client, people, submit)
    replay = sync(client, people, submit)
    assert replay["results"][0]["status"] == "duplicate"
    assert replay["state"]["attempts"][str(attempt["id"])] == {"status": "graded", "score": 1.0, "percent": 100.0,
                                                             "passed": True}
