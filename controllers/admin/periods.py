"""The period machinery of time-series reports: reading a range, bucketing rows by
period in the database, and filling the periods nobody touched.

Public (``controllers.admin.__all__``) because plugins reuse it for their own
reports (Pro's membership analytics does). Every instant is naive UTC, as stored;
periods are UTC days, ISO weeks (starting on Monday) and calendar months.

A report reads its range and counts per period in three steps::

    span = parse_period_range(request.params)            # 400 on a bad range
    bucket = period_bucket(orders.c.completed_at, span.interval, request.db.dialect.name)
    rows = request.db.execute(
        sa.select(bucket.label("period"), sa.func.count())
        .where(orders.c.completed_at >= span.start, orders.c.completed_at < span.end)
        .group_by(bucket)).all()
    points = fill_periods(span, {r.period: {"orders": r[1]} for r in rows}, {"orders": 0})
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping, Optional

import sqlalchemy as sa

from learnomy_core.params import bad_param

__all__ = [
    "INTERVALS",
    "MAX_PERIODS",
    "DEFAULT_PERIODS",
    "PERIOD_ARGS",
    "PeriodRange",
    "period_start",
    "next_period",
    "period_key",
    "parse_instant",
    "parse_bounds",
    "parse_period_range",
    "period_bucket",
    "fill_periods",
]

INTERVALS = ("day", "week", "month")
# The longest range a time series answers, in periods: 366 days (a leap year of
# days), 260 weeks (five years) and 120 months (ten years).
MAX_PERIODS = {"day": 366, "week": 260, "month": 120}
# Without ``from``: the periods up to ``to`` (30 days, 12 weeks, 12 months).
DEFAULT_PERIODS = {"day": 30, "week": 12, "month": 12}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?")

# The query arguments of a time series: ``from`` and ``to`` (a date, or an RFC
# 3339 date-time), ``interval``. Checked further by :func:`parse_period_range`.
PERIOD_ARGS: dict[str, dict[str, Any]] = {
    "from": {"type": "string", "maxLength": 40,
             "description": "Start: a date (YYYY-MM-DD) or an RFC 3339 date-time; its period is the first."},
    "to": {"type": "string", "maxLength": 40,
           "description": "End: a date (the whole day) or an RFC 3339 date-time; its period is the last. "
                          "Default: now."},
    "interval": {"type": "string", "enum": list(INTERVALS), "default": "day"},
}


@dataclass(frozen=True)
class PeriodRange:
    """Whole periods of one interval: ``starts`` each period's start, the rows
    counted are those in ``[start, end)``."""

    interval: str
    starts: tuple[datetime, ...]
    start: datetime
    end: datetime

    @property
    def keys(self) -> list[str]:
        """Each period's key, as :func:`period_bucket` names it (``YYYY-MM-DD``)."""
        return [period_key(s) for s in self.starts]


def period_start(instant: datetime, interval: str) -> datetime:
    """The start (00:00 UTC) of the day, ISO week (Monday) or month holding ``instant``."""
    day = datetime.combine(instant.date(), time())
    if interval == "day":
        return day
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    raise ValueError(f"Unknown interval {interval!r}")


def next_period(start: datetime, interval: str) -> datetime:
    """The start of the period after the one starting at ``start``."""
    if interval == "day":
        return start + timedelta(days=1)
    if interval == "week":
        return start + timedelta(days=7)
    if interval == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1, day=1)
    raise ValueError(f"Unknown interval {interval!r}")


def period_key(start: datetime) -> str:
    """The key of a period (its first day, ``YYYY-MM-DD``), as the database's buckets are."""
    return start.strftime("%Y-%m-%d")


def parse_instant(value: Optional[str], param: str, *, end_of_day: bool = False) -> Optional[datetime]:
    """``from``/``to`` as naive UTC: a date is its 00:00 UTC (with ``end_of_day``,
    the last second of it); a date-time is converted to UTC.

    :raises InvalidParams: neither a date nor an RFC 3339 date-time (``rest_invalid_date``).
    """
    if value is None or value == "":
        return None
    try:
        if _DATE.fullmatch(value):
            day = date.fromisoformat(value)
            return datetime.combine(day, time(23, 59, 59) if end_of_day else time())
        if _DATE_TIME.fullmatch(value):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
            return parsed
    except (ValueError, OverflowError):
        pass
    raise bad_param(param, f"{param} is not a date (YYYY-MM-DD) or an RFC 3339 date-time.", "rest_invalid_date")


def parse_bounds(params: Mapping[str, Any]) -> tuple[Optional[datetime], Optional[datetime]]:
    """An optional ``from``/``to`` range without periods, as ``[start, end)``: ``to``
    is included to its second (a date: its whole day). Either may be None (open).

    :raises InvalidParams: a bad date, or ``from`` after ``to``.
    """
    start = parse_instant(params.get("from"), "from")
    last = parse_instant(params.get("to"), "to", end_of_day=True)
    if start is not None and last is not None and start > last:
        raise bad_param("to", "to is before from.")
    return start, (last + timedelta(seconds=1) if last is not None else None)


def parse_period_range(params: Mapping[str, Any], *, interval: Optional[str] = None,
                       now: Optional[datetime] = None, max_periods: Optional[Mapping[str, int]] = None,
                       default_periods: Optional[Mapping[str, int]] = None) -> PeriodRange:
    """The whole periods from ``params["from"]``'s to ``params["to"]``'s, both included.

    :param params: the request's parameters (``from``, ``to``, ``interval``).
    :param interval: the interval, when the route does not take ``interval``.
    :param now: the default ``to`` (the current time).
    :param max_periods: the longest range per interval (:data:`MAX_PERIODS`).
    :param default_periods: the range's length without ``from`` (:data:`DEFAULT_PERIODS`).
    :raises InvalidParams: a bad date, ``from`` after ``to``, or a range over the
        limit (``rest_out_of_bounds``: more than 366 days of days, 260 weeks, 120 months).
    """
    interval = interval or params.get("interval") or "day"
    if interval not in INTERVALS:
        raise bad_param("interval", f"interval is not one of {', '.join(INTERVALS)}.", "rest_not_in_enum")
    limits = MAX_PERIODS if max_periods is None else max_periods
    defaults = DEFAULT_PERIODS if default_periods is None else default_periods
    first = parse_instant(params.get("from"), "from")
    last = parse_instant(params.get("to"), "to", end_of_day=True)
    if last is None:
        last = (now or datetime.now(timezone.utc).replace(tzinfo=None)).replace(microsecond=0)
    if first is not None and first > last:
        raise bad_param("to", "to is before from.")
    end_start = period_start(last, interval)
    starts: list[datetime] = []
    if first is None:
        cursor = end_start
        for _ in range(defaults[interval]):
            starts.append(cursor)
            cursor = _previous_period(cursor, interval)
        starts.reverse()
    else:
        cursor = period_start(first, interval)
        while cursor <= end_start:
            starts.append(cursor)
            if len(starts) > limits[interval]:
                raise bad_param("to", f"At most {limits[interval]} periods of a {interval} are answered at once; "
                                 "narrow the range or take a longer interval.", "rest_out_of_bounds")
            cursor = next_period(cursor, interval)
    return PeriodRange(interval, tuple(starts), starts[0], next_period(starts[-1], interval))


def _previous_period(start: datetime, interval: str) -> datetime:
    if interval == "month":
        year, month = (start.year, start.month - 1) if start.month > 1 else (start.year - 1, 12)
        return start.replace(year=year, month=month, day=1)
    return start - timedelta(days=1 if interval == "day" else 7)


def period_bucket(column: Any, interval: str, dialect: str) -> sa.ColumnElement[Any]:
    """The SQL expression of the key (``YYYY-MM-DD`` of its period's first day) of the
    period holding ``column``, for GROUP BY; the same text on SQLite and MariaDB/MySQL.

    :param dialect: ``request.db.dialect.name`` (``sqlite``, ``mysql``, ``mariadb``).
    """
    if interval not in INTERVALS:
        raise ValueError(f"Unknown interval {interval!r}")
    # Format strings as literal SQL, not bound parameters: the GROUP BY then repeats
    # the SELECT's expression exactly, which MySQL's ONLY_FULL_GROUP_BY asks for.
    if dialect == "sqlite":
        if interval == "day":
            return sa.func.date(column)
        if interval == "week":  # to the next Sunday (or this one), then back to its Monday
            return sa.func.date(column, sa.literal_column("'weekday 0'"), sa.literal_column("'-6 days'"))
        return sa.func.strftime(sa.literal_column("'%Y-%m-01'"), column)
    if dialect in ("mysql", "mariadb"):
        if interval == "day":
            return sa.func.date_format(column, sa.literal_column("'%Y-%m-%d'"))
        if interval == "week":  # WEEKDAY(): Monday 0
            monday = sa.func.subdate(column, sa.func.weekday(column))
            return sa.func.date_format(monday, sa.literal_column("'%Y-%m-%d'"))
        return sa.func.date_format(column, sa.literal_column("'%Y-%m-01'"))
    raise ValueError(f"No period buckets for the {dialect} dialect")


def fill_periods(span: PeriodRange, rows: Mapping[str, Mapping[str, Any]],
                 zero: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One point per period of ``span``, in order: ``{"period_start": ..., **figures}``,
    the figures of ``rows[key]`` (keys as :func:`period_bucket` gives them) or ``zero``
    for a period without rows."""
    points = []
    for start in span.starts:
        figures = rows.get(period_key(start))
        points.append({"period_start": start, **zero, **(figures or {})})
    return points
