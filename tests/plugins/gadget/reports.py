"""``gadget.reports``: switched by ``gadget.features.reports``; it counts its hook calls."""

from __future__ import annotations

from typing import Any

from learnomy_core import ADMIN, READABLE, RouteRegistry, hookimpl

PLUGIN_NAME = "gadget.reports"
CALLS: list[str] = []


@hookimpl
def learnomy_requires() -> list[str]:
    return ["gadget"]


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    CALLS.append("learnomy_register_routes")
    registry.register_rest_route("gadget/v1", "/reports", {
        "methods": READABLE, "callback": lambda request: [], "permission_callback": ADMIN,
    })


@hookimpl
def learnomy_before_dispatch(request: Any) -> None:
    CALLS.append("learnomy_before_dispatch")
