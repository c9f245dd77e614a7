"""Cohorts: a course's cohorts with dates and a seat limit, their members, the schedule that unlocks sections by date for members, and aggregate progress for editors.

A Pro extension: a plugin of its own (entry point ``pro.cohorts``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins: the catalog's policies and tables, the
Free hook ``learnomy_lesson_locks`` (the schedule's locks) and ``learnomy_event``
(enrollments that end, courses and sections deleted).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from learnomy_core import RestRequest, RouteRegistry, hookimpl
from learnomy.controllers.catalog import COURSE_PURGED, LIVE_STATUSES, SECTION_DELETED

from . import cohorts
from .tables import declare_tables, tables

PLUGIN_NAME = "pro.cohorts"

__all__: list[str] = []

@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro", "catalog", "learning"]


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    declare_tables(metadata, prefix)


@hookimpl
def learnomy_migration_locations() -> list[str]:
    return [str(Path(__file__).with_name("migrations"))]


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    cohorts.register_routes(registry)


@hookimpl
def learnomy_lesson_locks(request: RestRequest, course: Any, enrollment: Any, lessons: list[Any]) -> dict[int, dict[str, Any]]:
    return cohorts.schedule_locks(request, int(course.id), int(enrollment.user_id), lessons)


@hookimpl
def learnomy_event(request: RestRequest, event: str, data: dict[str, Any]) -> None:
    if event == "enrollment.deleted" or (event == "enrollment.updated" and data.get("status") not in LIVE_STATUSES):
        # A membership needs the enrollment: it ends with it.
        cohorts.on_enrollment_ended(request, int(data["user_id"]), int(data["course_id"]))
    elif event == COURSE_PURGED:
        cohorts.purge_cohorts(request, tables(request)["cohorts"].c.course_id == data["id"])
    elif event == SECTION_DELETED:
        schedule = tables(request)["schedule"]
        request.db.execute(sa.delete(schedule).where(schedule.c.section_id == data["id"]))
