"""Webhooks Pro: lifts Free's limit of three webhook endpoints and adds Pro's events to the catalog.

A Pro extension: a plugin of its own (entry point ``pro.webhooks_pro``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins. It answers two Free hooks:
``learnomy_webhook_limit`` (the ``pro.webhooks`` settings group's ``limit``; 0, the
default, is no limit) and ``learnomy_webhook_events`` (:data:`EVENTS`, which the
other extensions emit with ``learnomy_core.events.emit``).
"""

from __future__ import annotations

from typing import Any

from learnomy_core import RestRequest, hookimpl

__all__ = ["PLUGIN_NAME", "EVENTS", "SETTINGS_GROUP"]

PLUGIN_NAME = "pro.webhooks_pro"
SETTINGS_GROUP = "pro.webhooks"
_MEMBER = {"cohort_id": 7, "course_id": 12, "user_id": 42, "added_at": "2026-11-27T09:00:00Z"}
_PATH = {"path_id": 3, "user_id": 42, "enrolled_at": "2026-11-27T09:00:00Z"}
_SUBMISSION = {"id": 81, "assignment_id": 9, "user_id": 42, "course_id": 12, "status": "submitted", "late": False}
_SPACE = {"space_id": 5, "user_id": 42}
# Pro's events; the extension emitting each is named in its description.
EVENTS: list[dict[str, Any]] = [
    {"event": "cohort.member_added", "description": "A student was added to a cohort (cohorts).",
     "example": _MEMBER},
    {"event": "cohort.member_removed",
     "description": "A student left a cohort: removed by an editor, or their enrollment ended (cohorts).",
     "example": {**_MEMBER, "reason": "removed"}},
    {"event": "path.enrolled", "description": "A student enrolled in a learning path (learning paths).",
     "example": _PATH},
    {"event": "path.completed", "description": "A student completed a learning path (learning paths).",
     "example": {**_PATH, "completed_at": "2026-12-20T17:30:00Z"}},
    {"event": "assignment.submitted", "description": "A student submitted an assignment (assignments).",
     "example": _SUBMISSION},
    {"event": "assignment.graded", "description": "An editor graded a submission (assignments).",
     "example": {**_SUBMISSION, "status": "graded", "points": 8}},
    {"event": "space.member_joined", "description": "A member joined or was added to a space (spaces).",
     "example": _SPACE},
    {"event": "space.member_removed", "description": "A member left or was removed from a space (spaces).",
     "example": _SPACE},
]


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro", "communication"]


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return {
        SETTINGS_GROUP: {
            "type": "object",
            "properties": {
                "limit": {
                    "type": "integer", "minimum": 0, "maximum": 1000000, "default": 0,
                    "description": "Webhook endpoints allowed; 0 (the default) is no limit (Free allows 3).",
                },
            },
        }
    }


@hookimpl
def learnomy_webhook_limit(request: RestRequest) -> int:
    limit = int(request.app.settings.get(request.db, f"{SETTINGS_GROUP}.limit"))
    return -1 if limit == 0 else limit


@hookimpl
def learnomy_webhook_events() -> list[dict[str, Any]]:
    return EVENTS
