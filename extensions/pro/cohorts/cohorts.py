"""Cohorts of a course: dates, a seat limit, members, a schedule, aggregate progress.

Decisions (docs/pro/cohorts.md):

- A member must be enrolled in the cohort's course (a live enrollment, active or
  completed) when added; a student is in one cohort of a course at most (one
  schedule applies), held by a unique key. When the enrollment ends (cancelled,
  expired) the membership goes with it, and ``cohort.member_removed`` says so.
- The seat limit (``max_members``, 0 for none) is taken by one guarded UPDATE of
  the cohort's ``member_count``: two editors adding the last seat's member at the
  same moment cannot both succeed, on SQLite or MariaDB. Lowering the limit below
  the members already in is refused the same way.
- Members see their own cohort (and its schedule); editors of the course see and
  change every cohort of it; anyone else gets 404, as if it did not exist.
- The schedule gives sections an unlock date; for the cohort's members, the
  lessons of a section stay locked until then (reason ``cohort_schedule``),
  through the Free hook ``learnomy_lesson_locks``.
- Deleting a cohort deletes its memberships and schedule with it, announced by
  one ``cohort.deleted`` (members are not announced one by one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import (
    ALLOW_BATCH,
    CREATABLE,
    DELETABLE,
    EDITABLE,
    INSTRUCTOR,
    LOGGED_IN,
    READABLE,
    Policy,
    RestRequest,
    created,
    deleted,
)
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, NotFound
from learnomy_core.events import emit
from learnomy_core.locks import lock_rows
from learnomy_core.openapi import ID, INT, STR, TIME, array_of, nullable, obj, route_schema
from learnomy_core.params import bad_param, check_references
from learnomy_core.storage import insert_ignore, inserted_id
from learnomy.controllers.catalog import (
    ID_ARG,
    CourseAccess,
    CourseContext,
    editor_policy,
    load_course,
    now,
    ordered_lessons,
    parse_time,
    user_summaries,
)
from learnomy.controllers.catalog import tables as free_tables

from .tables import tables

NAMESPACE = "learnomy-pro/v1"
STATUSES = ("upcoming", "running", "ended")
# An enrollment that lets its student be a member: it gives access to the course.
MEMBER_ENROLLMENT_STATUSES = ("active", "completed")
MAX_SCHEDULE = 500



# -- rendering ----------------------------------------------------------------------

def status_of(row: Any, at: Optional[datetime] = None) -> str:
    """``upcoming`` before ``starts_at``, ``ended`` from ``ends_at``, ``running`` between."""
    stamp = at or now()
    if stamp < row.starts_at:
        return "upcoming"
    return "ended" if stamp >= row.ends_at else "running"


def render_cohort(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "course_id": int(row.course_id), "name": row.name, "starts_at": row.starts_at,
            "ends_at": row.ends_at, "max_members": int(row.max_members), "member_count": int(row.member_count),
            "status": status_of(row), "created_at": row.created_at, "updated_at": row.updated_at}


def render_member(row: Any) -> dict[str, Any]:
    return {"cohort_id": int(row.cohort_id), "course_id": int(row.course_id), "user_id": int(row.user_id),
            "added_at": row.added_at}


COHORT = {
    "id": ID, "course_id": INT, "name": STR, "starts_at": TIME, "ends_at": TIME,
    "max_members": {"type": "integer", "minimum": 0}, "member_count": {"type": "integer", "minimum": 0},
    "status": {"type": "string", "enum": list(STATUSES)}, "created_at": TIME, "updated_at": TIME,
}
COHORT_SCHEMA = route_schema("pro_cohort", COHORT, embed=("id", "course_id", "name", "status"))
MEMBER = {"cohort_id": INT, "course_id": INT, "user_id": INT, "added_at": TIME}
MEMBER_SCHEMA = route_schema("pro_cohort_member", {
    **MEMBER,
    "user": nullable(obj({"id": INT, "display_name": STR, "avatar_url": STR, "email": STR})),
    "progress_percent": nullable({"type": "integer", "minimum": 0, "maximum": 100}),
}, required=("cohort_id", "course_id", "user_id", "added_at"))
SCHEDULE_SCHEMA = route_schema("pro_cohort_schedule_entry", {"section_id": INT, "unlocks_at": TIME})
PROGRESS_SCHEMA = route_schema("pro_cohort_progress", {
    "cohort_id": INT, "course_id": INT, "member_count": INT,
    "average_percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "completed": INT, "in_progress": INT, "not_started": INT,
    "lessons": array_of(obj({"lesson_id": INT, "section_id": INT, "title": STR, "completed": INT,
                             "percent": {"type": "integer", "minimum": 0, "maximum": 100}},
                            required=("lesson_id", "section_id", "title", "completed", "percent"))),
})


# -- who may do what ------------------------------------------------------------------

@dataclass
class CohortContext:
    """What the cohort policies loaded: ``request.context_as(CohortContext)``.

    :ivar cohort: the cohort's row.
    :ivar course: its course, as the caller sees it.
    :ivar member: the caller is a member of the cohort.
    """

    cohort: Any
    course: CourseAccess
    member: bool


def load_cohort(request: RestRequest, cohort_id: int) -> CohortContext:
    """The cohort, its course and whether the caller is a member; 404 if the caller may not know it."""
    t = tables(request)
    row = request.db.execute(sa.select(t["cohorts"]).where(t["cohorts"].c.id == cohort_id)).first()
    if row is None:
        raise NotFound("Cohort not found.")
    try:
        course = load_course(request, int(row.course_id))
    except NotFound:
        raise NotFound("Cohort not found.") from None
    members = t["members"]
    member = request.user is not None and not course.is_editor and request.db.execute(
        sa.select(members.c.user_id).where(members.c.cohort_id == row.id, members.c.user_id == request.user.id)
    ).first() is not None
    if not (course.is_editor or member):
        raise NotFound("Cohort not found.")
    return CohortContext(row, course, member)


def cohort_policy(*, members: bool) -> Policy:
    """Editors of the cohort's course, and with ``members`` the cohort's members.

    Anyone else gets 404 (a cohort is nobody else's business); a member on an
    editors' route 403.
    """

    def check(request: RestRequest) -> bool:
        context = request.context = load_cohort(request, request.params["id"])
        return context.course.is_editor or members

    return Policy("cohort_member_or_editor" if members else "cohort_editor", check)


# -- cohorts ----------------------------------------------------------------------------

def _dates(request: RestRequest, current: Any = None) -> dict[str, Any]:
    params = request.params
    values: dict[str, Any] = {}
    for name in ("starts_at", "ends_at"):
        if name in params:
            values[name] = parse_time(params[name])
    starts = values.get("starts_at", current.starts_at if current is not None else None)
    ends = values.get("ends_at", current.ends_at if current is not None else None)
    if starts is not None and ends is not None and ends <= starts:
        raise bad_param("ends_at", "ends_at must be after starts_at.")
    return values


def list_cohorts(request: RestRequest) -> Any:
    cohorts = tables(request)["cohorts"]
    query = sa.select(cohorts)
    if not request.user.is_admin:
        mine = free_tables(request)("course_instructors")
        query = query.where(cohorts.c.course_id.in_(
            sa.select(mine.c.course_id).where(mine.c.user_id == request.user.id)))
    course_id = request.params.get("course_id")
    if course_id:
        query = query.where(cohorts.c.course_id == course_id)
    return paginate(request, query, [(cohorts.c.id, True)], lambda rows: [render_cohort(r) for r in rows],
                    bound_to=[course_id, request.user.id])


def my_cohorts(request: RestRequest) -> Any:
    """The cohorts the caller is a member of, in published courses (as ``GET
    /cohorts/{id}`` shows them to members): how a student finds their cohort's id."""
    t = tables(request)
    cohorts, members = t["cohorts"], t["members"]
    courses = free_tables(request)("courses")
    query = (sa.select(cohorts)
             .join(members, sa.and_(members.c.cohort_id == cohorts.c.id, members.c.user_id == request.user.id))
             .join(courses, courses.c.id == cohorts.c.course_id)
             .where(courses.c.status == "publish"))
    course_id = request.params.get("course_id")
    if course_id:
        query = query.where(cohorts.c.course_id == course_id)
    return paginate(request, query, [(cohorts.c.id, True)], lambda rows: [render_cohort(r) for r in rows],
                    bound_to=[course_id, request.user.id])


def create_cohort(request: RestRequest) -> Any:
    params = request.params
    if request.context_as(CourseContext).course.row.status == "trash":
        raise Conflict("The course is in the trash.", code="learnomy_course_trashed")
    cohorts = tables(request)["cohorts"]
    stamp = now()
    new_id = inserted_id(request.db.execute(sa.insert(cohorts).values(
        course_id=params["course_id"], name=params["name"].strip(), max_members=params["max_members"],
        member_count=0, created_at=stamp, updated_at=stamp, **_dates(request))))
    cohort = render_cohort(request.db.execute(sa.select(cohorts).where(cohorts.c.id == new_id)).one())
    emit(request, "cohort.created", cohort)
    return created(cohort, location=f"/{NAMESPACE}/cohorts/{new_id}")


def get_cohort(request: RestRequest) -> Any:
    return render_cohort(request.context_as(CohortContext).cohort)


def update_cohort(request: RestRequest) -> Any:
    row = request.context_as(CohortContext).cohort
    params = request.params
    cohorts = tables(request)["cohorts"]
    values = _dates(request, row)
    if "name" in params:
        values["name"] = params["name"].strip()
    query = sa.update(cohorts).where(cohorts.c.id == row.id)
    if "max_members" in params:
        limit = params["max_members"]
        values["max_members"] = limit
        if limit:
            # Guarded like adding a member: a member added meanwhile is counted.
            query = query.where(cohorts.c.member_count <= limit)
    if values:
        if request.db.execute(query.values(**values, updated_at=now())).rowcount != 1:
            raise bad_param("max_members", "max_members is below the cohort's member count.", "rest_out_of_bounds")
    cohort = render_cohort(request.db.execute(sa.select(cohorts).where(cohorts.c.id == row.id)).one())
    if values:
        emit(request, "cohort.updated", cohort)
    return cohort


def purge_cohorts(request: RestRequest, where: Any) -> None:
    """Delete the cohorts ``where`` selects, with their members and schedules."""
    t = tables(request)
    ids = sa.select(t["cohorts"].c.id).where(where).scalar_subquery()
    request.db.execute(sa.delete(t["members"]).where(t["members"].c.cohort_id.in_(ids)))
    request.db.execute(sa.delete(t["schedule"]).where(t["schedule"].c.cohort_id.in_(ids)))
    request.db.execute(sa.delete(t["cohorts"]).where(where))


def delete_cohort(request: RestRequest) -> Any:
    row = request.context_as(CohortContext).cohort
    cohorts = tables(request)["cohorts"]
    # Locked first: of two deletions at once the second waits, then finds no cohort
    # (without the lock their deletes of members and schedule deadlocked on MariaDB).
    if not lock_rows(request.db, sa.select(cohorts.c.id).where(cohorts.c.id == row.id)):
        raise NotFound("Cohort not found.")
    previous = render_cohort(row)
    purge_cohorts(request, cohorts.c.id == row.id)
    emit(request, "cohort.deleted", previous)
    return deleted(previous)


# -- members ------------------------------------------------------------------------------

def list_members(request: RestRequest) -> Any:
    context = request.context_as(CohortContext)
    members = tables(request)["members"]
    query = sa.select(members).where(members.c.cohort_id == context.cohort.id)

    def render(rows: list[Any]) -> list[dict[str, Any]]:
        ids = [int(r.user_id) for r in rows]
        people = user_summaries(request, ids, with_email=True)
        enrollments = free_tables(request)("enrollments")
        keys = [f"{user_id}:{int(context.cohort.course_id)}" for user_id in ids]
        percent = {int(r.user_id): int(r.progress_percent) for r in request.db.execute(
            sa.select(enrollments.c.user_id, enrollments.c.progress_percent)
            .where(enrollments.c.live_key.in_(keys)))} if keys else {}
        return [{**render_member(r), "user": people.get(int(r.user_id)),
                 "progress_percent": percent.get(int(r.user_id))} for r in rows]

    return paginate(request, query, [(members.c.user_id, False)], render)


def add_member(request: RestRequest) -> Any:
    context = request.context_as(CohortContext)
    cohort = context.cohort
    user_id = request.params["user_id"]
    enrollments = free_tables(request)("enrollments")
    enrollment = request.db.execute(sa.select(enrollments.c.status).where(
        enrollments.c.live_key == f"{user_id}:{int(cohort.course_id)}")).first()
    if enrollment is None or enrollment.status not in MEMBER_ENROLLMENT_STATUSES:
        raise bad_param("user_id", "user_id is not a student enrolled in the cohort's course.", "learnomy_not_enrolled")
    if status_of(cohort) == "ended":
        raise Conflict("The cohort has ended.", code="learnomy_cohort_ended")
    t = tables(request)
    cohorts, members = t["cohorts"], t["members"]
    # The seat first, by one guarded UPDATE: the database decides who gets the last one.
    seat = sa.update(cohorts).where(cohorts.c.id == cohort.id, sa.or_(
        cohorts.c.max_members == 0, cohorts.c.member_count < cohorts.c.max_members))
    if request.db.execute(seat.values(member_count=cohorts.c.member_count + 1)).rowcount != 1:
        raise Conflict("The cohort is full.", code="learnomy_cohort_full")
    values = {"cohort_id": int(cohort.id), "user_id": user_id, "course_id": int(cohort.course_id), "added_at": now()}
    if not insert_ignore(request.db, members, values):
        # Raising rolls the seat back with the rest of the request.
        raise Conflict("The student is already in a cohort of this course.", code="learnomy_already_in_cohort")
    member = render_member(request.db.execute(sa.select(members).where(
        members.c.cohort_id == cohort.id, members.c.user_id == user_id)).one())
    emit(request, "cohort.member_added", member)
    people = user_summaries(request, [user_id], with_email=True)
    return created({**member, "user": people.get(user_id), "progress_percent": None},
                   location=f"/{NAMESPACE}/cohorts/{int(cohort.id)}/members/{user_id}")


def remove_membership(request: RestRequest, row: Any, reason: str) -> dict[str, Any]:
    """Delete one membership row, give its seat back and announce it."""
    t = tables(request)
    cohorts, members = t["cohorts"], t["members"]
    gone = request.db.execute(sa.delete(members).where(
        members.c.cohort_id == row.cohort_id, members.c.user_id == row.user_id)).rowcount
    member = render_member(row)
    if gone:
        request.db.execute(sa.update(cohorts).where(cohorts.c.id == row.cohort_id, cohorts.c.member_count > 0)
                           .values(member_count=cohorts.c.member_count - 1))
        emit(request, "cohort.member_removed", {**member, "reason": reason})
    return member


def remove_member(request: RestRequest) -> Any:
    context = request.context_as(CohortContext)
    members = tables(request)["members"]
    row = request.db.execute(sa.select(members).where(
        members.c.cohort_id == context.cohort.id, members.c.user_id == request.params["user_id"])).first()
    if row is None:
        raise NotFound("The user is not a member of this cohort.")
    member = remove_membership(request, row, "removed")
    people = user_summaries(request, [int(row.user_id)], with_email=True)
    return deleted({**member, "user": people.get(int(row.user_id)), "progress_percent": None})


def on_enrollment_ended(request: RestRequest, user_id: int, course_id: int) -> None:
    """The student's enrollment in the course ended: their membership goes too."""
    members = tables(request)["members"]
    row = request.db.execute(sa.select(members).where(
        members.c.course_id == course_id, members.c.user_id == user_id)).first()
    if row is not None:
        remove_membership(request, row, "unenrolled")


def forget_user(request: RestRequest, user_id: int) -> None:
    """A deleted account leaves every cohort it belonged to, giving each seat back."""
    members = tables(request)["members"]
    for row in request.db.execute(sa.select(members).where(members.c.user_id == user_id)).all():
        remove_membership(request, row, "account_deleted")


# -- schedule -----------------------------------------------------------------------------

def _schedule(request: RestRequest, cohort: Any) -> list[dict[str, Any]]:
    """The cohort's schedule in curriculum order."""
    schedule, sections = tables(request)["schedule"], free_tables(request)("sections")
    rows = request.db.execute(
        sa.select(schedule.c.section_id, schedule.c.unlocks_at)
        .join(sections, sections.c.id == schedule.c.section_id)
        .where(schedule.c.cohort_id == cohort.id)
        .order_by(sections.c.position, sections.c.id))
    return [{"section_id": int(r.section_id), "unlocks_at": r.unlocks_at} for r in rows]


def get_schedule(request: RestRequest) -> Any:
    return _schedule(request, request.context_as(CohortContext).cohort)


def put_schedule(request: RestRequest) -> Any:
    cohort = request.context_as(CohortContext).cohort
    entries = request.params["schedule"]
    sections = free_tables(request)("sections")
    wanted = [int(e["section_id"]) for e in entries]
    own = {int(r[0]) for r in request.db.execute(sa.select(sections.c.id).where(
        sections.c.id.in_(wanted), sections.c.course_id == cohort.course_id))} if wanted else set()
    check_references("schedule", "section_id", wanted, own, "section_id names no section of the cohort's course.")
    t = tables(request)
    # Two editors saving at once: one after the other, never a mix of both.
    lock_rows(request.db, sa.select(t["cohorts"]).where(t["cohorts"].c.id == cohort.id))
    request.db.execute(sa.delete(t["schedule"]).where(t["schedule"].c.cohort_id == cohort.id))
    if entries:
        request.db.execute(sa.insert(t["schedule"]), [
            {"cohort_id": int(cohort.id), "section_id": int(e["section_id"]), "unlocks_at": parse_time(e["unlocks_at"])}
            for e in entries])
    schedule = _schedule(request, cohort)
    emit(request, "cohort.schedule_updated", {"cohort_id": int(cohort.id), "course_id": int(cohort.course_id),
                                              "schedule": schedule})
    return schedule


def schedule_locks(request: RestRequest, course_id: int, user_id: int, lessons: list[Any]) -> dict[int, dict[str, Any]]:
    """Locks the student's cohort schedule puts on the course's lessons (one query)."""
    t = tables(request)
    schedule, members = t["schedule"], t["members"]
    pending = {int(r.section_id): r.unlocks_at for r in request.db.execute(
        sa.select(schedule.c.section_id, schedule.c.unlocks_at)
        .join(members, members.c.cohort_id == schedule.c.cohort_id)
        .where(members.c.course_id == course_id, members.c.user_id == user_id, schedule.c.unlocks_at > now()))}
    return {int(lesson.id): {"reason": "cohort_schedule", "unlocks_at": pending[int(lesson.section_id)]}
            for lesson in lessons if int(lesson.section_id) in pending}


# -- progress ---------------------------------------------------------------------------------

def cohort_progress(request: RestRequest) -> Any:
    cohort = request.context_as(CohortContext).cohort
    members = tables(request)["members"]
    free = free_tables(request)
    enrollments, completions = free("enrollments"), free("completions")
    # One aggregate over the members and their live enrollments.
    joined = members.outerjoin(enrollments, sa.and_(
        enrollments.c.user_id == members.c.user_id, enrollments.c.course_id == members.c.course_id,
        enrollments.c.live_key.is_not(None)))
    percent = sa.func.coalesce(enrollments.c.progress_percent, 0)
    totals = request.db.execute(sa.select(
        sa.func.count(members.c.user_id).label("members"),
        sa.func.avg(percent).label("average"),
        sa.func.sum(sa.case((enrollments.c.status == "completed", 1), else_=0)).label("completed"),
        sa.func.sum(sa.case((sa.and_(enrollments.c.status != "completed", percent > 0), 1), else_=0)).label("started"),
    ).select_from(joined).where(members.c.cohort_id == cohort.id)).one()
    count = int(totals.members or 0)
    completed, started = int(totals.completed or 0), int(totals.started or 0)
    # Completions of each lesson by the members, one grouped query.
    done = {int(r.item_id): int(r.n) for r in request.db.execute(
        sa.select(completions.c.item_id, sa.func.count().label("n"))
        .select_from(completions.join(members, sa.and_(
            members.c.user_id == completions.c.user_id, members.c.course_id == completions.c.course_id)))
        .where(members.c.cohort_id == cohort.id, completions.c.item_type == "lesson")
        .group_by(completions.c.item_id))}
    lessons = ordered_lessons(request.db, free, int(cohort.course_id))
    return {
        "cohort_id": int(cohort.id), "course_id": int(cohort.course_id), "member_count": count,
        "average_percent": int(round(float(totals.average or 0))),
        "completed": completed, "in_progress": started, "not_started": count - completed - started,
        "lessons": [{"lesson_id": int(lesson.id), "section_id": int(lesson.section_id), "title": lesson.title,
                     "completed": done.get(int(lesson.id), 0),
                     "percent": int(round(100 * done.get(int(lesson.id), 0) / count)) if count else 0}
                    for lesson in lessons],
    }


# -- routes -------------------------------------------------------------------------------------

TIME_ARG = {"type": "string", "format": "date-time"}
# Not blank; stored stripped.
NAME_ARG = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^[\s\S]*\S[\s\S]*$"}
LIMIT_ARG = {"type": "integer", "minimum": 0, "maximum": 1_000_000}
USER_ARG = {"type": "integer", "minimum": 1}
READONLY = {name: {"readonly": True} for name in ("member_count", "status", "created_at", "updated_at")}
SCHEDULE_ARG = {"type": "array", "maxItems": MAX_SCHEDULE, "required": True, "items": {
    "type": "object", "additionalProperties": False, "required": ["section_id", "unlocks_at"],
    "properties": {"section_id": {"type": "integer", "minimum": 1}, "unlocks_at": TIME_ARG}}}


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    editor, member = cohort_policy(members=False), cohort_policy(members=True)
    register(NAMESPACE, "/cohorts", [
        {"methods": READABLE, "callback": list_cohorts, "permission_callback": INSTRUCTOR,
         "args": {**LIST_ARGS, "course_id": {"type": "integer", "minimum": 1}}},
        {"methods": CREATABLE, "callback": create_cohort, "idempotent": True, "allow_batch": ALLOW_BATCH,
         "permission_callback": editor_policy("course", "course_id"),
         "args": {"course_id": {"type": "integer", "minimum": 1, "required": True},
                  "name": {**NAME_ARG, "required": True},
                  "starts_at": {**TIME_ARG, "required": True}, "ends_at": {**TIME_ARG, "required": True},
                  "max_members": {**LIMIT_ARG, "default": 0}, **READONLY}},
    ], schema=COHORT_SCHEMA)
    register(NAMESPACE, r"/cohorts/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_cohort, "permission_callback": member, "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_cohort, "allow_batch": ALLOW_BATCH, "permission_callback": editor,
         "args": {**ID_ARG, "name": NAME_ARG, "starts_at": TIME_ARG, "ends_at": TIME_ARG, "max_members": LIMIT_ARG,
                  "course_id": {"readonly": True}, **READONLY}},
        {"methods": DELETABLE, "callback": delete_cohort, "allow_batch": ALLOW_BATCH, "permission_callback": editor, "args": ID_ARG},
    ], schema=COHORT_SCHEMA)
    register(NAMESPACE, r"/cohorts/(?P<id>[\d]+)/members", [
        {"methods": READABLE, "callback": list_members, "permission_callback": editor,
         "args": {**ID_ARG, **LIST_ARGS}},
        {"methods": CREATABLE, "callback": add_member, "allow_batch": ALLOW_BATCH, "permission_callback": editor, "answers": "created",
         "args": {**ID_ARG, "user_id": {**USER_ARG, "required": True}}},
    ], schema=MEMBER_SCHEMA)
    register(NAMESPACE, r"/cohorts/(?P<id>[\d]+)/members/(?P<user_id>[\d]+)", {
        "methods": DELETABLE, "callback": remove_member, "allow_batch": ALLOW_BATCH, "permission_callback": editor,
        "args": {**ID_ARG, "user_id": USER_ARG},
    }, schema=MEMBER_SCHEMA)
    register(NAMESPACE, r"/cohorts/(?P<id>[\d]+)/schedule", [
        {"methods": READABLE, "callback": get_schedule, "permission_callback": member, "answers": "items",
         "args": ID_ARG},
        {"methods": "PUT", "callback": put_schedule, "allow_batch": ALLOW_BATCH, "permission_callback": editor, "answers": "items",
         "args": {**ID_ARG, "schedule": SCHEDULE_ARG}},
    ], schema=SCHEDULE_SCHEMA)
    register(NAMESPACE, r"/cohorts/(?P<id>[\d]+)/progress", {
        "methods": READABLE, "callback": cohort_progress, "permission_callback": editor, "args": ID_ARG,
    }, schema=PROGRESS_SCHEMA)
    register(NAMESPACE, "/me/cohorts", {
        "methods": READABLE, "callback": my_cohorts, "permission_callback": LOGGED_IN,
        "args": {**LIST_ARGS, "course_id": {"type": "integer", "minimum": 1}},
    }, schema=COHORT_SCHEMA)
