"""A third-party plugin using the platform as Pro does: it ships a route manifest
(``manifest.json`` beside it) and switches its sub-plugin ``gadget.reports`` by a
setting of its own group ``gadget.features``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from learnomy_core import PUBLIC, READABLE, RouteRegistry, hookimpl

PLUGIN_NAME = "gadget"
NS = "gadget/v1"
MANIFEST = Path(__file__).with_name("manifest.json")


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    registry.register_rest_route(NS, "/gadgets", {
        "methods": READABLE, "callback": lambda request: [], "permission_callback": PUBLIC,
    })


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return {"gadget.features": {"type": "object", "properties": {
        "reports": {"type": "boolean", "default": True, "description": "Reports. Takes effect at the next start."},
    }}}


@hookimpl
def learnomy_plugin_switches() -> dict[str, tuple[str, str]]:
    return {"gadget.reports": ("gadget.features", "reports")}


@hookimpl
def learnomy_route_manifest() -> dict[str, Any]:
    return {"path": MANIFEST, "plugins": ["gadget", "gadget.reports"]}
