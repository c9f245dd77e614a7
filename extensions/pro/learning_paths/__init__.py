"""Learning paths: ordered courses with optional steps, enrollment in the path (and its free courses), progress through the path.

A Pro extension: a plugin of its own (entry point ``pro.learning_paths``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins: the catalog's tables and helpers, the
Free ``learning.enroll`` (with an enrollment ``source``), the hook
``learnomy_course_entitlement`` and the Free events (``course.completed``,
``enrollment.updated``, ``course.purged``) through ``learnomy_event``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from learnomy_core import RestRequest, RouteRegistry, hookimpl
from learnomy.controllers.catalog import COURSE_PURGED

from . import paths
from .tables import declare_tables

PLUGIN_NAME = "pro.learning_paths"

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
    paths.register_routes(registry)


@hookimpl
def learnomy_event(request: RestRequest, event: str, data: dict[str, Any]) -> None:
    # A course completed by the student's work, or marked completed by an editor.
    if event == "course.completed" or (event == "enrollment.updated" and data.get("status") == "completed"):
        paths.on_course_completed(request, int(data["user_id"]), int(data["course_id"]))
    elif event == COURSE_PURGED:
        paths.purge_course(request, int(data["id"]))
