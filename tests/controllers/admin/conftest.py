"""Administration fixtures: an app where plain HTTP may carry Basic auth (to show
application passwords refused), a learner with records in every area."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp

API = "/wp-json/learnomy/v1"
STUDENTS = f"{API}/admin/students"


@pytest.fixture
def app(make_app: Callable[..., LearnomyApp]) -> LearnomyApp:
    return make_app(environment="development")


def add_order(app: LearnomyApp, user_id: int, total: int, currency: str = "USD", *, status: str = "completed",
              refunded: int = 0, at: datetime = datetime(2026, 11, 2, 10, 0)) -> int:
    """An order straight in the database (what commerce leaves behind)."""
    orders = app.tables["lrn_orders"]
    with app.storage.engine.begin() as db:
        return int(db.execute(sa.insert(orders).values(
            user_id=user_id, status=status, items=[], subtotal=total, discount=0, total=total,
            refunded_total=refunded, currency=currency, gateway="manual", created_at=at,
            completed_at=at if status != "pending" else None)).inserted_primary_key[0])


def add_attempt(app: LearnomyApp, user_id: int, course_id: int) -> int:
    """A graded quiz attempt straight in the database."""
    attempts = app.tables["lrn_attempts"]
    with app.storage.engine.begin() as db:
        return int(db.execute(sa.insert(attempts).values(
            quiz_id=1, course_id=course_id, user_id=user_id, status="graded", started_at=datetime(2026, 11, 2),
            submitted_at=datetime(2026, 11, 2), questions=[], answers={}, grades={}, score=1.0, max_score=1.0,
            percent=100.0, passed=True)).inserted_primary_key[0])


@pytest.fixture
def learner(client: Client, people: Any, make_course: Callable[..., dict[str, Any]], app: LearnomyApp) -> dict[str, Any]:
    """Ann, enrolled in two courses, one lesson done, a certificate, a review, orders in two currencies."""
    first, second = make_course(lessons=2), make_course(lessons=1)
    ann = people["ann"]
    for course in (first, second):
        assert client.post(f"{API}/courses/{course['id']}/enroll", headers=ann).status_code in (200, 201)
    assert client.post(f"{API}/lessons/{first['lesson_ids'][0]}/complete", headers=ann).status_code == 200
    certificate = client.post(f"{API}/certificates", json={"user_id": people.ids["ann"], "course_id": first["id"]},
                              headers=people["admin"])
    assert certificate.status_code == 201, certificate.json
    review = client.post(f"{API}/courses/{first['id']}/reviews", json={"rating": 4, "content": "I am Ann, from Leeds."},
                         headers=ann)
    assert review.status_code == 201, review.json
    orders = [add_order(app, people.ids["ann"], 5000), add_order(app, people.ids["ann"], 3000, refunded=1000),
              add_order(app, people.ids["ann"], 900, "EUR"), add_order(app, people.ids["ann"], 700, status="pending")]
    attempt = add_attempt(app, people.ids["ann"], first["id"])
    return {"courses": [first, second], "certificate": certificate.json["data"], "review": review.json["data"],
            "orders": orders, "attempt": attempt}
