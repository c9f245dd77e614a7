"""Administration: students, instructors and their applications, settings,
reports, API keys and background jobs, for administrators (ENDPOINTS.md,
"Administration and system").

Builds on every other Free area; nothing builds on it. Other packages import
what they need from here (``__all__``), never from the modules inside.
"""

from __future__ import annotations

from learnomy_core import RouteRegistry, hookimpl

from . import api_keys, settings

PLUGIN_NAME = "admin"

__all__: list[str] = []


@hookimpl
def learnomy_requires() -> list[str]:
    return ["identity", "catalog", "learning", "assessment", "commerce", "communication"]


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    # Each module of this package registers its routes here as it lands.
    settings.register_routes(registry)
    api_keys.register_routes(registry)
