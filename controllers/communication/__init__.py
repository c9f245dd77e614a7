"""Communication: background work that reaches people and systems.

In-app notifications and notification e-mail (with per-user preferences), course
announcements fanned out to students by jobs, and webhooks (API.md section 9):
endpoints, the outbox, signed deliveries with retries, the SSRF guard. Builds on
the catalog (courses, enrollments) and the core's jobs and mail.

Other packages import what they need from here (``__all__``), never from the
modules inside.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core import RestRequest, RouteRegistry, hookimpl

from .. import migration_folders
from . import announcements, drip, notifications, webhooks
from .notifications import NotificationType, notify
from .tables import declare_tables

PLUGIN_NAME = "communication"

__all__ = ["NotificationType", "notify"]


@hookimpl
def learnomy_requires() -> list[str]:
    return ["catalog"]


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    declare_tables(metadata, prefix)


@hookimpl
def learnomy_migration_locations() -> list[str]:
    return migration_folders(__file__)


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    for module in (notifications, announcements, webhooks):
        module.register_routes(registry)


@hookimpl
def learnomy_event(request: RestRequest, event: str, data: Any) -> None:
    announcements.on_event(request, event, data)
    drip.on_event(request, event, data)
    notifications.on_event(request, event, data)
    webhooks.on_event(request, event, data)


@hookimpl
def learnomy_job_kinds() -> dict[str, Any]:
    return {**announcements.job_kinds(), **drip.job_kinds(), **webhooks.job_kinds()}


@hookimpl
def learnomy_notification_types() -> list[NotificationType]:
    return notifications.builtin_types()


@hookimpl
def learnomy_webhook_events() -> list[dict[str, Any]]:
    return webhooks.FREE_EVENTS


@hookimpl
def learnomy_dashboard_counts(request: RestRequest, user: Any) -> dict[str, int]:
    return notifications.dashboard_counts(request, user)


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return webhooks.settings_groups()
