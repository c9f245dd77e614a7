"""Learning records: enrollments, progress and completion, offline sync,
certificates and reviews. Builds on the catalog.

Other packages import what they need from here (``__all__``), never from the
modules inside.
"""

from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import RestRequest, RouteRegistry, hookimpl

from .. import migration_folders
from . import certificates, enrollments, progress, reviews, sync
from .enrollments import enroll
from .progress import progress_views, recompute, record_completion
from .sync import SyncItemType, builtin_item_types

PLUGIN_NAME = "learning"

__all__ = ["SyncItemType", "enroll", "progress_views", "recompute", "record_completion"]


@hookimpl
def learnomy_requires() -> list[str]:
    return ["catalog"]


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    for module in (progress, certificates, reviews):
        module.declare_tables(metadata, prefix)


@hookimpl
def learnomy_migration_locations() -> list[str]:
    return migration_folders(__file__)


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    for module in (enrollments, progress, reviews, certificates, sync):
        module.register_routes(registry)


@hookimpl
def learnomy_required_items(request: RestRequest, course_ids: list[int]) -> list[dict[str, Any]]:
    return progress.required_items_of(request, course_ids)


@hookimpl
def learnomy_dashboard_counts(request: RestRequest, user: Any) -> dict[str, int]:
    return {**progress.dashboard_counts(request, user), **certificates.dashboard_counts(request, user)}


@hookimpl
def learnomy_event(request: RestRequest, event: str, data: dict[str, Any]) -> None:
    for module in (progress, reviews, certificates):
        module.on_event(request, event, data)


@hookimpl
def learnomy_check_course(request: RestRequest, course_id: Optional[int], values: dict[str, Any]) -> list[dict[str, str]]:
    return certificates.check_course(request, course_id, values)


@hookimpl
def learnomy_sync_item_types() -> list[SyncItemType]:
    return builtin_item_types()


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return reviews.settings_groups()
