"""Membership analytics: who is a member, who joined and left, and what the
memberships bring in per month, per currency.

What counts (every figure is computed by the database: COUNT, SUM, GROUP BY):

- A **membership** is a subscription other than ``pending`` (a checkout never
  paid). It runs from its ``created_at`` to its ``current_period_end`` (none: a
  lifetime plan, running for good). A renewal moves the period end, so a renewed
  membership runs on without a gap; one that was cancelled, expired, refunded or
  simply not renewed ends at its period end.
- **Active members** at an instant: the users (each counted once) holding a
  membership running at that instant. A time series takes each period's end (or
  now, for the running period).
- **New members** of a range: the users whose membership started in it.
- **Cancellations** of a range: memberships that ended in it (their period end
  passed without renewal: cancelled, expired or refunded), up to now.
- **Churn rate**: cancellations over the active members at the range's start, in
  percent (two decimals); null when nobody was a member then.
- **MRR** per currency: the monthly value of the memberships running at the
  range's end, trials excluded, each at its plan's price normalised to a month
  (a year is 12 months, a week 52/12 of a month, a day 365/12; an
  ``interval_count`` of 3 divides by 3; lifetime plans bring no recurring
  revenue). Rounded half up to the minor unit once, after adding.
- **ARPU** per currency: MRR over the paying members (users) in that currency.
- **Retention** by signup month: of the users whose first membership started in
  a month, the percent still members at the end of that month (index 0) and of
  each month after, up to the last month that has ended.

The period machinery (ranges, buckets per database, empty periods) is Free's
public one (``learnomy.controllers.admin``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Mapping, Optional, Sequence

import sqlalchemy as sa

from learnomy_core import ADMIN, READABLE, RestRequest
from learnomy_core.openapi import INT, NUM, STR, TIME, array_of, nullable, obj, route_schema
from learnomy.controllers.admin import (
    PERIOD_ARGS,
    fill_periods,
    next_period,
    parse_bounds,
    parse_period_range,
    period_bucket,
    period_key,
)

from .. import NAMESPACE

# How many of an interval a month holds: a plan's monthly value is its price times
# this, divided by its interval_count.
MONTHS_PER_INTERVAL: dict[str, Fraction] = {
    "day": Fraction(365, 12), "week": Fraction(52, 12), "month": Fraction(1), "year": Fraction(1, 12)}
# The overview's and the plans' range without ``from``: the last 30 days.
DEFAULT_DAYS = 30
# Retention follows each signup month for at most this many months.
MAX_RETENTION_MONTHS = 36


def _now() -> datetime:
    """The end of the current second: what happened this second counts as happened."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0) + timedelta(seconds=1)


def _tables(request: RestRequest) -> tuple[sa.Table, sa.Table]:
    return request.app.tables["lrn_subscriptions"], request.app.tables["lrn_membership_plans"]


def _started(subs: sa.Table) -> sa.ColumnElement[bool]:
    return subs.c.status != "pending"


def _running_at(subs: sa.Table, at: Any) -> sa.ColumnElement[bool]:
    """The membership runs at instant ``at`` (a value or a column)."""
    return sa.and_(_started(subs), subs.c.created_at <= at,
                   sa.or_(subs.c.current_period_end.is_(None), subs.c.current_period_end > at))


def _paying_at(subs: sa.Table, plans: sa.Table, at: Any) -> sa.ColumnElement[bool]:
    """Running at ``at``, out of its trial, on a recurring plan."""
    return sa.and_(_running_at(subs, at), sa.or_(subs.c.trial_ends_at.is_(None), subs.c.trial_ends_at <= at),
                   plans.c.interval.in_(tuple(MONTHS_PER_INTERVAL)))


def _ended_in(subs: sa.Table, start: Any, end: Any) -> sa.ColumnElement[bool]:
    return sa.and_(_started(subs), subs.c.current_period_end >= start, subs.c.current_period_end < end)


def _created_in(subs: sa.Table, start: Any, end: Any) -> sa.ColumnElement[bool]:
    return sa.and_(_started(subs), subs.c.created_at >= start, subs.c.created_at < end)


def _round(value: Fraction) -> int:
    return int((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def monthly(price: int, interval: str, count: int) -> Fraction:
    """A plan's price as a month's worth (exact; 0 for lifetime)."""
    share = MONTHS_PER_INTERVAL.get(interval)
    return Fraction(0) if share is None else Fraction(int(price)) * share / max(int(count), 1)


def churn(cancellations: int, base: int) -> Optional[float]:
    """Cancellations over the members at the start, in percent (None without members)."""
    return round(100 * cancellations / base, 2) if base else None


Money = list[dict[str, Any]]
Figures = tuple[dict[str, Fraction], dict[str, int]]


def _money(figures: Mapping[str, Fraction], members: Mapping[str, int]) -> tuple[Money, Money]:
    """MRR and ARPU lists, per currency in order."""
    mrr = [{"currency": c, "amount": _round(figures[c])} for c in sorted(figures)]
    arpu = [{"currency": c, "amount": _round(figures[c] / members[c]) if members.get(c) else 0}
            for c in sorted(figures)]
    return mrr, arpu


def _checkpoints(instants: Sequence[datetime]) -> sa.Subquery:
    """A derived table ``(idx, at)`` of instants, to join memberships against."""
    selects = [sa.select(sa.literal(i, sa.Integer).label("idx"), sa.literal(at, sa.DateTime).label("at"))
               for i, at in enumerate(instants)]
    return (selects[0] if len(selects) == 1 else sa.union_all(*selects)).subquery("checkpoints")


def _mrr_at(request: RestRequest, instants: Sequence[datetime]) -> dict[int, Figures]:
    """Per checkpoint index: MRR per currency (exact) and paying members per currency. Two queries."""
    subs, plans = _tables(request)
    points = _checkpoints(instants)
    joined = subs.join(plans, plans.c.id == subs.c.plan_id).join(points, _paying_at(subs, plans, points.c.at))
    result: dict[int, Figures] = {}
    for idx, currency, interval, count, total in request.db.execute(
            sa.select(points.c.idx, plans.c.currency, plans.c.interval, plans.c.interval_count,
                      sa.func.sum(plans.c.price)).select_from(joined)
            .group_by(points.c.idx, plans.c.currency, plans.c.interval, plans.c.interval_count)):
        figures = result.setdefault(int(idx), ({}, {}))[0]
        figures[currency] = figures.get(currency, Fraction(0)) + monthly(int(total or 0), interval, int(count))
    for idx, currency, users in request.db.execute(
            sa.select(points.c.idx, plans.c.currency, sa.func.count(sa.distinct(subs.c.user_id))).select_from(joined)
            .group_by(points.c.idx, plans.c.currency)):
        result.setdefault(int(idx), ({}, {}))[1][currency] = int(users)
    return result


def _active_at(request: RestRequest, instants: Sequence[datetime]) -> dict[int, int]:
    """Per checkpoint index: the active members. One query."""
    subs, _ = _tables(request)
    points = _checkpoints(instants)
    return {int(idx): int(n) for idx, n in request.db.execute(
        sa.select(points.c.idx, sa.func.count(sa.distinct(subs.c.user_id)))
        .select_from(subs.join(points, _running_at(subs, points.c.at))).group_by(points.c.idx))}


def _bounds(request: RestRequest) -> tuple[datetime, datetime]:
    """The overview's and plans' ``[start, end)``: ``to`` (default now, at most now),
    ``from`` (default 30 days before)."""
    start, end = parse_bounds(request.params)
    stamp = _now()
    end = min(end, stamp) if end is not None else stamp
    start = start if start is not None else end - timedelta(days=DEFAULT_DAYS)
    return start, max(start, end)


# -- routes ------------------------------------------------------------------------------

def overview(request: RestRequest) -> Any:
    start, end = _bounds(request)
    subs, _ = _tables(request)
    distinct_users = lambda condition: sa.func.count(sa.distinct(sa.case((condition, subs.c.user_id))))  # noqa: E731
    row = request.db.execute(sa.select(
        distinct_users(_running_at(subs, end)), distinct_users(_running_at(subs, start)),
        distinct_users(_created_in(subs, start, end)),
        sa.func.sum(sa.case((_ended_in(subs, start, end), 1), else_=0)))).one()
    active, base, new, ended = (int(v or 0) for v in row)
    figures, members = _mrr_at(request, [end]).get(0, ({}, {}))
    mrr, arpu = _money(figures, members)
    return {"from": start, "to": end, "active_members": active, "new_members": new, "cancellations": ended,
            "churn_rate": churn(ended, base), "mrr": mrr, "arpu": arpu}


def timeseries(request: RestRequest) -> Any:
    stamp = _now()
    span = parse_period_range(request.params, now=stamp - timedelta(seconds=1))
    subs, _ = _tables(request)
    dialect = request.db.dialect.name
    # Each period's start, and the last one's end; none later than now.
    edges = [min(s, stamp) for s in span.starts] + [min(span.end, stamp)]
    series: dict[str, dict[str, Any]] = {}
    created = period_bucket(subs.c.created_at, span.interval, dialect)
    for key, n in request.db.execute(
            sa.select(created, sa.func.count(sa.distinct(subs.c.user_id)))
            .where(_created_in(subs, span.start, span.end)).group_by(created)):
        series.setdefault(str(key), {})["new_members"] = int(n)
    ended = period_bucket(subs.c.current_period_end, span.interval, dialect)
    for key, n in request.db.execute(
            sa.select(ended, sa.func.count()).where(_ended_in(subs, span.start, min(span.end, stamp)))
            .group_by(ended)):
        series.setdefault(str(key), {})["cancellations"] = int(n)
    active = _active_at(request, edges)
    money = _mrr_at(request, edges)
    points = fill_periods(span, series, {"new_members": 0, "cancellations": 0})
    for i, point in enumerate(points):
        figures, members = money.get(i + 1, ({}, {}))
        mrr, arpu = _money(figures, members)
        point.update(active_members=active.get(i + 1, 0), churn_rate=churn(point["cancellations"], active.get(i, 0)),
                     mrr=mrr, arpu=arpu)
    return {"interval": span.interval, "from": span.start, "to": span.end, "points": points}


def plans_report(request: RestRequest) -> Any:
    start, end = _bounds(request)
    subs, plans = _tables(request)

    def distinct_users(condition: Any) -> Any:
        return sa.func.count(sa.distinct(sa.case((condition, subs.c.user_id))))

    figures = {int(r[0]): r[1:] for r in request.db.execute(
        sa.select(subs.c.plan_id, distinct_users(_running_at(subs, end)), distinct_users(_running_at(subs, start)),
                  distinct_users(_created_in(subs, start, end)),
                  sa.func.sum(sa.case((_ended_in(subs, start, end), 1), else_=0)),
                  sa.func.sum(sa.case((_paying_at(subs, plans, end), 1), else_=0)))
        .select_from(subs.join(plans, plans.c.id == subs.c.plan_id)).group_by(subs.c.plan_id))}
    out = []
    for plan in request.db.execute(sa.select(plans).order_by(plans.c.id)):
        active, base, new, ended, paying = (int(v or 0) for v in figures.get(int(plan.id), (0, 0, 0, 0, 0)))
        out.append({
            "plan_id": int(plan.id), "name": plan.name, "status": plan.status, "price": int(plan.price),
            "currency": plan.currency, "interval": plan.interval, "interval_count": int(plan.interval_count),
            "active_members": active, "new_members": new, "cancellations": ended, "churn_rate": churn(ended, base),
            "mrr": _round(monthly(int(plan.price), plan.interval, int(plan.interval_count)) * paying),
        })
    return out


def retention(request: RestRequest) -> Any:
    stamp = _now()
    span = parse_period_range(request.params, interval="month", now=stamp - timedelta(seconds=1))
    months = int(request.params.get("months") or 12)
    subs, _ = _tables(request)
    dialect = request.db.dialect.name
    firsts = sa.select(subs.c.user_id, sa.func.min(subs.c.created_at).label("first")).where(
        _started(subs)).group_by(subs.c.user_id).subquery("firsts")
    cohort = period_bucket(firsts.c.first, "month", dialect)
    in_span = sa.and_(firsts.c.first >= span.start, firsts.c.first < span.end)
    sizes = {str(k): int(n) for k, n in request.db.execute(
        sa.select(cohort, sa.func.count()).where(in_span).group_by(cohort))}
    # Checkpoints: the end of every month from the first cohort's to the last
    # followed one, if it has ended by now.
    ends: list[datetime] = []
    cursor = next_period(span.start, "month")
    limit = span.end
    for _ in range(months - 1):
        limit = next_period(limit, "month")
    while cursor <= limit and cursor <= stamp:
        ends.append(cursor)
        cursor = next_period(cursor, "month")
    retained: dict[tuple[str, int], int] = {}
    if ends and sizes:
        points = _checkpoints(ends)
        for key, idx, n in request.db.execute(
                sa.select(cohort, points.c.idx, sa.func.count(sa.distinct(subs.c.user_id)))
                .select_from(firsts.join(subs, subs.c.user_id == firsts.c.user_id)
                             .join(points, _running_at(subs, points.c.at)))
                .where(in_span).group_by(cohort, points.c.idx)):
            retained[(str(key), int(idx))] = int(n)
    position = {period_key(at): i for i, at in enumerate(ends)}  # a month's end is the next month's start
    out = []
    for start in span.starts:
        key = period_key(start)
        members = sizes.get(key, 0)
        percents = []
        at = next_period(start, "month")
        for _ in range(months):
            idx = position.get(period_key(at))
            if idx is None:
                break
            percents.append(round(100 * retained.get((key, idx), 0) / members, 2) if members else 0.0)
            at = next_period(at, "month")
        out.append({"cohort_month": start, "members": members, "retained": percents})
    return out


MONEY = array_of(obj({"currency": STR, "amount": INT}, required=["currency", "amount"]))
OVERVIEW_SCHEMA = route_schema("membership-analytics", {
    "from": TIME, "to": TIME, "active_members": INT, "new_members": INT, "cancellations": INT,
    "churn_rate": nullable(NUM), "mrr": MONEY, "arpu": MONEY})
TIMESERIES_SCHEMA = route_schema("membership-timeseries", {
    "interval": STR, "from": TIME, "to": TIME,
    "points": array_of(obj({"period_start": TIME, "active_members": INT, "new_members": INT, "cancellations": INT,
                            "churn_rate": nullable(NUM), "mrr": MONEY, "arpu": MONEY},
                           required=["period_start", "active_members", "new_members", "cancellations",
                                     "churn_rate", "mrr", "arpu"]))})
PLANS_SCHEMA = route_schema("membership-plan-analytics", {
    "plan_id": INT, "name": STR, "status": STR, "price": INT, "currency": STR, "interval": STR,
    "interval_count": INT, "active_members": INT, "new_members": INT, "cancellations": INT,
    "churn_rate": nullable(NUM), "mrr": INT})
RETENTION_SCHEMA = route_schema("membership-retention", {
    "cohort_month": TIME, "members": INT, "retained": array_of(NUM)})

RANGE_ARGS = {key: PERIOD_ARGS[key] for key in ("from", "to")}


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    base = "/analytics/memberships"
    register(NAMESPACE, f"{base}/overview", {
        "methods": READABLE, "callback": overview, "permission_callback": ADMIN, "args": RANGE_ARGS},
        schema=OVERVIEW_SCHEMA)
    register(NAMESPACE, f"{base}/timeseries", {
        "methods": READABLE, "callback": timeseries, "permission_callback": ADMIN, "args": PERIOD_ARGS},
        schema=TIMESERIES_SCHEMA)
    register(NAMESPACE, f"{base}/plans", {
        "methods": READABLE, "callback": plans_report, "permission_callback": ADMIN, "args": RANGE_ARGS,
        "answers": "items"}, schema=PLANS_SCHEMA)
    register(NAMESPACE, f"{base}/retention", {
        "methods": READABLE, "callback": retention, "permission_callback": ADMIN, "answers": "items",
        "args": {**RANGE_ARGS, "months": {"type": "integer", "minimum": 1, "maximum": MAX_RETENTION_MONTHS,
                                          "default": 12,
                                          "description": "Months followed after each signup month."}}},
        schema=RETENTION_SCHEMA)
