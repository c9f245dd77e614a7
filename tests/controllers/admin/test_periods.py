"""The public period machinery: the database's buckets agree with Python's periods
at the edges of days, ISO weeks, months and years, on SQLite and MariaDB."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa

from learnomy.controllers.admin import (
    fill_periods,
    next_period,
    parse_bounds,
    parse_period_range,
    period_bucket,
    period_key,
    period_start,
)
from learnomy_core import LearnomyApp
from learnomy_core.errors import InvalidParams

EDGES = [
    "2025-12-28 23:59:59",  # Sunday: the last second of ISO week 2025-W52
    "2025-12-29 00:00:00",  # Monday: week 2026-W01 starts in December
    "2025-12-31 23:59:59",
    "2026-01-01 00:00:00",  # a new year in the middle of a week
    "2026-01-31 23:59:59",
    "2026-02-01 00:00:00",  # Sunday: a new month, the same week
    "2026-02-02 00:00:00",  # Monday
    "2024-02-29 12:00:00",  # a leap day
    "2024-03-01 00:00:00",
]


@pytest.mark.parametrize("interval", ["day", "week", "month"])
def test_database_buckets_match_python_periods(app: LearnomyApp, interval: str) -> None:
    refunds = app.tables["lrn_refunds"]
    with app.storage.engine.begin() as db:
        db.execute(sa.insert(refunds), [{"order_id": n + 1, "amount": 1, "currency": "USD", "reason": "",
                                         "created_at": datetime.fromisoformat(edge)} for n, edge in enumerate(EDGES)])
        bucket = period_bucket(refunds.c.created_at, interval, db.dialect.name)
        rows = db.execute(sa.select(refunds.c.order_id, bucket).order_by(refunds.c.order_id)).all()
        grouped = dict(db.execute(sa.select(bucket, sa.func.count()).group_by(bucket)).all())
    expected = [period_key(period_start(datetime.fromisoformat(edge), interval)) for edge in EDGES]
    assert [str(key) for _, key in rows] == expected
    assert sum(grouped.values()) == len(EDGES) and set(map(str, grouped)) == set(expected)


def test_periods_in_python() -> None:
    assert period_start(datetime(2026, 1, 1, 5), "week") == datetime(2025, 12, 29)
    assert next_period(datetime(2025, 12, 1), "month") == datetime(2026, 1, 1)
    assert next_period(datetime(2025, 12, 29), "week") == datetime(2026, 1, 5)
    span = parse_period_range({"from": "2025-11-15", "to": "2026-01-01T00:00:00Z", "interval": "month"})
    assert span.keys == ["2025-11-01", "2025-12-01", "2026-01-01"]
    assert (span.start, span.end) == (datetime(2025, 11, 1), datetime(2026, 2, 1))
    # A date-time with an offset is converted to UTC first: 1 February 00:30 at +01:00 is 31 January.
    assert parse_period_range({"from": "2026-02-01T00:30:00+01:00", "to": "2026-02-01"}).keys == [
        "2026-01-31", "2026-02-01"]
    default = parse_period_range({"interval": "week"}, now=datetime(2026, 2, 4, 10))
    assert len(default.starts) == 12 and default.starts[-1] == datetime(2026, 2, 2)
    assert parse_bounds({"to": "2026-01-31"}) == (None, datetime(2026, 2, 1))
    points = fill_periods(span, {"2025-12-01": {"n": 3}}, {"n": 0})
    assert [(p["period_start"], p["n"]) for p in points] == [
        (datetime(2025, 11, 1), 0), (datetime(2025, 12, 1), 3), (datetime(2026, 1, 1), 0)]


def test_limits_can_be_a_plugins_own() -> None:
    with pytest.raises(InvalidParams):
        parse_period_range({"from": "2026-01-01", "to": "2026-01-08"}, max_periods={"day": 7})
    assert len(parse_period_range({"from": "2026-01-01", "to": "2026-01-07"}, max_periods={"day": 7}).starts) == 7
