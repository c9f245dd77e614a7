"""Course announcements: editors post, every enrolled student is notified.

Posting writes the announcement and one ``announcement.fanout`` job in the
request's transaction; the job notifies the course's students a batch at a time
(each batch a job of its own, committed with the next batch's job), so a course
of 10,000 students answers the POST as fast as a course of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from learnomy_core.openapi.schemas import resource_schema
from learnomy_core import CREATABLE, DELETABLE, EDITABLE, READABLE, RestRequest, created, deleted
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import NotFound
from learnomy_core.events import emit
from learnomy_core.html import sanitize_html
from learnomy_core.jobs import JobContext, JobKind, enqueue
from learnomy_core.storage import inserted_id

from ..catalog import (
    COURSE_PURGED, ID_ARG, NAMESPACE, CourseContext, course_context, editor_policy, enrolled_policy, now, tables,
)
from .notifications import notify

FANOUT_JOB = "announcement.fanout"
BATCH = 500
EVENT = "announcement.posted"

ARGS: dict[str, dict[str, Any]] = {
    "title": {"type": "string", "minLength": 1, "maxLength": 255},
    "content": {"type": "string", "maxLength": 65535},
    **{name: {"readonly": True} for name in ("course_id", "author_id")},
}


def resource(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "course_id": int(row.course_id), "author_id": int(row.author_id),
            "title": row.title, "content": row.content, "created_at": row.created_at,
            "updated_at": row.updated_at}


def on_event(request: RestRequest, event: str, data: Any) -> None:
    if event == COURSE_PURGED:
        table = tables(request)("announcements")
        request.db.execute(sa.delete(table).where(table.c.course_id == data["id"]))


def fanout(job: JobContext) -> None:
    """Notify one batch of the course's students (by user id, after ``after``); queue the next."""
    app = job.app
    announcements = app.tables["lrn_announcements"]
    enrollments = app.tables["lrn_enrollments"]
    row = job.db.execute(sa.select(announcements).where(announcements.c.id == job.payload["announcement_id"])).first()
    if row is None:
        return  # deleted meanwhile: nobody to tell about it
    after = int(job.payload.get("after", 0))
    batch = [int(u) for u in job.db.execute(
        sa.select(enrollments.c.user_id).where(
            enrollments.c.course_id == row.course_id, enrollments.c.status.in_(("active", "completed")),
            enrollments.c.user_id > after)
        .group_by(enrollments.c.user_id).order_by(enrollments.c.user_id).limit(BATCH)).scalars()]
    notify(job.db, app, EVENT, [u for u in batch if u != int(row.author_id)], resource(row))
    if len(batch) == BATCH:  # maybe more: the next batch is a job of its own
        enqueue(job.db, FANOUT_JOB, {"announcement_id": int(row.id), "after": batch[-1]},
                dedupe_key=f"announcement:{row.id}:{batch[-1]}")


def job_kinds() -> dict[str, JobKind]:
    return {FANOUT_JOB: JobKind(fanout, max_attempts=10)}


# -- routes -----------------------------------------------------------------------------

def list_announcements(request: RestRequest) -> Any:
    course = request.context_as(CourseContext).course
    table = tables(request)("announcements")
    query = sa.select(table).where(table.c.course_id == course.id)
    return paginate(request, query, [(table.c.created_at, True), (table.c.id, True)],
                    lambda rows: [resource(r) for r in rows])


def create_announcement(request: RestRequest) -> Any:
    course = request.context_as(CourseContext).course
    table = tables(request)("announcements")
    stamp = now()
    result = request.db.execute(sa.insert(table).values(
        course_id=course.id, author_id=request.user.id, title=request.params["title"],
        content=sanitize_html(request.params.get("content", "")), created_at=stamp, updated_at=stamp))
    new_id = inserted_id(result)
    row = request.db.execute(sa.select(table).where(table.c.id == new_id)).one()
    announcement = resource(row)
    enqueue(request.db, FANOUT_JOB, {"announcement_id": new_id, "after": 0}, dedupe_key=f"announcement:{new_id}:0")
    emit(request, EVENT, announcement)
    return created(announcement, location=f"/{NAMESPACE}/announcements/{new_id}")


def _locate(request: RestRequest, announcement_id: int) -> CourseContext:
    table = tables(request)("announcements")
    row = request.db.execute(sa.select(table).where(table.c.id == announcement_id)).first()
    if row is None:
        raise NotFound("Announcement not found.")
    course = course_context("course")(request, int(row.course_id)).course
    return AnnouncementContext(course, announcement=row)


@dataclass
class AnnouncementContext(CourseContext):
    """The announcement the path names, with its course."""

    announcement: Any = None


def _announcement(request: RestRequest) -> Any:
    return request.context_as(AnnouncementContext).announcement


def update_announcement(request: RestRequest) -> Any:
    row = _announcement(request)
    table = tables(request)("announcements")
    changes: dict[str, Any] = {}
    if "title" in request.params:
        changes["title"] = request.params["title"]
    if "content" in request.params:
        changes["content"] = sanitize_html(request.params["content"])
    if changes:
        request.db.execute(sa.update(table).where(table.c.id == row.id).values(**changes, updated_at=now()))
    announcement = resource(request.db.execute(sa.select(table).where(table.c.id == row.id)).one())
    if changes:
        emit(request, "announcement.updated", announcement)
    return announcement


def delete_announcement(request: RestRequest) -> Any:
    row = _announcement(request)
    table = tables(request)("announcements")
    request.db.execute(sa.delete(table).where(table.c.id == row.id))
    previous = resource(row)
    emit(request, "announcement.deleted", previous)
    return deleted(previous)


SCHEMA = lambda: resource_schema("announcement", {  # noqa: E731 - the route's resource schema
    "id": {"type": "integer", "readonly": True}, "course_id": {"type": "integer", "readonly": True},
    "author_id": {"type": "integer", "readonly": True}, "title": {"type": "string"},
    "content": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time", "readonly": True},
    "updated_at": {"type": "string", "format": "date-time", "readonly": True}})


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/announcements", [
        {"methods": READABLE, "callback": list_announcements, "permission_callback": enrolled_policy("course"),
         "args": {**ID_ARG, **LIST_ARGS}},
        {"methods": CREATABLE, "callback": create_announcement, "permission_callback": editor_policy("course"),
         "idempotent": True, "args": {**ID_ARG, **ARGS, "title": {**ARGS["title"], "required": True}}},
    ], schema=SCHEMA)
    register(NAMESPACE, r"/announcements/(?P<id>[\d]+)", [
        {"methods": EDITABLE, "callback": update_announcement,
         "permission_callback": editor_policy("announcement", locate=_locate), "args": {**ID_ARG, **ARGS}},
        {"methods": DELETABLE, "callback": delete_announcement,
         "permission_callback": editor_policy("announcement", locate=_locate), "args": ID_ARG},
    ], schema=SCHEMA)
