"""Offline sync (API.md section 8): ``POST /progress/sync``.

Items queued offline arrive with a ``client_id`` and ``occurred_at``. Each is
applied on its own: per resource the latest ``occurred_at`` wins, a known
``client_id`` changes nothing and answers its first outcome again (across retries
and devices), and an item the user may not write (another user's record, a locked
lesson) fails alone. Times from the future are clamped to the server's clock
within a day, refused beyond it, and the answer says which.

The answer's ``state`` is the canonical state, after the whole batch, of every
resource an item touched, replays included: a client replays because it lost the
first answer, and needs the state as much as the outcome. A quiz submission is
the submit route's own (:func:`.attempts.submit`): ``occurred_at`` never brings
answers in after the deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Optional

import sqlalchemy as sa

from learnomy_core import CREATABLE, LOGGED_IN, RestRequest, hookimpl
from learnomy_core.errors import ApiError
from learnomy_core.schema import sanitize, validate
from learnomy_core.storage import insert_ignore

from .catalog import NAMESPACE, course_of, live_enrollment, now, parse_time, tables, unlocked_enrollment
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


Touched = dict[str, list[int]]  # resource kind ("lessons", "courses", ...) -> ids


def _lesson_complete(request: RestRequest, item: dict[str, Any], when: datetime) -> tuple[str, Touched]:
    access, lesson = course_of("lesson", request, item["lesson_id"])
    unlocked_enrollment(request, access, lesson)
    outcome = _complete(request, "lesson", int(lesson.id), access.id)
    completions = tables(request)("completions")
    # Offline: the completion happened when the client says, if that is earlier.
    request.db.execute(sa.update(completions).where(
        completions.c.user_id == request.user.id, completions.c.item_type == "lesson",
        completions.c.item_id == lesson.id, completions.c.completed_at > when).values(completed_at=when))
    status = "applied" if outcome["newly_completed"] else "superseded"
    return status, {"lessons": [int(lesson.id)], "courses": [access.id]}


def _topic_complete(request: RestRequest, item: dict[str, Any], when: datetime) -> tuple[str, Touched]:
    access, topic = course_of("topic", request, item["topic_id"])
    lessons = tables(request)("lessons")
    lesson = request.db.execute(sa.select(lessons).where(lessons.c.id == topic.lesson_id)).one()
    unlocked_enrollment(request, access, lesson)
    outcome = _complete(request, "topic", int(topic.id), access.id)
    return ("applied" if outcome["newly_completed"] else "superseded"), {"topics": [int(topic.id)]}


def _lesson_position(request: RestRequest, item: dict[str, Any], when: datetime) -> tuple[str, Touched]:
    if "position" not in item:
        raise ItemRejected("position is required.", code="rest_missing_callback_param")
    access, lesson = course_of("lesson", request, item["lesson_id"])
    unlocked_enrollment(request, access, lesson)
    recorded = store_position(request, access, lesson, item["position"], item.get("percent", 0), when)
    # superseded: a later position is stored
    return ("applied" if recorded else "superseded"), {"lessons": [int(lesson.id)]}


def _quiz_attempt_submit(request: RestRequest, item: dict[str, Any], when: datetime) -> tuple[str, Touched]:
    from .assessment import quiz_of
    from .attempts import AttemptSubmitted, submit

    attempts = tables(request)("attempts")
    row = request.db.execute(sa.select(attempts).where(attempts.c.id == item["attempt_id"])).first()
    if row is None or int(row.user_id) != request.user.id:
        raise ItemRejected("Attempt not found.", code="learnomy_not_found")
    _, quiz = quiz_of(request, int(row.quiz_id))
    # The submit route's own rule: answers count only while the attempt takes them
    # by the server's clock; occurred_at cannot move a submission before the deadline.
    try:
        submit(request, quiz, row, item.get("answers") or {})
        status = "applied"
    except AttemptSubmitted:  # submitted already, here or from another device
        status = "superseded"
    return status, {"attempts": [int(row.id)], "courses": [int(row.course_id)]}


APPLY: dict[str, Callable[[RestRequest, dict[str, Any], datetime], tuple[str, Touched]]] = {
    "lesson_complete": _lesson_complete,
    "topic_complete": _topic_complete,
    "lesson_position": _lesson_position,
    "quiz_attempt_submit": _quiz_attempt_submit,
}
# What an item touches when its log row predates the record of it: its target.
TARGET_KINDS = {"lesson_id": "lessons", "topic_id": "topics", "attempt_id": "attempts"}


# -- canonical state -------------------------------------------------------------------

def _lesson_state(request: RestRequest, lesson_id: int) -> dict[str, Any]:
    table = tables(request)
    completions, positions = table("completions"), table("positions")
    completed_at = request.db.execute(sa.select(completions.c.completed_at).where(
        completions.c.user_id == request.user.id, completions.c.item_type == "lesson",
        completions.c.item_id == lesson_id)).scalar()
    position = request.db.execute(sa.select(positions).where(
        positions.c.user_id == request.user.id, positions.c.lesson_id == lesson_id)).first()
    return {
        "completed": completed_at is not None, "completed_at": completed_at,
        "position": position.position if position is not None else None,
        "percent": position.percent if position is not None else None,
        "position_occurred_at": position.occurred_at if position is not None else None,
    }


def _topic_state(request: RestRequest, topic_id: int) -> dict[str, Any]:
    completions = tables(request)("completions")
    completed_at = request.db.execute(sa.select(completions.c.completed_at).where(
        completions.c.user_id == request.user.id, completions.c.item_type == "topic",
        completions.c.item_id == topic_id)).scalar()
    return {"completed": completed_at is not None}


def _course_state(request: RestRequest, course_id: int) -> Optional[dict[str, Any]]:
    enrollment = live_enrollment(request.db, tables(request), request.user.id, course_id)
    if enrollment is None:
        return None
    return {"progress_percent": enrollment.progress_percent, "completed": enrollment.status == "completed"}


def _attempt_state(request: RestRequest, attempt_id: int) -> Optional[dict[str, Any]]:
    attempts = tables(request)("attempts")
    row = request.db.execute(sa.select(attempts).where(
        attempts.c.id == attempt_id, attempts.c.user_id == request.user.id)).first()
    if row is None:
        return None
    return {"status": row.status, "score": row.score, "percent": row.percent, "passed": row.passed}


STATE: dict[str, Callable[[RestRequest, int], Optional[dict[str, Any]]]] = {
    "lessons": _lesson_state, "topics": _topic_state, "courses": _course_state, "attempts": _attempt_state,
}


def _state(request: RestRequest, touched: dict[str, set[int]]) -> dict[str, Any]:
    """The caller's own records of every resource the batch touched, as they stand now."""
    state: dict[str, Any] = {kind: {} for kind in STATE}
    for kind, ids in touched.items():
        for resource_id in sorted(ids):
            found = STATE[kind](request, resource_id)
            if found is not None:
                state[kind][str(resource_id)] = found
    return state


# -- items -------------------------------------------------------------------------------

def _one(request: RestRequest, raw: Any, index: int, touched: dict[str, set[int]]) -> dict[str, Any]:
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
        # A replay: its first answer was lost. The same outcome, and the current
        # state of what the item touched.
        _touch(touched, known.get("touched") or {TARGET_KINDS[target]: [item[target]]})
        return _result(known, "duplicate")
    try:
        when, clamped = _when(parse_time(item["occurred_at"]))  # type: ignore[arg-type]
        status, refs = APPLY[item["type"]](request, item, when)
    except ApiError as exc:
        return {"client_id": client_id, "status": "rejected",
                "error": {"code": exc.code, "message": exc.message, "details": exc.details}}
    _touch(touched, refs)
    outcome = {"client_id": client_id, "status": status, "clamped": clamped,
               "recorded_at": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "touched": refs}
    if not insert_ignore(request.db, log, {"user_id": request.user.id, "client_id": item["client_id"].lower(),
                                           "outcome": outcome, "created_at": now()}):
        # Another device sent the same item at the same moment: its outcome stands.
        return _result(outcome, "duplicate")
    return _result(outcome)


def _touch(touched: dict[str, set[int]], refs: Touched) -> None:
    for kind, ids in refs.items():
        touched.setdefault(kind, set()).update(int(i) for i in ids)


def _result(outcome: dict[str, Any], replayed: Optional[str] = None) -> dict[str, Any]:
    """An item's result: its logged outcome (``duplicate`` with the first status when replayed)."""
    result = {k: v for k, v in outcome.items() if k != "touched"}
    if replayed:
        result.update(status=replayed, original_status=outcome["status"])
    return result


def sync(request: RestRequest) -> Any:
    items = request.params["items"]
    touched: dict[str, set[int]] = {}
    # In the order sent; "latest occurred_at wins" is decided per resource by time.
    results = [_one(request, raw, index, touched) for index, raw in enumerate(items)]
    return {"results": results, "state": _state(request, touched)}


@hookimpl
def learnomy_register_routes(registry: Any) -> None:
    registry.register_rest_route(NAMESPACE, "/progress/sync", {
        "methods": CREATABLE, "callback": sync, "permission_callback": LOGGED_IN,
        "args": {"items": {"type": "array", "items": {"type": "object"}, "minItems": 1, "maxItems": MAX_ITEMS,
                           "required": True}},
    })
