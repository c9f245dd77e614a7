"""Membership analytics against figures worked out by hand.

Plans: Monthly (USD 10.00 a month), Yearly (USD 120.00 a year: 10.00 a month),
Weekly (EUR 2.99 a week: 299 * 52 / 12 = 1295.67 a month), Quarterly (EUR 30.00
every 3 months: 10.00 a month) and Lifetime (no recurring revenue).
Memberships around the end of January 2026; user ids are plain numbers (the
analytics never read the users).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.conftest import recorded_statements

API = "/wp-json/learnomy-pro/v1/analytics/memberships"
ROUTES = ["overview", "timeseries", "plans", "retention"]
FOREVER = "2099-01-01 00:00:00"

# name: (price, currency, interval, interval_count)
PLANS = {"monthly": (1000, "USD", "month", 1), "yearly": (12000, "USD", "year", 1),
         "weekly": (299, "EUR", "week", 1), "quarterly": (3000, "EUR", "month", 3),
         "lifetime": (50000, "USD", "lifetime", 1)}
# (user, plan, status, created_at, current_period_end, trial_ends_at)
SUBSCRIPTIONS = [
    (1, "monthly", "active", "2026-01-10 09:00:00", FOREVER, None),
    (2, "yearly", "active", "2026-01-20 09:00:00", FOREVER, None),
    (3, "weekly", "cancelled", "2026-01-05 09:00:00", "2026-02-14 12:00:00", None),
    (4, "monthly", "expired", "2025-12-15 09:00:00", "2026-01-31 23:59:59", None),
    (5, "quarterly", "active", "2026-02-01 00:00:00", FOREVER, None),
    (6, "monthly", "trialing", "2026-02-10 09:00:00", FOREVER, FOREVER),
    (7, "lifetime", "active", "2026-02-20 09:00:00", None, None),
    (1, "weekly", "active", "2026-02-05 09:00:00", FOREVER, None),
    (8, "monthly", "pending", "2026-01-15 09:00:00", None, None),
    (9, "monthly", "expired", "2026-03-01 00:00:00", "2026-04-01 00:00:00", None),
    (10, "weekly", "active", "2026-02-25 09:00:00", FOREVER, None),
]


def at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@pytest.fixture
def members(app: LearnomyApp) -> dict[str, int]:
    plans, subs = app.tables["lrn_membership_plans"], app.tables["lrn_subscriptions"]
    ids: dict[str, int] = {}
    with app.storage.engine.begin() as db:
        for name, (price, currency, interval, count) in PLANS.items():
            ids[name] = int(db.execute(sa.insert(plans).values(
                name=name.title(), slug=name, description="", price=price, currency=currency, interval=interval,
                interval_count=count, trial_days=0, all_courses=True, course_ids=[], status="active",
                created_at=at("2025-01-01 00:00:00"))).inserted_primary_key[0])
        db.execute(sa.insert(subs), [
            {"user_id": user, "plan_id": ids[plan], "status": status, "created_at": at(created),
             "current_period_start": at(created), "current_period_end": at(end), "trial_ends_at": at(trial),
             "cancel_at_period_end": False, "gateway": "manual"}
            for user, plan, status, created, end, trial in SUBSCRIPTIONS])
    return ids


def get(client: Client, people: Any, path: str, who: str = "admin") -> Any:
    return client.get(f"{API}/{path}", headers=people[who])


def money(**amounts: int) -> list[dict[str, Any]]:
    return [{"currency": c, "amount": a} for c, a in sorted(amounts.items())]


def test_timeseries_by_month(client: Client, people: Any, members: dict[str, int]) -> None:
    response = get(client, people, "timeseries?interval=month&from=2026-01-01&to=2026-03-31")
    assert response.status_code == 200, response.json
    points = [{k: p[k] for k in ("period_start", "active_members", "new_members", "cancellations", "churn_rate",
                                 "mrr", "arpu")} for p in response.json["data"]["points"]]
    assert points == [
        # Active on 1 January: user 4 only; they leave at the last second of January.
        {"period_start": "2026-01-01T00:00:00Z", "active_members": 4, "new_members": 3, "cancellations": 1,
         "churn_rate": 100.0, "mrr": money(EUR=2296, USD=2000), "arpu": money(EUR=1148, USD=1000)},
        # Two weekly memberships (2591.33) and a quarterly one (1000), rounded once: 3591.
        {"period_start": "2026-02-01T00:00:00Z", "active_members": 7, "new_members": 5, "cancellations": 1,
         "churn_rate": 25.0, "mrr": money(EUR=3591, USD=3000), "arpu": money(EUR=1197, USD=1000)},
        {"period_start": "2026-03-01T00:00:00Z", "active_members": 6, "new_members": 1, "cancellations": 0,
         "churn_rate": 0.0, "mrr": money(EUR=3591, USD=2000), "arpu": money(EUR=1197, USD=1000)},
    ]


def test_timeseries_by_day_at_midnight(client: Client, people: Any, members: dict[str, int]) -> None:
    data = get(client, people, "timeseries?from=2026-01-31&to=2026-02-01").json["data"]
    assert [(p["period_start"][:10], p["active_members"], p["new_members"], p["cancellations"], p["churn_rate"])
            for p in data["points"]] == [("2026-01-31", 4, 0, 1, 25.0), ("2026-02-01", 4, 1, 0, 0.0)]


def test_an_empty_period_has_its_point(client: Client, people: Any, members: dict[str, int]) -> None:
    data = get(client, people, "timeseries?interval=week&from=2025-11-03&to=2025-11-09").json["data"]
    assert data["points"] == [{"period_start": "2025-11-03T00:00:00Z", "active_members": 0, "new_members": 0,
                               "cancellations": 0, "churn_rate": None, "mrr": [], "arpu": []}]


def test_overview(client: Client, people: Any, members: dict[str, int]) -> None:
    data = get(client, people, "overview?from=2026-02-01&to=2026-02-28").json["data"]
    assert data == {"from": "2026-02-01T00:00:00Z", "to": "2026-03-01T00:00:00Z", "active_members": 7,
                    "new_members": 5, "cancellations": 1, "churn_rate": 25.0,
                    "mrr": money(EUR=3591, USD=3000), "arpu": money(EUR=1197, USD=1000)}


def test_overview_defaults_to_the_last_thirty_days(client: Client, people: Any, members: dict[str, int]) -> None:
    data = get(client, people, "overview").json["data"]
    # Now: users 1, 2, 5, 6, 7, 10 are members; 1 and 2 pay in USD, 1, 5 and 10 in EUR.
    assert (data["active_members"], data["new_members"], data["cancellations"]) == (6, 0, 0)
    assert data["mrr"] == money(EUR=3591, USD=2000) and data["arpu"] == money(EUR=1197, USD=1000)
    assert (datetime.fromisoformat(data["to"][:-1]) - datetime.fromisoformat(data["from"][:-1])).days == 30


def test_plans(client: Client, people: Any, members: dict[str, int]) -> None:
    rows = get(client, people, "plans?from=2026-02-01&to=2026-02-28").json["data"]
    figures = {r["name"]: (r["active_members"], r["new_members"], r["cancellations"], r["churn_rate"], r["mrr"])
               for r in rows}
    assert figures == {
        "Monthly": (3, 1, 0, 0.0, 2000),  # user 6 in trial pays nothing yet
        "Yearly": (1, 0, 0, 0.0, 1000),
        "Weekly": (2, 2, 1, 100.0, 2591),
        "Quarterly": (1, 1, 0, 0.0, 1000),
        "Lifetime": (1, 1, 0, None, 0),
    }
    assert [r["plan_id"] for r in rows] == sorted(members.values())


def test_retention_by_signup_month(client: Client, people: Any, members: dict[str, int]) -> None:
    rows = get(client, people, "retention?from=2025-12-01&to=2026-03-31&months=3").json["data"]
    assert [(r["cohort_month"][:7], r["members"], r["retained"]) for r in rows] == [
        ("2025-12", 1, [100.0, 0.0, 0.0]),
        ("2026-01", 3, [100.0, 66.67, 66.67]),
        ("2026-02", 4, [100.0, 100.0, 100.0]),
        ("2026-03", 1, [0.0, 0.0, 0.0]),
    ]


def test_retention_stops_at_the_last_month_that_ended(client: Client, people: Any, members: dict[str, int]) -> None:
    today = datetime.utcnow().date()
    rows = get(client, people, f"retention?from={today.isoformat()}").json["data"]
    assert rows == [{"cohort_month": f"{today.isoformat()[:7]}-01T00:00:00Z", "members": 0, "retained": []}]


# -- who may ask, and what is refused -----------------------------------------------------------

@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_callers_get_401(client: Client, route: str) -> None:
    response = client.get(f"{API}/{route}?from=nonsense")
    assert response.status_code == 401 and response.json["error"]["code"] == "rest_not_logged_in"


@pytest.mark.parametrize("who", ["ivy", "ann"])
@pytest.mark.parametrize("route", ROUTES)
def test_other_roles_get_403(client: Client, people: Any, route: str, who: str) -> None:
    response = get(client, people, route, who)
    assert response.status_code == 403 and response.json["error"]["code"] == "rest_forbidden"


@pytest.mark.parametrize("path, param, code", [
    ("timeseries?interval=day&from=2025-01-01&to=2026-01-02", "to", "rest_out_of_bounds"),
    ("timeseries?interval=quarter", "interval", "rest_not_in_enum"),
    ("overview?from=2026-02-30", "from", "rest_invalid_date"),
    ("plans?from=2026-02-02&to=2026-02-01", "to", "rest_invalid_param"),
    ("retention?from=2010-01-01&to=2020-12-31", "to", "rest_out_of_bounds"),
    ("retention?months=37", "months", "rest_out_of_bounds"),
])
def test_bad_input_is_400(client: Client, people: Any, path: str, param: str, code: str) -> None:
    response = get(client, people, path)
    assert response.status_code == 400, response.json
    assert [(d["param"], d["code"]) for d in response.json["error"]["details"]] == [(param, code)]


# -- the database does the sums ---------------------------------------------------------------

def _statements(app: LearnomyApp, client: Client, people: Any, path: str) -> int:
    with recorded_statements(app) as statements:
        response = get(client, people, path)
        assert response.status_code == 200, response.json
    return len(statements)


@pytest.mark.parametrize("paths", [
    ["timeseries?interval=day&from=2026-01-31&to=2026-01-31", "timeseries?interval=day&from=2025-03-01&to=2026-02-28",
     "timeseries?interval=month&from=2016-03-01&to=2026-02-28"],
    ["retention?from=2026-01-01&to=2026-01-31&months=1", "retention?from=2016-03-01&to=2026-02-28&months=36"],
    ["plans?from=2026-02-01", "plans"],
    ["overview?from=2026-02-01", "overview"],
])
def test_query_count_is_constant(app: LearnomyApp, client: Client, people: Any, members: dict[str, int],
                                 paths: list[str]) -> None:
    counts = [_statements(app, client, people, path) for path in paths]
    assert len(set(counts)) == 1, counts


# -- through the real purchase flow ---------------------------------------------------------------

def test_memberships_bought_and_refunded_through_the_api(client: Client, people: Any) -> None:
    free = "/wp-json/learnomy/v1"
    plan = client.post(f"{free}/membership-plans", headers=people["admin"], json={
        "name": "Yearly", "price": 11999, "currency": "EUR", "interval": "year"}).json["data"]
    orders = []
    for who in ("ann", "bob"):
        order = client.post(f"{free}/checkout", headers=people[who], json={
            "items": [{"type": "plan", "id": plan["id"]}], "gateway": "manual"})
        assert order.status_code == 201, order.json
        done = client.post(f"{free}/orders/{order.json['data']['id']}/complete", headers=people["admin"])
        assert done.status_code == 200, done.json
        orders.append(done.json["data"]["id"])
    data = get(client, people, "overview").json["data"]
    # 11999 / 12 = 999.92 a month each: 1999.83 for two, rounded once.
    assert (data["active_members"], data["new_members"]) == (2, 2)
    assert data["mrr"] == money(EUR=2000) and data["arpu"] == money(EUR=1000)
    # A full refund ends bob's membership now: a cancellation, and the MRR of one.
    refund = client.post(f"{free}/orders/{orders[1]}/refund", headers=people["admin"], json={})
    assert refund.status_code == 200, refund.json
    data = get(client, people, "overview").json["data"]
    assert (data["active_members"], data["cancellations"]) == (1, 1)
    assert data["mrr"] == money(EUR=1000)
    revenue = client.get(f"{free}/admin/reports/revenue?currency=EUR&interval=month",
                         headers=people["admin"]).json["data"]["points"][-1]
    assert (revenue["gross"], revenue["refunds"], revenue["net"], revenue["orders"]) == (23998, 11999, 11999, 2)
