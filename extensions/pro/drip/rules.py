"""Drip rules: their table, their routes, and the locks they put on lessons and quizzes.

A rule targets a section (each of its lessons and quizzes), a lesson or a quiz of a
course, and keeps it locked for an enrolled student until a ``date``, for a number
of days after the student's enrollment (``days_after_enrollment``), or until the
student completes another lesson or quiz of the course (``after_completing``).
Several rules on one item: the one unlocking last decides. Editors are never locked
out (the Free hooks are not asked for them). An ``after_completing`` rule that would
close a cycle of waits (an item waiting, through the rules, for itself) is refused:
its items would never unlock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import ALLOW_BATCH, CREATABLE, DELETABLE, READABLE, RestRequest, RouteRegistry, created, deleted
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import InvalidParams, NotFound
from learnomy_core.locks import lock_rows
from learnomy_core.openapi import INT, STR, route_schema
from learnomy_core.params import bad_param
from learnomy_core.storage import ID, TEXT_TABLE, inserted_id
from learnomy.controllers.catalog import (
    ID_ARG, CourseContext, course_context, editor_policy, last_lock, lock_course, now, parse_time, tables,
)

from .. import NAMESPACE

TABLE = "lrn_pro_drip_rules"
TARGET_TYPES = ("section", "lesson", "quiz")
KINDS = ("date", "days_after_enrollment", "after_completing")
ITEM_TYPES = ("lesson", "quiz")
MAX_DAYS = 36500
# locked.reason of each kind (the refusal's code is learnomy_lesson_locked_<reason>).
REASONS = {"date": "drip_rule_date", "days_after_enrollment": "drip_rule_after_enrollment",
           "after_completing": "drip_rule_after_completing"}


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    """``{prefix}lrn_pro_drip_rules``, as ``pro_drip_0001`` creates it."""
    rules = sa.Table(
        f"{prefix}{TABLE}", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("target_type", sa.String(20), nullable=False),
        sa.Column("target_id", ID, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        **TEXT_TABLE,
    )
    sa.Index(f"{rules.name}_course", rules.c.course_id, rules.c.id)


def _rules(request: RestRequest) -> sa.Table:
    return request.app.tables[TABLE]


def resource(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "course_id": int(row.course_id), "target_type": row.target_type,
            "target_id": int(row.target_id), "kind": row.kind, "value": row.value}


# -- locks ------------------------------------------------------------------------

def _lock(rule: Any, enrollment: Any, done: set[tuple[str, int]], moment: datetime) -> Optional[dict[str, Any]]:
    """The lock ``rule`` puts on its target now, or None once it is met."""
    reason = REASONS[rule.kind]
    if rule.kind == "date":
        opens = parse_time(rule.value)
    elif rule.kind == "days_after_enrollment":
        opens = enrollment.enrolled_at + timedelta(days=int(rule.value))
    else:
        item = (rule.value["type"], int(rule.value["id"]))
        return None if item in done else {"reason": reason, "unlocks_at": None}
    return {"reason": reason, "unlocks_at": opens} if opens is not None and opens > moment else None


def _course_rules(request: RestRequest, course_id: int, targets: set[tuple[str, int]]) -> list[Any]:
    """The course's rules on ``targets`` (one query; a course's rules are few, so
    they are picked here rather than by a condition as long as the curriculum)."""
    rules = _rules(request)
    return [rule for rule in request.db.execute(sa.select(rules).where(rules.c.course_id == course_id))
            if (rule.target_type, int(rule.target_id)) in targets]


def _completed(request: RestRequest, course_id: int, rules: list[Any]) -> set[tuple[str, int]]:
    """The student's completed lessons and quizzes, when a rule waits for one (one query)."""
    if not any(rule.kind == "after_completing" for rule in rules):
        return set()
    completions = tables(request)("completions")
    return {(r.item_type, int(r.item_id)) for r in request.db.execute(
        sa.select(completions.c.item_type, completions.c.item_id).where(
            completions.c.user_id == request.user.id, completions.c.course_id == course_id,
            completions.c.item_type.in_(ITEM_TYPES)))}


def lesson_locks(request: RestRequest, course: Any, enrollment: Any, lessons: list[Any]) -> dict[int, Any]:
    """Each locked lesson's lock (two queries, whatever the number of lessons and rules)."""
    if not lessons:
        return {}
    sections = {int(lesson.section_id) for lesson in lessons}
    targets = {("section", s) for s in sections} | {("lesson", int(lesson.id)) for lesson in lessons}
    rules = _course_rules(request, int(course.id), targets)
    if not rules:
        return {}
    done, moment = _completed(request, int(course.id), rules), now()
    by_target: dict[tuple[str, int], list[Any]] = {}
    for rule in rules:
        by_target.setdefault((rule.target_type, int(rule.target_id)), []).append(rule)
    locks = {}
    for lesson in lessons:
        applying = by_target.get(("lesson", int(lesson.id)), []) + by_target.get(("section", int(lesson.section_id)), [])
        lock = last_lock(_lock(rule, enrollment, done, moment) for rule in applying)
        if lock is not None:
            locks[int(lesson.id)] = lock
    return locks


def quiz_lock(request: RestRequest, course: Any, enrollment: Any, quiz: Any) -> Optional[dict[str, Any]]:
    """The quiz's lock (its own rules and its section's), or None."""
    rules = _course_rules(request, int(course.id), {("quiz", int(quiz.id)), ("section", int(quiz.section_id))})
    if not rules:
        return None
    done, moment = _completed(request, int(course.id), rules), now()
    return last_lock(_lock(rule, enrollment, done, moment) for rule in rules)


# -- routes ------------------------------------------------------------------------

def _item_in_course(request: RestRequest, kind: str, item_id: int, course_id: int) -> Optional[Any]:
    """The row of the section, lesson or quiz ``item_id`` when it belongs to the course."""
    table = tables(request)({"section": "sections", "lesson": "lessons", "quiz": "quizzes"}[kind])
    return request.db.execute(sa.select(table).where(table.c.id == item_id, table.c.course_id == course_id)).first()


def _clean_value(request: RestRequest, course_id: int, target: tuple[str, int, Any]) -> Any:
    """``value`` checked against ``kind``, as stored."""
    kind, value = request.params["kind"], request.params["value"]
    if kind == "date":
        if not isinstance(value, str) or len(value) > 64:
            raise bad_param("value", "A date rule's value is a date-time (RFC 3339).")
        try:
            moment = parse_time(value)
        except ValueError:
            moment = None
        if moment is None or not 1970 <= moment.year <= 9999:
            raise bad_param("value", "A date rule's value is a date-time (RFC 3339).")
        return moment.isoformat() + "Z"
    if kind == "days_after_enrollment":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
            raise bad_param("value", f"A days_after_enrollment rule's value is a number of days, 0 to {MAX_DAYS}.")
        return value
    if (not isinstance(value, dict) or set(value) != {"type", "id"} or value["type"] not in ITEM_TYPES
            or isinstance(value["id"], bool) or not isinstance(value["id"], int) or not 1 <= value["id"] < 2**63):
        raise bad_param("value", "An after_completing rule's value is {\"type\": \"lesson\" or \"quiz\", \"id\": ...}.")
    item = _item_in_course(request, value["type"], value["id"], course_id)
    if item is None:
        raise bad_param("value", f"No {value['type']} {value['id']} in this course.")
    target_type, target_id, _ = target
    _refuse_cycle(request, course_id, (target_type, target_id), (value["type"], value["id"]))
    return {"type": value["type"], "id": value["id"]}


Item = tuple[str, int]


def _wait_graph(request: RestRequest, course_id: int) -> tuple[dict[Item, int], dict[Item, list[Item]]]:
    """The course's lessons and quizzes with their sections, and what the
    ``after_completing`` rules on each target make it wait for (three queries).

    After the caller locked the course (:func:`lock_course`). The rules and the
    lessons (which may move between sections) are read by locking reads: on MySQL
    a plain read answers the transaction's snapshot, older than a rule or a move
    committed while we waited for the lock. Rules before lessons, the order in
    which deleting a lesson or section writes them (after the course lock, see
    :func:`forget`); quizzes never change section, a plain read does.
    """
    rules = _rules(request)
    waits: dict[Item, list[Item]] = {}
    for rule in lock_rows(request.db, sa.select(rules).where(rules.c.course_id == course_id)):
        if rule.kind == "after_completing":
            waits.setdefault((rule.target_type, int(rule.target_id)), []).append(
                (rule.value["type"], int(rule.value["id"])))
    lessons, quizzes = tables(request)("lessons"), tables(request)("quizzes")
    section_of: dict[Item, int] = {}
    for row in lock_rows(request.db, sa.select(lessons.c.id, lessons.c.section_id).where(
            lessons.c.course_id == course_id)):
        section_of[("lesson", int(row.id))] = int(row.section_id)
    for row in request.db.execute(sa.select(quizzes.c.id, quizzes.c.section_id).where(quizzes.c.course_id == course_id)):
        section_of[("quiz", int(row.id))] = int(row.section_id)
    return section_of, waits


def _awaited_by(item: Item, section_of: dict[Item, int], waits: dict[Item, list[Item]]) -> list[Item]:
    """What ``item`` waits for: the rules on it and on its section."""
    section = section_of.get(item)
    return waits.get(item, []) + (waits.get(("section", section), []) if section is not None else [])


def _find_cycle(section_of: dict[Item, int], waits: dict[Item, list[Item]], starts: list[Item],
                ends: set[Item]) -> Optional[list[Item]]:
    """A cycle of waits closed by an item of ``ends`` waiting for ``starts``: breadth
    first from ``starts``, along "waits for", to an item of ``ends``. The cycle's
    items in order (the item of ``ends``, then each waiting for the next, the last
    for the first), or None."""
    came_from: dict[Item, Optional[Item]] = {start: None for start in starts}
    queue = deque(came_from)
    while queue:
        item = queue.popleft()
        if item in ends:
            chain: list[Item] = []
            step: Optional[Item] = item
            while step is not None:
                chain.append(step)
                step = came_from[step]
            return [item, *reversed(chain[1:])]  # item waits for a start, ..., the last waits for item
        for following in _awaited_by(item, section_of, waits):
            if following not in came_from:
                came_from[following] = item
                queue.append(following)
    return None


def _cycle_detail(param: str, cycle: list[Item], what: str) -> dict[str, Any]:
    names = " waits for ".join(f"{kind} {item_id}" for kind, item_id in [*cycle, cycle[0]])
    return {"param": param, "code": "learnomy_drip_rule_cycle",
            "message": f"{what} would lock content forever: {names}.",
            "cycle": [{"type": kind, "id": item_id} for kind, item_id in cycle]}


def _refuse_cycle(request: RestRequest, course_id: int, target: tuple[str, int], awaited: tuple[str, int]) -> None:
    """Refuse an ``after_completing`` rule that closes a cycle of waits: each item
    of it would wait for the next to be completed, so none would ever unlock.

    The new rule makes every lesson and quiz it locks (``target``, or each of the
    section's) wait for ``awaited``; there is a cycle when ``awaited`` is one of
    them, or waits through the course's rules (an item waits for what the rules on
    it and on its section wait for) for one of them. Three queries, after the
    caller locked the course (:func:`lock_course`).

    :raises InvalidParams: ``value``, code ``learnomy_drip_rule_cycle``, with the
        cycle's items in order (each waits for the next, the last for the first).
    """
    section_of, waits = _wait_graph(request, course_id)
    locked = ({item for item, section in section_of.items() if section == target[1]} if target[0] == "section"
              else {target})
    cycle = _find_cycle(section_of, waits, [awaited], locked)
    if cycle is not None:
        raise InvalidParams("Invalid parameter(s): value", details=[_cycle_detail("value", cycle, "This rule")])


def check_moves(request: RestRequest, course_id: int, moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Refuse moving lessons or quizzes into sections whose rules would close a
    cycle of waits (``learnomy_check_curriculum``): a moved item now waits for
    what its new section's rules wait for. Any new cycle passes through a moved
    item, so each is searched for a path of waits back to itself, with every
    move applied. One detail per cycle (``param`` the move's), under the lock
    rule creation takes (even in a course without rules: one created meanwhile
    must see the move); four queries.
    """
    lock_course(request, course_id)
    section_of, waits = _wait_graph(request, course_id)
    moved = [(str(move["type"]), int(move["id"])) for move in moves]
    for move, item in zip(moves, moved):
        section_of[item] = int(move["section_id"])
    problems: list[dict[str, Any]] = []
    seen: list[set[Item]] = []
    for move, item in zip(moves, moved):
        cycle = _find_cycle(section_of, waits, _awaited_by(item, section_of, waits), {item})
        if cycle is not None and set(cycle) not in seen:
            seen.append(set(cycle))
            problems.append(_cycle_detail(str(move.get("param") or "section_id"), cycle,
                                          f"Moving {item[0]} {item[1]} into section {move['section_id']}"))
    return problems


def list_rules(request: RestRequest) -> Any:
    course = request.context_as(CourseContext).course
    rules = _rules(request)
    return paginate(request, sa.select(rules).where(rules.c.course_id == course.id), [(rules.c.id, False)],
                    lambda rows: [resource(r) for r in rows])


def create_rule(request: RestRequest) -> Any:
    course = request.context_as(CourseContext).course
    # A course's rules are created one at a time, and not while lessons move between
    # its sections (lock_course). (Deleting a rule cannot close a cycle.)
    lock_course(request, int(course.id))
    target_type, target_id = request.params["target_type"], request.params["target_id"]
    target = _item_in_course(request, target_type, target_id, course.id)
    if target is None:
        raise bad_param("target_id", f"No {target_type} {target_id} in this course.")
    value = _clean_value(request, course.id, (target_type, target_id, target))
    rules = _rules(request)
    new_id = inserted_id(request.db.execute(sa.insert(rules).values(
        course_id=course.id, target_type=target_type, target_id=target_id, kind=request.params["kind"],
        value=value, created_at=now())))
    row = request.db.execute(sa.select(rules).where(rules.c.id == new_id)).one()
    return created(resource(row), location=f"/{NAMESPACE}/drip-rules/{new_id}")


@dataclass
class RuleContext(CourseContext):
    """The drip rule the path names, with its course."""

    rule: Any = None


def _locate(request: RestRequest, rule_id: int) -> RuleContext:
    rules = _rules(request)
    row = request.db.execute(sa.select(rules).where(rules.c.id == rule_id)).first()
    if row is None:
        raise NotFound("Drip rule not found.")
    return RuleContext(course_context("course")(request, int(row.course_id)).course, rule=row)


def delete_rule(request: RestRequest) -> Any:
    row = request.context_as(RuleContext).rule
    rules = _rules(request)
    request.db.execute(sa.delete(rules).where(rules.c.id == row.id))
    return deleted(resource(row))


def forget(request: RestRequest, course_id: int, items: Optional[set[tuple[str, int]]] = None) -> None:
    """Drop a purged course's rules (``items`` None), or the rules on or waiting for
    deleted ``items`` (``("lesson", 12)``...) of the course."""
    # The course first, as rule creation and moves lock it: deleting a lesson or
    # quiz locks it too, later (a trigger raises its version), so deleting the rules
    # before that would deadlock with a creation or move holding it and waiting for
    # the rules.
    lock_course(request, course_id)
    rules = _rules(request)
    if items is None:
        request.db.execute(sa.delete(rules).where(rules.c.course_id == course_id))
        return
    # The rules of one course are few: the waiting ones are matched in Python (JSON).
    doomed = [int(r.id) for r in request.db.execute(sa.select(rules).where(rules.c.course_id == course_id))
              if (r.target_type, int(r.target_id)) in items
              or (r.kind == "after_completing" and (r.value["type"], int(r.value["id"])) in items)]
    if doomed:
        request.db.execute(sa.delete(rules).where(rules.c.id.in_(doomed)))


SCHEMA = route_schema("drip-rule", {
    "id": {**INT, "readonly": True}, "course_id": {**INT, "readonly": True},
    "target_type": {**STR, "enum": list(TARGET_TYPES)}, "target_id": INT,
    "kind": {**STR, "enum": list(KINDS)},
    "value": {"type": ["string", "integer", "object"],
              "description": "A date-time (date), a number of days (days_after_enrollment), or "
                             "{type, id} of the lesson or quiz to complete first (after_completing)."},
})

ARGS: dict[str, dict[str, Any]] = {
    "target_type": {"type": "string", "enum": list(TARGET_TYPES), "required": True},
    "target_id": {"type": "integer", "minimum": 1, "required": True},
    "kind": {"type": "string", "enum": list(KINDS), "required": True},
    "value": {"type": ["string", "integer", "object"], "required": True},
}


def register_routes(registry: RouteRegistry) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/drip-rules", [
        {"methods": READABLE, "callback": list_rules, "permission_callback": editor_policy("course"),
         "args": {**ID_ARG, **LIST_ARGS}},
        {"methods": CREATABLE, "callback": create_rule, "allow_batch": ALLOW_BATCH, "permission_callback": editor_policy("course"),
         "idempotent": True, "args": {**ID_ARG, **ARGS}},
    ], schema=SCHEMA)
    register(NAMESPACE, r"/drip-rules/(?P<rule_id>[\d]+)", {
        "methods": DELETABLE, "callback": delete_rule, "allow_batch": ALLOW_BATCH,
        "permission_callback": editor_policy("drip_rule", "rule_id", locate=_locate),
        "args": {"rule_id": {"type": "integer", "minimum": 1}},
    }, schema=SCHEMA)
