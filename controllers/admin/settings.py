"""Site settings for administrators: ``GET`` and ``PATCH /admin/settings``.

Every settings group a plugin declares (``learnomy_settings_groups``) in one
resource, keyed by group::

    GET /admin/settings
    {"data": {"general": {"site_name": "Learnomy", ...},
              "payments": {"stripe": {"secret_key": "********", ...}, ...}, ...}}

    PATCH /admin/settings
    {"general": {"site_name": "Acme Academy"}, "smtp": {"password": "new one"}}

A write is checked whole against the groups' schemas before anything is stored
(an unknown group or key, a bad value: 400, one detail per problem, nothing
changed), then by the plugins owning the groups (``learnomy_check_settings``:
what a schema cannot say, such as users a list names existing), then stored in
the request's transaction. Secrets (keys a schema
marks ``writeOnly``) are never answered: they read ``"********"`` when set and
``""`` when not, and sending ``"********"`` back leaves them unchanged
(:meth:`learnomy_core.settings.Settings.update`).

The ETag covers the secrets too: it is derived from every stored value,
unmasked, so changing only a secret changes it, and an ``If-Match`` read before
a concurrent secret change answers 412. It reveals nothing of them: the core
keys it with the site secret (an HMAC).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Optional

from learnomy_core import ADMIN, READABLE, RestRequest
from learnomy_core.errors import InvalidParams
from learnomy_core.openapi.schemas import route_schema
from learnomy_core.settings import plugin_checks

from ..catalog import NAMESPACE

__all__ = ["register_routes", "SETTINGS_SCHEMA"]

ROUTE = "/admin/settings"


def _masked(request: RestRequest, values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    settings = request.app.settings
    return {group: settings.masked(group, group_values) for group, group_values in values.items()}


def get_settings(request: RestRequest) -> Any:
    values = request.memo.get("settings") or request.app.settings.all(request.db)
    return _masked(request, values)


def settings_version(request: RestRequest) -> Optional[str]:
    """``GET /admin/settings``'s validator: a digest of every group's values as
    stored, secrets included, for an administrator (anyone else: None, and the
    policy refuses). One query, which the answer then reuses."""
    user = request.user
    if user is None or not user.is_admin:
        return None
    values = request.memo["settings"] = request.app.settings.all(request.db)
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def update_settings(request: RestRequest) -> Any:
    json_params, form_params = request.body_params()
    # The groups are the body's keys: not declared args (plugins add groups), so
    # they are read here. WordPress's global parameters (_fields, _method...) are
    # not groups.
    changes = {key: value for key, value in (json_params or form_params).items() if not key.startswith("_")}
    if not changes:
        raise InvalidParams("Name at least one settings group to change.", details=[{
            "param": "body", "code": "rest_missing_callback_param",
            "message": "Send {\"group\": {\"key\": value}} for the settings to change."}])
    # What a group's schema cannot say, the plugin owning it checks (learnomy_check_settings).
    return _masked(request, request.app.settings.update(
        request.db, changes, check=plugin_checks(request.app, request.db, request)))


# Groups come from plugins, so the resource is each group an object: the
# group's own schema is what validates writes.
SETTINGS_SCHEMA = route_schema("settings", {}, additional={"type": "object"})


def register_routes(registry: Any) -> None:
    """``/admin/settings``: read and change every settings group."""
    registry.register_rest_route(NAMESPACE, ROUTE, [
        {"methods": READABLE, "callback": get_settings, "permission_callback": ADMIN, "args": {},
         "validator": settings_version},
        {"methods": "PATCH", "callback": update_settings, "permission_callback": ADMIN, "args": {}},
    ], schema=SETTINGS_SCHEMA)
