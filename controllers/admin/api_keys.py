"""API keys for administrators (API.md section 12): ``/api-keys``.

Long-lived keys for server-to-server integrations; the core checks them
(:mod:`learnomy_core.identity.api_keys`). Creating one answers the key once, in
``key``; afterwards only its ``prefix`` identifies it::

    POST /api-keys {"name": "CRM sync", "scopes": ["read"], "expires_at": "2027-06-30T00:00:00Z"}
    201 {"data": {"id": 4, "name": "CRM sync", "prefix": "lrn_Xb3k9QaZ", "scopes": ["read"],
                  "key": "lrn_Xb3k9QaZ...", "status": "active", ...}}

A key carries the rights of ``user_id`` (the administrator creating it unless
named), narrowed by its scopes. ``DELETE /api-keys/{id}`` revokes it at once; the
row stays, revoked, so the list still tells what existed and when it was last used.
A key cannot create keys (403 ``learnomy_api_key_cannot_mint``): revoking a leaked
key must not leave keys it made behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from learnomy_core import ADMIN, CREATABLE, DELETABLE, READABLE, Policy, RestRequest, created, deleted
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, InvalidParams, NotFound
from learnomy_core.identity.api_keys import SCOPES, refuse_api_key
from learnomy_core.openapi.schemas import route_schema

from ..catalog import ID_ARG, NAMESPACE, now, parse_time

__all__ = ["register_routes", "API_KEY_SCHEMA"]

STATUSES = ("active", "expired", "revoked")


@dataclass
class ApiKeyContext:
    """The key a route names, loaded by its policy."""

    key: Any


def _status(row: Any) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now():
        return "expired"
    return "active"


def resource(row: Any) -> dict[str, Any]:
    """An API key as answered: never its hash."""
    return {
        "id": int(row.id), "name": row.name, "prefix": row.prefix, "scopes": row.scopes.split(),
        "user_id": int(row.user_id), "status": _status(row), "expires_at": row.expires_at,
        "last_used_at": row.last_used_at, "created_at": row.created_at, "revoked_at": row.revoked_at,
    }


def _load_key() -> Policy:
    def check(request: RestRequest) -> bool:
        if not (request.user is not None and request.user.is_admin):
            return False
        row = request.app.identity.api_keys.get(request.db, request.params["id"])
        if row is None:
            raise NotFound("API key not found.")
        request.context = ApiKeyContext(row)
        return True

    return Policy("admin", check)


def list_keys(request: RestRequest) -> Any:
    table = request.app.identity.api_keys.table
    query = sa.select(table)
    if "user_id" in request.params:
        query = query.where(table.c.user_id == request.params["user_id"])
    status = request.params.get("status")
    stamp = now()
    live = sa.or_(table.c.expires_at.is_(None), table.c.expires_at > stamp)
    if status == "revoked":
        query = query.where(table.c.revoked_at.is_not(None))
    elif status == "expired":
        query = query.where(table.c.revoked_at.is_(None), ~live)
    elif status == "active":
        query = query.where(table.c.revoked_at.is_(None), live)
    return paginate(request, query, [(table.c.id, True)], lambda rows: [resource(r) for r in rows],
                    bound_to=(request.params.get("user_id"), status))


def create_key(request: RestRequest) -> Any:
    refuse_api_key(request, "API keys")
    params = request.params
    problems = []
    name = params["name"].strip()
    if not name:
        problems.append({"param": "name", "code": "rest_invalid_param", "message": "Name the key."})
    expires_at = parse_time(params.get("expires_at"))
    if expires_at is not None and expires_at <= now():
        problems.append({"param": "expires_at", "code": "rest_invalid_param",
                         "message": "The expiry must be in the future."})
    user_id = int(params.get("user_id") or request.user.id)
    identity = request.app.identity
    if identity.store.get(request.db, user_id) is None:
        problems.append({"param": "user_id", "code": "rest_invalid_param", "message": "No such user."})
    if problems:
        raise InvalidParams(f"Invalid parameter(s): {', '.join(p['param'] for p in problems)}", details=problems)
    row, key = identity.api_keys.create(request.db, user_id=user_id, name=name, scopes=params["scopes"],
                                        expires_at=expires_at, created_by=request.user.id)
    return created({**resource(row), "key": key}, location=f"/{NAMESPACE}/api-keys/{int(row.id)}")


def get_key(request: RestRequest) -> Any:
    return resource(request.context_as(ApiKeyContext).key)


def revoke_key(request: RestRequest) -> Any:
    row = request.context_as(ApiKeyContext).key
    api_keys = request.app.identity.api_keys
    if not api_keys.revoke(request.db, int(row.id)):
        raise Conflict("This API key is already revoked.")
    return deleted(resource(api_keys.get(request.db, int(row.id))))


TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
API_KEY_SCHEMA = route_schema("api-key", {
    "id": {"type": "integer"}, "name": {"type": "string"},
    "prefix": {"type": "string", "description": "The key's first characters, to recognise it."},
    "scopes": {"type": "array", "items": {"type": "string", "enum": list(SCOPES)}},
    "user_id": {"type": "integer", "description": "Whose rights the key carries."},
    "status": {"type": "string", "enum": list(STATUSES)},
    "expires_at": NULLABLE_TIME, "last_used_at": NULLABLE_TIME, "created_at": TIME, "revoked_at": NULLABLE_TIME,
    "key": {"type": "string", "description": "The key itself: only in the answer that creates it."},
}, required=["id", "name", "prefix", "scopes", "user_id", "status", "expires_at", "last_used_at", "created_at",
             "revoked_at"])


def register_routes(registry: Any) -> None:
    """``/api-keys`` and ``/api-keys/{id}``, for administrators."""
    register = registry.register_rest_route
    user_id = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    register(NAMESPACE, "/api-keys", [
        {"methods": READABLE, "callback": list_keys, "permission_callback": ADMIN,
         "args": {**LIST_ARGS, "user_id": user_id, "status": {"type": "string", "enum": list(STATUSES)}}},
        {"methods": CREATABLE, "callback": create_key, "permission_callback": ADMIN, "args": {
            "name": {"type": "string", "minLength": 1, "maxLength": 100, "required": True},
            "scopes": {"type": "array", "items": {"type": "string", "enum": list(SCOPES)}, "minItems": 1,
                       "maxItems": len(SCOPES), "uniqueItems": True, "default": ["read"],
                       "description": "read: GET and HEAD only; write: every method."},
            "expires_at": {**NULLABLE_TIME, "description": "When the key stops working; null: never."},
            "user_id": {**user_id, "description": "Whose rights the key carries; the caller by default."},
        }},
    ], schema=API_KEY_SCHEMA)
    one = _load_key()
    register(NAMESPACE, r"/api-keys/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_key, "permission_callback": one, "args": ID_ARG},
        {"methods": DELETABLE, "callback": revoke_key, "permission_callback": one, "args": ID_ARG},
    ], schema=API_KEY_SCHEMA)
