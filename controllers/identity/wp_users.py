"""WordPress core routes (``wp/v2``): the current user and application passwords,
answered in WordPress's own shapes so stock WordPress clients work unchanged."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from learnomy_core import CREATABLE, DELETABLE, LOGGED_IN, READABLE, RestRequest, RestResponse, hookimpl
from learnomy_core.errors import Conflict, NotFound
from learnomy_core.identity.app_passwords import chunk
from learnomy_core.openapi import BOOL, INT, STR, TIME, array_of, map_of, nullable, resource_schema

NAMESPACE = "wp/v2"
BASE = "/users/me/application-passwords"


def _time(timestamp: Optional[int]) -> Optional[datetime]:
    return datetime.fromtimestamp(int(timestamp), timezone.utc) if timestamp else None


def _item(item: dict[str, Any]) -> dict[str, Any]:
    """WordPress's application password shape; never the hash."""
    return {
        "uuid": item["uuid"],
        "app_id": item.get("app_id") or "",
        "name": item.get("name", ""),
        "created": _time(item.get("created")),
        "last_used": _time(item.get("last_used")),
        "last_ip": item.get("last_ip"),
    }


def _wp(body: Any, status: int = 200, headers: Optional[dict[str, str]] = None) -> RestResponse:
    return RestResponse(body, status, headers, envelope=False)


def current_user(request: RestRequest) -> Any:
    user = request.user
    body: dict[str, Any] = {
        "id": user.id,
        "name": user.display_name,
        "url": user.url,
        "description": request.app.identity.store.get_meta(request.db, user.id, "description") or "",
        "link": f"{request.host_url.rstrip('/')}/author/{user.nicename}/",
        "slug": user.nicename,
        "avatar_urls": {size: user.avatar_url.replace("s=96", f"s={size}") for size in ("24", "48", "96")},
        "meta": [],
    }
    if request.params.get("context") == "edit":
        body.update({
            "username": user.login, "email": user.email, "roles": user.roles,
            "registered_date": user.registered_at, "capabilities": {cap: True for cap in sorted(user.caps)},
        })
    return _wp(body)


def list_passwords(request: RestRequest) -> Any:
    items = request.app.identity.app_passwords.items(request.db, request.user.id)
    return _wp([_item(item) for item in items])


def create_password(request: RestRequest) -> Any:
    try:
        item, secret = request.app.identity.app_passwords.create(
            request.db, request.user.id, request.params["name"], request.params.get("app_id", ""))
    except ValueError:
        raise Conflict("Each application name should be unique.",
                       code="application_password_duplicate_name") from None
    body = {**_item(item), "password": chunk(secret)}
    return _wp(body, 201, {"Location": f"/{NAMESPACE}{BASE}/{item['uuid']}"})


def delete_password(request: RestRequest) -> Any:
    removed = request.app.identity.app_passwords.delete(request.db, request.user.id, request.params["uuid"])
    if removed is None:
        raise NotFound("Could not find an application password with that id.",
                       code="rest_application_password_not_found")
    return _wp({"deleted": True, "previous": _item(removed)})


def introspect(request: RestRequest) -> Any:
    auth = request.user.auth
    if auth.get("method") != "application-password":
        raise NotFound("The current user is not authenticated with an application password.",
                       code="rest_no_authenticated_app_password")
    return _wp(_item(auth["item"]))


def wp_user_schema() -> dict[str, Any]:
    """WordPress's user resource (``wp/v2/users/me``); the ``edit`` context adds the private fields."""
    return resource_schema("user", {
        "id": INT, "name": STR, "url": STR, "description": STR, "link": STR, "slug": STR,
        "avatar_urls": map_of(STR), "meta": {"type": ["array", "object"]},
        "username": STR, "email": STR, "roles": array_of(STR), "registered_date": TIME,
        "capabilities": map_of(BOOL),
    }, embed=("id", "name", "url", "description", "link", "slug", "avatar_urls"),
        edit=("username", "email", "roles", "registered_date", "capabilities"))


def app_password_schema() -> dict[str, Any]:
    """WordPress's application password resource; ``password`` only when created."""
    return resource_schema("application-password", {
        "uuid": STR, "app_id": STR, "name": STR, "created": TIME, "last_used": nullable(TIME),
        "last_ip": nullable(STR), "password": {"type": "string", "context": ["edit"]},
    }, required=("uuid", "app_id", "name", "created", "last_used", "last_ip"))


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, "/users/me", {
        "methods": READABLE, "callback": current_user, "permission_callback": LOGGED_IN,
        "args": {"context": {"type": "string", "enum": ["view", "embed", "edit"], "default": "view"}},
        "answers": {"envelope": False},
    }, schema=wp_user_schema)
    register(NAMESPACE, BASE, [
        {"methods": READABLE, "callback": list_passwords, "permission_callback": LOGGED_IN,
         "answers": {"shape": "items", "envelope": False}},
        {"methods": CREATABLE, "callback": create_password, "permission_callback": LOGGED_IN,
         "args": {"name": {"type": "string", "minLength": 1, "maxLength": 200, "required": True},
                  "app_id": {"type": "string", "format": "uuid"}},
         "answers": {"status": 201, "envelope": False}},
    ], schema=app_password_schema)
    # Static before the uuid pattern, which would also match it (WordPress's order).
    register(NAMESPACE, f"{BASE}/introspect", {
        "methods": READABLE, "callback": introspect, "permission_callback": LOGGED_IN,
        "answers": {"envelope": False},
    }, schema=app_password_schema)
    register(NAMESPACE, rf"{BASE}/(?P<uuid>[\w\-]+)", {
        "methods": DELETABLE, "callback": delete_password, "permission_callback": LOGGED_IN,
        "args": {"uuid": {"type": "string", "format": "uuid"}},
        "answers": {"shape": "deleted", "envelope": False},
    }, schema=app_password_schema)
