"""Offline sync (API.md section 8): ``POST /progress/sync``.

Items queued offline arrive with a ``client_id`` and ``occurred_at``. Each is
applied on its own: per resource the latest ``occurred_at`` wins, a known
``client_id`` changes nothing and answers its first outcome again (across retries
and devices), and an item the user may not write (another user's record, a locked
lesson) fails alone. Times from the future are clamped to the server's clock
within a day, refused beyond it, and the answer says which.

The answer's ``state`` is the canonical state, after the whole batch, of every
resource an item touched, replays included: a client replays because it lost the
first answer, and needs the state as much as the outcome. Each kind of item is a
:class:`SyncItemType` a plugin declares through ``learnomy_sync_item_types``: the
learning area's own (completions, positions) and the assessment area's quiz
submissions arrive the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

import sqlalchemy as sa

from learnomy_core import CREATABLE, LOGGED_IN, RestRequest, hookimpl
from learnomy_core.errors import ApiError, ItemRejected
from learnomy_core.openapi import STR, array_of, obj, resource_schema
from learnomy_core.schema import sanitize, validate
from learnomy_core.storage import insert_ignore

from ..catalog import NAMESPACE, course_of, live_enrollment, now, parse_time, tables, unlocked_enrollment
from .progress import _complete, store_position

CLOCK_SKEW = timedelta(minutes=5)
FUTURE_LIMIT = timedelta(days=1)
MAX_ITEMS = 100
BASE_PROPERTIES: dict[str, Any] = {
    "client_id": {"type": "string", "format": "uuid", "required": True},
    "occurred_at": {"type": "string", "format": "date-time", "required": True},
}


def _when(occurred: datetime) -> tuple[datetime, bool]:
    """The time to record and whether it was clamped; refuses the far future."""
    current = now()
    if occurred > current + FUTURE_LIMIT:
        raise ItemRejected("occurred_at is too far in the future.", code="learnomy_occurred_at_in_future")
    if occurred > current + CLOCK_SKEW:
        return current, True
    return min(occurred, current), False


Touched = dict[str, list[int]]  # resource kind ("lessons", "courses", ...) -> ids
Apply = Callable[[RestRequest, dict[str, Any], datetime], tuple[str, Touched]]
State = Callable[[RestRequest, int], Optional[dict[str, Any]]]


@dataclass(frozen=True)
class SyncItemType:
    """One kind of item ``POST /progress/sync`` applies, as a plugin declares it
    through ``learnomy_sync_item_types``.

    :ivar type: the item's ``type`` (``quiz_attempt_submit``).
    :ivar target: the item field naming its target (``attempt_id``).
    :ivar kind: what the target is in the answer's ``state`` (``attempts``).
    :ivar apply: ``apply(request, item, when) -> (status, touched)``: apply the
        item (validated, the time clamped) in the request's transaction; status
        ``applied`` or ``superseded``; ``touched`` maps kinds to ids. Raise an
        ``ApiError`` to reject the item alone.
    :ivar states: the canonical state, by kind, of what the type touches:
        ``states["attempts"](request, attempt_id) -> dict | None`` (the caller's
        own record, or None when there is none).
    :ivar fields: JSON schemas of the item's own fields beside its target.
    """

    type: str
    target: str
    kind: str
    apply: Apply
    states: Mapping[str, State] = field(default_factory=dict)
    fields: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


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


def builtin_item_types() -> list[SyncItemType]:
    """The learning area's own items: completions and positions."""
    states = {"lessons": _lesson_state, "topics": _topic_state, "courses": _course_state}
    return [
        SyncItemType("lesson_complete", "lesson_id", "lessons", _lesson_complete, states),
        SyncItemType("topic_complete", "topic_id", "topics", _topic_complete, states),
        SyncItemType("lesson_position", "lesson_id", "lessons", _lesson_position, states, {
            "position": {"type": "number", "minimum": 0, "maximum": 1e9},
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        }),
    ]


def item_types(request: RestRequest) -> dict[str, SyncItemType]:
    """Every plugin's item types by ``type`` (the learning area's among them)."""
    found: dict[str, SyncItemType] = {}
    for answer in request.app.plugins.hook.learnomy_sync_item_types():
        for item_type in answer or []:
            found.setdefault(item_type.type, item_type)
    return found


def item_schema(types: Mapping[str, SyncItemType]) -> dict[str, Any]:
    """The schema of one item: the base fields, a known type, and each type's target and fields."""
    properties: dict[str, Any] = {**BASE_PROPERTIES, "type": {"type": "string", "enum": list(types),
                                                              "required": True}}
    for item_type in types.values():
        properties.setdefault(item_type.target, {"type": "integer", "minimum": 1})
        properties.update(item_type.fields)
    return {"type": "object", "properties": properties}


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


def _state(request: RestRequest, types: Mapping[str, SyncItemType],
           touched: dict[str, set[int]]) -> dict[str, Any]:
    """The caller's own records of every resource the batch touched, as they stand now."""
    states: dict[str, State] = {}
    for item_type in types.values():
        states.update(item_type.states)
    state: dict[str, Any] = {kind: {} for kind in states}
    for kind, ids in touched.items():
        for resource_id in sorted(ids):
            found = states[kind](request, resource_id)
            if found is not None:
                state[kind][str(resource_id)] = found
    return state


# -- items -------------------------------------------------------------------------------

def _one(request: RestRequest, types: Mapping[str, SyncItemType], raw: Any, index: int,
         touched: dict[str, set[int]]) -> dict[str, Any]:
    schema = item_schema(types)
    problem = validate(raw, schema, f"items[{index}]")
    client_id = raw.get("client_id") if isinstance(raw, dict) else None
    if problem:
        return {"client_id": client_id, "status": "rejected", "error": problem}
    item = sanitize(raw, schema)
    item_type = types[item["type"]]
    target = item_type.target
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
        _touch(touched, known.get("touched") or {item_type.kind: [item[target]]})
        return _result(known, "duplicate")
    try:
        when, clamped = _when(parse_time(item["occurred_at"]))  # type: ignore[arg-type]
        status, refs = item_type.apply(request, item, when)
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


def sync_schema() -> dict[str, Any]:
    """A sync batch's answer: each item's result, and the canonical state it touched."""
    result = obj({"client_id": {"type": ["string", "null"]}, "status": STR, "original_status": STR,
                  "clamped": {"type": "boolean"}, "recorded_at": STR, "error": {"type": "object"}},
                 required=("client_id", "status"))
    return resource_schema("sync", {"results": array_of(result), "state": {"type": "object"}})


def sync(request: RestRequest) -> Any:
    items = request.params["items"]
    types = item_types(request)
    touched: dict[str, set[int]] = {}
    # In the order sent; "latest occurred_at wins" is decided per resource by time.
    results = [_one(request, types, raw, index, touched) for index, raw in enumerate(items)]
    return {"results": results, "state": _state(request, types, touched)}


def register_routes(registry: Any) -> None:
    registry.register_rest_route(NAMESPACE, "/progress/sync", {
        "methods": CREATABLE, "callback": sync, "permission_callback": LOGGED_IN,
        "args": {"items": {"type": "array", "items": {"type": "object"}, "minItems": 1, "maxItems": MAX_ITEMS,
                           "required": True}},
    }, schema=sync_schema)
