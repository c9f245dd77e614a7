"""Administration: students, instructors and their applications, settings,
reports, API keys and background jobs, for administrators (ENDPOINTS.md,
"Administration and system").

Builds on every other Free area; nothing builds on it. Other packages import
what they need from here (``__all__``), never from the modules inside.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core import RouteRegistry, hookimpl

from .. import migration_folders
from . import api_keys, instructors, jobs, reports, settings, students
from .periods import (
    DEFAULT_PERIODS,
    INTERVALS,
    MAX_PERIODS,
    PERIOD_ARGS,
    PeriodRange,
    fill_periods,
    next_period,
    parse_bounds,
    parse_instant,
    parse_period_range,
    period_bucket,
    period_key,
    period_start,
)

PLUGIN_NAME = "admin"

__all__: list[str] = [
    # The period machinery of time-series reports (reports.py; Pro's analytics reuse it).
    "DEFAULT_PERIODS",
    "INTERVALS",
    "MAX_PERIODS",
    "PERIOD_ARGS",
    "PeriodRange",
    "fill_periods",
    "next_period",
    "parse_bounds",
    "parse_instant",
    "parse_period_range",
    "period_bucket",
    "period_key",
    "period_start",
]


@hookimpl
def learnomy_requires() -> list[str]:
    return ["identity", "catalog", "learning", "assessment", "commerce", "communication"]


@hookimpl(trylast=True)  # after the core's, which declares the users table
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    # The student search's index on display names (migration admin_0001; on
    # SQLite it and WordPress's login and e-mail keys are COLLATE NOCASE there).
    users = metadata.tables[f"{prefix}users"]
    sa.Index(f"{users.name}_display_name", users.c.display_name)


@hookimpl
def learnomy_migration_locations() -> list[str]:
    return migration_folders(__file__)


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    for module in (students, instructors, settings, reports, api_keys, jobs):
        module.register_routes(registry)


@hookimpl
def learnomy_webhook_events() -> list[dict[str, Any]]:
    return PEOPLE_EVENTS


PEOPLE_EVENTS: list[dict[str, Any]] = [
    {"event": "user.blocked", "description": "An administrator blocked an account; its tokens were revoked.",
     "example": {"id": 7}},
    {"event": "user.unblocked", "description": "An administrator lifted an account's block.", "example": {"id": 7}},
    {"event": "user.deleted", "description": "An account was deleted; its learning records were anonymised.",
     "example": {"id": 7, "deleted_at": "2026-11-27T09:00:00Z"}},
    {"event": "instructor_application.decided", "description": "An application to teach was approved or rejected.",
     "example": {"id": 3, "user_id": 7, "status": "rejected", "reason": "Tell us more about your courses.",
                 "decided_at": "2026-11-27T09:00:00Z"}},
]
