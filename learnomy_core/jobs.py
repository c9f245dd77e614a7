"""Background jobs: work a request hands over to be done later, reliably.

A request records a job in its own transaction, so the job exists exactly when
the change that asked for it is committed::

    from learnomy_core.jobs import enqueue
    enqueue(request.db, "mail.send", {"to": "ann@example.org", ...})

A plugin registers what a kind of job does through the ``learnomy_job_kinds``
hook, answering ``{"mail.send": handler}`` or ``{"mail.send": JobKind(handler,
max_attempts=5)}``. A handler receives a :class:`JobContext` (``.app``, ``.db``,
``.payload``, ``.job_id``, ``.attempt``); ``.db`` is a transaction of its own,
committed when the handler returns together with the job being marked done, and
rolled back when it raises. Raising retries the job later (exponential backoff
with jitter, or the kind's own schedule; :class:`RetryLater` names the delay);
a job that keeps failing stays in the table as ``failed`` with its last error.

Workers (``learnomy worker``, ``learnomy worker --once``, or
:func:`run_due_jobs` in tests) claim due jobs exclusively, across processes and
hosts: ``SELECT ... FOR UPDATE SKIP LOCKED`` on MySQL/MariaDB, and elsewhere a
conditional ``UPDATE ... WHERE id = ? AND attempts = ?`` that only one claimer
can win. A claim is a lease: a worker killed mid-job leaves the job ``running``
with a ``locked_until`` in the past, and the next worker takes it again. The
work a handler writes to the database happens once (a worker whose lease was
taken over cannot mark the job done, and its writes roll back); what it sends
out (an e-mail, an HTTP call) happens at least once.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional, Sequence, Union

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .storage import ID, LONGTEXT, TEXT_TABLE, insert_ignore, inserted_id, storage_of

if TYPE_CHECKING:  # pragma: no cover
    from .app import LearnomyApp

__all__ = [
    "jobs_table", "enqueue", "run_due_jobs", "run_worker", "JobContext", "JobKind", "RetryLater",
    "job_kinds", "backoff", "PENDING", "RUNNING", "DONE", "FAILED",
]

logger = logging.getLogger("learnomy.jobs")

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_LEASE_SECONDS = 300
_ERROR_LIMIT = 4000  # characters of the last error kept with the job


def jobs_table(metadata: sa.MetaData, prefix: str) -> sa.Table:
    """Declare the jobs table (made by the core revision ``core_0005_jobs``).

    ``run_at`` is when a pending job is due; ``locked_until`` the end of a
    running job's lease and ``locked_by`` the claim's token; ``dedupe_key``, when
    given, is unique: enqueueing the same key twice keeps the first job.
    """
    return sa.Table(
        f"{prefix}lrn_jobs", metadata,
        sa.Column("id", ID, primary_key=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("run_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
        sa.Column("locked_by", sa.String(32), nullable=True),
        sa.Column("last_error", LONGTEXT, nullable=True),
        sa.Column("dedupe_key", sa.String(191), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Index(f"{prefix}lrn_jobs_due", "status", "run_at"),
        sa.Index(f"{prefix}lrn_jobs_dedupe", "dedupe_key", unique=True),
        **TEXT_TABLE,
    )


def _now() -> datetime:
    """Naive UTC, as every DateTime column of the app stores it."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def backoff(attempt: int, *, base: float = 10.0, cap: float = 6 * 3600.0) -> float:
    """Seconds before retrying after failed attempt ``attempt`` (1-based).

    Exponential (``base * 2**(attempt-1)``, at most ``cap``) with full jitter
    between half and all of it, so jobs that failed together do not all come
    back at the same moment.
    """
    delay = min(cap, base * (2 ** max(0, attempt - 1)))
    return delay / 2 + random.random() * delay / 2


@dataclass(frozen=True)
class JobKind:
    """What a kind of job does and how it is retried.

    :ivar handler: called with a :class:`JobContext`; raise to retry.
    :ivar max_attempts: attempts before the job is kept as ``failed``.
    :ivar delays: seconds to wait after each failed attempt (the last repeats);
        ``None`` for :func:`backoff`.
    :ivar lease_seconds: how long a claim lasts; a handler running longer may
        be run again by another worker.
    """

    handler: Callable[["JobContext"], None]
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    delays: Optional[Sequence[float]] = None
    lease_seconds: int = DEFAULT_LEASE_SECONDS

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt``."""
        if not self.delays:
            return backoff(attempt)
        base = float(self.delays[min(attempt, len(self.delays)) - 1])
        return base * (0.9 + random.random() * 0.2)  # ±10 % jitter


class RetryLater(Exception):
    """Raised by a handler to be retried after ``seconds`` (counts as an attempt)."""

    def __init__(self, seconds: float, message: str = "retry later") -> None:
        super().__init__(message)
        self.seconds = seconds


@dataclass
class JobContext:
    """What a handler gets.

    :ivar app: the :class:`~learnomy_core.app.LearnomyApp`.
    :ivar db: the handler's own transaction (committed when it returns).
    :ivar payload: the job's payload as enqueued.
    :ivar job_id: the job's id.
    :ivar attempt: 1 on the first run, 2 on the first retry, ...
    :ivar max_attempts: the kind's limit; ``attempt == max_attempts`` is the last try.
    """

    app: "LearnomyApp"
    db: Connection
    payload: dict[str, Any]
    job_id: int
    attempt: int
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    kind: str = ""

    @property
    def last_attempt(self) -> bool:
        """Whether a failure now keeps the job as ``failed``."""
        return self.attempt >= self.max_attempts


def enqueue(db: Connection, kind: str, payload: Mapping[str, Any], *, run_at: Optional[datetime] = None,
            dedupe_key: Optional[str] = None) -> int:
    """Record a job in ``db``'s transaction (``request.db``): it exists once that commits.

    :param kind: a kind some plugin registered through ``learnomy_job_kinds``.
    :param payload: JSON-serialisable data for the handler.
    :param run_at: not before this moment (naive UTC or aware); now by default.
    :param dedupe_key: a job with this key already recorded makes this call a
        no-op (answering the existing job's id).
    :returns: the job's id.
    """
    table = _table_of(db)
    when = _naive(run_at) if run_at is not None else _now()
    values = {
        "kind": kind, "payload": dict(payload), "status": PENDING, "attempts": 0, "run_at": when,
        "created_at": _now(), "dedupe_key": dedupe_key,
    }
    if dedupe_key is None:
        return inserted_id(db.execute(sa.insert(table).values(**values)))
    insert_ignore(db, table, values)
    query = sa.select(table.c.id).where(table.c.dedupe_key == dedupe_key)
    if db.dialect.name != "sqlite":
        # A shared locking read: when another transaction's job holds the key, a
        # plain read on MariaDB could see a snapshot from before it committed; an
        # exclusive one would deadlock with the other racers' shared locks.
        query = query.with_for_update(read=True)
    return int(db.execute(query).scalar_one())


def _naive(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _table_of(db: Connection) -> sa.Table:
    return storage_of(db).tables["lrn_jobs"]


def job_kinds(app: "LearnomyApp") -> dict[str, JobKind]:
    """Every plugin's job kinds (cached on the app); the first plugin to name a kind keeps it."""
    cached = getattr(app, "_job_kinds", None)
    if cached is not None:
        return cached
    kinds: dict[str, JobKind] = {}
    for answer in reversed(app.plugins.hook.learnomy_job_kinds()):  # load order
        for name, value in (answer or {}).items():
            if name not in kinds:
                kinds[name] = value if isinstance(value, JobKind) else JobKind(value)
    app._job_kinds = kinds  # type: ignore[attr-defined]
    return kinds


@dataclass
class _Claim:
    id: int
    kind: str
    payload: dict[str, Any]
    attempt: int
    token: str
    spec: JobKind = field(repr=False, default=None)  # type: ignore[assignment]


def _due(table: sa.Table, now: datetime) -> Any:
    return sa.or_(
        sa.and_(table.c.status == PENDING, table.c.run_at <= now),
        sa.and_(table.c.status == RUNNING, table.c.locked_until < now),  # a lease that ran out
    )


def _claim(app: "LearnomyApp", kinds: Mapping[str, JobKind], limit: int, now: datetime) -> list[_Claim]:
    """Take up to ``limit`` due jobs for this worker, in a short transaction of its own."""
    table = app.tables["lrn_jobs"]
    token = secrets.token_hex(16)
    query = (
        sa.select(table.c.id, table.c.kind, table.c.payload, table.c.attempts)
        .where(_due(table, now), table.c.kind.in_(list(kinds)))
        .order_by(table.c.run_at, table.c.id)
        .limit(limit)
    )
    claims: list[_Claim] = []
    engine = app.storage.engine
    with engine.begin() as db:
        skip_locked = db.dialect.name in ("mysql", "mariadb")
        rows = db.execute(query.with_for_update(skip_locked=True) if skip_locked else query).all()
        for row in rows:
            spec = kinds[row.kind]
            lease = now + timedelta(seconds=spec.lease_seconds)
            guard = [table.c.id == row.id, table.c.attempts == row.attempts, _due(table, now)]
            won = db.execute(
                sa.update(table).where(*guard).values(
                    status=RUNNING, attempts=row.attempts + 1, locked_until=lease, locked_by=token)
            ).rowcount == 1
            if won:
                claims.append(_Claim(int(row.id), row.kind, dict(row.payload or {}), row.attempts + 1, token, spec))
    return claims


def _run(app: "LearnomyApp", claim: _Claim) -> bool:
    """Run one claimed job; whether it succeeded."""
    table = app.tables["lrn_jobs"]
    mine = [table.c.id == claim.id, table.c.locked_by == claim.token, table.c.status == RUNNING]
    spec = claim.spec
    try:
        with app.storage.engine.begin() as db:
            context = JobContext(app=app, db=db, payload=claim.payload, job_id=claim.id, attempt=claim.attempt,
                                 max_attempts=spec.max_attempts, kind=claim.kind)
            spec.handler(context)
            done = db.execute(sa.update(table).where(*mine).values(
                status=DONE, locked_until=None, finished_at=_now(), last_error=None)).rowcount == 1
            if not done:
                # Another worker took the job over after our lease ran out: its run counts.
                raise _LeaseLost()
        return True
    except _LeaseLost:
        logger.warning("job %s (%s) outlived its lease; its writes were rolled back", claim.id, claim.kind)
        return False
    except Exception as exc:  # noqa: BLE001 - a handler's failure is recorded, never propagated
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        logger.warning("job %s (%s) attempt %s failed: %s", claim.id, claim.kind, claim.attempt, error)
        final = claim.attempt >= spec.max_attempts
        delay = exc.seconds if isinstance(exc, RetryLater) else spec.delay_after(claim.attempt)
        values: dict[str, Any] = {"last_error": error[:_ERROR_LIMIT], "locked_until": None, "locked_by": None}
        if final:
            values.update(status=FAILED, finished_at=_now())
        else:
            values.update(status=PENDING, run_at=_now() + timedelta(seconds=delay))
        with app.storage.engine.begin() as db:
            db.execute(sa.update(table).where(*mine).values(**values))
        return False


class _LeaseLost(Exception):
    pass


def run_due_jobs(app: "LearnomyApp", limit: int = 100, *, kinds: Optional[Iterable[str]] = None,
                 now: Optional[datetime] = None) -> int:
    """Claim and run up to ``limit`` jobs due now; how many were run (failed ones included).

    :param kinds: only these kinds (``learnomy webhooks work``); every registered
        kind by default. Jobs of kinds nobody registers wait in the table.
    :param now: the moment to consider (tests move time forward); naive UTC.
    """
    known = job_kinds(app)
    wanted = {k: v for k, v in known.items() if kinds is None or k in set(kinds)}
    if not wanted:
        return 0
    claims = _claim(app, wanted, limit, _naive(now) if now is not None else _now())
    for claim in claims:
        _run(app, claim)
    return len(claims)


def run_worker(app: "LearnomyApp", *, once: bool = False, kinds: Optional[Iterable[str]] = None,
               batch: int = 50, idle_seconds: float = 2.0,
               should_stop: Callable[[], bool] = lambda: False) -> int:
    """Run jobs until stopped (or, with ``once``, until none is due); how many ran."""
    selected = list(kinds) if kinds is not None else None
    total = 0
    while not should_stop():
        try:
            ran = run_due_jobs(app, batch, kinds=selected)
        except sa.exc.OperationalError:
            if once:
                raise
            logger.exception("the database is unreachable; trying again shortly")
            ran = 0
        total += ran
        if ran < batch:
            if once:
                break
            time.sleep(idle_seconds)
    return total


JobHandlers = Mapping[str, Union[Callable[[JobContext], None], JobKind]]
