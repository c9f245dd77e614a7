"""Background jobs: exclusive claims across workers, leases, retries, failure."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from learnomy_core import LearnomyApp, hookimpl
from learnomy_core.jobs import (DONE, FAILED, PENDING, RUNNING, JobContext, JobKind, RetryLater, backoff,
                                enqueue, run_due_jobs, run_worker)
from learnomy_core.cli import main
from tests.racing import race

RUNS: list[tuple[int, int]] = []
_LOCK = threading.Lock()


def _record(job: JobContext) -> None:
    with _LOCK:
        RUNS.append((job.job_id, job.attempt))
    marks = job.app.tables["options"]
    job.db.execute(sa.insert(marks).values(option_name=f"job_ran_{job.job_id}_{job.attempt}",
                                           option_value=str(job.payload.get("n", "")), autoload="no"))


def _fail(job: JobContext) -> None:
    with _LOCK:
        RUNS.append((job.job_id, job.attempt))
    marks = job.app.tables["options"]
    job.db.execute(sa.insert(marks).values(option_name=f"job_wrote_{job.attempt}", option_value="", autoload="no"))
    raise RuntimeError(f"boom {job.attempt}")


def _later(job: JobContext) -> None:
    raise RetryLater(3600, "not yet")


class JobsPlugin:
    @hookimpl
    def learnomy_job_kinds(self) -> dict[str, Any]:
        return {
            "test.record": _record,
            "test.fail": JobKind(_fail, max_attempts=3),
            "test.later": JobKind(_later, max_attempts=5),
        }


@pytest.fixture(autouse=True)
def _clear_runs() -> None:
    RUNS.clear()


@pytest.fixture
def jobs_app(make_app: Callable[..., LearnomyApp]) -> Callable[[], LearnomyApp]:
    return lambda: make_app(plugins=[JobsPlugin()])


def _rows(app: LearnomyApp) -> list[Any]:
    table = app.tables["lrn_jobs"]
    with app.storage.engine.connect() as db:
        return db.execute(sa.select(table).order_by(table.c.id)).all()


def _enqueue(app: LearnomyApp, kind: str, payload: dict[str, Any] | None = None, **kw: Any) -> int:
    with app.storage.engine.begin() as db:
        return enqueue(db, kind, payload or {}, **kw)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def test_a_job_runs_once_and_its_writes_commit(jobs_app: Callable[[], LearnomyApp]) -> None:
    app = jobs_app()
    job = _enqueue(app, "test.record", {"n": 7})
    assert run_due_jobs(app) == 1
    assert RUNS == [(job, 1)]
    [row] = _rows(app)
    assert (row.status, row.attempts, row.last_error) == (DONE, 1, None)
    assert run_due_jobs(app) == 0
    with app.storage.engine.connect() as db:
        options = app.tables["options"]
        assert db.execute(sa.select(options.c.option_value).where(
            options.c.option_name == f"job_ran_{job}_1")).scalar() == "7"


def test_a_job_enqueued_in_a_rolled_back_transaction_does_not_exist(jobs_app: Callable[[], LearnomyApp]) -> None:
    app = jobs_app()
    with app.storage.engine.connect() as db:
        with db.begin() as transaction:
            enqueue(db, "test.record", {})
            transaction.rollback()
    assert _rows(app) == []


def test_run_at_and_dedupe_key(jobs_app: Callable[[], LearnomyApp]) -> None:
    app = jobs_app()
    later = _utcnow() + timedelta(hours=1)
    first = _enqueue(app, "test.record", {}, run_at=later, dedupe_key="k1")
    assert _enqueue(app, "test.record", {}, dedupe_key="k1") == first
    assert run_due_jobs(app) == 0
    assert run_due_jobs(app, now=later + timedelta(seconds=1)) == 1
    assert RUNS == [(first, 1)]


def test_jobs_of_unknown_kinds_wait(jobs_app: Callable[[], LearnomyApp]) -> None:
    app = jobs_app()
    _enqueue(app, "nobody.handles", {})
    assert run_due_jobs(app) == 0
    assert [r.status for r in _rows(app)] == [PENDING]


def test_two_workers_never_run_one_job_twice(jobs_app: Callable[[], LearnomyApp]) -> None:
    apps = [jobs_app() for _ in range(4)]
    ids = [_enqueue(apps[0], "test.record", {"n": n}) for n in range(24)]
    counts = race([lambda a=a: sum(run_due_jobs(a, limit=3) for _ in range(12)) for a in apps])
    assert sum(counts) == len(ids)
    assert sorted(job for job, _ in RUNS) == ids  # each once
    assert {r.status for r in _rows(apps[0])} == {DONE}


def test_a_killed_workers_job_is_taken_over_after_its_lease(jobs_app: Callable[[], LearnomyApp]) -> None:
    app = jobs_app()
    job = _enqueue(app, "test.record", {})
    table = app.tables["lrn_jobs"]
    # A worker claimed it and died: running, with a lease still valid...
    with app.storage.engine.begin() as db:
        db.execute(sa.update(table).values(status=RUNNING, attempts=1, locked_by="dead",
                                           locked_until=_utcnow() + timedelta(minutes=5)))
    assert run_due_jobs(app) == 0
    # ... then the lease runs out: another worker takes it, as attempt 2.
    with app.storage.engine.begin() as db:
        db.execute(sa.update(table).values(locked_until=_utcnow() - timedelta(seconds=1)))
    assert run_due_jobs(app) == 1
    assert RUNS == [(job, 2)]
    [row] = _rows(app)
    assert (row.status, row.attempts) == (DONE, 2)


def test_a_worker_whose_lease_was_taken_over_cannot_finish(make_app: Callable[..., LearnomyApp]) -> None:
    def hijacked(job: JobContext) -> None:
        table = job.app.tables["lrn_jobs"]
        with job.app.storage.engine.begin() as other:  # the lease ran out; another worker claimed it
            other.execute(sa.update(table).values(locked_by="other"))
        _record(job)

    class Hijack:
        @hookimpl
        def learnomy_job_kinds(self) -> dict[str, Any]:
            return {"test.hijacked": hijacked}

    app = make_app(plugins=[Hijack()])
    job = _enqueue(app, "test.hijacked", {})
    assert run_due_jobs(app) == 1
    [row] = _rows(app)
    assert (row.status, row.locked_by) == (RUNNING, "other")  # the other worker's run counts
    with app.storage.engine.connect() as db:  # the first worker's writes rolled back
        options = app.tables["options"]
        assert db.execute(sa.select(options).where(options.c.option_name == f"job_ran_{job}_1")).first() is None


def test_a_failing_job_backs_off_and_ends_failed(jobs_app: Callable[[], LearnomyApp]) -> None:
    app = jobs_app()
    job = _enqueue(app, "test.fail", {})
    moment = _utcnow()
    assert run_due_jobs(app) == 1
    [row] = _rows(app)
    assert (row.status, row.attempts, row.locked_by) == (PENDING, 1, None)
    assert "boom 1" in row.last_error
    assert row.run_at > moment  # backed off
    assert run_due_jobs(app) == 0  # not due yet
    for attempt in (2, 3):
        assert run_due_jobs(app, now=_utcnow() + timedelta(days=1)) == 1
        [row] = _rows(app)
        assert row.attempts == attempt
    assert (row.status, row.finished_at is not None) == (FAILED, True)
    assert "boom 3" in row.last_error
    assert RUNS == [(job, 1), (job, 2), (job, 3)]
    assert run_due_jobs(app, now=_utcnow() + timedelta(days=30)) == 0  # kept, never run again
    with app.storage.engine.connect() as db:  # each failed attempt's writes rolled back
        options = app.tables["options"]
        assert db.execute(sa.select(options).where(options.c.option_name.like("job_wrote_%"))).first() is None


def test_retry_later_chooses_the_delay(jobs_app: Callable[[], LearnomyApp]) -> None:
    app = jobs_app()
    _enqueue(app, "test.later", {})
    before = _utcnow()
    run_due_jobs(app)
    [row] = _rows(app)
    assert row.status == PENDING
    assert timedelta(minutes=59) < row.run_at - before < timedelta(minutes=61)


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    for attempt in range(1, 20):
        full = min(6 * 3600, 10 * 2 ** (attempt - 1))
        assert full / 2 <= backoff(attempt) <= full
    assert len({backoff(5) for _ in range(20)}) > 1
    kind = JobKind(_record, delays=[5, 300])
    assert 4.5 <= kind.delay_after(1) <= 5.5
    assert 270 <= kind.delay_after(9) <= 330  # the last delay repeats


def test_run_worker_once_runs_everything_due(jobs_app: Callable[[], LearnomyApp]) -> None:
    app = jobs_app()
    for n in range(5):
        _enqueue(app, "test.record", {"n": n})
    assert run_worker(app, once=True, batch=2) == 5
    assert run_worker(app, once=True) == 0


def test_the_worker_command_runs_due_jobs(jobs_app: Callable[[], LearnomyApp], database_url: str,
                                          monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    app = jobs_app()
    _enqueue(app, "nobody.handles", {})
    monkeypatch.setenv("LEARNOMY_DATABASE_URL", database_url)
    assert main(["worker", "--once"]) == 0
    assert "Ran 0 job(s)." in capsys.readouterr().out


def test_webhooks_work_runs_deliveries_alone(make_app: Callable[..., LearnomyApp], database_url: str,
                                             monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app()
    with app.storage.engine.begin() as db:
        enqueue(db, "mail.send", {"to": "a@example.org", "subject": "s", "body": "b"})
        enqueue(db, "webhook.deliver", {"delivery_id": 999999, "attempt": 0})  # gone: a no-op
    monkeypatch.setenv("LEARNOMY_DATABASE_URL", database_url)
    assert main(["webhooks", "work", "--once"]) == 0
    assert "Ran 1 job(s)." in capsys.readouterr().out
    assert sorted((r.kind, r.status) for r in _rows(app)) == [("mail.send", PENDING), ("webhook.deliver", DONE)]


def test_racing_enqueues_with_one_dedupe_key_keep_one_job(jobs_app: Callable[[], LearnomyApp]) -> None:
    apps = [jobs_app() for _ in range(4)]
    ids = race([lambda a=a: _enqueue(a, "test.record", {}, dedupe_key="once") for a in apps])
    assert len(set(ids)) == 1
    assert len(_rows(apps[0])) == 1
