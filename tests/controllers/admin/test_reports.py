"""Administration reports, against figures worked out by hand.

The fixture: orders in USD and EUR around the end of January 2026 (Saturday
31 January, Sunday 1 February, Monday 2 February: one ISO week across a month
boundary), refunds made in February of January orders, enrollments and
completions on both sides of midnight.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.conftest import recorded_statements

API = "/wp-json/learnomy/v1/admin/reports"
ROUTES = ["overview", "revenue", "enrollments", "courses"]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def shop(app: LearnomyApp, people: Any, make_course: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Two courses, six orders, two refunds, three enrollments, two subscriptions."""
    first, second = make_course(), make_course("oscar")
    t = app.tables
    ann, bob = people.ids["ann"], people.ids["bob"]
    order_ids: dict[str, int] = {}
    with app.storage.engine.begin() as db:
        def order(name: str, status: str, total: int, currency: str, completed: str | None,
                  refunded: int = 0) -> None:
            result = db.execute(sa.insert(t["lrn_orders"]).values(
                user_id=ann, status=status, items=[], subtotal=total, discount=0, total=total,
                refunded_total=refunded, currency=currency, gateway="manual",
                created_at=at("2026-01-01 00:00:00"), completed_at=at(completed) if completed else None))
            order_ids[name] = int(result.inserted_primary_key[0])

        order("jan31", "partially_refunded", 5000, "USD", "2026-01-31 23:59:59", refunded=1500)
        order("feb1", "completed", 3000, "USD", "2026-02-01 00:00:00")
        order("feb2", "completed", 2000, "EUR", "2026-02-02 00:00:00")
        order("pending", "pending", 1000, "USD", None)
        order("jan15", "refunded", 4000, "EUR", "2026-01-15 10:00:00", refunded=4000)
        order("mar1", "completed", 700, "USD", "2026-03-01 00:00:00")
        db.execute(sa.insert(t["lrn_refunds"]), [
            {"order_id": order_ids["jan31"], "amount": 1500, "currency": "USD", "reason": "",
             "created_at": at("2026-02-01 00:00:00")},
            {"order_id": order_ids["jan15"], "amount": 4000, "currency": "EUR", "reason": "",
             "created_at": at("2026-02-03 12:00:00")},
        ])
        db.execute(sa.insert(t["lrn_enrollments"]), [
            {"user_id": ann, "course_id": first["id"], "status": "completed", "source": "free",
             "enrolled_at": at("2026-01-31 23:00:00"), "completed_at": at("2026-02-01 01:00:00"),
             "progress_percent": 100, "live_key": f"{ann}:{first['id']}"},
            {"user_id": bob, "course_id": first["id"], "status": "active", "source": "free",
             "enrolled_at": at("2026-02-01 00:00:00"), "completed_at": None, "progress_percent": 0,
             "live_key": f"{bob}:{first['id']}"},
            {"user_id": ann, "course_id": second["id"], "status": "completed", "source": "purchase",
             "enrolled_at": at("2026-02-15 08:00:00"), "completed_at": at("2026-02-20 09:00:00"),
             "progress_percent": 100, "live_key": f"{ann}:{second['id']}"},
        ])
        db.execute(sa.insert(t["lrn_earnings"]), [
            {"instructor_id": people.ids["ivy"], "order_id": order_ids["jan31"], "course_id": first["id"],
             "gross": 5000, "platform_fee": 1000, "net": 4000, "currency": "USD", "kind": "earned",
             "created_at": at("2026-01-31 23:59:59"), "available_at": at("2026-01-31 23:59:59")},
            {"instructor_id": people.ids["ivy"], "order_id": order_ids["jan31"], "course_id": first["id"],
             "gross": -1500, "platform_fee": -300, "net": -1200, "currency": "USD", "kind": "reversal",
             "created_at": at("2026-02-01 00:00:00"), "available_at": at("2026-02-01 00:00:00")},
            {"instructor_id": people.ids["oscar"], "order_id": order_ids["feb2"], "course_id": second["id"],
             "gross": 2000, "platform_fee": 400, "net": 1600, "currency": "EUR", "kind": "earned",
             "created_at": at("2026-02-02 00:00:00"), "available_at": at("2026-02-02 00:00:00")},
        ])
        db.execute(sa.update(t["lrn_courses"]).where(t["lrn_courses"].c.id == first["id"])
                   .values(rating_sum=9, rating_count=2))
        plan = int(db.execute(sa.insert(t["lrn_membership_plans"]).values(
            name="Gold", slug="gold", description="", price=1000, currency="USD", interval="month",
            interval_count=1, trial_days=0, all_courses=True, course_ids=[], status="active",
            created_at=at("2026-01-01 00:00:00"))).inserted_primary_key[0])
        db.execute(sa.insert(t["lrn_subscriptions"]), [
            {"user_id": ann, "plan_id": plan, "status": "active", "current_period_start": at("2026-01-01 00:00:00"),
             "current_period_end": at("2099-01-01 00:00:00"), "cancel_at_period_end": False, "gateway": "manual",
             "created_at": at("2026-01-01 00:00:00")},
            {"user_id": bob, "plan_id": plan, "status": "expired", "current_period_start": at("2026-01-01 00:00:00"),
             "current_period_end": at("2026-02-01 00:00:00"), "cancel_at_period_end": False, "gateway": "manual",
             "created_at": at("2026-01-01 00:00:00")},
        ])
    return {"first": first["id"], "second": second["id"], "orders": order_ids}


def get(client: Client, people: Any, path: str, who: str = "admin") -> Any:
    return client.get(f"{API}/{path}", headers=people[who])


def money(currency: str, gross: int, refunds: int) -> dict[str, Any]:
    return {"currency": currency, "gross": gross, "refunds": refunds, "net": gross - refunds}


# -- overview ---------------------------------------------------------------------------------

def test_overview_totals(client: Client, people: Any, shop: dict[str, Any]) -> None:
    data = get(client, people, "overview").json["data"]
    assert {k: data[k] for k in ("students", "instructors", "courses", "enrollments", "completions",
                                 "active_subscriptions")} == {
        "students": 2, "instructors": 2, "courses": 2, "enrollments": 3, "completions": 2, "active_subscriptions": 1}
    # Every paid order (the refunded ones too), every refund, per currency.
    assert data["revenue"] == [money("EUR", 6000, 4000), money("USD", 8700, 1500)]
    assert data["from"] is None and data["to"] is None


def test_overview_over_a_range(client: Client, people: Any, shop: dict[str, Any]) -> None:
    data = get(client, people, "overview?from=2026-02-01&to=2026-02-28").json["data"]
    assert data["revenue"] == [money("EUR", 2000, 4000), money("USD", 3000, 1500)]
    assert (data["enrollments"], data["completions"]) == (2, 2)
    assert (data["from"], data["to"]) == ("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")
    january = get(client, people, "overview?from=2026-01-01T00:00:00Z&to=2026-01-31T23:59:59Z").json["data"]
    assert january["revenue"] == [money("EUR", 4000, 0), money("USD", 5000, 0)]
    assert (january["enrollments"], january["completions"]) == (1, 0)


# -- revenue ---------------------------------------------------------------------------------------

def point(period: str, currency: str, gross: int, refunds: int, orders: int) -> dict[str, Any]:
    return {"period_start": f"{period}T00:00:00Z", "currency": currency, "gross": gross, "refunds": refunds,
            "net": gross - refunds, "orders": orders}


def test_revenue_by_month_nets_refunds_in_their_month(client: Client, people: Any, shop: dict[str, Any]) -> None:
    data = get(client, people, "revenue?interval=month&from=2026-01-01&to=2026-02-28").json["data"]
    assert data["points"] == [
        point("2026-01-01", "EUR", 4000, 0, 1), point("2026-01-01", "USD", 5000, 0, 1),
        point("2026-02-01", "EUR", 2000, 4000, 1), point("2026-02-01", "USD", 3000, 1500, 1),
    ]
    assert (data["interval"], data["from"], data["to"]) == ("month", "2026-01-01T00:00:00Z", "2026-03-01T00:00:00Z")


def test_revenue_by_iso_week_across_the_month_end(client: Client, people: Any, shop: dict[str, Any]) -> None:
    # Monday 26 January to Sunday 1 February is one week; 9 February's week is empty.
    data = get(client, people, "revenue?interval=week&from=2026-01-28&to=2026-02-15").json["data"]
    assert data["points"] == [
        point("2026-01-26", "EUR", 0, 0, 0), point("2026-01-26", "USD", 8000, 1500, 2),
        point("2026-02-02", "EUR", 2000, 4000, 1), point("2026-02-02", "USD", 0, 0, 0),
        point("2026-02-09", "EUR", 0, 0, 0), point("2026-02-09", "USD", 0, 0, 0),
    ]


def test_revenue_by_day_at_midnight_in_one_currency(client: Client, people: Any, shop: dict[str, Any]) -> None:
    data = get(client, people, "revenue?interval=day&from=2026-01-31&to=2026-02-03&currency=usd").json["data"]
    assert data["currency"] == "USD"
    assert data["points"] == [
        point("2026-01-31", "USD", 5000, 0, 1), point("2026-02-01", "USD", 3000, 1500, 1),
        point("2026-02-02", "USD", 0, 0, 0), point("2026-02-03", "USD", 0, 0, 0),
    ]


def test_a_currency_without_sales_has_its_empty_periods(client: Client, people: Any, shop: dict[str, Any]) -> None:
    data = get(client, people, "revenue?interval=month&from=2026-01-01&to=2026-02-28&currency=GBP").json["data"]
    assert data["points"] == [point("2026-01-01", "GBP", 0, 0, 0), point("2026-02-01", "GBP", 0, 0, 0)]


def test_a_refund_through_the_api_is_dated_when_made(client: Client, people: Any, app: LearnomyApp,
                                                     shop: dict[str, Any]) -> None:
    response = client.post(f"/wp-json/learnomy/v1/orders/{shop['orders']['feb1']}/refund",
                           json={"amount": 500}, headers=people["admin"])
    assert response.status_code == 200, response.json
    with app.storage.engine.connect() as db:
        rows = db.execute(sa.select(app.tables["lrn_refunds"]).where(
            app.tables["lrn_refunds"].c.order_id == shop["orders"]["feb1"])).all()
    assert [(r.amount, r.currency) for r in rows] == [(500, "USD")]
    today = rows[0].created_at.date().isoformat()
    data = get(client, people, f"revenue?interval=day&from={today}&to={today}&currency=USD").json["data"]
    assert data["points"] == [point(today, "USD", 0, 500, 0)]


def test_default_range_is_the_last_thirty_days(client: Client, people: Any) -> None:
    # Without sales nor a currency asked for: the site's currency (general.currency), zeros.
    data = get(client, people, "revenue").json["data"]
    assert data["interval"] == "day" and {p["currency"] for p in data["points"]} == {"USD"}
    assert len(data["points"]) == 30 and data["points"][-1]["period_start"][:10] == datetime.utcnow().date().isoformat()
    assert all(p["gross"] == p["orders"] == 0 for p in data["points"])
    months = get(client, people, "revenue?interval=month&currency=EUR").json["data"]["points"]
    assert len(months) == 12 and {p["currency"] for p in months} == {"EUR"}


# -- enrollments -----------------------------------------------------------------------------------

def test_enrollments_by_month_with_an_empty_month(client: Client, people: Any, shop: dict[str, Any]) -> None:
    data = get(client, people, "enrollments?interval=month&from=2026-01-01&to=2026-03-31").json["data"]
    assert [(p["period_start"][:10], p["enrollments"], p["completions"]) for p in data["points"]] == [
        ("2026-01-01", 1, 0), ("2026-02-01", 2, 2), ("2026-03-01", 0, 0)]


def test_enrollments_by_day_of_one_course(client: Client, people: Any, shop: dict[str, Any]) -> None:
    data = get(client, people, f"enrollments?from=2026-01-31&to=2026-02-01&course={shop['first']}").json["data"]
    assert [(p["period_start"][:10], p["enrollments"], p["completions"]) for p in data["points"]] == [
        ("2026-01-31", 1, 0), ("2026-02-01", 1, 1)]
    assert data["course"] == shop["first"]


# -- courses ---------------------------------------------------------------------------------------

def test_courses_report(client: Client, people: Any, shop: dict[str, Any]) -> None:
    response = get(client, people, "courses")
    assert response.status_code == 200 and response.json["meta"]["total"] == 2
    rows = {row["course_id"]: row for row in response.json["data"]}
    first, second = rows[shop["first"]], rows[shop["second"]]
    assert (first["enrollments"], first["completions"], first["completion_rate"]) == (2, 1, 50.0)
    assert first["revenue"] == [money("USD", 5000, 1500)]
    assert (first["rating_average"], first["rating_count"]) == (4.5, 2)
    assert (second["enrollments"], second["completions"], second["completion_rate"]) == (1, 1, 100.0)
    assert second["revenue"] == [money("EUR", 2000, 0)] and second["rating_average"] is None
    january = {row["course_id"]: row for row in get(client, people, "courses?to=2026-01-31").json["data"]}
    assert january[shop["first"]]["revenue"] == [money("USD", 5000, 0)]
    assert january[shop["first"]]["enrollments"] == 1 and january[shop["second"]]["enrollments"] == 0


def test_courses_report_pages_by_cursor(client: Client, people: Any, shop: dict[str, Any]) -> None:
    page = get(client, people, "courses?per_page=1").json
    assert [r["course_id"] for r in page["data"]] == [shop["second"]]
    cursor = page["meta"]["cursor_next"]
    page = get(client, people, f"courses?per_page=1&cursor={cursor}").json
    assert [r["course_id"] for r in page["data"]] == [shop["first"]] and page["meta"]["cursor_next"] is None


@pytest.fixture
def ranked(app: LearnomyApp, shop: dict[str, Any], make_course: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The shop's courses with their ratings' averages, and two more with nothing (ties at zero)."""
    with app.storage.engine.begin() as db:
        courses = app.tables["lrn_courses"]
        db.execute(sa.update(courses).where(courses.c.id == shop["first"]).values(rating_average=450))
    return {**shop, "idle": [make_course()["id"], make_course("oscar", title="Another")["id"]]}


def _sort_key(row: dict[str, Any], orderby: str, currency: str) -> Any:
    if orderby in ("enrollments", "completions", "title"):
        return row[orderby]
    if orderby == "rating":
        return row["rating_average"] or 0
    if orderby == "revenue":
        return next((m["net"] for m in row["revenue"] if m["currency"] == currency), 0)
    return row["course_id"]


@pytest.mark.parametrize("orderby", ["id", "title", "enrollments", "completions", "rating", "revenue"])
@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("extra", ["", "&to=2026-01-31", "&currency=EUR"])
def test_courses_report_orders_and_pages_by_any_figure(client: Client, people: Any, ranked: dict[str, Any],
                                                       orderby: str, order: str, extra: str) -> None:
    query = f"courses?orderby={orderby}&order={order}{extra}"
    rows = get(client, people, f"{query}&per_page=100").json["data"]
    currency = "EUR" if "EUR" in extra else "USD"  # the site's currency, unless asked
    expected = sorted(rows, key=lambda r: (_sort_key(r, orderby, currency), r["course_id"]), reverse=order == "desc")
    assert rows == expected
    if orderby not in ("id", "title"):
        assert len({_sort_key(r, orderby, currency) for r in rows}) < len(rows)  # ties to break
    # One at a time, through the ties, each row once.
    walked, cursor = [], ""
    while True:
        page = get(client, people, f"{query}&per_page=1{cursor}").json
        walked += page["data"]
        if not page["meta"]["cursor_next"]:
            break
        cursor = f"&cursor={page['meta']['cursor_next']}"
    assert walked == rows and page["meta"]["total"] == 4


def test_courses_report_by_revenue_in_a_currency(client: Client, people: Any, ranked: dict[str, Any]) -> None:
    by_usd = [r["course_id"] for r in get(client, people, "courses?orderby=revenue&currency=usd").json["data"]]
    by_eur = [r["course_id"] for r in get(client, people, "courses?orderby=revenue&currency=EUR").json["data"]]
    idle = sorted(ranked["idle"], reverse=True)
    # Nothing in a currency is zero in it: ties broken by id, in the same order.
    assert by_usd == [ranked["first"], *idle, ranked["second"]]
    assert by_eur == [ranked["second"], *idle, ranked["first"]]


@pytest.mark.parametrize("query, param, code", [
    ("orderby=popularity", "orderby", "rest_not_in_enum"),
    ("orderby=revenue;id", "orderby", "rest_not_in_enum"),
    ("order=up", "order", "rest_not_in_enum"),
    ("orderby=revenue&currency=dollars", "currency", "rest_invalid_pattern"),
])
def test_courses_report_refuses_bad_orders(client: Client, people: Any, query: str, param: str, code: str) -> None:
    response = get(client, people, f"courses?{query}")
    assert response.status_code == 400, response.json
    assert [(d["param"], d["code"]) for d in response.json["error"]["details"]] == [(param, code)]


def test_a_cursor_belongs_to_its_order(client: Client, people: Any, ranked: dict[str, Any]) -> None:
    cursor = get(client, people, "courses?orderby=enrollments&per_page=1").json["meta"]["cursor_next"]
    for other in ("orderby=completions", "orderby=enrollments&order=asc", "orderby=enrollments&to=2026-01-31"):
        response = get(client, people, f"courses?{other}&per_page=1&cursor={cursor}")
        assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "cursor"


# -- who may ask, and what is refused -------------------------------------------------------------

@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_callers_get_401(client: Client, route: str) -> None:
    response = client.get(f"{API}/{route}?interval=year")
    assert response.status_code == 401 and response.json["error"]["code"] == "rest_not_logged_in"


@pytest.mark.parametrize("who", ["ivy", "ann"])
@pytest.mark.parametrize("route", ROUTES)
def test_other_roles_get_403(client: Client, people: Any, route: str, who: str) -> None:
    response = get(client, people, route, who)
    assert response.status_code == 403 and response.json["error"]["code"] == "rest_forbidden"


@pytest.mark.parametrize("query, param, code", [
    ("interval=day&from=2025-01-01&to=2026-01-02", "to", "rest_out_of_bounds"),  # 367 days
    ("interval=week&from=2020-01-01&to=2025-12-31", "to", "rest_out_of_bounds"),  # 314 weeks
    ("interval=month&from=2010-01-01&to=2020-01-01", "to", "rest_out_of_bounds"),  # 121 months
    ("interval=year", "interval", "rest_not_in_enum"),
    ("from=2026-02-30", "from", "rest_invalid_date"),
    ("from=yesterday", "from", "rest_invalid_date"),
    ("to=2026-13-01", "to", "rest_invalid_date"),
    ("from=2026-02-02&to=2026-02-01", "to", "rest_invalid_param"),
])
@pytest.mark.parametrize("route", ["revenue", "enrollments"])
def test_bad_ranges_are_400(client: Client, people: Any, route: str, query: str, param: str, code: str) -> None:
    response = get(client, people, f"{route}?{query}")
    assert response.status_code == 400, response.json
    assert [(d["param"], d["code"]) for d in response.json["error"]["details"]] == [(param, code)]


@pytest.mark.parametrize("query, points", [
    ("interval=day&from=2024-01-01&to=2024-12-31", 366),  # a leap year of days is the most
    ("interval=week&from=2021-01-04&to=2025-12-28", 260),
    ("interval=month&from=2016-01-01&to=2025-12-31", 120),
])
def test_the_longest_ranges_are_answered(client: Client, people: Any, query: str, points: int) -> None:
    response = get(client, people, f"enrollments?{query}")
    assert response.status_code == 200 and len(response.json["data"]["points"]) == points


@pytest.mark.parametrize("route", ["overview", "courses"])
def test_overview_and_courses_refuse_a_reversed_range(client: Client, people: Any, route: str) -> None:
    response = get(client, people, f"{route}?from=2026-02-02&to=2026-02-01")
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "to"


# -- the database does the sums ---------------------------------------------------------------------

def _statements(app: LearnomyApp, client: Client, people: Any, path: str) -> int:
    with recorded_statements(app) as statements:
        response = get(client, people, path)
        assert response.status_code == 200, response.json
    return len(statements)


@pytest.mark.parametrize("paths", [
    ["revenue?interval=day&from=2026-01-31&to=2026-01-31", "revenue?interval=day&from=2025-03-01&to=2026-02-28",
     "revenue?interval=month&from=2016-03-01&to=2026-02-28"],
    ["enrollments?interval=day&from=2026-01-31&to=2026-01-31", "enrollments?interval=week&from=2022-01-01"],
    ["courses?per_page=1", "courses?per_page=100"],
    ["courses?per_page=1&orderby=enrollments", "courses?per_page=100&orderby=completions&order=asc&to=2026-02-01"],
    ["courses?per_page=1&orderby=revenue", "courses?per_page=100&orderby=revenue&from=2026-01-01"],
    ["courses?per_page=1&orderby=rating", "courses?per_page=100&orderby=title&order=asc"],
    ["overview", "overview?from=2026-01-01&to=2026-12-31"],
])
def test_query_count_is_constant(app: LearnomyApp, client: Client, people: Any, shop: dict[str, Any],
                                 paths: list[str]) -> None:
    counts = [_statements(app, client, people, path) for path in paths]
    assert len(set(counts)) == 1, counts
