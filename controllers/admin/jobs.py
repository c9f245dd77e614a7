"""``/admin/jobs``: the background jobs still to run, running, or given up on
(``learnomy_core.jobs``), and running a failed one again.

A job's payload is not shown: it may carry what only its handler should read
(a password-reset link in a mail, a webhook's body).
"""

from __future__ import annotations

import re
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import ADMIN, CREATABLE, READABLE, RestRequest
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, NotFound
from learnomy_core.jobs import FAILED, PENDING, RUNNING, job_kinds
from learnomy_core.openapi import route_schema
from learnomy_core.openapi.schemas import INT, STR, TIME, nullable

from ..catalog import ID_ARG, NAMESPACE, now

SHOWN = [PENDING, RUNNING, FAILED]
SCHEMA = route_schema("admin_job", {
    "id": INT, "kind": STR, "status": {"type": "string", "enum": [*SHOWN, "done"]}, "attempts": INT,
    "max_attempts": nullable(INT), "run_at": TIME, "locked_until": nullable(TIME), "last_error": nullable(STR),
    "created_at": TIME, "finished_at": nullable(TIME),
})


def shown_error(error: Optional[str]) -> Optional[str]:
    """A job's recorded error fit to answer: never SQL (API.md section 2).

    The worker records the exception's text; SQLAlchemy's names the statement
    and its parameters (``[SQL: ...]``, ``[parameters: ...]``), which may hold
    what only the handler should read (an address, a reset key): they go.
    """
    if error is None:
        return None
    return _SQL_PART.split(error, maxsplit=1)[0].rstrip()


# Where SQLAlchemy's text of a database error starts naming the statement.
_SQL_PART = re.compile(r"\s*\[(?:SQL|parameters|generated in|cached since)[: ]|\s*\(Background on this error at:")


def _render(request: RestRequest, row: Any) -> dict[str, Any]:
    kind = job_kinds(request.app).get(row.kind)  # None: no plugin runs this kind now
    return {"id": int(row.id), "kind": row.kind, "status": row.status, "attempts": int(row.attempts),
            "max_attempts": kind.max_attempts if kind is not None else None, "run_at": row.run_at,
            "locked_until": row.locked_until, "last_error": shown_error(row.last_error), "created_at": row.created_at,
            "finished_at": row.finished_at}


def list_jobs(request: RestRequest) -> Any:
    table = request.app.tables["lrn_jobs"]
    status, kind = request.params.get("status"), request.params.get("kind")
    query = sa.select(table).where(table.c.status.in_([status] if status else SHOWN))
    if kind:
        query = query.where(table.c.kind == kind)
    return paginate(request, query, [(table.c.id, True)], lambda rows: [_render(request, r) for r in rows],
                    bound_to=[status, kind])


def retry_job(request: RestRequest) -> Any:
    """Run a failed job again, as if new: due now, with all its attempts ahead."""
    table = request.app.tables["lrn_jobs"]
    job_id = request.params["id"]
    # Guarded on the status: of two retries at once (or a retry racing a worker), one wins.
    changed = request.db.execute(sa.update(table).where(table.c.id == job_id, table.c.status == FAILED).values(
        status=PENDING, attempts=0, run_at=now(), locked_until=None, locked_by=None, finished_at=None)).rowcount
    row = request.db.execute(sa.select(table).where(table.c.id == job_id)).first()
    if row is None:
        raise NotFound("No job has this id.")
    if changed != 1:
        raise Conflict(f"Only a failed job can be retried; this one is {row.status}.", code="learnomy_job_not_failed")
    return _render(request, row)


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, "/admin/jobs", {
        "methods": READABLE, "callback": list_jobs, "permission_callback": ADMIN,
        "args": {**LIST_ARGS, "status": {"type": "string", "enum": SHOWN},
                 "kind": {"type": "string", "maxLength": 64}},
    }, schema=SCHEMA)
    register(NAMESPACE, r"/admin/jobs/(?P<id>[\d]+)/retry", {
        "methods": CREATABLE, "callback": retry_job, "permission_callback": ADMIN, "args": ID_ARG,
    }, schema=SCHEMA)
