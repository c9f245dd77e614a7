"""Assignments: per-section assignments, submissions with text and file URLs, grading, and completion through the Free completion hook.

A Pro extension: a plugin of its own (entry point ``pro.assignments``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins: the catalog's access policies, the
learning package's ``record_completion`` and the ``learnomy_required_items``
hook (a required assignment counts toward course completion), and the
communication package's ``NotificationType`` (grading notifies the student).
The resubmission rules are in :mod:`.submissions`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from learnomy_core import RestRequest, RouteRegistry, hookimpl
from learnomy.controllers.communication import NotificationType

from . import assignments, submissions
from .tables import declare_tables

PLUGIN_NAME = "pro.assignments"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro", "catalog", "learning", "communication"]


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    declare_tables(metadata, prefix)


@hookimpl
def learnomy_migration_locations() -> list[str]:
    return [str(Path(__file__).with_name("migrations"))]


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    assignments.register_routes(registry)
    submissions.register_routes(registry)


@hookimpl
def learnomy_required_items(request: RestRequest, course_ids: list[int]) -> list[dict[str, Any]]:
    return assignments.required_items_of(request, course_ids)


@hookimpl
def learnomy_event(request: RestRequest, event: str, data: Any) -> None:
    assignments.on_event(request, event, data)


@hookimpl
def learnomy_notification_types() -> list[NotificationType]:
    return [NotificationType(
        submissions.GRADED, "Your assignment is graded",
        "Your submission to {assignment_title} was graded: {points} points.",
        "An instructor graded a submission of yours.", link="/submissions/{id}", email=True)]
