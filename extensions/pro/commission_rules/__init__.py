"""Commission rules: per-instructor commission rates, answered through the Free
``learnomy_instructor_rate`` hook.

A Pro extension: a plugin of its own (entry point ``pro.commission_rules``),
switched on and off in the ``pro.extensions`` settings group, built only on the
public API of ``learnomy_core`` and the Free plugins.

The rates are ``instructor_overrides`` of Free's commission settings resource
(``GET/PUT /learnomy/v1/commissions/settings``), a list of ``{instructor_id,
instructor_rate}``: an additional field (``registry.register_rest_field``), so
they are read and written beside ``course_overrides``, in the same request and
transaction, and the resource's schema shows them. A PUT refuses an
``instructor_id`` naming no user and an instructor listed twice.

They are stored in a settings group, ``pro.commission_rules`` (where they lived
before the field existed; ``learnomy settings set`` and the admin settings route
read and write the same list, checked there by its schema alone: an instructor
listed twice counts by the first entry). Free's commission settings decide
first: a course override wins over an instructor's rate, which wins over the
global ``instructor_rate``. A deleted account's entries leave the list in the
deletion's transaction (``user.deleted``).
"""

from __future__ import annotations

from typing import Any, Optional

from learnomy_core import RestRequest, RouteRegistry, hookimpl
from learnomy_core.params import check_references
from learnomy.controllers.catalog import user_summaries

__all__ = ["PLUGIN_NAME", "SETTINGS_GROUP", "RESOURCE", "FIELD", "forget_instructor", "instructor_rates"]

PLUGIN_NAME = "pro.commission_rules"
SETTINGS_GROUP = "pro.commission_rules"
RESOURCE = "commission-settings"  # the title of Free's commission settings schema
FIELD = "instructor_overrides"
MAX_OVERRIDES = 10000
OVERRIDES_SCHEMA: dict[str, Any] = {
    "type": "array", "maxItems": MAX_OVERRIDES,
    "description": "Percent of a sale each listed instructor keeps, instead of the global "
                   "instructor_rate; a course override still wins.",
    "items": {
        "type": "object", "additionalProperties": False,
        "required": ["instructor_id", "instructor_rate"],
        "properties": {
            "instructor_id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
            "instructor_rate": {"type": "number", "minimum": 0, "maximum": 100},
        },
    },
}


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro", "commerce"]


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return {
        SETTINGS_GROUP: {
            "type": "object",
            "description": f"Stores the {FIELD} of the commission settings "
                           "(PUT /learnomy/v1/commissions/settings, which also refuses unknown and "
                           "repeated instructors).",
            "properties": {FIELD: {**OVERRIDES_SCHEMA, "default": []}},
        }
    }


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    registry.register_rest_field(RESOURCE, FIELD, {
        "get_callback": get_overrides, "update_callback": update_overrides, "schema": OVERRIDES_SCHEMA})


def get_overrides(request: RestRequest, item: Any) -> list[dict[str, Any]]:
    """The stored overrides, as listed."""
    return list(request.app.settings.get(request.db, f"{SETTINGS_GROUP}.{FIELD}") or [])


def update_overrides(request: RestRequest, value: list[dict[str, Any]], item: Any) -> None:
    """Replace the overrides, each naming an existing user once (else 400, nothing written)."""
    wanted = [int(entry["instructor_id"]) for entry in value]
    check_references(FIELD, "instructor_id", wanted, set(user_summaries(request, wanted)),
                     "instructor_id names no user.")
    request.app.settings.update(request.db, {SETTINGS_GROUP: {FIELD: value}})


def instructor_rates(request: RestRequest) -> dict[int, float]:
    """Each listed instructor's rate (the first entry for an instructor counts)."""
    rates: dict[int, float] = {}
    for entry in request.app.settings.get(request.db, f"{SETTINGS_GROUP}.{FIELD}") or []:
        rates.setdefault(int(entry["instructor_id"]), entry["instructor_rate"])
    return rates


@hookimpl
def learnomy_instructor_rate(request: RestRequest, instructor_id: int, course_id: int) -> Optional[float]:
    return instructor_rates(request).get(int(instructor_id))


def forget_instructor(request: RestRequest, instructor_id: int) -> None:
    """Drop every override of ``instructor_id`` (a deleted account) from the settings group."""
    key = f"{SETTINGS_GROUP}.{FIELD}"
    # A locking read: a PUT of the overrides committed meanwhile must not be undone.
    overrides = request.app.settings.get(request.db, key, lock=True) or []
    kept = [entry for entry in overrides if int(entry["instructor_id"]) != instructor_id]
    if len(kept) != len(overrides):
        request.app.settings.update(request.db, {SETTINGS_GROUP: {FIELD: kept}})


@hookimpl
def learnomy_event(request: RestRequest, event: str, data: Any) -> None:
    if event == "user.deleted":
        forget_instructor(request, int(data["id"]))
