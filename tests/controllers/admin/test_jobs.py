"""``/admin/jobs``: pending, running and failed background jobs; retrying a failed one."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy_core.jobs import enqueue, run_due_jobs
from tests.controllers.admin.conftest import API
from tests.plugins import mailbox
from tests.racing import race

JOBS = f"{API}/admin/jobs"


def _job(app: LearnomyApp, status: str, kind: str = "mail.send", **values: Any) -> int:
    with app.storage.engine.begin() as db:
        job_id = enqueue(db, kind, {"to": "ann@example.org", "subject": "Hello", "body": "Secret link"})
        table = app.tables["lrn_jobs"]
        if status != "pending" or values:
            db.execute(sa.update(table).where(table.c.id == job_id).values(status=status, **values))
    return job_id


@pytest.fixture
def jobs(app: LearnomyApp) -> dict[str, int]:
    return {
        "pending": _job(app, "pending"),
        "failed": _job(app, "failed", attempts=8, last_error="SMTPError: 550", finished_at=datetime(2026, 11, 2)),
        "done": _job(app, "done", attempts=1),
        "running": _job(app, "running", attempts=1, locked_until=datetime(2100, 1, 1), locked_by="w"),
        "orphan": _job(app, "failed", kind="nobody.runs.this"),
    }


def test_the_list_has_pending_running_and_failed_jobs(client: Client, people: Any, jobs: dict[str, int]) -> None:
    response = client.get(JOBS, headers=people["admin"])
    assert response.status_code == 200, response.json
    listed = {item["id"]: item for item in response.json["data"]}
    assert set(listed) == {jobs[name] for name in ("pending", "failed", "running", "orphan")}
    failed = listed[jobs["failed"]]
    assert failed["status"] == "failed" and failed["attempts"] == 8 and failed["max_attempts"] == 8
    assert failed["last_error"] == "SMTPError: 550" and failed["kind"] == "mail.send"
    assert listed[jobs["orphan"]]["max_attempts"] is None
    assert "payload" not in failed and "Secret link" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query, names", [
    ({"status": "failed"}, ["orphan", "failed"]), ({"status": "pending"}, ["pending"]),
    ({"kind": "nobody.runs.this"}, ["orphan"]), ({"status": "failed", "kind": "mail.send"}, ["failed"]),
])
def test_the_list_filters(client: Client, people: Any, jobs: dict[str, int], query: dict, names: list[str]) -> None:
    response = client.get(JOBS, query_string=query, headers=people["admin"])
    assert [item["id"] for item in response.json["data"]] == [jobs[name] for name in names]


def test_the_list_pages_with_a_cursor(client: Client, people: Any, jobs: dict[str, int]) -> None:
    seen, cursor = [], None
    while True:
        response = client.get(JOBS, query_string={"per_page": 1, **({"cursor": cursor} if cursor else {})},
                              headers=people["admin"])
        seen += [item["id"] for item in response.json["data"]]
        cursor = response.json["meta"]["cursor_next"]
        if not cursor:
            break
    assert seen == sorted((jobs[n] for n in ("pending", "failed", "running", "orphan")), reverse=True)


@pytest.mark.parametrize("query, param", [({"status": "done"}, "status"), ({"kind": "k" * 65}, "kind"),
                                          ({"per_page": "many"}, "per_page")])
def test_bad_filters_are_400(client: Client, people: Any, query: dict, param: str) -> None:
    response = client.get(JOBS, query_string=query, headers=people["admin"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == param


def test_a_failed_job_runs_again(app: LearnomyApp, client: Client, people: Any, jobs: dict[str, int]) -> None:
    response = client.post(f"{JOBS}/{jobs['failed']}/retry", headers=people["admin"])
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert data["status"] == "pending" and data["attempts"] == 0 and data["finished_at"] is None
    mailbox.SENT.clear()
    assert run_due_jobs(app, kinds=["mail.send"]) == 2  # the pending one too
    assert [m["to"] for m in mailbox.SENT] == ["ann@example.org", "ann@example.org"]
    table = app.tables["lrn_jobs"]
    with app.storage.engine.connect() as db:
        assert db.execute(sa.select(table.c.status).where(table.c.id == jobs["failed"])).scalar_one() == "done"


@pytest.mark.parametrize("name", ["pending", "running", "done"])
def test_only_failed_jobs_are_retried(client: Client, people: Any, jobs: dict[str, int], name: str) -> None:
    response = client.post(f"{JOBS}/{jobs[name]}/retry", headers=people["admin"])
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_job_not_failed"


def test_two_retries_at_once_make_one(make_app: Callable[..., LearnomyApp], people: Any, jobs: dict[str, int]) -> None:
    calls = [lambda: Client(make_app()).post(f"{JOBS}/{jobs['failed']}/retry", headers=people["admin"])
             for _ in range(2)]
    assert sorted(r.status_code for r in race(calls)) == [200, 409]


def test_a_failed_jobs_error_shows_no_sql(app: LearnomyApp, client: Client, people: Any) -> None:
    """API.md section 2: never SQL in a body. A handler's database error, as the
    worker records it, names the SQL and its parameters (a reset key, an address)."""
    import traceback

    try:
        with app.storage.engine.connect() as db:
            db.execute(sa.text("INSERT INTO no_such_table (secret) VALUES (:secret)"), {"secret": "reset-key-123"})
    except sa.exc.DBAPIError as exc:
        recorded = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    assert "[SQL:" in recorded and "reset-key-123" in recorded
    job_id = _job(app, "failed", attempts=8, last_error=recorded)
    response = client.get(JOBS, headers=people["admin"])
    item = next(i for i in response.json["data"] if i["id"] == job_id)
    assert "reset-key-123" not in response.text and "[SQL" not in response.text and "INSERT" not in response.text
    assert item["last_error"].startswith("sqlalchemy.exc.")  # what went wrong stays
    retried = client.post(f"{JOBS}/{job_id}/retry", headers=people["admin"])
    assert retried.status_code == 200 and "reset-key-123" not in retried.text
