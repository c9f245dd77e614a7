"""Plans, subscriptions through manual payment, and the course access they open and close."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.controllers.commerce.conftest import API, post
from tests.plugins import acme


@pytest.fixture
def plan(client: Client, people: Any) -> Any:
    def factory(**fields: Any) -> dict[str, Any]:
        response = post(client, "/membership-plans", people["admin"],
                        **{"name": "Gold", "price": 1500, "currency": "USD", "interval": "month", **fields})
        assert response.status_code == 201, response.json
        return response.json["data"]
    return factory


def buy(client: Client, people: Any, who: str, plan_id: int) -> dict[str, Any]:
    order = post(client, "/checkout", people[who], items=[{"type": "plan", "id": plan_id}], gateway="manual")
    assert order.status_code == 201, order.json
    done = post(client, f"/orders/{order.json['data']['id']}/complete", people["admin"])
    assert done.status_code == 200, done.json
    return done.json["data"]


def age(app: LearnomyApp, subscription_id: int, **columns: Any) -> None:
    with app.storage.engine.begin() as db:
        subs = app.storage.tables["lrn_subscriptions"]
        db.execute(sa.update(subs).where(subs.c.id == subscription_id).values(**columns))


def test_plans_are_public_to_read_and_admin_to_write(client: Client, people: Any, plan: Any) -> None:
    gold = plan(course_ids=[])
    assert client.get(f"{API}/membership-plans").json["data"][0]["slug"] == "gold"
    assert client.get(f"{API}/membership-plans/{gold['id']}").status_code == 200
    assert client.post(f"{API}/membership-plans", json={"name": "X"}).status_code == 401
    assert post(client, "/membership-plans", people["ivy"], name="X", price=1, currency="USD").status_code == 403
    bad = post(client, "/membership-plans", people["admin"], name="X", price=-1, currency="USD", interval="hour")
    assert bad.status_code == 400 and {d["param"] for d in bad.json["error"]["details"]} == {"price", "interval"}
    assert post(client, "/membership-plans", people["admin"], name="Y", price=1, currency="USD",
                course_ids=[999999]).status_code == 400
    assert client.patch(f"{API}/membership-plans/{gold['id']}", json={"price": 1800},
                        headers=people["admin"]).json["data"]["price"] == 1800
    assert client.patch(f"{API}/membership-plans/{gold['id']}", json={"price": 1},
                        headers=people["ann"]).status_code == 403
    retired = client.delete(f"{API}/membership-plans/{gold['id']}", headers=people["admin"])
    assert retired.status_code == 200 and retired.json["data"]["previous"]["status"] == "active"
    assert client.get(f"{API}/membership-plans").json["data"] == []
    assert client.get(f"{API}/membership-plans/{gold['id']}").status_code == 404
    assert client.get(f"{API}/membership-plans/{gold['id']}", headers=people["admin"]).json["data"]["status"] == "retired"


def test_a_membership_opens_its_courses_and_closes_them_when_it_ends(
        client: Client, app: LearnomyApp, people: Any, plan: Any, make_course: Any) -> None:
    granted, other = make_course(price_type="membership"), make_course(price_type="membership")
    gold = plan(course_ids=[granted["id"]])
    assert client.post(f"{API}/courses/{granted['id']}/enroll", headers=people["ann"]).status_code == 402
    buy(client, people, "ann", gold["id"])
    sub = client.get(f"{API}/subscriptions", headers=people["ann"]).json["data"][0]
    assert (sub["status"], sub["plan_id"], sub["gateway"]) == ("active", gold["id"], "manual")
    assert "subscription.created" in [name for name, _ in acme.EVENTS]
    enrolled = client.post(f"{API}/courses/{granted['id']}/enroll", headers=people["ann"])
    assert enrolled.status_code == 201 and enrolled.json["data"]["source"] == "membership"
    assert client.post(f"{API}/courses/{other['id']}/enroll", headers=people["ann"]).status_code == 402
    lesson = f"{API}/lessons/{granted['lesson_ids'][0]}"
    assert client.get(lesson, headers=people["ann"]).status_code == 200
    # Retiring the plan lets the subscription run on.
    client.delete(f"{API}/membership-plans/{gold['id']}", headers=people["admin"])
    assert client.get(lesson, headers=people["ann"]).status_code == 200
    # Cancel at period end: still open until the end, then closed.
    assert post(client, f"/subscriptions/{sub['id']}/cancel", people["bob"]).status_code == 404
    cancelled = post(client, f"/subscriptions/{sub['id']}/cancel", people["ann"])
    assert cancelled.status_code == 200 and cancelled.json["data"]["cancel_at_period_end"] is True
    assert post(client, f"/subscriptions/{sub['id']}/cancel", people["ann"]).status_code == 409
    resumed = post(client, f"/subscriptions/{sub['id']}/resume", people["ann"])
    assert resumed.json["data"]["cancel_at_period_end"] is False
    post(client, f"/subscriptions/{sub['id']}/cancel", people["ann"])
    assert client.get(lesson, headers=people["ann"]).status_code == 200
    from learnomy.controllers.catalog import now as clock
    age(app, sub["id"], current_period_end=clock() - timedelta(seconds=1))
    closed = client.get(lesson, headers=people["ann"])
    assert closed.status_code == 403 and closed.json["error"]["code"] == "learnomy_enrollment_expired"
    assert client.get(f"{API}/subscriptions/{sub['id']}", headers=people["ann"]).json["data"]["status"] == "cancelled"
    assert post(client, f"/subscriptions/{sub['id']}/resume", people["ann"]).status_code == 409


def test_a_manual_renewal_extends_the_period(client: Client, app: LearnomyApp, people: Any, plan: Any) -> None:
    gold = plan(interval="year", interval_count=1)
    buy(client, people, "ann", gold["id"])
    first = client.get(f"{API}/subscriptions", headers=people["ann"]).json["data"][0]
    buy(client, people, "ann", gold["id"])
    subs = client.get(f"{API}/subscriptions", headers=people["ann"]).json["data"]
    assert len(subs) == 1 and subs[0]["current_period_start"] == first["current_period_end"]
    assert int(subs[0]["current_period_end"][:4]) == int(first["current_period_end"][:4]) + 1
    assert "subscription.renewed" in [name for name, _ in acme.EVENTS]


def test_a_trial_then_a_lifetime_plan(client: Client, people: Any, plan: Any) -> None:
    trial = plan(name="Trial", trial_days=7, interval="week")
    buy(client, people, "ann", trial["id"])
    assert client.get(f"{API}/subscriptions", headers=people["ann"]).json["data"][0]["status"] == "trialing"
    forever = plan(name="Forever", interval="lifetime", all_courses=True)
    buy(client, people, "bob", forever["id"])
    sub = client.get(f"{API}/subscriptions", headers=people["bob"]).json["data"][0]
    assert sub["status"] == "active" and sub["current_period_end"] is None


def test_subscriptions_are_their_owners_and_admins(client: Client, people: Any, plan: Any) -> None:
    gold = plan()
    buy(client, people, "ann", gold["id"])
    sub = client.get(f"{API}/subscriptions", headers=people["ann"]).json["data"][0]
    assert client.get(f"{API}/subscriptions").status_code == 401
    assert client.get(f"{API}/subscriptions/{sub['id']}").status_code == 401
    assert client.get(f"{API}/subscriptions/{sub['id']}", headers=people["bob"]).status_code == 404
    assert client.get(f"{API}/subscriptions", headers=people["bob"]).json["data"] == []
    assert client.get(f"{API}/subscriptions", headers=people["admin"]).json["meta"]["total"] == 1
    assert client.patch(f"{API}/subscriptions/{sub['id']}", json={"status": "expired"},
                        headers=people["ann"]).status_code == 403
    assert client.patch(f"{API}/subscriptions/{sub['id']}", json={"status": "gone"},
                        headers=people["admin"]).status_code == 400
    ended = client.patch(f"{API}/subscriptions/{sub['id']}", json={"status": "expired"}, headers=people["admin"])
    assert ended.status_code == 200 and ended.json["data"]["status"] == "expired"
    assert "subscription.expired" in [name for name, _ in acme.EVENTS]


def test_a_refunded_plan_order_ends_the_subscription(client: Client, people: Any, plan: Any) -> None:
    gold = plan()
    order = buy(client, people, "ann", gold["id"])
    refund = post(client, f"/orders/{order['id']}/refund", people["admin"], reason="changed mind")
    assert refund.status_code == 200 and refund.json["data"]["status"] == "refunded"
    assert client.get(f"{API}/subscriptions", headers=people["ann"]).json["data"][0]["status"] == "cancelled"


def test_a_worker_ends_a_period_nobody_renewed(client: Client, app: LearnomyApp, people: Any, plan: Any) -> None:
    from learnomy_core.jobs import run_due_jobs
    from learnomy.controllers.catalog import parse_time

    gold, silver = plan(interval="month"), plan(name="Silver", interval="week")
    buy(client, people, "ann", gold["id"])
    buy(client, people, "bob", silver["id"])
    first = client.get(f"{API}/subscriptions", headers=people["ann"]).json["data"][0]
    end = parse_time(first["current_period_end"])
    assert end is not None
    # Ann renews (a second manual order): her first period's job changes nothing.
    buy(client, people, "ann", gold["id"])
    bob = client.get(f"{API}/subscriptions", headers=people["bob"]).json["data"][0]
    post(client, f"/subscriptions/{bob['id']}/cancel", people["bob"])
    acme.EVENTS.clear()
    # Only the period-end jobs: the orders and events also queued mail and notifications.
    period_end = ["commerce.subscription_period_end"]
    assert run_due_jobs(app, kinds=period_end, now=end + timedelta(seconds=1)) == 2
    assert client.get(f"{API}/subscriptions", headers=people["ann"]).json["data"][0]["status"] == "active"
    with app.storage.engine.connect() as db:
        subs = app.storage.tables["lrn_subscriptions"]
        stored = {int(r.user_id): r.status for r in db.execute(sa.select(subs))}
    assert stored == {people.ids["ann"]: "active", people.ids["bob"]: "cancelled"}
    assert [(name, data["id"]) for name, data in acme.EVENTS] == [("subscription.expired", bob["id"])]
    # The renewed period ends in its turn.
    later = parse_time(client.get(f"{API}/subscriptions", headers=people["ann"]).json["data"][0]["current_period_end"])
    assert later is not None and run_due_jobs(app, kinds=period_end, now=later + timedelta(seconds=1)) == 1
    with app.storage.engine.connect() as db:
        assert db.execute(sa.select(subs.c.status).where(subs.c.user_id == people.ids["ann"])).scalar_one() == "expired"
