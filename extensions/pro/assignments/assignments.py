"""Assignments: ``/courses/{id}/assignments``, ``/sections/{id}/assignments``, ``/assignments/{id}``.

An assignment belongs to a section of a course. Editors create and change them;
enrolled students (and editors) read them. A ``required`` assignment counts toward
course completion (``learnomy_required_items``), done when a submission of the
student's is graded with at least ``passing_points``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from learnomy_core import ALLOW_BATCH, CREATABLE, DELETABLE, EDITABLE, READABLE, RestRequest, created, deleted
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import InvalidParams, NotFound
from learnomy_core.events import emit
from learnomy_core.html import sanitize_html
from learnomy_core.openapi import BOOL, ID, INT, STR, TIME, array_of, nullable, route_schema
from learnomy_core.storage import inserted_id
from learnomy.controllers.catalog import (
    COURSE_PURGED, ID_ARG, SECTION_DELETED, CourseContext, editor_policy, enrolled_policy, load_course, now,
    parse_time, tables,
)

from learnomy.controllers.learning import forget_item

from .. import NAMESPACE

POINTS = {"type": "integer", "minimum": 0, "maximum": 1_000_000}
ARGS: dict[str, dict[str, Any]] = {
    "title": {"type": "string", "minLength": 1, "maxLength": 255},
    "instructions": {"type": "string", "maxLength": 500_000},
    "due_at": {"type": ["string", "null"], "format": "date-time"},
    "points": POINTS,
    "passing_points": POINTS,
    "allowed_file_types": {"type": "array", "maxItems": 50, "uniqueItems": True,
                           "items": {"type": "string", "pattern": "^[a-z0-9]{1,10}$"},
                           "description": "File extensions a submission's file URLs may end in; none: text only."},
    "max_files": {"type": "integer", "minimum": 0, "maximum": 20},
    "resubmissions_allowed": {"type": "integer", "minimum": 0, "maximum": 100,
                              "description": "Attempts after the first, while the latest is not graded."},
    "required": {"type": "boolean"},
    "position": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
    **{name: {"readonly": True} for name in ("course_id", "section_id")},
}
DEFAULTS: dict[str, Any] = {"instructions": "", "due_at": None, "points": 100, "passing_points": 0,
                            "allowed_file_types": [], "max_files": 5, "resubmissions_allowed": 0,
                            "required": False}

SCHEMA = route_schema("assignment", {
    "id": ID, "course_id": INT, "section_id": INT, "title": STR, "instructions": STR, "due_at": nullable(TIME),
    "points": INT, "passing_points": INT, "allowed_file_types": array_of(STR), "max_files": INT,
    "resubmissions_allowed": INT, "required": BOOL, "position": INT, "created_at": TIME, "updated_at": TIME,
})


def resource(row: Any) -> dict[str, Any]:
    """The Assignment resource of a row."""
    return {"id": int(row.id), "course_id": int(row.course_id), "section_id": int(row.section_id),
            "title": row.title, "instructions": row.instructions, "due_at": row.due_at, "points": int(row.points),
            "passing_points": int(row.passing_points), "allowed_file_types": list(row.allowed_file_types),
            "max_files": int(row.max_files), "resubmissions_allowed": int(row.resubmissions_allowed),
            "required": bool(row.required), "position": int(row.position), "created_at": row.created_at,
            "updated_at": row.updated_at}


@dataclass
class AssignmentContext(CourseContext):
    """The assignment the path names, with its course (``request.context_as(AssignmentContext)``)."""

    assignment: Any = None


def locate(request: RestRequest, assignment_id: int) -> CourseContext:
    """The assignment and its course as the caller sees them; 404 if unseen."""
    table = tables(request)("pro_assignments")
    row = request.db.execute(sa.select(table).where(table.c.id == assignment_id)).first()
    if row is None:
        raise NotFound("Assignment not found.")
    try:
        course = load_course(request, int(row.course_id))
    except NotFound:
        raise NotFound("Assignment not found.") from None
    return AssignmentContext(course, assignment=row)


def required_items_of(request: RestRequest, course_ids: list[int]) -> list[dict[str, Any]]:
    """The required assignments of ``course_ids``, in curriculum order (one query)."""
    table = tables(request)
    assignments, sections = table("pro_assignments"), table("sections")
    rows = request.db.execute(
        sa.select(assignments.c.id, assignments.c.course_id, assignments.c.title, assignments.c.position,
                  assignments.c.section_id, sections.c.position.label("section_position"))
        .join(sections, sections.c.id == assignments.c.section_id)
        .where(assignments.c.course_id.in_(course_ids), assignments.c.required.is_(True)))
    # After the section's lessons and quizzes (which sort below 2,000,000).
    return [{"course_id": int(r.course_id), "type": "assignment", "id": int(r.id), "title": r.title,
             "order": (r.section_position, int(r.section_id), 2_000_000 + r.position, int(r.id))} for r in rows]


def on_event(request: RestRequest, event: str, data: Any) -> None:
    """Delete the assignments (and submissions) of a section or course that goes."""
    # A section or course that goes takes its assignments and their submissions.
    table = tables(request)
    assignments, submissions = table("pro_assignments"), table("pro_submissions")
    if event == COURSE_PURGED:
        where = assignments.c.course_id == data["id"]
    elif event == SECTION_DELETED:
        where = assignments.c.section_id == data["id"]
        gone = request.db.execute(sa.select(assignments.c.id, assignments.c.course_id).where(where)).all()
        request.db.execute(sa.delete(submissions).where(submissions.c.assignment_id.in_([r.id for r in gone])))
        request.db.execute(sa.delete(assignments).where(where))
        for assignment_id, course_id in gone:
            forget_item(request, "assignment", int(assignment_id), int(course_id))
        return
    elif event == "user.deleted":
        forget_user(request, int(data["id"]))
        return
    else:
        return
    request.db.execute(sa.delete(submissions).where(submissions.c.assignment_id.in_(
        sa.select(assignments.c.id).where(where))))
    request.db.execute(sa.delete(assignments).where(where))


def forget_user(request: RestRequest, user_id: int) -> None:
    """A deleted account's submissions stay for the course's statistics (attempt,
    status, points, late flag, dates) under an id that leads nowhere, with what
    they said blanked: the text, the file URLs and the feedback addressed to them."""
    submissions = tables(request)("pro_submissions")
    request.db.execute(sa.update(submissions).where(submissions.c.user_id == user_id).values(
        content="", file_urls=[],
        feedback=sa.case((submissions.c.feedback.is_(None), None), else_=sa.literal(""))))


def _checked(values: dict[str, Any]) -> dict[str, Any]:
    """Values as stored; 400 when the passing mark is above the points."""
    if values["passing_points"] > values["points"]:
        raise InvalidParams(details=[{"param": "passing_points", "code": "rest_invalid_param",
                                      "message": "passing_points cannot exceed points."}])
    return values


def _values(request: RestRequest) -> dict[str, Any]:
    """The fields the request sets, as stored."""
    values: dict[str, Any] = {}
    for name in ("title", "points", "passing_points", "allowed_file_types", "max_files", "resubmissions_allowed",
                 "required", "position"):
        if name in request.params:
            values[name] = request.params[name]
    if "instructions" in request.params:
        values["instructions"] = sanitize_html(request.params["instructions"])
    if "due_at" in request.params:
        values["due_at"] = parse_time(request.params["due_at"])
    return values


def list_assignments(request: RestRequest) -> Any:
    """A course's assignments in curriculum order (enrolled students and editors)."""
    course = request.context_as(CourseContext).course
    table = tables(request)
    assignments, sections = table("pro_assignments"), table("sections")
    section_position = sections.c.position.label("section_position")
    query = (sa.select(assignments, section_position)
             .join(sections, sections.c.id == assignments.c.section_id)
             .where(assignments.c.course_id == course.id))
    # Curriculum order: by section, then by position in it.
    order = [(section_position, False), (assignments.c.section_id, False), (assignments.c.position, False),
             (assignments.c.id, False)]
    return paginate(request, query, order, lambda rows: [resource(r) for r in rows])


def create_assignment(request: RestRequest) -> Any:
    """Create an assignment in a section (editors)."""
    context = request.context_as(CourseContext)
    section = context.section
    table = tables(request)("pro_assignments")
    values = _checked({**DEFAULTS, **_values(request)})
    if "position" not in values:
        last = request.db.execute(sa.select(sa.func.max(table.c.position)).where(
            table.c.section_id == section.id)).scalar()
        values["position"] = 0 if last is None else int(last) + 1
    stamp = now()
    new_id = inserted_id(request.db.execute(sa.insert(table).values(
        **values, course_id=context.course.id, section_id=int(section.id), created_at=stamp, updated_at=stamp)))
    assignment = resource(request.db.execute(sa.select(table).where(table.c.id == new_id)).one())
    emit(request, "assignment.created", assignment)
    return created(assignment, location=f"/{NAMESPACE}/assignments/{new_id}")


def get_assignment(request: RestRequest) -> Any:
    """One assignment (enrolled students and editors)."""
    return resource(request.context_as(AssignmentContext).assignment)


def update_assignment(request: RestRequest) -> Any:
    """Change an assignment (editors)."""
    row = request.context_as(AssignmentContext).assignment
    table = tables(request)("pro_assignments")
    changes = _values(request)
    _checked({"points": row.points, "passing_points": row.passing_points, **changes})
    if changes:
        request.db.execute(sa.update(table).where(table.c.id == row.id).values(**changes, updated_at=now()))
    assignment = resource(request.db.execute(sa.select(table).where(table.c.id == row.id)).one())
    if changes:
        emit(request, "assignment.updated", assignment)
    return assignment


def delete_assignment(request: RestRequest) -> Any:
    """Delete an assignment with its submissions (editors)."""
    row = request.context_as(AssignmentContext).assignment
    table = tables(request)
    assignments, submissions = table("pro_assignments"), table("pro_submissions")
    request.db.execute(sa.delete(submissions).where(submissions.c.assignment_id == row.id))
    request.db.execute(sa.delete(assignments).where(assignments.c.id == row.id))
    # Its completions go with it and its students' progress is recomputed, in this
    # transaction (after the delete: it is no longer a required item).
    forget_item(request, "assignment", int(row.id), int(row.course_id))
    previous = resource(row)
    emit(request, "assignment.deleted", previous)
    return deleted(previous)


def register_routes(registry: Any) -> None:
    """Register the assignment routes."""
    register = registry.register_rest_route
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/assignments", {
        "methods": READABLE, "callback": list_assignments, "permission_callback": enrolled_policy("course"),
        "args": {**ID_ARG, **LIST_ARGS},
    }, schema=SCHEMA)
    register(NAMESPACE, r"/sections/(?P<id>[\d]+)/assignments", {
        "methods": CREATABLE, "callback": create_assignment, "allow_batch": ALLOW_BATCH, "permission_callback": editor_policy("section"),
        "idempotent": True, "args": {**ID_ARG, **ARGS, "title": {**ARGS["title"], "required": True}}, "answers": "created",
    }, schema=SCHEMA)
    register(NAMESPACE, r"/assignments/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_assignment,
         "permission_callback": enrolled_policy("assignment", locate=locate), "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_assignment, "allow_batch": ALLOW_BATCH,
         "permission_callback": editor_policy("assignment", locate=locate), "args": {**ID_ARG, **ARGS}},
        {"methods": DELETABLE, "callback": delete_assignment, "allow_batch": ALLOW_BATCH,
         "permission_callback": editor_policy("assignment", locate=locate), "args": ID_ARG},
    ], schema=SCHEMA)
