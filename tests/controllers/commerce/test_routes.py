"""Every commerce route: anonymous callers, wrong roles, the registry, the hooks."""

from __future__ import annotations

import re
import types
from typing import Any

import pytest
from werkzeug.test import Client

from learnomy_core import LearnomyApp, create_app, hookimpl
from tests.conftest import ALL_PLUGINS, FREE
from tests.controllers.commerce.conftest import API, configure, post

PUBLIC = {("GET", "membership-plans"), ("GET", "membership-plans/{id}"), ("GET", "payment-gateways"),
          ("POST", "payments/stripe/webhook")}


def _routes() -> list[tuple[str, str]]:
    app = create_app(plugins=ALL_PLUGINS, database_url="sqlite://")
    rows = [(m, re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", row["route"]).lstrip("/"))
            for row in app.registry.entries() if row["plugin"] == "commerce" for m in row["methods"]]
    app.storage.dispose()
    return sorted(rows)


ROUTES = _routes()
# Routes only administrators may use, with the answer a student gets (404 where the
# resource is someone else's and so unknown to them, 403 where it is not a resource).
ADMIN_ONLY = [(m, r) for m, r in ROUTES if (m, r) in {
    ("POST", "membership-plans"), ("PATCH", "membership-plans/{id}"), ("DELETE", "membership-plans/{id}"),
    ("GET", "coupons"), ("POST", "coupons"), ("GET", "coupons/{id}"), ("PATCH", "coupons/{id}"),
    ("DELETE", "coupons/{id}"), ("GET", "commissions/settings"), ("PUT", "commissions/settings"),
    ("GET", "earnings"), ("GET", "earnings/summary"), ("GET", "withdrawals"), ("POST", "withdrawals"),
    ("GET", "me/withdrawal-method"), ("PUT", "me/withdrawal-method")}]


# ENDPOINTS.md's Commerce table, row by row.
TABLE = {
    ("GET", "membership-plans"),
    ("POST", "membership-plans"),
    ("GET", "membership-plans/{id}"),
    ("PATCH", "membership-plans/{id}"),
    ("DELETE", "membership-plans/{id}"),
    ("GET", "subscriptions"),
    ("GET", "subscriptions/{id}"),
    ("PATCH", "subscriptions/{id}"),
    ("POST", "subscriptions/{id}/cancel"),
    ("POST", "subscriptions/{id}/resume"),
    ("POST", "checkout"),
    ("GET", "orders"),
    ("GET", "orders/{id}"),
    ("POST", "orders/{id}/complete"),
    ("POST", "orders/{id}/refund"),
    ("GET", "payment-gateways"),
    ("POST", "payments/stripe/webhook"),
    ("GET", "coupons"),
    ("POST", "coupons"),
    ("GET", "coupons/{id}"),
    ("PATCH", "coupons/{id}"),
    ("DELETE", "coupons/{id}"),
    ("POST", "coupons/validate"),
    ("GET", "earnings"),
    ("GET", "earnings/summary"),
    ("GET", "commissions/settings"),
    ("PUT", "commissions/settings"),
    ("GET", "withdrawals"),
    ("POST", "withdrawals"),
    ("GET", "withdrawals/{id}"),
    ("POST", "withdrawals/{id}/approve"),
    ("POST", "withdrawals/{id}/reject"),
    ("POST", "withdrawals/{id}/cancel"),
    ("GET", "me/withdrawal-method"),
    ("PUT", "me/withdrawal-method"),
}


def test_the_commerce_table_is_registered() -> None:
    assert len(TABLE) == 35 and TABLE <= set(ROUTES)
    # Besides: WordPress's EDITABLE, POST and PUT alongside each PATCH.
    assert {r for m, r in set(ROUTES) - TABLE} == {r for m, r in TABLE if m == "PATCH"}


@pytest.mark.parametrize("method, route", [r for r in ROUTES if r not in PUBLIC])
def test_anonymous_callers_get_401(client: Client, method: str, route: str) -> None:
    response = client.open(f"{API}/{route.replace('{id}', '1')}", method=method, json={"bad": "input"})
    assert response.status_code == 401 and response.json["error"]["code"] == "rest_not_logged_in"


# Valid bodies: arguments are checked before the role (as in WordPress), so a bad one would answer 400.
BODIES = {
    ("POST", "coupons"): {"code": "X", "type": "percent", "amount": 5},
    ("POST", "membership-plans"): {"name": "X", "price": 1, "currency": "USD"},
    ("POST", "withdrawals"): {"amount": 100, "currency": "USD"},
    ("PUT", "me/withdrawal-method"): {"type": "other", "details": {}},
}


@pytest.mark.parametrize("method, route", ADMIN_ONLY)
def test_students_are_refused_the_staff_routes(client: Client, people: Any, method: str, route: str) -> None:
    response = client.open(f"{API}/{route.replace('{id}', '1')}", method=method,
                           json=BODIES.get((method, route), {}), headers=people["ann"])
    assert response.status_code in (403, 404), response.json


def test_the_stripe_webhook_is_404_until_stripe_is_configured(client: Client) -> None:
    assert client.post(f"{API}/payments/stripe/webhook", json={}).status_code == 404


def test_a_plugins_instructor_rate_applies_below_course_overrides(make_app: Any, people: Any, paid_course: Any) -> None:
    rules = types.ModuleType("rate_rules")

    @hookimpl
    def learnomy_instructor_rate(request: Any, instructor_id: int, course_id: int) -> Any:
        return 50 if instructor_id == people.ids["oscar"] else None

    rules.learnomy_instructor_rate = learnomy_instructor_rate  # type: ignore[attr-defined]
    app: LearnomyApp = make_app(plugins=[*FREE, rules])
    client = Client(app)
    configure(app, commissions={"instructor_rate": 80})
    course, overridden = paid_course(1000), paid_course(1000)
    client.post(f"{API}/courses/{course['id']}/instructors", json={"user_id": people.ids["oscar"]},
                headers=people["ivy"])
    client.post(f"{API}/courses/{overridden['id']}/instructors", json={"user_id": people.ids["oscar"]},
                headers=people["ivy"])
    configure(app, commissions={"course_overrides": [{"course_id": overridden["id"], "instructor_rate": 60}]})
    for item in (course, overridden):
        order = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": item["id"]}],
                     gateway="manual").json["data"]
        assert post(client, f"/orders/{order['id']}/complete", people["admin"]).status_code == 200
    oscar = {e["course_id"]: e["net"] for e in client.get(f"{API}/earnings", headers=people["oscar"]).json["data"]}
    ivy = {e["course_id"]: e["net"] for e in client.get(f"{API}/earnings", headers=people["ivy"]).json["data"]}
    # 500 each: Oscar 50 % by the plugin's rule, Ivy the global 80 %; the course override (60 %) wins for both.
    assert (oscar, ivy) == ({course["id"]: 250, overridden["id"]: 300}, {course["id"]: 400, overridden["id"]: 300})
