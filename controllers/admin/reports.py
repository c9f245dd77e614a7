"""Reports for administrators: totals, revenue and enrollments by period, per course.

Every figure is computed by the database (COUNT and SUM with GROUP BY); Python only
lays the grouped rows out on the list of periods (:mod:`.periods`), so a period
without rows is answered with zeros. Money is per currency, never added across
currencies. Revenue counts an order in the period it was paid (``completed_at``)
and a refund in the period it was made (``lrn_refunds.created_at``), so a refund
in February of a January order lowers February's net, and January stays as it
was reported.

Time series answer ``interval``, ``from`` (the first period's start) and ``to``
(the end of the last period, excluded), and ``points``; the overview and the
course report take an optional ``from``/``to`` (``to`` included to its second, a
date meaning its whole day) and count ``[from, to)``. The course report's revenue
is the course's lines of paid orders as the instructors' earnings record them
(their shares add up to the line after discount; a refund reverses them in
proportion, dated when it was made). It is ordered by ``orderby`` (``id``,
``title``, ``enrollments``, ``completions``, ``rating``, or ``revenue``: the net in
``currency``, the site's by default) and ``order``, ties broken by id, the
database computing the figure it pages by.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable

import sqlalchemy as sa

from learnomy_core import ADMIN, READABLE, RestRequest
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.openapi import route_schema
from learnomy_core.openapi.schemas import INT, NUM, STR, TIME, array_of, nullable, obj

from ..catalog import NAMESPACE
from .periods import PERIOD_ARGS, PeriodRange, fill_periods, parse_bounds, parse_period_range, period_bucket

# Roles as WordPress stores them (a PHP-serialized array in the capabilities meta).
STUDENT_ROLES = ("lrn_student", "subscriber")
INSTRUCTOR_ROLES = ("lrn_instructor",)
# Orders that were paid (a refunded order was paid, then refunded).
PAID_STATUSES = ("completed", "partially_refunded", "refunded")
OPEN_SUBSCRIPTIONS = ("trialing", "active", "past_due")
CURRENCY_ARG = {"type": "string", "pattern": "^[A-Za-z]{3}$"}


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _table(request: RestRequest, name: str) -> sa.Table:
    return request.app.tables[name]


def _in(column: Any, start: Any, end: Any) -> list[Any]:
    """``start <= column < end``; either bound may be None (open)."""
    clauses = [column.isnot(None)]
    if start is not None:
        clauses.append(column >= start)
    if end is not None:
        clauses.append(column < end)
    return clauses


def _holders_of(request: RestRequest, roles: Iterable[str]) -> Any:
    """The ids of the users holding one of ``roles`` (a subquery)."""
    meta = _table(request, "usermeta")
    caps_key = request.app.identity.store.caps_key
    return sa.select(meta.c.user_id).where(
        meta.c.meta_key == caps_key, sa.or_(*[meta.c.meta_value.like(f'%"{role}"%') for role in roles]))


def revenue_by_currency(request: RestRequest, start: Any, end: Any,
                        currency: Any = None) -> dict[str, dict[str, int]]:
    """Per currency ``{gross, refunds, net, orders}`` over ``[start, end)``: two grouped queries."""
    orders, refunds = _table(request, "lrn_orders"), _table(request, "lrn_refunds")
    paid = sa.select(orders.c.currency, sa.func.sum(orders.c.total), sa.func.count()).where(
        orders.c.status.in_(PAID_STATUSES), *_in(orders.c.completed_at, start, end))
    back = sa.select(refunds.c.currency, sa.func.sum(refunds.c.amount)).where(*_in(refunds.c.created_at, start, end))
    if currency:
        paid, back = paid.where(orders.c.currency == currency), back.where(refunds.c.currency == currency)
    result: dict[str, dict[str, int]] = {}
    for code, gross, count in request.db.execute(paid.group_by(orders.c.currency)):
        result[code] = {"gross": int(gross or 0), "refunds": 0, "orders": int(count)}
    for code, amount in request.db.execute(back.group_by(refunds.c.currency)):
        result.setdefault(code, {"gross": 0, "refunds": 0, "orders": 0})["refunds"] = int(amount or 0)
    for figures in result.values():
        figures["net"] = figures["gross"] - figures["refunds"]
    return result


def overview(request: RestRequest) -> Any:
    start, end = parse_bounds(request.params)
    db = request.db
    users, courses = _table(request, "users"), _table(request, "lrn_courses")
    enrollments, subs = _table(request, "lrn_enrollments"), _table(request, "lrn_subscriptions")
    registered = [] if start is None and end is None else _in(users.c.user_registered, start, end)

    def people(roles: Iterable[str]) -> Any:
        return sa.select(sa.func.count()).select_from(users).where(
            users.c.ID.in_(_holders_of(request, roles)), *registered).scalar_subquery()

    created = [] if start is None and end is None else _in(courses.c.created_at, start, end)
    enrolled = [] if start is None and end is None else _in(enrollments.c.enrolled_at, start, end)
    stamp = _now()
    # One statement for the counts: each a scalar subquery.
    counts = db.execute(sa.select(
        people(STUDENT_ROLES).label("students"),
        people(INSTRUCTOR_ROLES).label("instructors"),
        sa.select(sa.func.count()).select_from(courses).where(courses.c.status != "trash", *created)
        .scalar_subquery().label("courses"),
        sa.select(sa.func.count()).select_from(enrollments).where(*enrolled).scalar_subquery().label("enrollments"),
        sa.select(sa.func.count()).select_from(enrollments).where(*_in(enrollments.c.completed_at, start, end))
        .scalar_subquery().label("completions"),
        sa.select(sa.func.count()).select_from(subs).where(
            subs.c.status.in_(OPEN_SUBSCRIPTIONS),
            sa.or_(subs.c.current_period_end.is_(None), subs.c.current_period_end > stamp))
        .scalar_subquery().label("active_subscriptions"),
    )).one()
    revenue = revenue_by_currency(request, start, end)
    return {
        **{key: int(counts._mapping[key]) for key in ("students", "instructors", "courses", "enrollments",
                                                       "completions", "active_subscriptions")},
        "revenue": [{"currency": code, "gross": f["gross"], "refunds": f["refunds"], "net": f["net"]}
                    for code, f in sorted(revenue.items())],
        "from": start, "to": end,
    }


def _span(request: RestRequest) -> PeriodRange:
    return parse_period_range(request.params, now=_now())


def revenue(request: RestRequest) -> Any:
    span = _span(request)
    orders, refunds = _table(request, "lrn_orders"), _table(request, "lrn_refunds")
    dialect = request.db.dialect.name
    currency = (request.params.get("currency") or "").upper() or None
    paid_bucket = period_bucket(orders.c.completed_at, span.interval, dialect)
    refund_bucket = period_bucket(refunds.c.created_at, span.interval, dialect)
    paid = sa.select(paid_bucket, orders.c.currency, sa.func.sum(orders.c.total), sa.func.count()).where(
        orders.c.status.in_(PAID_STATUSES), *_in(orders.c.completed_at, span.start, span.end))
    back = sa.select(refund_bucket, refunds.c.currency, sa.func.sum(refunds.c.amount)).where(
        *_in(refunds.c.created_at, span.start, span.end))
    if currency:
        paid, back = paid.where(orders.c.currency == currency), back.where(refunds.c.currency == currency)
    by_currency: dict[str, dict[str, dict[str, int]]] = {}
    zero = {"gross": 0, "refunds": 0, "net": 0, "orders": 0}
    for key, code, gross, count in request.db.execute(paid.group_by(paid_bucket, orders.c.currency)):
        point = by_currency.setdefault(code, {}).setdefault(str(key), dict(zero))
        point.update(gross=int(gross or 0), orders=int(count))
    for key, code, amount in request.db.execute(back.group_by(refund_bucket, refunds.c.currency)):
        by_currency.setdefault(code, {}).setdefault(str(key), dict(zero))["refunds"] = int(amount or 0)
    # The asked currency, else the site's, has its series even without a sale.
    by_currency.setdefault(currency or request.app.settings.group(request.db, "general")["currency"], {})
    for series in by_currency.values():
        for point in series.values():
            point["net"] = point["gross"] - point["refunds"]
    points = []
    for code in sorted(by_currency):
        for point in fill_periods(span, by_currency[code], zero):
            points.append({"period_start": point["period_start"], "currency": code,
                           **{k: point[k] for k in ("gross", "refunds", "net", "orders")}})
    points.sort(key=lambda p: (p["period_start"], p["currency"]))
    return {"interval": span.interval, "from": span.start, "to": span.end, "currency": currency, "points": points}


def enrollments_report(request: RestRequest) -> Any:
    span = _span(request)
    enrollments = _table(request, "lrn_enrollments")
    dialect = request.db.dialect.name
    course = request.params.get("course")
    series: dict[str, dict[str, int]] = {}
    for column, field in ((enrollments.c.enrolled_at, "enrollments"), (enrollments.c.completed_at, "completions")):
        bucket = period_bucket(column, span.interval, dialect)
        query = sa.select(bucket, sa.func.count()).where(*_in(column, span.start, span.end))
        if course:
            query = query.where(enrollments.c.course_id == course)
        for key, count in request.db.execute(query.group_by(bucket)):
            series.setdefault(str(key), {})[field] = int(count)
    points = fill_periods(span, series, {"enrollments": 0, "completions": 0})
    return {"interval": span.interval, "from": span.start, "to": span.end, "course": course, "points": points}


def _course_sort_key(request: RestRequest, courses: sa.Table, start: Any, end: Any) -> Any:
    """The column the course report is ordered by (``orderby``), as the report counts it.

    Figures are correlated subqueries on the page's query, so the database orders
    and pages by them (one statement, whatever the page); each is an integer, never
    NULL, so a cursor carries it exactly.
    """
    orderby = request.params["orderby"]
    if orderby in COURSE_COLUMNS:
        return courses.c[COURSE_COLUMNS[orderby]]
    if orderby == "revenue":
        earnings = _table(request, "lrn_earnings")
        currency = (request.params.get("currency") or "").upper() or \
            request.app.settings.group(request.db, "general")["currency"]
        # The net, as the report's revenue counts it: a reversal's gross is negative.
        figure = sa.select(sa.func.sum(earnings.c.gross)).where(
            earnings.c.course_id == courses.c.id, earnings.c.currency == currency,
            earnings.c.kind.in_(("earned", "reversal")),
            *([] if start is None and end is None else _in(earnings.c.created_at, start, end)))
    else:
        enrollments = _table(request, "lrn_enrollments")
        figure = sa.select(sa.func.count()).where(
            enrollments.c.course_id == courses.c.id,
            *([] if start is None and end is None else _in(enrollments.c.enrolled_at, start, end)),
            *([enrollments.c.completed_at.isnot(None)] if orderby == "completions" else []))
    # SUM is a DECIMAL on MySQL: cast, so that the key is an integer on both databases.
    return sa.cast(sa.func.coalesce(figure.scalar_subquery(), 0), sa.BigInteger).label("sort_key")


def courses_report(request: RestRequest) -> Any:
    start, end = parse_bounds(request.params)
    courses = _table(request, "lrn_courses")
    key = _course_sort_key(request, courses, start, end)
    query = sa.select(courses).where(courses.c.status != "trash")
    if request.params["orderby"] not in COURSE_COLUMNS:
        query = query.add_columns(key)
    if request.params.get("status"):
        query = query.where(courses.c.status == request.params["status"])

    def render(rows: list[Any]) -> list[dict[str, Any]]:
        ids = [int(r.id) for r in rows]
        if not ids:
            return []
        enrollments, earnings = _table(request, "lrn_enrollments"), _table(request, "lrn_earnings")
        enrolled = [] if start is None and end is None else _in(enrollments.c.enrolled_at, start, end)
        counts = {int(c): (int(n), int(done or 0)) for c, n, done in request.db.execute(
            sa.select(enrollments.c.course_id, sa.func.count(),
                      sa.func.sum(sa.case((enrollments.c.completed_at.isnot(None), 1), else_=0)))
            .where(enrollments.c.course_id.in_(ids), *enrolled).group_by(enrollments.c.course_id))}
        # A course's revenue: its lines of paid orders as the earnings record them
        # (the instructors' shares add up to the line), refunds as reversals.
        earned = sa.case((earnings.c.kind == "earned", earnings.c.gross), else_=0)
        reversed_ = sa.case((earnings.c.kind == "reversal", -earnings.c.gross), else_=0)
        dated = [] if start is None and end is None else _in(earnings.c.created_at, start, end)
        money: dict[int, list[dict[str, Any]]] = {}
        for c, code, gross, back in request.db.execute(
                sa.select(earnings.c.course_id, earnings.c.currency, sa.func.sum(earned), sa.func.sum(reversed_))
                .where(earnings.c.course_id.in_(ids), *dated)
                .group_by(earnings.c.course_id, earnings.c.currency)
                .order_by(earnings.c.course_id, earnings.c.currency)):
            money.setdefault(int(c), []).append({"currency": code, "gross": int(gross or 0), "refunds": int(back or 0),
                                                 "net": int(gross or 0) - int(back or 0)})
        out = []
        for r in rows:
            total, done = counts.get(int(r.id), (0, 0))
            out.append({
                "course_id": int(r.id), "title": r.title, "status": r.status, "enrollments": total,
                "completions": done, "completion_rate": round(100 * done / total, 2) if total else 0.0,
                "revenue": money.get(int(r.id), []),
                "rating_average": round(int(r.rating_sum) / int(r.rating_count), 2) if r.rating_count else None,
                "rating_count": int(r.rating_count),
            })
        return out

    descending = request.params["order"] == "desc"
    order = [(courses.c.id, descending)] if key is courses.c.id else [(key, descending), (courses.c.id, descending)]
    return paginate(request, query, order, render,
                    bound_to=[request.params.get(name) for name in ("status", "from", "to", "orderby", "order",
                                                                    "currency")])


MONEY = obj({"currency": STR, "gross": INT, "refunds": INT, "net": INT},
            required=["currency", "gross", "refunds", "net"])
OVERVIEW_SCHEMA = route_schema("report-overview", {
    "students": INT, "instructors": INT, "courses": INT, "enrollments": INT, "completions": INT,
    "active_subscriptions": INT, "revenue": array_of(MONEY), "from": nullable(TIME), "to": nullable(TIME)})
REVENUE_SCHEMA = route_schema("report-revenue", {
    "interval": STR, "from": TIME, "to": TIME, "currency": nullable(STR),
    "points": array_of(obj({"period_start": TIME, "currency": STR, "gross": INT, "refunds": INT, "net": INT,
                            "orders": INT},
                           required=["period_start", "currency", "gross", "refunds", "net", "orders"]))})
ENROLLMENTS_SCHEMA = route_schema("report-enrollments", {
    "interval": STR, "from": TIME, "to": TIME, "course": nullable(INT),
    "points": array_of(obj({"period_start": TIME, "enrollments": INT, "completions": INT},
                           required=["period_start", "enrollments", "completions"]))})
COURSES_SCHEMA = route_schema("report-course", {
    "course_id": INT, "title": STR, "status": STR, "enrollments": INT, "completions": INT, "completion_rate": NUM,
    "revenue": array_of(MONEY), "rating_average": nullable(NUM), "rating_count": INT})

RANGE_ARGS = {key: PERIOD_ARGS[key] for key in ("from", "to")}
# The course report's orders: a column of the course, or a figure of the report.
COURSE_COLUMNS = {"id": "id", "title": "title", "rating": "rating_average"}
COURSE_ORDERS = (*COURSE_COLUMNS, "enrollments", "completions", "revenue")
COURSE_ARGS = {
    **LIST_ARGS, **RANGE_ARGS, "status": {"type": "string", "maxLength": 20},
    "orderby": {"type": "string", "enum": list(COURSE_ORDERS), "default": "id",
                "description": "rating: the average; revenue: the net in currency."},
    "order": {"type": "string", "enum": ["asc", "desc"], "default": "desc"},
    "currency": {**CURRENCY_ARG, "description": "orderby=revenue: the currency (default: the site's)."},
}


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, "/admin/reports/overview", {
        "methods": READABLE, "callback": overview, "permission_callback": ADMIN, "args": RANGE_ARGS},
        schema=OVERVIEW_SCHEMA)
    register(NAMESPACE, "/admin/reports/revenue", {
        "methods": READABLE, "callback": revenue, "permission_callback": ADMIN,
        "args": {**PERIOD_ARGS, "currency": CURRENCY_ARG}}, schema=REVENUE_SCHEMA)
    register(NAMESPACE, "/admin/reports/enrollments", {
        "methods": READABLE, "callback": enrollments_report, "permission_callback": ADMIN,
        "args": {**PERIOD_ARGS, "course": {"type": "integer", "minimum": 1}}}, schema=ENROLLMENTS_SCHEMA)
    register(NAMESPACE, "/admin/reports/courses", {
        "methods": READABLE, "callback": courses_report, "permission_callback": ADMIN,
        "args": COURSE_ARGS}, schema=COURSES_SCHEMA)
