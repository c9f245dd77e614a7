"""System routes: ``GET /health``, ``GET /settings/public`` (and the ``general``
settings group they read), and the namespace's OpenAPI document and explorer."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from learnomy_core import PUBLIC, READABLE, RestRequest, hookimpl
from learnomy_core.errors import Unavailable
from learnomy_core.openapi import BOOL, STR, TIME, obj, register_openapi_routes, resource_schema

NAMESPACE = "learnomy/v1"


def health(request: RestRequest) -> dict[str, Any]:
    """Liveness and database readiness (an unreachable database answers 503)."""
    connection = request.db
    # The dialect's own ping on the pooled connection: what pool_pre_ping runs.
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection is None or not connection.dialect.do_ping(dbapi_connection):
        raise Unavailable()
    return {
        "status": "ok",
        "database": "ok",
        "time": datetime.now(timezone.utc),
    }


def public_settings(request: RestRequest) -> dict[str, Any]:
    """What an app needs before login: site name, currency, registration, features."""
    general = request.app.settings.group(request.db, "general")
    return {
        "site_name": general["site_name"],
        "currency": general["currency"],
        # Learnomy's setting, and the site's WordPress's users_can_register when set.
        "registration_open": request.app.identity.registration(request.db).open,
        "features": {"pro": request.app.plugins.has_plugin("pro")},
    }


def health_schema() -> dict[str, Any]:
    """Liveness and readiness."""
    return resource_schema("health", {"status": {"type": "string", "enum": ["ok"]},
                                      "database": {"type": "string", "enum": ["ok"]}, "time": TIME})


def public_settings_schema() -> dict[str, Any]:
    """The settings anyone may read."""
    return resource_schema("public_settings", {
        "site_name": STR, "currency": STR, "registration_open": BOOL,
        "features": obj({"pro": BOOL}, required=("pro",)),
    })


def register_routes(registry: Any) -> None:
    registry.register_rest_route(NAMESPACE, "/health", {
        "methods": READABLE,
        "callback": health,
        "permission_callback": PUBLIC,
    }, schema=health_schema)
    registry.register_rest_route(NAMESPACE, "/settings/public", {
        "methods": READABLE,
        "callback": public_settings,
        "permission_callback": PUBLIC,
        "public_cache": True,
    }, schema=public_settings_schema)
    register_openapi_routes(registry, NAMESPACE, explorer=True)


def settings_groups() -> dict[str, dict[str, Any]]:
    return {
        "general": {
            "type": "object",
            "properties": {
                "site_name": {"type": "string", "minLength": 1, "maxLength": 200, "default": "Learnomy"},
                "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "default": "USD"},
                "registration_open": {"type": "boolean", "default": True},
            },
        }
    }
