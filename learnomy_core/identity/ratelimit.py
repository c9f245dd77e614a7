"""Rate limits for sensitive routes, counted in the database.

A fixed one-minute window per route and caller (the user, or the client IP when
anonymous). The counter is incremented atomically by the database (an upsert),
in a transaction of its own so that a refused or failed request still counts, and
so that every worker process and host behind one load balancer shares one limit.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

__all__ = ["ratelimit_table", "RateLimiter", "Verdict"]

WINDOW_SECONDS = 60


def ratelimit_table(metadata: sa.MetaData, prefix: str) -> sa.Table:
    """Declare the counters table."""
    return sa.Table(
        f"{prefix}lrn_rate_limits", metadata,
        sa.Column("bucket", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hits", sa.Integer, nullable=False, default=0),
    )


@dataclass
class Verdict:
    """The outcome of one counted request."""

    limit: int
    hits: int
    reset_in: int

    @property
    def allowed(self) -> bool:
        return self.hits <= self.limit

    @property
    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, self.limit - self.hits)),
            "RateLimit-Reset": str(self.reset_in),
        }


class RateLimiter:
    """Counts hits per bucket and window."""

    def __init__(self, engine: Engine, table: sa.Table) -> None:
        self.engine = engine
        self.table = table

    def hit(self, key: str, limit: int) -> Verdict:
        """Count one request for ``key`` (route and caller) against ``limit`` a minute."""
        now = int(time.time())
        start = now - now % WINDOW_SECONDS
        bucket = hashlib.sha256(key.encode()).hexdigest()
        with self.engine.begin() as db:
            self._increment(db, bucket, start)
            hits = db.execute(
                sa.select(self.table.c.hits).where(self.table.c.bucket == bucket, self.table.c.window_start == start)
            ).scalar_one()
            if random.random() < 0.01:  # keep the table small without a cron job
                db.execute(sa.delete(self.table).where(self.table.c.window_start < start - WINDOW_SECONDS))
        return Verdict(limit, int(hits), start + WINDOW_SECONDS - now)

    def _increment(self, db: Connection, bucket: str, start: int) -> None:
        table = self.table
        values = {"bucket": bucket, "window_start": start, "hits": 1}
        if db.dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects.mysql import insert

            db.execute(insert(table).values(**values).on_duplicate_key_update(hits=table.c.hits + 1))
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            db.execute(sqlite_insert(table).values(**values).on_conflict_do_update(
                index_elements=[table.c.bucket, table.c.window_start], set_={"hits": table.c.hits + 1}))
