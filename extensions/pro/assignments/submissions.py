"""Submissions: ``/assignments/{id}/submissions``, ``/submissions/{id}``, ``/submissions/{id}/grade``.

Submitting (enrolled students): text (HTML, sanitized) and/or file URLs
(``http``/``https`` only, at most ``max_files``, each ending in one of the
assignment's ``allowed_file_types``; with none allowed, text only). A submission
after ``due_at`` is accepted and marked ``late``.

Resubmission rules: every submission is a new attempt and the earlier ones are
kept. A student has ``1 + resubmissions_allowed`` attempts. They may submit again
while their latest submission is ``submitted`` (not graded yet) or ``returned``
(graded and handed back for another try); once it is ``graded`` the assignment is
closed for them (409 ``learnomy_submission_graded``), and when the attempts are
used up, 409 ``learnomy_resubmissions_exhausted``. Two submissions at once cannot
take the same attempt (a unique key; the loser gets 409).

Grading (the course's editors): ``points`` (at most the assignment's) and
``feedback``, with ``status`` ``graded`` (final) or ``returned`` (the student may
try again). A required assignment's submission ``graded`` with at least
``passing_points`` completes the item for the student (the Free learning
package's ``record_completion``), which may complete the course. Grading emits
``assignment.graded`` (the student is notified); submitting emits
``assignment.submitted``. Students see only their own submissions, editors all.

Drip: an assignment belongs to its section, and a section is locked for a
student when its first lesson (curriculum order) is locked for them, by whatever
locks lessons: Free's drip, Pro's drip rules, a cohort's schedule (the catalog's
public ``lesson_locks``, which asks ``learnomy_lesson_locks``). Submitting to it
then answers 403 with that lesson's lock (``learnomy_lesson_locked_<reason>``,
``details: [{reason, unlocks_at}]``). A section without lessons has nothing to
lock it: its assignments stay open.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa

from learnomy_core import ALLOW_BATCH, CREATABLE, READABLE, RestRequest, created
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, InvalidParams, LessonLocked, NotFound
from learnomy_core.events import emit
from learnomy_core.html import sanitize_html
from learnomy_core.locks import lock_rows
from learnomy_core.openapi import BOOL, ID, INT, STR, TIME, array_of, nullable, route_schema
from learnomy_core.storage import insert_ignore
from learnomy.controllers.catalog import (
    ID_ARG, RecordContext, active_enrollment, enrolled_policy, lesson_locks, now, record_policy, tables)
from learnomy.controllers.learning import record_completion

from .. import NAMESPACE
from .assignments import AssignmentContext, locate

SUBMITTED = "assignment.submitted"
GRADED = "assignment.graded"
STATUSES = ("submitted", "graded", "returned")

SCHEMA = route_schema("submission", {
    "id": ID, "assignment_id": INT, "course_id": INT, "user_id": INT, "attempt": INT, "content": STR,
    "file_urls": array_of(STR), "status": {"type": "string", "enum": list(STATUSES)}, "late": BOOL,
    "points": nullable(INT), "feedback": nullable(STR), "submitted_at": TIME, "graded_at": nullable(TIME),
    "graded_by": nullable(INT),
})


def resource(row: Any) -> dict[str, Any]:
    """The Submission resource of a row."""
    return {"id": int(row.id), "assignment_id": int(row.assignment_id), "course_id": int(row.course_id),
            "user_id": int(row.user_id), "attempt": int(row.attempt), "content": row.content,
            "file_urls": list(row.file_urls), "status": row.status, "late": bool(row.late),
            "points": None if row.points is None else int(row.points), "feedback": row.feedback,
            "submitted_at": row.submitted_at, "graded_at": row.graded_at,
            "graded_by": None if row.graded_by is None else int(row.graded_by)}


def extension_of(url: str) -> str:
    """The file extension of a URL's path, lower case (``""`` when it has none)."""
    name = unquote(urlsplit(url).path).rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _refuse(param: str, message: str) -> InvalidParams:
    return InvalidParams(details=[{"param": param, "code": "rest_invalid_param", "message": message}])


def _files(assignment: Any, urls: list[str]) -> list[str]:
    """The file URLs, checked against the assignment's limits; 400 naming each bad one."""
    if len(urls) > assignment.max_files:
        raise _refuse("file_urls", f"At most {assignment.max_files} files.")
    allowed = set(assignment.allowed_file_types)
    wrong = [url for url in urls if extension_of(url) not in allowed]
    if wrong:
        kinds = ", ".join(sorted(allowed)) or "none"
        raise InvalidParams(details=[{"param": "file_urls", "code": "learnomy_file_type_not_allowed",
                                      "message": f"{url} is not one of the allowed file types ({kinds})."}
                                     for url in wrong])
    return urls


def refuse_if_locked(request: RestRequest, context: AssignmentContext) -> None:
    """403 when the assignment's section is locked for the caller: its first lesson is."""
    lessons = tables(request)("lessons")
    first = request.db.execute(sa.select(lessons.c.id).where(lessons.c.section_id == context.assignment.section_id)
                               .order_by(lessons.c.position, lessons.c.id).limit(1)).scalar()
    if first is None:
        return
    locks, _ = lesson_locks(request, context.course, active_enrollment(request, context.course))
    lock = locks.get(int(first))
    if lock is not None:
        raise LessonLocked("This assignment's section is locked for now.", details=[lock],
                           code=f"learnomy_lesson_locked_{lock['reason']}")


def submit(request: RestRequest) -> Any:
    """Submit text and file URLs (enrolled students; resubmission rules apply; drip applies)."""
    context = request.context_as(AssignmentContext)
    assignment = context.assignment
    refuse_if_locked(request, context)
    content = sanitize_html(request.params.get("content", ""))
    urls = _files(assignment, request.params.get("file_urls", []))
    if not content.strip() and not urls:
        raise _refuse("content", "Submit some text or at least one file.")
    submissions = tables(request)("pro_submissions")
    latest = request.db.execute(sa.select(submissions).where(
        submissions.c.assignment_id == assignment.id, submissions.c.user_id == request.user.id)
        .order_by(submissions.c.attempt.desc()).limit(1)).first()
    attempt = 1 if latest is None else int(latest.attempt) + 1
    if latest is not None and latest.status == "graded":
        raise Conflict("Your submission is graded: the assignment is closed for you.",
                       code="learnomy_submission_graded")
    if attempt > 1 + int(assignment.resubmissions_allowed):
        raise Conflict("You have used every attempt this assignment allows.",
                       code="learnomy_resubmissions_exhausted")
    stamp = now()
    values = {"assignment_id": int(assignment.id), "course_id": int(assignment.course_id),
              "user_id": request.user.id, "attempt": attempt, "content": content, "file_urls": urls,
              "status": "submitted", "late": assignment.due_at is not None and stamp > assignment.due_at,
              "points": None, "feedback": None, "submitted_at": stamp, "graded_at": None, "graded_by": None}
    if not insert_ignore(request.db, submissions, values):
        raise Conflict("Another submission of yours was made at the same moment.", code="learnomy_submission_conflict")
    row = request.db.execute(sa.select(submissions).where(
        submissions.c.assignment_id == assignment.id, submissions.c.user_id == request.user.id,
        submissions.c.attempt == attempt)).one()
    submission = resource(row)
    emit(request, SUBMITTED, submission)
    return created(submission, location=f"/{NAMESPACE}/submissions/{row.id}")


def list_submissions(request: RestRequest) -> Any:
    """Submissions to an assignment: the caller's own, or every one for editors."""
    context = request.context_as(AssignmentContext)
    submissions = tables(request)("pro_submissions")
    query = sa.select(submissions).where(submissions.c.assignment_id == context.assignment.id)
    if not context.course.is_editor:
        query = query.where(submissions.c.user_id == request.user.id)
    elif "user_id" in request.params:
        query = query.where(submissions.c.user_id == request.params["user_id"])
    if "status" in request.params:
        query = query.where(submissions.c.status == request.params["status"])
    return paginate(request, query, [(submissions.c.id, True)], lambda rows: [resource(r) for r in rows],
                    bound_to=[request.user.id, request.params.get("user_id"), request.params.get("status")])


def get_submission(request: RestRequest) -> Any:
    """One submission (its student or the course's editors)."""
    return resource(request.context_as(RecordContext).record)


def grade(request: RestRequest) -> Any:
    """Grade a submission: points, feedback, graded or returned (editors)."""
    row = request.context_as(RecordContext).record
    table = tables(request)
    assignments, submissions = table("pro_assignments"), table("pro_submissions")
    assignment = request.db.execute(sa.select(assignments).where(assignments.c.id == row.assignment_id)).one()
    points = request.params["points"]
    if points > assignment.points:
        raise _refuse("points", f"points cannot exceed the assignment's {assignment.points}.")
    status = request.params.get("status", "graded")
    feedback = sanitize_html(request.params.get("feedback", ""))
    # Only a grade that differs from the one standing is recorded and told to the
    # student: of two identical gradings at once, the second changes nothing.
    changed = request.db.execute(sa.update(submissions).where(
        submissions.c.id == row.id,
        sa.or_(submissions.c.points.is_(None), submissions.c.feedback.is_(None), submissions.c.points != points,
               submissions.c.feedback != feedback,
               submissions.c.status != status),
    ).values(points=points, feedback=feedback, status=status, graded_at=now(), graded_by=request.user.id)).rowcount == 1
    # A locking read: on MySQL/MariaDB a plain one would show the transaction's
    # snapshot, older than the grade another request committed meanwhile.
    found = lock_rows(request.db, sa.select(submissions).where(submissions.c.id == row.id))
    if not found:
        raise NotFound("Submission not found.")
    graded = resource(found[0])
    if not changed:
        return graded
    emit(request, GRADED, {**graded, "assignment_title": assignment.title})
    if assignment.required and status == "graded" and points >= assignment.passing_points:
        record_completion(request, int(row.user_id), "assignment", int(assignment.id), int(assignment.course_id))
    return graded


def register_routes(registry: Any) -> None:
    """Register the submission routes."""
    register = registry.register_rest_route
    register(NAMESPACE, r"/assignments/(?P<id>[\d]+)/submissions", [
        {"methods": CREATABLE, "callback": submit, "idempotent": True,
         "permission_callback": enrolled_policy("assignment", editors=False, locate=locate),
         "args": {**ID_ARG, "content": {"type": "string", "maxLength": 500_000},
                  "file_urls": {"type": "array", "maxItems": 20,
                                "items": {"type": "string", "format": "uri", "maxLength": 2000}}}},
        {"methods": READABLE, "callback": list_submissions,
         "permission_callback": enrolled_policy("assignment", locate=locate),
         "args": {**ID_ARG, **LIST_ARGS, "user_id": {"type": "integer", "minimum": 1},
                  "status": {"type": "string", "enum": list(STATUSES)}}},
    ], schema=SCHEMA)
    register(NAMESPACE, r"/submissions/(?P<id>[\d]+)", {
        "methods": READABLE, "callback": get_submission,
        "permission_callback": record_policy("submission", "pro_submissions", "Submission"), "args": ID_ARG,
    }, schema=SCHEMA)
    register(NAMESPACE, r"/submissions/(?P<id>[\d]+)/grade", {
        "methods": CREATABLE, "callback": grade, "allow_batch": ALLOW_BATCH, "answers": "item",
        "permission_callback": record_policy("submission_editor", "pro_submissions", "Submission",
                                             editors_only=True),
        "args": {**ID_ARG, "points": {**{"type": "integer", "minimum": 0, "maximum": 1_000_000}, "required": True},
                 "feedback": {"type": "string", "maxLength": 65535},
                 "status": {"type": "string", "enum": ["graded", "returned"],
                            "description": "graded (final) or returned (the student may submit again)."}},
    }, schema=SCHEMA)
