"""Learnomy Pro (``learnomy-pro/v1``): loaded through the ``learnomy.plugins``
entry point group exactly as a third party's plugin is, and left out, with every
extension, by ``create_app(exclude=["pro"])``.

Pro is a root plugin (this package: the namespace, its OpenAPI document, the
``pro.extensions`` settings group, the route manifest) and one plugin package
per extension (``pro.cohorts``, ``pro.drip``, ...), each requiring ``pro``. The
root switches its extensions through the core's ``learnomy_plugin_switches``
hook, by one boolean per extension in ``pro.extensions``: a switched-off
extension never boots. Extensions register their routes under :data:`NAMESPACE`
and land in ``manifest.json`` beside this file (``learnomy audit --write``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from learnomy_core import RouteRegistry, hookimpl
from learnomy_core.openapi import register_openapi_routes

__all__ = ["PLUGIN_NAME", "NAMESPACE", "EXTENSIONS", "MANIFEST"]

PLUGIN_NAME = "pro"
NAMESPACE = "learnomy-pro/v1"
# Each extension: its package (and plugin ``pro.<name>``), and what it adds.
EXTENSIONS = {
    "cohorts": "Cohorts: a course's cohorts with dates, a seat limit and a schedule.",
    "learning_paths": "Learning paths: ordered courses with optional steps.",
    "spaces": "Spaces: open, course-linked and private discussion spaces.",
    "assignments": "Assignments: submissions, grading and feedback.",
    "analytics": "Membership analytics: MRR, churn, ARPU, retention.",
    "drip": "Drip rules: sections, lessons and quizzes unlocked by date, delay or completion.",
    "advanced_quizzes": "Advanced question types: matching, ordering, numeric, math expression, calculated.",
    "webhooks_pro": "Webhooks Pro: no limit on webhook endpoints, and Pro's events.",
    "commission_rules": "Commission rules: per-instructor commission rates.",
}
MANIFEST = Path(__file__).with_name("manifest.json")
_SWITCHES = "pro.extensions"


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    # Its document first: every route Pro adds appears in it with no extra work.
    register_openapi_routes(registry, NAMESPACE)


@hookimpl
def learnomy_plugin_switches() -> dict[str, tuple[str, str]]:
    return {f"pro.{name}": (_SWITCHES, name) for name in EXTENSIONS}


@hookimpl
def learnomy_route_manifest() -> dict[str, Any]:
    return {"path": MANIFEST, "plugins": [PLUGIN_NAME, *(f"pro.{name}" for name in EXTENSIONS)]}


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return {
        _SWITCHES: {
            "type": "object",
            "description": "Pro's extensions, each switched on or off. Read when the app starts: a change "
                           "takes effect when the app (each worker process) next starts. A switched-off "
                           "extension's routes answer 404 and its data stays.",
            "properties": {
                name: {"type": "boolean", "default": True,
                       "description": f"{what} Takes effect at the next start."}
                for name, what in EXTENSIONS.items()
            },
        },
    }
