"""Rate limits for sensitive routes: token buckets kept in the database.

A bucket (a route and a caller: a user, a client address, an account) holds
``limit`` requests and refills continuously, one request every ``60 / limit``
seconds. A full bucket lets a burst of ``limit`` through; after that, requests
pass at the refill rate, so there is no window boundary at which a second burst
would pass::

    limiter = RateLimiter(engine, table)
    verdict = limiter.hit(["POST /learnomy/v1/auth/token|ip198.51.100.7"], limit=60)
    verdict.allowed, verdict.headers, verdict.retry_after

Each bucket is one row holding the moment it will be full again (the "theoretical
arrival time" of the generic cell rate algorithm). A request takes one interval
from it when that moment is at most ``limit`` intervals away, in one atomic
upsert, so every worker process and host behind a load balancer shares the limit.
A request the limiter refuses takes nothing: a client that waits ``Retry-After``
gets through. The counting runs in a transaction of its own, so a request that
the app then refuses (a wrong password) or that fails still counts.
"""

from __future__ import annotations

import hashlib
import ipaddress
import random
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Union

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

__all__ = ["ratelimit_table", "RateLimiter", "Verdict", "client_address", "WINDOW_SECONDS"]

WINDOW_SECONDS = 60
_MICRO = 1_000_000
_WINDOW = WINDOW_SECONDS * _MICRO  # times are whole microseconds: exact arithmetic in SQL


def ratelimit_table(metadata: sa.MetaData, prefix: str) -> sa.Table:
    """Declare the buckets table.

    ``full_at`` is when the bucket is full again, in microseconds since the epoch;
    ``refused`` whether the bucket's latest request was refused (the upsert's
    answer, read back in the same transaction).
    """
    return sa.Table(
        f"{prefix}lrn_rate_limits", metadata,
        sa.Column("bucket", sa.String(64), primary_key=True),
        sa.Column("full_at", sa.BigInteger, nullable=False),
        sa.Column("refused", sa.Boolean, nullable=False, default=False),
    )


def client_address(address: Optional[str]) -> str:
    """The client a limit counts: an IPv4 address, or an IPv6 address's /64.

    One IPv6 host commonly holds a whole /64, so counting single addresses would
    give it 2**64 allowances; an IPv4-mapped IPv6 address is its IPv4 address.
    """
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or ""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one counted request, over every bucket it was counted in.

    :ivar limit: requests a minute.
    :ivar allowed: whether every bucket let the request through.
    :ivar remaining: requests that would pass right now, after this one.
    :ivar reset_in: seconds until every bucket is full again.
    :ivar retry_after: seconds until one more request would pass (0: now).
    """

    limit: int
    allowed: bool
    remaining: int
    reset_in: int
    retry_after: int

    @property
    def headers(self) -> dict[str, str]:
        """``RateLimit-Limit``, ``RateLimit-Remaining`` and ``RateLimit-Reset``."""
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_in),
        }


class RateLimiter:
    """Counts requests in token buckets kept in the database.

    :param engine: the app's engine; each count takes a transaction of its own.
    :param table: the table of :func:`ratelimit_table`.
    :param clock: seconds since the epoch (``time.time``); tests move their own.
    """

    def __init__(self, engine: Engine, table: sa.Table, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.table = table
        self.clock = clock

    def hit(self, keys: Union[str, Iterable[str]], limit: int) -> Verdict:
        """Count one request in the bucket of each key, against ``limit`` a minute.

        The request passes when every bucket lets it through. A bucket that refuses
        takes nothing; the others still take their share (the request was made),
        which ``retry_after`` accounts for.
        """
        now = round(self.clock() * _MICRO)
        interval = -(-_WINDOW // limit)  # rounded up: never more than ``limit`` a minute
        capacity = limit * interval
        # Sorted, so that two requests sharing buckets lock them in the same order.
        buckets = sorted({_bucket(key) for key in ([keys] if isinstance(keys, str) else keys)})
        with self.engine.begin() as db:
            for bucket in buckets:
                self._take(db, bucket, now, interval, capacity)
            table = self.table
            rows = db.execute(sa.select(table.c.full_at, table.c.refused).where(table.c.bucket.in_(buckets))).all()
        if random.random() < 0.01:  # keep the table small without a cron job: a full bucket needs no row
            with self.engine.begin() as db:
                db.execute(sa.delete(self.table).where(self.table.c.full_at < now))
        # After the upsert a bucket is full again ``gap`` from now; one more request
        # fits once ``gap`` is at most ``capacity - interval``.
        gaps = [max(0, int(row.full_at) - now) for row in rows] or [0]
        return Verdict(
            limit=limit,
            allowed=not any(row.refused for row in rows),
            remaining=max(0, min((capacity - gap) // interval for gap in gaps)),
            reset_in=min(WINDOW_SECONDS, _seconds(max(gaps))),
            retry_after=_seconds(max(0, max(gaps) - (capacity - interval))),
        )

    def forget(self, db: Connection, keys: Iterable[str]) -> None:
        """Delete the buckets of ``keys`` in the caller's transaction ``db``.

        For an account that is deleted: a bucket's key names the account (its
        login, its id), and only the key's hash is stored, so the keys are
        derived again to find the rows.
        """
        buckets = sorted({_bucket(key) for key in keys})
        if buckets:
            db.execute(sa.delete(self.table).where(self.table.c.bucket.in_(buckets)))

    def _take(self, db: Connection, bucket: str, now: int, interval: int, capacity: int) -> None:
        """Take one interval from ``bucket`` if it holds one: one atomic upsert."""
        table = self.table
        full_at, at_now = table.c.full_at, sa.literal(now, sa.BigInteger)
        start = sa.case((full_at > at_now, full_at), else_=at_now)
        fits = start + interval - at_now <= capacity
        # MySQL assigns left to right, later expressions seeing earlier results:
        # ``refused`` goes first, while ``full_at`` still holds its old value.
        changes = [
            ("refused", sa.case((fits, sa.false()), else_=sa.true())),
            ("full_at", sa.case((fits, start + interval), else_=full_at)),
        ]
        first = {"bucket": bucket, "full_at": now + interval, "refused": False}
        if db.dialect.name in ("mysql", "mariadb"):
            from sqlalchemy.dialects.mysql import insert

            db.execute(insert(table).values(**first).on_duplicate_key_update(changes))
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            db.execute(sqlite_insert(table).values(**first).on_conflict_do_update(
                index_elements=[table.c.bucket], set_=dict(changes)))


def _bucket(key: str) -> str:
    """The stored name of a key's bucket: its SHA-256 (keys hold logins and addresses)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _seconds(microseconds: int) -> int:
    """Whole seconds, rounded up: waiting that long is always enough."""
    return -(-microseconds // _MICRO)
