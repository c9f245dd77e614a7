"""Learnomy Pro (``learnomy-pro/v1``): loaded through the ``learnomy.plugins``
entry point group exactly as a third party's plugin is, and left out with
``create_app(exclude=["pro"])``.

Its areas (cohorts, learning paths, spaces, assignments, membership analytics)
arrive with their issues; for now it declares its settings group.
"""

from __future__ import annotations

from typing import Any

from learnomy_core import RouteRegistry, hookimpl
from learnomy_core.openapi import register_openapi_routes

PLUGIN_NAME = "pro"
NAMESPACE = "learnomy-pro/v1"


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    # Its document first: every route Pro adds appears in it with no extra work.
    register_openapi_routes(registry, NAMESPACE)


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return {
        "pro": {
            "type": "object",
            "properties": {
                "webhook_limit": {
                    "type": "integer", "minimum": 0, "default": 0,
                    "description": "Webhook endpoints allowed; 0 lifts Free's limit of 3.",
                },
            },
        }
    }
