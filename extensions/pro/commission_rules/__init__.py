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
read and write the same list, refusing unknown and repeated instructors too,
through ``learnomy_check_settings``; in a list stored before that, an instructor
listed twice counts by the first entry). Free's commission settings decide
first: a course override wins over an instructor's rate, which wins over the
global ``instructor_rate``. A deleted account's entries leave the list in the
deletion's transaction (``user.deleted``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from learnomy_core import RestRequest, RouteRegistry, hookimpl
from learnomy_core.errors import InvalidParams
from learnomy_core.params import reference_problems

if TYPE_CHECKING:  # pragma: no cover
    from learnomy_core import LearnomyApp

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


def override_problems(app: "LearnomyApp", db: Connection, value: list[dict[str, Any]],
                      param: str = FIELD) -> list[dict[str, Any]]:
    """An entry naming no user, or an instructor named again (details, ``param[i].instructor_id``)."""
    wanted = [int(entry["instructor_id"]) for entry in value]
    users = app.identity.store.users
    found = {int(r[0]) for r in db.execute(sa.select(users.c.ID).where(users.c.ID.in_(sorted(set(wanted)))))} \
        if wanted else set()
    return reference_problems(param, "instructor_id", wanted, found, "instructor_id names no user.")


def update_overrides(request: RestRequest, value: list[dict[str, Any]], item: Any) -> None:
    """Replace the overrides, each naming an existing user once (else 400, nothing written)."""
    problems = override_problems(request.app, request.db, value)
    if problems:
        raise InvalidParams(f"Invalid parameter(s): {FIELD}", details=problems)
    request.app.settings.update(request.db, {SETTINGS_GROUP: {FIELD: value}})


@hookimpl
def learnomy_check_settings(app: "LearnomyApp", db: Connection, group: str, values: dict[str, Any],
                            changed: list[str]) -> list[dict[str, Any]]:
    # The admin settings route and the command line write the list the PUT writes:
    # the same refusals (param group.key[i].instructor_id).
    if group != SETTINGS_GROUP or FIELD not in changed:
        return []
    return override_problems(app, db, values.get(FIELD) or [], f"{SETTINGS_GROUP}.{FIELD}")


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
