"""Offline quiz submissions: the ``quiz_attempt_submit`` item of ``POST /progress/sync``,
declared to the learning area through ``learnomy_sync_item_types``.

A submission is the submit route's own (:func:`.attempts.submit`): answers count
only while the attempt takes them by the server's clock, so ``occurred_at`` never
brings answers in after the deadline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import RestRequest
from learnomy_core.errors import ItemRejected

from ..catalog import tables
from ..learning import SyncItemType
from .access import quiz_of
from .attempts import AttemptSubmitted, submit


def _submit(request: RestRequest, item: dict[str, Any], when: datetime) -> tuple[str, dict[str, list[int]]]:
    attempts = tables(request)("attempts")
    row = request.db.execute(sa.select(attempts).where(attempts.c.id == item["attempt_id"])).first()
    if row is None or int(row.user_id) != request.user.id:
        raise ItemRejected("Attempt not found.", code="learnomy_not_found")
    _, quiz = quiz_of(request, int(row.quiz_id))
    try:
        submit(request, quiz, row, item.get("answers") or {})
        status = "applied"
    except AttemptSubmitted:  # submitted already, here or from another device
        status = "superseded"
    return status, {"attempts": [int(row.id)], "courses": [int(row.course_id)]}


def _attempt_state(request: RestRequest, attempt_id: int) -> Optional[dict[str, Any]]:
    attempts = tables(request)("attempts")
    row = request.db.execute(sa.select(attempts).where(
        attempts.c.id == attempt_id, attempts.c.user_id == request.user.id)).first()
    if row is None:
        return None
    return {"status": row.status, "score": row.score, "percent": row.percent, "passed": row.passed}


QUIZ_ATTEMPT_SUBMIT = SyncItemType(
    "quiz_attempt_submit", "attempt_id", "attempts", _submit, {"attempts": _attempt_state},
    {"answers": {"type": "object"}},
)
