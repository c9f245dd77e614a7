"""System routes: ``GET /health``, ``GET /settings/public`` (and the ``general``
settings group they read), the namespace's OpenAPI document and explorer, and
the batch routes (``POST /learnomy/v1/batch`` and WordPress's ``POST /batch/v1``,
whose machinery is the core's :mod:`learnomy_core.batch`)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from learnomy_core import CREATABLE, LOGGED_IN, PUBLIC, READABLE, RestRequest, batch
from learnomy_core.errors import Unavailable
from learnomy_core.openapi import BOOL, STR, TIME, array_of, nullable, obj, register_openapi_routes, resource_schema

NAMESPACE = "learnomy/v1"
WORDPRESS_BATCH = "batch/v1"
"""WordPress's batch route, ``/batch/v1`` (a namespace of its own here: WordPress
lists it with none)."""


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


def batch_schema() -> dict[str, Any]:
    """A batch's answer: each sub-request's status, headers and body, in order."""
    return resource_schema("batch", {"responses": array_of(batch.sub_response_schema())})


def wordpress_batch_schema() -> dict[str, Any]:
    """WordPress's batch answer; ``failed`` when ``require-all-validate`` ran nothing."""
    return resource_schema("batch", {
        "failed": {"type": "string", "enum": ["validation"]},
        "responses": array_of(nullable(batch.sub_response_schema())),
    }, required=("responses",))


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
    registry.register_rest_route(NAMESPACE, "/batch", {
        "methods": CREATABLE,
        "callback": batch.learnomy_batch,
        "permission_callback": LOGGED_IN,
        "args": batch.learnomy_batch_args(),
        "read_only": True,  # each sub-request is checked against the caller's scopes
        "answers": {"status": 207},
    }, schema=batch_schema)
    registry.register_rest_route(WORDPRESS_BATCH, "/", {
        "methods": CREATABLE,
        "callback": batch.wordpress_batch,
        "permission_callback": LOGGED_IN,
        "args": batch.wordpress_batch_args(),
        "read_only": True,
        "answers": {"status": 207, "envelope": False},
    }, schema=wordpress_batch_schema)
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
