"""Enrollment routes: self-enrollment, manual enrollment, and the records.

One live enrollment per user and course is guaranteed by the database (a unique
``live_key``), not by a check-then-insert; the enrollment limit is taken by an
atomic conditional update of the course's student count. Two racing requests
therefore cannot both enroll, nor overfill a course.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import (
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
    hookimpl,
)
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, Forbidden, InvalidParams, PaymentRequired, PrerequisitesUnmet
from learnomy_core.events import emit
from learnomy_core.openapi import ID as RESOURCE_ID, INT, STR, TIME, nullable, resource_schema
from learnomy_core.storage import insert_ignore, inserted_id

from ..catalog import (
    CourseContext,
    RecordContext,
    record_policy,
    ENROLLMENT_STATUS_FILTER,
    ID_ARG,
    NAMESPACE,
    LIVE_STATUSES,
    editor_policy,
    live_key,
    load_course,
    now,
    parse_time,
    student_record,
    tables,
    unmet_prerequisites,
    user_summaries,
)

EXPIRES_ARG = {"type": ["string", "null"], "format": "date-time"}


ENROLLMENT = {
    "id": RESOURCE_ID, "user_id": INT, "course_id": INT,
    "status": {"type": "string", "enum": ENROLLMENT_STATUS_FILTER["enum"]},
    "source": STR, "enrolled_at": TIME, "expires_at": nullable(TIME), "completed_at": nullable(TIME),
    "progress_percent": {"type": "integer", "minimum": 0, "maximum": 100},
}


def enrollment_schema() -> dict[str, Any]:
    """An enrollment of a student in a course."""
    return resource_schema("enrollment", ENROLLMENT, embed=("id", "course_id", "status"))


def student_schema() -> dict[str, Any]:
    """An enrollment in a course's student list, with who the student is."""
    user = nullable({"type": "object", "properties": {
        "id": INT, "display_name": STR, "avatar_url": STR, "email": STR}})
    return resource_schema("course_student", {**ENROLLMENT, "user": user})


def render_enrollments(rows: list[Any]) -> list[dict[str, Any]]:
    return [{
        "id": int(r.id), "user_id": int(r.user_id), "course_id": int(r.course_id), "status": r.status,
        "source": r.source, "enrolled_at": r.enrolled_at, "expires_at": r.expires_at,
        "completed_at": r.completed_at, "progress_percent": r.progress_percent,
    } for r in rows]


def _one(request: RestRequest, enrollment_id: int) -> dict[str, Any]:
    enrollments = tables(request)("enrollments")
    return render_enrollments([request.db.execute(
        sa.select(enrollments).where(enrollments.c.id == enrollment_id)).one()])[0]


def _take_seat(request: RestRequest, course: Any, *, enforce_limit: bool) -> None:
    courses = tables(request)("courses")
    query = sa.update(courses).where(courses.c.id == course.id)
    if enforce_limit:
        query = query.where(sa.or_(courses.c.max_students == 0, courses.c.student_count < courses.c.max_students))
    if request.db.execute(query.values(student_count=courses.c.student_count + 1)).rowcount != 1:
        raise Conflict("The course is full.", code="learnomy_course_full")


def _release_seat(request: RestRequest, course_id: int) -> None:
    courses = tables(request)("courses")
    request.db.execute(sa.update(courses).where(courses.c.id == course_id, courses.c.student_count > 0)
                       .values(student_count=courses.c.student_count - 1))


def enroll(
    request: RestRequest, user_id: int, course: Any, *, source: str, status: str = "active",
    expires_at: Optional[Any] = None, enforce_limit: bool = True,
) -> dict[str, Any]:
    """Create the enrollment (taking a seat if it is live); 409 when one is live already."""
    if status in LIVE_STATUSES:
        _take_seat(request, course, enforce_limit=enforce_limit)
    stamp = now()
    if expires_at is None and course.access_days:
        expires_at = stamp + timedelta(days=int(course.access_days))
    enrollments = tables(request)("enrollments")
    key = live_key(user_id, int(course.id), status)
    values = {"user_id": user_id, "course_id": int(course.id), "status": status, "source": source,
              "enrolled_at": stamp, "expires_at": expires_at,
              "completed_at": stamp if status == "completed" else None, "progress_percent": 0, "live_key": key}
    if key is None:
        new_id = inserted_id(request.db.execute(sa.insert(enrollments).values(**values)))
    else:
        if not insert_ignore(request.db, enrollments, values):
            raise Conflict("Already enrolled in this course.", code="learnomy_already_enrolled")
        new_id = request.db.execute(sa.select(enrollments.c.id).where(enrollments.c.live_key == key)).scalar_one()
    enrollment = _one(request, int(new_id))
    emit(request, "enrollment.created", enrollment)
    return enrollment


# -- self-enrollment ---------------------------------------------------------------------

def self_enroll(request: RestRequest) -> Any:
    access = load_course(request, request.params["id"])
    course = access.row
    if course.status != "publish":
        raise Forbidden("This course is not open for enrollment.", code="learnomy_course_not_open")
    source = "free"
    if course.price_type != "free":
        # A plugin may entitle the user without a purchase (commerce: an open membership).
        source = request.app.plugins.hook.learnomy_course_entitlement(
            request=request, user_id=request.user.id, course=course)
        if source is None:
            raise PaymentRequired("This course must be purchased first.")
    table = tables(request)
    if unmet_prerequisites(request.db, table, request.user.id, access.id):
        raise PrerequisitesUnmet()
    enrollment = enroll(request, request.user.id, course, source=source)
    return created(enrollment, location=f"/{NAMESPACE}/enrollments/{enrollment['id']}")


# -- records -------------------------------------------------------------------------------

def list_enrollments(request: RestRequest) -> Any:
    table = tables(request)
    enrollments = table("enrollments")
    params = request.params
    query = sa.select(enrollments)
    if not request.user.is_admin:
        mine = table("course_instructors")
        query = query.where(enrollments.c.course_id.in_(
            sa.select(mine.c.course_id).where(mine.c.user_id == request.user.id)))
    for field, column in (("course", "course_id"), ("user", "user_id"), ("status", "status")):
        if params.get(field):
            query = query.where(enrollments.c[column] == params[field])
    filters = [params.get("course"), params.get("user"), params.get("status"), request.user.id]
    return paginate(request, query, [(enrollments.c.id, True)], render_enrollments, bound_to=filters)


def create_enrollment(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    params = request.params
    if request.app.identity.store.get(request.db, params["user_id"]) is None:
        raise InvalidParams(details=[{"param": "user_id", "code": "rest_invalid_param",
                                      "message": "user_id names no user."}])
    course = context.course.row
    if course.status == "trash":
        raise Conflict("The course is in the trash.", code="learnomy_course_trashed")
    enrollment = enroll(request, params["user_id"], course, source="manual", status=params["status"],
                        expires_at=parse_time(params.get("expires_at")), enforce_limit=False)
    return created(enrollment, location=f"/{NAMESPACE}/enrollments/{enrollment['id']}")


def get_enrollment(request: RestRequest) -> Any:
    context = request.context_as(RecordContext)
    return render_enrollments([context.record])[0]


def update_enrollment(request: RestRequest) -> Any:
    context = request.context_as(RecordContext)
    row = context.record
    params = request.params
    changes: dict[str, Any] = {}
    if "expires_at" in params:
        changes["expires_at"] = parse_time(params["expires_at"])
    status = params.get("status", row.status)
    if status != row.status:
        was_live, live = row.status in LIVE_STATUSES, status in LIVE_STATUSES
        if live and not was_live:
            course = load_course(request, int(row.course_id)).row
            _take_seat(request, course, enforce_limit=False)
        elif was_live and not live:
            _release_seat(request, int(row.course_id))
        changes.update(status=status, live_key=live_key(int(row.user_id), int(row.course_id), status))
        if status == "completed" and row.completed_at is None:
            changes["completed_at"] = now()
    if changes:
        enrollments = tables(request)("enrollments")
        try:
            request.db.execute(sa.update(enrollments).where(enrollments.c.id == row.id).values(**changes))
        except sa.exc.IntegrityError:
            raise Conflict("The student has another live enrollment in this course.",
                           code="learnomy_already_enrolled") from None
    enrollment = _one(request, int(row.id))
    emit(request, "enrollment.updated", enrollment)
    return enrollment


def delete_enrollment(request: RestRequest) -> Any:
    context = request.context_as(RecordContext)
    row = context.record
    previous = render_enrollments([row])[0]
    if row.status in LIVE_STATUSES:
        _release_seat(request, int(row.course_id))
    enrollments = tables(request)("enrollments")
    # Progress history (completions) is kept; the enrollment is cancelled, not erased.
    request.db.execute(sa.update(enrollments).where(enrollments.c.id == row.id)
                       .values(status="cancelled", live_key=None))
    emit(request, "enrollment.deleted", previous)
    return deleted(previous)


def my_enrollments(request: RestRequest) -> Any:
    enrollments = tables(request)("enrollments")
    query = sa.select(enrollments).where(enrollments.c.user_id == request.user.id)
    if request.params.get("status"):
        query = query.where(enrollments.c.status == request.params["status"])
    return paginate(request, query, [(enrollments.c.id, True)], render_enrollments,
                    bound_to=[request.params.get("status"), request.user.id])


def list_students(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    access = context.course
    enrollments = tables(request)("enrollments")
    query = sa.select(enrollments).where(enrollments.c.course_id == access.id)
    if request.params.get("status"):
        query = query.where(enrollments.c.status == request.params["status"])

    def render(rows: list[Any]) -> list[dict[str, Any]]:
        people = user_summaries(request, [int(r.user_id) for r in rows], with_email=True)
        return [{**item, "user": people.get(item["user_id"])} for item in render_enrollments(rows)]

    return paginate(request, query, [(enrollments.c.id, True)], render, bound_to=[request.params.get("status")])


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/students", {
        "methods": READABLE, "callback": list_students, "permission_callback": editor_policy("course"),
        "args": {**ID_ARG, **LIST_ARGS,
                 "status": ENROLLMENT_STATUS_FILTER},
    }, schema=student_schema)
    register(NAMESPACE, "/enrollments", [
        {"methods": READABLE, "callback": list_enrollments, "permission_callback": INSTRUCTOR,
         "args": {**LIST_ARGS, "course": {"type": "integer", "minimum": 1},
                  "user": {"type": "integer", "minimum": 1}, "status": ENROLLMENT_STATUS_FILTER}},
        {"methods": CREATABLE, "callback": create_enrollment,
         "permission_callback": editor_policy("course", "course_id"),
         "args": {"user_id": {"type": "integer", "minimum": 1, "required": True},
                  "course_id": {"type": "integer", "minimum": 1, "required": True},
                  "status": {"type": "string", "enum": ["active", "suspended", "completed"], "default": "active"},
                  "expires_at": EXPIRES_ARG,
                  "source": {"readonly": True}}},
    ], schema=enrollment_schema)
    register(NAMESPACE, r"/enrollments/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_enrollment,
         "permission_callback": record_policy("enrollment_owner_or_editor", "enrollments", "Enrollment"), "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_enrollment,
         "permission_callback": record_policy("enrollment_editor", "enrollments", "Enrollment", editors_only=True),
         "args": {**ID_ARG, "status": {"type": "string", "enum": ["active", "suspended", "completed", "expired"]},
                  "expires_at": EXPIRES_ARG,
                  **{name: {"readonly": True} for name in ("user_id", "course_id", "source", "enrolled_at")}}},
        {"methods": DELETABLE, "callback": delete_enrollment,
         "permission_callback": record_policy("enrollment_editor", "enrollments", "Enrollment", editors_only=True), "args": ID_ARG},
    ], schema=enrollment_schema)
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/enroll", {
        "methods": CREATABLE, "callback": self_enroll, "permission_callback": LOGGED_IN, "sensitive": False,
        "answers": {"status": 201, "errors": [402]},
        "args": ID_ARG,
    }, schema=enrollment_schema)
    register(NAMESPACE, "/me/enrollments", {
        "methods": READABLE, "callback": my_enrollments, "permission_callback": LOGGED_IN,
        "args": {**LIST_ARGS, "status": ENROLLMENT_STATUS_FILTER},
    }, schema=enrollment_schema)
