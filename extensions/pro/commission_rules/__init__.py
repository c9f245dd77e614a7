"""Commission rules: per-instructor commission rates, answered through the Free
``learnomy_instructor_rate`` hook.

A Pro extension: a plugin of its own (entry point ``pro.commission_rules``),
switched on and off in the ``pro.extensions`` settings group, built only on the
public API of ``learnomy_core`` and the Free plugins.

The rates live in a settings group, ``pro.commission_rules``, whose
``instructor_overrides`` is a list of ``{instructor_id, instructor_rate}`` validated
by its schema like any setting (``PATCH /admin/settings``, ``learnomy settings set``):
ENDPOINTS.md gives Pro no route of its own for them, so a settings group, rather
than a table and routes, is what an administrator already knows how to change.
Free's commission settings decide first: a course override wins over an
instructor's rate, which wins over the global ``instructor_rate``. When an
instructor is listed twice, the first entry counts.
"""

from __future__ import annotations

from typing import Any, Optional

from learnomy_core import RestRequest, hookimpl

__all__ = ["PLUGIN_NAME", "SETTINGS_GROUP", "instructor_rates"]

PLUGIN_NAME = "pro.commission_rules"
SETTINGS_GROUP = "pro.commission_rules"
MAX_OVERRIDES = 10000


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro", "commerce"]


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return {
        SETTINGS_GROUP: {
            "type": "object",
            "properties": {
                "instructor_overrides": {
                    "type": "array", "default": [], "maxItems": MAX_OVERRIDES,
                    "description": "Percent of a sale each listed instructor keeps, instead of the global "
                                   "commissions.instructor_rate; a course override still wins.",
                    "items": {
                        "type": "object", "additionalProperties": False,
                        "required": ["instructor_id", "instructor_rate"],
                        "properties": {
                            "instructor_id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
                            "instructor_rate": {"type": "number", "minimum": 0, "maximum": 100},
                        },
                    },
                },
            },
        }
    }


def instructor_rates(request: RestRequest) -> dict[int, float]:
    """Each listed instructor's rate (the first entry for an instructor counts)."""
    rates: dict[int, float] = {}
    for entry in request.app.settings.get(request.db, f"{SETTINGS_GROUP}.instructor_overrides") or []:
        rates.setdefault(int(entry["instructor_id"]), entry["instructor_rate"])
    return rates


@hookimpl
def learnomy_instructor_rate(request: RestRequest, instructor_id: int, course_id: int) -> Optional[float]:
    return instructor_rates(request).get(int(instructor_id))
