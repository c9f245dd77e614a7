"""Offline sync (API.md section 8): ``POST /progress/sync``.

Items queued offline arrive with a ``client_id`` and ``occurred_at``. Each is
applied on its own: per resource the latest ``occurred_at`` wins, a known
``client_id`` changes nothing and answers its first outcome again (across retries
and devices), and an item the user may not write (another user's record, a locked
lesson) fails alone. Times from the future are clamped to the server's clock
within a day, refused beyond it, and the answer says which.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import sqlalchemy as sa

from learnomy_core import CREATABLE, LOGGED_IN, RestRequest, hookimpl
from learnomy_core.errors import ApiError
from learnomy_core.schema import sanitize, validate
from learnomy_core.storage import insert_ignore

from ..catalog import NAMESPACE, course_of, now, parse_time, tables, unlocked_enrollment
from .progress import _complete, store_position

CLOCK_SKEW = timedelta(minutes=5)
FUTURE_LIMIT = timedelta(days=1)
MAX_ITEMS = 100
TARGETS = {"lesson_complete": "lesson_id", "topic_complete": "topic_id", "lesson_position": "lesson_id",
           "quiz_attempt_submit": "attempt_id"}
ITEM_SCHEMA = {
    "type": "object",
    "properties": {
        "client_id": {"type": "string", "format": "uuid", "required": True},
        "type": {"type": "string", "enum": list(TARGETS), "required": True},
        "occurred_at": {"type": "string", "format": "date-time", "required": True},
        "lesson_id": {"type": "integer", "minimum": 1},
        "topic_id": {"type": "integer", "minimum": 1},
        "attempt_id": {"type": "integer", "minimum": 1},
        "position": {"type": "number", "minimum": 0, "maximum": 1e9},
        "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "answers": {"type": "object"},
    },
}


class ItemRejected(ApiError):
    status = 422
    code = "learnomy_sync_rejected"
    message = "The item was rejected."


def _when(occurred: datetime) -> tuple[datetime, bool]:
    """The time to record and whether it was clamped; refuses the far future."""
    current = now()
    if occurred > current + FUTURE_LIMIT:
        raise ItemRejected("occurred_at is too far in the future.", code="learnomy_occurred_at_in_future")
    if occurred > current + CLOCK_SKEW:
        return current, True
    return min(occurred, current), False


def _lesson_complete(request: RestRequest, item: dict[str, Any], when: datetime, state: dict[str, Any]) -> str:
    access, lesson = course_of("lesson", request, item["lesson_id"])
    unlocked_enrollment(request, access, lesson)
    outcome = _complete(request, "lesson", int(lesson.id), access.id)
    completions = tables(request)("completions")
    # Offline: the completion happened when the client says, if that is earlier.
    request.db.execute(sa.update(completions).where(
        completions.c.user_id == request.user.id, completions.c.item_type == "lesson",
        completions.c.item_id == lesson.id, completions.c.completed_at > when).values(completed_at=when))
    state["courses"][str(access.id)] = {"progress_percent": outcome["progress_percent"],
                                        "completed": outcome["course_completed"]}
    _lesson_state(request, int(lesson.id), state)
    return "applied" if outcome["newly_completed"] else "superseded"


def _topic_complete(request: RestRequest, item: dict[str, Any], when: datetime, state: dict[str, Any]) -> str:
    access, topic = course_of("topic", request, item["topic_id"])
    lessons = tables(request)("lessons")
    lesson = request.db.execute(sa.select(lessons).where(lessons.c.id == topic.lesson_id)).one()
    unlocked_enrollment(request, access, lesson)
    outcome = _complete(request, "topic", int(topic.id), access.id)
    state["topics"][str(topic.id)] = {"completed": True}
    return "applied" if outcome["newly_completed"] else "superseded"


def _lesson_position(request: RestRequest, item: dict[str, Any], when: datetime, state: dict[str, Any]) -> str:
    if "position" not in item:
        raise ItemRejected("position is required.", code="rest_missing_callback_param")
    access, lesson = course_of("lesson", request, item["lesson_id"])
    unlocked_enrollment(request, access, lesson)
    recorded = store_position(request, access, lesson, item["position"], item.get("percent", 0), when)
    _lesson_state(request, int(lesson.id), state)
    return "applied" if recorded else "superseded"  # superseded: a later position is stored


def _quiz_attempt_submit(request: RestRequest, item: dict[str, Any], when: datetime, state: dict[str, Any]) -> str:
    from ..assessment.access import quiz_of
    from ..assessment.attempts import _checked_answers, _finish

    attempts = tables(request)("attempts")
    row = request.db.execute(sa.select(attempts).where(attempts.c.id == item["attempt_id"])).first()
    if row is None or int(row.user_id) != request.user.id:
        raise ItemRejected("Attempt not found.", code="learnomy_not_found")
    _, quiz = quiz_of(request, int(row.quiz_id))
    status = "superseded"
    if row.status == "in_progress":
        answers = _checked_answers(request, row, item.get("answers") or {})
        on_time = row.deadline_at is None or when <= row.deadline_at
        if answers and on_time:
            request.db.execute(sa.update(attempts).where(attempts.c.id == row.id)
                               .values(answers={**(row.answers or {}), **answers}))
            row = request.db.execute(sa.select(attempts).where(attempts.c.id == row.id)).one()
        row = _finish(request, quiz, row)
        status = "applied"
    state["attempts"][str(row.id)] = {"status": row.status, "score": row.score, "percent": row.percent,
                                      "passed": row.passed}
    return status


APPLY: dict[str, Callable[[RestRequest, dict[str, Any], datetime, dict[str, Any]], str]] = {
    "lesson_complete": _lesson_complete,
    "topic_complete": _topic_complete,
    "lesson_position": _lesson_position,
    "quiz_attempt_submit": _quiz_attempt_submit,
}


def _lesson_state(request: RestRequest, lesson_id: int, state: dict[str, Any]) -> None:
    table = tables(request)
    completions, positions = table("completions"), table("positions")
    completed_at = request.db.execute(sa.select(completions.c.completed_at).where(
        completions.c.user_id == request.user.id, completions.c.item_type == "lesson",
        completions.c.item_id == lesson_id)).scalar()
    position = request.db.execute(sa.select(positions).where(
        positions.c.user_id == request.user.id, positions.c.lesson_id == lesson_id)).first()
    state["lessons"][str(lesson_id)] = {
        "completed": completed_at is not None, "completed_at": completed_at,
        "position": position.position if position is not None else None,
        "percent": position.percent if position is not None else None,
        "position_occurred_at": position.occurred_at if position is not None else None,
    }


def _one(request: RestRequest, raw: Any, index: int, state: dict[str, Any]) -> dict[str, Any]:
    problem = validate(raw, ITEM_SCHEMA, f"items[{index}]")
    client_id = raw.get("client_id") if isinstance(raw, dict) else None
    if problem:
        return {"client_id": client_id, "status": "rejected", "error": problem}
    item = sanitize(raw, ITEM_SCHEMA)
    target = TARGETS[item["type"]]
    if target not in item:
        return {"client_id": client_id, "status": "rejected",
                "error": {"param": f"items[{index}][{target}]", "code": "rest_property_required",
                          "message": f"{target} is required for {item['type']}."}}
    log = tables(request)("sync_log")
    known = request.db.execute(sa.select(log.c.outcome).where(
        log.c.user_id == request.user.id, log.c.client_id == item["client_id"].lower())).scalar()
    if known is not None:
        return {**known, "status": "duplicate", "original_status": known["status"]}
    try:
        when, clamped = _when(parse_time(item["occurred_at"]))  # type: ignore[arg-type]
        status = APPLY[item["type"]](request, item, when, state)
    except ApiError as exc:
        return {"client_id": client_id, "status": "rejected",
                "error": {"code": exc.code, "message": exc.message, "details": exc.details}}
    outcome = {"client_id": client_id, "status": status, "clamped": clamped,
               "recorded_at": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
    if not insert_ignore(request.db, log, {"user_id": request.user.id, "client_id": item["client_id"].lower(),
                                           "outcome": outcome, "created_at": now()}):
        # Another device sent the same item at the same moment: its outcome stands.
        return {**outcome, "status": "duplicate", "original_status": status}
    return outcome


def sync(request: RestRequest) -> Any:
    items = request.params["items"]
    state: dict[str, Any] = {"lessons": {}, "topics": {}, "courses": {}, "attempts": {}}
    # In the order sent; "latest occurred_at wins" is decided per resource by time.
    results = [_one(request, raw, index, state) for index, raw in enumerate(items)]
    return {"results": results, "state": state}


def register_routes(registry: Any) -> None:
    registry.register_rest_route(NAMESPACE, "/progress/sync", {
        "methods": CREATABLE, "callback": sync, "permission_callback": LOGGED_IN,
        "args": {"items": {"type": "array", "items": {"type": "object"}, "minItems": 1, "maxItems": MAX_ITEMS,
                           "required": True}},
    })
