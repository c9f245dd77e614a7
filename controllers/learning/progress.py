"""Progress and completion: completing lessons and topics, resume positions,
next step, course completion, progress views and resets.

Progress percent counts the course's required items, which plugins extend
through ``learnomy_required_items``. When the last one is done, the enrollment
becomes ``completed`` and ``course.completed`` is emitted. A reset keeps what was
done in history and reverses completion.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import ALLOW_BATCH, CREATABLE, INSTRUCTOR, LOGGED_IN, READABLE, RestRequest, hookimpl
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, NotFound
from learnomy_core.events import emit
from learnomy_core.locks import lock_rows
from learnomy_core.openapi import BOOL, INT, NUM, STR, TIME, nullable, obj, resource_schema
from learnomy_core.storage import ID, TEXT_TABLE, built_once, insert_ignore

from ..catalog import (
    LESSON_DELETED,
    SECTION_DELETED,
    CourseContext,
    enrolled_policy,
    COURSE_PURGED,
    ID_ARG,
    NAMESPACE,
    CourseAccess,
    active_enrollment,
    course_of,
    editor_policy,
    lesson_locks,
    load_course,
    now,
    tables,
    unlocked_enrollment,
)


# -- tables ---------------------------------------------------------------------------

def progress_tables(metadata: sa.MetaData, prefix: str) -> None:
    """Declare resume positions, the reset history and the offline sync log (``free_0003``)."""
    sa.Table(
        f"{prefix}lrn_positions", metadata,
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("lesson_id", ID, primary_key=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("position", sa.Float, nullable=False),
        sa.Column("percent", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        # When the client says the position was reached (offline sync: latest wins).
        sa.Column("occurred_at", sa.DateTime, nullable=True),
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_sync_log", metadata,
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("client_id", sa.String(36), primary_key=True),
        sa.Column("outcome", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_progress_resets", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("reset_by", ID, nullable=False),
        sa.Column("reset_at", sa.DateTime, nullable=False),
        sa.Column("completed_items", sa.JSON, nullable=False),
        sa.Column("previous_status", sa.String(20), nullable=False),
        sa.Column("previous_percent", sa.Integer, nullable=False),
        **TEXT_TABLE,
    )


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    progress_tables(metadata, prefix)


def on_event(request: RestRequest, event: str, data: Any) -> None:
    # A course deleted for good takes its students' resume positions and reset
    # history with it (the sync log is the client's record of its own batches: kept).
    if event == COURSE_PURGED:
        table = tables(request)
        for name in ("positions", "progress_resets"):
            rows = table(name)
            request.db.execute(sa.delete(rows).where(rows.c.course_id == data["id"]))
    elif event in (SECTION_DELETED, LESSON_DELETED):
        # Resume positions in lessons that no longer exist.
        lesson_ids = data["lesson_ids"] if event == SECTION_DELETED else [data["id"]]
        if lesson_ids:
            positions = tables(request)("positions")
            request.db.execute(sa.delete(positions).where(positions.c.lesson_id.in_(lesson_ids)))


def required_items_of(request: RestRequest, course_ids: list[int]) -> list[dict[str, Any]]:
    table = tables(request)
    lessons, sections = table("lessons"), table("sections")
    rows = request.db.execute(
        sa.select(lessons.c.id, lessons.c.course_id, lessons.c.title, lessons.c.position,
                  lessons.c.section_id, sections.c.position.label("section_position"))
        .join(sections, sections.c.id == lessons.c.section_id)
        .where(lessons.c.course_id.in_(course_ids))
    )
    return [{"course_id": int(r.course_id), "type": "lesson", "id": int(r.id), "title": r.title,
             "order": (r.section_position, int(r.section_id), r.position, int(r.id))} for r in rows]


def dashboard_counts(request: RestRequest, user: Any) -> dict[str, int]:
    enrollments = tables(request)("enrollments")
    rows: dict[str, int] = dict(request.db.execute(
        sa.select(
            sa.case((enrollments.c.status == "completed", "completed"),
                    (enrollments.c.progress_percent > 0, "in_progress"), else_="not_started").label("state"),
            sa.func.count(),
        ).where(enrollments.c.user_id == user.id, enrollments.c.live_key.is_not(None)).group_by("state")
    ).all())
    return {"enrolled": sum(rows.values()), "in_progress": rows.get("in_progress", 0),
            "completed": rows.get("completed", 0)}


# -- computing progress ---------------------------------------------------------------

def required_by_course(request: RestRequest, course_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Required items of each course, in curriculum order (one hook call)."""
    found: dict[int, list[dict[str, Any]]] = {course_id: [] for course_id in course_ids}
    if course_ids:
        for answer in request.app.plugins.hook.learnomy_required_items(request=request, course_ids=course_ids):
            for item in answer or []:
                found.setdefault(int(item["course_id"]), []).append(item)
    return {course_id: sorted(items, key=lambda item: item["order"]) for course_id, items in found.items()}


def required_items(request: RestRequest, course_id: int) -> list[dict[str, Any]]:
    return required_by_course(request, [course_id])[course_id]


def completions_by_course(request: RestRequest, user_id: int, course_ids: list[int]) -> dict[int, dict[tuple[str, int], Any]]:
    """``{course_id: {(type, id): completed_at}}`` for one student, one query."""
    table = tables(request)("completions")
    found: dict[int, dict[tuple[str, int], Any]] = {course_id: {} for course_id in course_ids}
    if course_ids:
        rows = request.db.execute(sa.select(table).where(table.c.user_id == user_id, table.c.course_id.in_(course_ids)))
        for r in rows:
            found[int(r.course_id)][(r.item_type, int(r.item_id))] = r.completed_at
    return found


def completions(request: RestRequest, user_id: int, course_id: int) -> dict[tuple[str, int], Any]:
    return completions_by_course(request, user_id, [course_id])[course_id]


def _lock_student(request: RestRequest, user_id: int) -> None:
    """Serialise the student's progress writes until the transaction ends.

    Two completions at once (the same lesson twice, or two lessons of one course)
    would otherwise each count from their own snapshot and the later write would
    store a percent that misses the other's item. The student's own row surely
    exists, unlike a completion not yet made.
    """
    request.app.identity.store.lock(request.db, user_id)


def recompute(request: RestRequest, user_id: int, course_id: int) -> dict[str, Any]:
    """Store the enrollment's percent; complete it when every required item is done."""
    _lock_student(request, user_id)
    required = required_items(request, course_id)
    # A locking read: on MySQL/MariaDB a plain one would see the transaction's snapshot,
    # older than a completion another request committed while this one waited. By the
    # student's key only, so that other students' completions are not locked.
    table = tables(request)("completions")
    done = {(r.item_type, int(r.item_id)) for r in lock_rows(request.db, sa.select(
        table.c.item_type, table.c.item_id, table.c.course_id).where(table.c.user_id == user_id))
        if int(r.course_id) == course_id}
    finished = sum(1 for item in required if (item["type"], item["id"]) in done)
    # 100 only when everything is done, never by rounding up.
    percent = 100 if required and finished == len(required) else (finished * 100 // len(required) if required else 0)
    enrollments = tables(request)("enrollments")
    found = lock_rows(request.db, sa.select(enrollments).where(enrollments.c.live_key == f"{user_id}:{course_id}"))
    if not found:
        return {"percent": percent, "completed": False}
    enrollment = found[0]
    values: dict[str, Any] = {"progress_percent": percent}
    completing = percent == 100 and enrollment.status == "active"
    if completing:
        values.update(status="completed", completed_at=now())
    request.db.execute(sa.update(enrollments).where(enrollments.c.id == enrollment.id).values(**values))
    if completing:
        emit(request, "course.completed", {"course_id": course_id, "user_id": user_id, "enrollment_id": int(enrollment.id)})
    return {"percent": percent, "completed": completing or enrollment.status == "completed"}


def progress_views(request: RestRequest, user_id: int, enrollment_rows: list[Any]) -> list[dict[str, Any]]:
    """Progress resources of one student for several enrollments: four queries in all."""
    course_ids = [int(r.course_id) for r in enrollment_rows]
    required = required_by_course(request, course_ids)
    done = completions_by_course(request, user_id, course_ids)
    positions = tables(request)("positions")
    last_positions = dict(request.db.execute(
        sa.select(positions.c.course_id, sa.func.max(positions.c.updated_at))
        .where(positions.c.user_id == user_id, positions.c.course_id.in_(course_ids))
        .group_by(positions.c.course_id)).all()) if course_ids else {}
    views = []
    for enrollment in enrollment_rows:
        course_id = int(enrollment.course_id)
        items = done[course_id]
        moments = [m for m in (*items.values(), last_positions.get(course_id)) if m is not None]
        views.append({
            "course_id": course_id,
            "user_id": user_id,
            "percent": enrollment.progress_percent,
            "completed_items": [{"type": kind, "id": item_id, "completed_at": at}
                                for (kind, item_id), at in sorted(items.items(), key=lambda pair: pair[1])],
            "total_items": len(required[course_id]),
            "last_activity_at": max(moments) if moments else None,
            "completed_at": enrollment.completed_at,
            "status": enrollment.status,
        })
    return views


def progress_schema() -> dict[str, Any]:
    """A student's progress in a course (RESOURCES.md: Progress)."""
    return resource_schema("progress", {
        "course_id": INT, "user_id": INT, "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        "completed_items": {"type": "array", "items": obj(
            {"type": STR, "id": INT, "completed_at": TIME}, required=("type", "id", "completed_at"))},
        "total_items": INT, "last_activity_at": nullable(TIME), "completed_at": nullable(TIME), "status": STR,
    })


def completion_schema() -> dict[str, Any]:
    """A lesson or topic marked complete, and what it did to the course."""
    return resource_schema("completion", {
        "type": {"type": "string", "enum": ["lesson", "topic"]}, "id": INT, "completed": BOOL,
        "newly_completed": BOOL, "progress_percent": INT, "course_completed": BOOL,
    })


def position_schema() -> dict[str, Any]:
    """A lesson's stored resume position."""
    return resource_schema("position", {"lesson_id": INT, "position": NUM, "percent": INT, "updated_at": TIME})


def next_step_schema() -> dict[str, Any]:
    """What the student should open next in a course."""
    step = {"type": STR, "id": INT, "title": STR}
    return resource_schema("next_step", {
        "done": BOOL, "item": nullable(obj(step)),
        "locked": nullable(obj({**step, "lock": obj({"reason": STR, "unlocks_at": nullable(TIME)})})),
    })


def progress_view(request: RestRequest, user_id: int, course_id: int) -> dict[str, Any]:
    """The Progress resource of one student in one course (their latest enrollment)."""
    enrollments = tables(request)("enrollments")
    enrollment = request.db.execute(sa.select(enrollments).where(
        enrollments.c.user_id == user_id, enrollments.c.course_id == course_id)
        .order_by(enrollments.c.live_key.is_(None), enrollments.c.id.desc()).limit(1)).first()
    if enrollment is None:
        raise NotFound("This student is not enrolled in the course.")
    return progress_views(request, user_id, [enrollment])[0]


# -- completing -----------------------------------------------------------------------

def record_completion(request: RestRequest, user_id: int, item_type: str, item_id: int,
                      course_id: int) -> dict[str, Any]:
    """Record that ``user_id`` finished an item of ``course_id``, and recompute the course.

    For plugins whose items count toward completion (``learnomy_required_items``):
    an assignment passed, a task done. The completion is stored once (a second
    call changes nothing and emits nothing), ``<item_type>.completed`` is emitted
    the first time (``{user_id, <item_type>_id, course_id}``), and the student's
    percent is recomputed: when it was the last required item, the enrollment
    completes and ``course.completed`` follows. In the request's transaction.

    :returns: ``{"newly_completed": bool, "percent": int, "course_completed": bool}``.
    """
    _lock_student(request, user_id)
    table = tables(request)("completions")
    first_time = insert_ignore(request.db, table, {
        "user_id": user_id, "item_type": item_type, "item_id": item_id, "course_id": course_id,
        "completed_at": now()})
    if first_time:
        emit(request, f"{item_type}.completed", {"user_id": user_id, f"{item_type}_id": item_id, "course_id": course_id})
    outcome = recompute(request, user_id, course_id)
    return {"newly_completed": first_time, "percent": outcome["percent"], "course_completed": outcome["completed"]}


def forget_item(request: RestRequest, item_type: str, item_id: int, course_id: int) -> dict[str, int]:
    """Forget every completion of an item a plugin deleted, and recompute its students.

    For plugins whose items count toward completion (``learnomy_required_items``):
    call it after the item is gone (so it is no longer a required item), in the
    request's transaction. Each student who had completed it gets their percent
    recomputed; an enrollment already completed stays completed (as when a course
    gains a lesson).

    :returns: ``{"students": <how many students had completed it>}``.
    """
    completions = tables(request)("completions")
    where = (completions.c.item_type == item_type, completions.c.item_id == item_id,
             completions.c.course_id == course_id)
    users = sorted(int(u) for u in request.db.execute(sa.select(completions.c.user_id).where(*where).distinct()).scalars())
    # In the order completing takes its locks: the student, then their completions
    # and enrollment. Deleting first would hold what a completion recorded at that
    # moment waits for (the enrollment, through the completions' triggers) while
    # waiting for that completion's student: a deadlock on MySQL/MariaDB. Students
    # one by one, in id order (two forgettings meet in the same order), and each
    # one's row by its key, so that no other student's completion is locked.
    for user_id in users:
        _lock_student(request, user_id)
        request.db.execute(sa.delete(completions).where(completions.c.user_id == user_id, *where))
        recompute(request, user_id, course_id)
    return {"students": len(users)}


def _complete(request: RestRequest, kind: str, item_id: int, course_id: int) -> dict[str, Any]:
    outcome = record_completion(request, request.user.id, kind, item_id, course_id)
    return {"type": kind, "id": item_id, "completed": True, "newly_completed": outcome["newly_completed"],
            "progress_percent": outcome["percent"], "course_completed": outcome["course_completed"]}


def complete_lesson(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    return _complete(request, "lesson", int(context.lesson.id), context.course.id)


def complete_topic(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    return _complete(request, "topic", int(context.topic.id), context.course.id)


def save_position(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    access, lesson = context.course, context.lesson
    stamp = now()
    percent = request.params.get("percent", 0)
    store_position(request, access, lesson, request.params["position"], percent, stamp)
    return {"lesson_id": int(lesson.id), "position": request.params["position"], "percent": percent,
            "updated_at": stamp}


def store_position(request: RestRequest, access: CourseAccess, lesson: Any, position: float, percent: int,
                   occurred_at: Any) -> bool:
    """Record a resume position unless a later one is stored; whether it was recorded."""
    positions = tables(request)("positions")
    values = {"position": position, "percent": percent, "updated_at": now(), "occurred_at": occurred_at}
    newer = sa.and_(positions.c.user_id == request.user.id, positions.c.lesson_id == lesson.id,
                    sa.or_(positions.c.occurred_at.is_(None), positions.c.occurred_at <= occurred_at))

    # Insert first: on MySQL/MariaDB an UPDATE that finds no row locks the gap where
    # it would be, and two students' first positions then deadlock on the insert.
    # The student's lock first: two saves of one position at once would each wait on
    # the other's insert with a shared lock, then deadlock upgrading it to update.
    _lock_student(request, request.user.id)
    if insert_ignore(request.db, positions, {
            **values, "user_id": request.user.id, "lesson_id": int(lesson.id), "course_id": access.id}):
        return True
    # The row exists (stored earlier, or by another request meanwhile): latest wins.
    return bool(request.db.execute(sa.update(positions).where(newer).values(**values)).rowcount == 1)


def next_step(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    access, enrollment = context.course, context.enrollment
    locks, _ = lesson_locks(request, access, enrollment)
    done = completions(request, request.user.id, access.id)
    first_locked: Optional[dict[str, Any]] = None
    for item in required_items(request, access.id):
        if (item["type"], item["id"]) in done:
            continue
        lock = locks.get(item["id"]) if item["type"] == "lesson" else None
        step = {"type": item["type"], "id": item["id"], "title": item["title"]}
        if lock is None:
            return {"done": False, "item": step, "locked": None}
        first_locked = first_locked or {**step, "lock": lock}
    if first_locked is not None:
        return {"done": False, "item": None, "locked": first_locked}
    return {"done": True, "item": None, "locked": None}


def complete_course(request: RestRequest) -> Any:
    access = request.context_as(CourseContext).course
    required = required_items(request, access.id)
    done = completions(request, request.user.id, access.id)
    missing = [item for item in required if (item["type"], item["id"]) not in done]
    if missing:
        raise Conflict("Some required items are not done yet.", code="learnomy_course_incomplete",
                       details=[{"type": item["type"], "id": item["id"]} for item in missing])
    recompute(request, request.user.id, access.id)
    return progress_view(request, request.user.id, access.id)


# -- views and resets -----------------------------------------------------------------

@built_once
def _progress_version_query(enrollments: sa.Table, courses: sa.Table, prerequisites: sa.Table) -> sa.Select:
    """The validator's query, built once per set of tables (building it costs more than
    running it): the live enrollment by its unique key, its course's status and version
    (not the course row: a 304 needs none of it), and the prerequisites needed and met."""
    user: Any = sa.bindparam("lrn_user")
    course_id: Any = sa.bindparam("lrn_course")
    done = enrollments.alias("done")
    needed = sa.select(sa.func.count()).select_from(prerequisites).where(
        prerequisites.c.course_id == course_id).scalar_subquery()
    met = sa.select(sa.func.count()).select_from(prerequisites).join(done, sa.and_(
        done.c.course_id == prerequisites.c.prerequisite_id, done.c.user_id == user,
        done.c.status == "completed")).where(prerequisites.c.course_id == course_id).scalar_subquery()
    return (sa.select(enrollments, needed.label("lrn_needed"), met.label("lrn_met"),
                      courses.c.status.label("lrn_course_status"), courses.c.version.label("lrn_course_version"))
            .join(courses, courses.c.id == enrollments.c.course_id)
            .where(enrollments.c.live_key == sa.bindparam("lrn_live_key")))


class _CourseOnDemand:
    """The course as ``learnomy_enrollment_lapsed`` sees it from the progress
    validator: its row (every column, as the access check passes it), read from
    the database only if a plugin looks at it. Plugins answer for their own
    enrollments (by ``enrollment.source``), so most revalidations never do."""

    def __init__(self, request: RestRequest, course_id: int) -> None:
        self._request, self._course_id = request, course_id
        self._row: Any = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self._row is None:
            courses = tables(self._request)("courses")
            self._row = self._request.db.execute(sa.select(courses).where(courses.c.id == self._course_id)).one()
        return getattr(self._row, name)


def my_progress_version(request: RestRequest) -> Optional[str]:
    """The progress view's validator, one query: the student's live enrollment and its
    version (completions and positions raise it: ``catalog_0002``, ``learning_0002``),
    the course's version (its required items), and how many of its prerequisites
    the student completed. None (the route runs) unless the enrolled student's
    own access is plain: a course they may see, a live, unexpired, unlapsed
    enrollment, prerequisites met; editors without one run the route.
    """
    table = tables(request)
    user = request.user
    course_id = request.params["id"]
    statement = _progress_version_query(table("enrollments"), table("courses"), table("course_prerequisites"))
    row = request.db.execute(statement, {"lrn_user": user.id, "lrn_course": course_id,
                                         "lrn_live_key": f"{user.id}:{course_id}"}).first()
    if row is None or row.status not in ("active", "completed") or row.lrn_needed != row.lrn_met:
        return None
    if row.expires_at is not None and row.expires_at <= now():
        return None
    if row.lrn_course_status != "publish" and not user.is_admin:
        return None
    course = _CourseOnDemand(request, course_id)
    if request.app.plugins.hook.learnomy_enrollment_lapsed(request=request, enrollment=row, course=course):
        return None
    return f"progress:{row.id}:{row.version}:{row.lrn_course_version}:{row.lrn_met}"


def my_progress(request: RestRequest) -> Any:
    access = request.context_as(CourseContext).course
    return progress_view(request, request.user.id, access.id)


def user_progress(request: RestRequest) -> Any:
    table = tables(request)
    enrollments, teaching = table("enrollments"), table("course_instructors")
    query = sa.select(enrollments).where(enrollments.c.user_id == request.params["id"],
                                         enrollments.c.live_key.is_not(None))
    if not request.user.is_admin:
        query = query.where(enrollments.c.course_id.in_(
            sa.select(teaching.c.course_id).where(teaching.c.user_id == request.user.id)))

    return paginate(request, query, [(enrollments.c.id, True)],
                    lambda rows: progress_views(request, request.params["id"], rows),
                    bound_to=[request.user.id])


def reset_progress(request: RestRequest) -> Any:
    access = request.context_as(CourseContext).course
    user_id = request.params["user_id"]
    table = tables(request)
    enrollments = table("enrollments")
    enrollment = request.db.execute(sa.select(enrollments).where(
        enrollments.c.live_key == f"{user_id}:{access.id}")).first()
    if enrollment is None:
        raise NotFound("This student is not enrolled in the course.")
    done = completions(request, user_id, access.id)
    request.db.execute(sa.insert(table("progress_resets")).values(
        user_id=user_id, course_id=access.id, reset_by=request.user.id, reset_at=now(),
        completed_items=json.loads(json.dumps(
            [{"type": k, "id": i, "completed_at": at} for (k, i), at in done.items()], default=str)),
        previous_status=enrollment.status, previous_percent=enrollment.progress_percent,
    ))
    for name in ("completions", "positions"):
        item = table(name)
        request.db.execute(sa.delete(item).where(item.c.user_id == user_id, item.c.course_id == access.id))
    request.db.execute(sa.update(enrollments).where(enrollments.c.id == enrollment.id).values(
        progress_percent=0, completed_at=None, status="active" if enrollment.status == "completed" else enrollment.status))
    emit(request, "progress.reset", {"user_id": user_id, "course_id": access.id})
    return progress_view(request, user_id, access.id)


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, r"/lessons/(?P<id>[\d]+)/complete", {
        "methods": CREATABLE, "callback": complete_lesson, "allow_batch": ALLOW_BATCH, "permission_callback": enrolled_policy("lesson", editors=False, unlocked=True), "args": ID_ARG,
    }, schema=completion_schema)
    register(NAMESPACE, r"/lessons/(?P<id>[\d]+)/position", {
        "methods": CREATABLE, "callback": save_position, "allow_batch": ALLOW_BATCH, "permission_callback": enrolled_policy("lesson", editors=False, unlocked=True),
        "args": {**ID_ARG, "position": {"type": "number", "minimum": 0, "maximum": 1e9, "required": True},
                 "percent": {"type": "integer", "minimum": 0, "maximum": 100}},
    }, schema=position_schema)
    register(NAMESPACE, r"/topics/(?P<id>[\d]+)/complete", {
        "methods": CREATABLE, "callback": complete_topic, "allow_batch": ALLOW_BATCH, "permission_callback": enrolled_policy("topic", editors=False, unlocked=True), "args": ID_ARG,
    }, schema=completion_schema)
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/next-step", {
        "methods": READABLE, "callback": next_step, "permission_callback": enrolled_policy("course", editors=False), "args": ID_ARG,
    }, schema=next_step_schema)
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/progress", {
        "methods": READABLE, "callback": my_progress, "permission_callback": enrolled_policy("course"), "args": ID_ARG,
        "validator": my_progress_version,
    }, schema=progress_schema)
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/progress/reset", {
        "methods": CREATABLE, "callback": reset_progress, "permission_callback": editor_policy("course"),
        "args": {**ID_ARG, "user_id": {"type": "integer", "minimum": 1, "required": True}},
    }, schema=progress_schema)
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/complete", {
        "methods": CREATABLE, "callback": complete_course, "permission_callback": enrolled_policy("course", editors=False), "args": ID_ARG,
    }, schema=progress_schema)
    register(NAMESPACE, r"/users/(?P<id>[\d]+)/progress", {
        "methods": READABLE, "callback": user_progress, "permission_callback": INSTRUCTOR,
        "args": {**ID_ARG, **LIST_ARGS},
    }, schema=progress_schema)
