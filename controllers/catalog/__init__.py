"""Catalog: courses, their curriculum (sections, lessons, topics), taxonomy and
instructors, with the tables of courses, curriculum and enrollments, and the
access rules every other area asks: may this caller see this course, edit it,
open this lesson now?

Other packages import what they need from here (``__all__``), never from the
modules inside.
"""

from __future__ import annotations

import sqlalchemy as sa

from learnomy_core import RouteRegistry, hookimpl

from .. import migration_folders
from . import courses, curriculum, people, taxonomy
from .access import (
    LESSON_DELETED,
    SECTION_DELETED,
    course_context,
    enrolled_policy,
    record_policy,
    RecordContext,
    CourseContext,
    COURSE_PURGED,
    ENROLLMENT_STATUS_FILTER,
    ID_ARG,
    LIVE_STATUSES,
    NAMESPACE,
    CourseAccess,
    active_enrollment,
    completed_lessons,
    course_of,
    declare_tables,
    editor_policy,
    last_lock,
    lesson_locks,
    lock_course,
    live_enrollment,
    live_key,
    load_course,
    now,
    ordered_lessons,
    parse_time,
    student_record,
    tables,
    unlocked_enrollment,
    unmet_prerequisites,
)
from .people import user_summaries

PLUGIN_NAME = "catalog"

__all__ = [
    "LESSON_DELETED",
    "SECTION_DELETED",
    "course_context",
    "enrolled_policy",
    "record_policy",
    "RecordContext",
    "CourseContext",
    "COURSE_PURGED",
    "ENROLLMENT_STATUS_FILTER",
    "ID_ARG",
    "LIVE_STATUSES",
    "NAMESPACE",
    "CourseAccess",
    "active_enrollment",
    "completed_lessons",
    "course_of",
    "editor_policy",
    "last_lock",
    "lesson_locks",
    "lock_course",
    "live_enrollment",
    "live_key",
    "load_course",
    "now",
    "ordered_lessons",
    "parse_time",
    "student_record",
    "tables",
    "unlocked_enrollment",
    "unmet_prerequisites",
    "user_summaries",
]


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    declare_tables(metadata, prefix)


@hookimpl
def learnomy_migration_locations() -> list[str]:
    return migration_folders(__file__)


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    for module in (courses, curriculum, taxonomy, people):
        module.register_routes(registry)
