"""System: ``GET /health``, ``GET /settings/public`` and the ``general`` settings
group they read. Needs nothing but the core."""

from __future__ import annotations

from typing import Any

from learnomy_core import RouteRegistry, hookimpl

from . import routes

PLUGIN_NAME = "system"


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    routes.register_routes(registry)


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return routes.settings_groups()
