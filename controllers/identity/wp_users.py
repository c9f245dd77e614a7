"""WordPress core routes (``wp/v2``): the current user and application passwords,
answered in WordPress's own shapes so stock WordPress clients work unchanged.

``GET /wp/v2/users/me`` is ``WP_REST_Users_Controller``'s answer for each
``context``: its fields in its order, those of the context only; ``capabilities``
is ``WP_User::$allcaps`` (every capability of the user's roles, from the role
registry WordPress shares, then the user's own array over them) and
``extra_capabilities`` that array; ``registered_date`` as PHP's ``gmdate('c')``;
``link``, ``locale`` and ``avatar_urls`` from the site's options when WordPress
is there.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import CREATABLE, DELETABLE, LOGGED_IN, READABLE, RestRequest, RestResponse, hookimpl
from learnomy_core.errors import Conflict, NotFound
from learnomy_core.identity.api_keys import refuse_api_key
from learnomy_core.identity.app_passwords import chunk
from learnomy_core.openapi import BOOL, INT, STR, TIME, array_of, map_of, nullable, resource_schema
from learnomy_core.options import get_options

NAMESPACE = "wp/v2"
BASE = "/users/me/application-passwords"
# WP_REST_Users_Controller's fields, in its order, with the contexts that show them.
_ALL, _VIEW, _EDIT = ("embed", "view", "edit"), ("view", "edit"), ("edit",)
USER_FIELDS = {
    "id": _ALL, "username": _EDIT, "name": _ALL, "first_name": _EDIT, "last_name": _EDIT, "email": _EDIT,
    "url": _ALL, "description": _ALL, "link": _ALL, "locale": _EDIT, "nickname": _EDIT, "slug": _ALL,
    "roles": _EDIT, "registered_date": _EDIT, "capabilities": _EDIT, "extra_capabilities": _EDIT,
    "avatar_urls": _ALL, "meta": _VIEW,
}
_USER_META = ("first_name", "last_name", "nickname", "description", "locale")
_SITE_OPTIONS = ("db_version", "home", "permalink_structure", "WPLANG", "show_avatars")


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
    context = request.params.get("context") or "view"
    db = request.db
    store = request.app.identity.store
    meta = store.usermeta
    values = {key: "" for key in _USER_META}
    for key, value in db.execute(sa.select(meta.c.meta_key, meta.c.meta_value).where(
            meta.c.user_id == user.id, meta.c.meta_key.in_(_USER_META)).order_by(meta.c.umeta_id.desc())):
        values[key] = value or ""  # the first row wins, as get_user_meta( ..., true )
    site = get_options(db, request.app.tables["options"], list(_SITE_OPTIONS))
    _, allcaps = request.app.identity.roles.allcaps(user.granted)
    fields: dict[str, Any] = {
        "id": user.id,
        "username": user.login,
        "name": user.display_name,
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "email": user.email,
        "url": user.url,
        "description": values["description"],
        "link": _author_link(request, site, user.id, user.nicename),
        "locale": values["locale"] or site.get("WPLANG") or "en_US",
        "nickname": values["nickname"],
        "slug": user.nicename,
        "roles": list(user.roles),
        "registered_date": user.registered_at.replace(tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "capabilities": allcaps,
        "extra_capabilities": dict(user.granted),
        "avatar_urls": {size: user.avatar_url.replace("s=96", f"s={size}") for size in ("24", "48", "96")},
        "meta": [],
    }
    if site.get("show_avatars") in ("", "0"):
        del fields["avatar_urls"]  # WordPress leaves it out of its schema then
    return _wp({name: value for name, value in fields.items() if context in USER_FIELDS[name]})


def _author_link(request: RestRequest, site: dict[str, str], user_id: int, nicename: str) -> str:
    """``get_author_posts_url``: the author archive under WordPress's permalinks."""
    home = (site.get("home") or request.host_url).rstrip("/")
    structure = site.get("permalink_structure")
    if structure is None and "db_version" not in site:  # no WordPress: its default pretty form
        return f"{home}/author/{nicename}/"
    if not structure:
        return f"{home}/?author={user_id}"
    front = structure[:structure.find("%")] if "%" in structure else ""  # PHP: substr( $s, 0, false )
    path = f"{front}author/{nicename}".lstrip("/")
    return f"{home}/{path}" + ("/" if structure.endswith("/") else "")


def list_passwords(request: RestRequest) -> Any:
    items = request.app.identity.app_passwords.items(request.db, request.user.id)
    return _wp([_item(item) for item in items])


def create_password(request: RestRequest) -> Any:
    refuse_api_key(request, "application passwords")
    try:
        item, secret = request.app.identity.create_application_password(
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
    """WordPress's user resource (``wp/v2/users/me``), each field in the contexts of :data:`USER_FIELDS`."""
    types: dict[str, Any] = {
        "id": INT, "username": STR, "name": STR, "first_name": STR, "last_name": STR, "email": STR,
        "url": STR, "description": STR, "link": STR, "locale": STR, "nickname": STR, "slug": STR,
        "roles": array_of(STR), "registered_date": {"type": "string"}, "capabilities": map_of(BOOL),
        "extra_capabilities": map_of(BOOL), "avatar_urls": map_of(STR), "meta": {"type": ["array", "object"]},
    }
    return resource_schema("user", {name: {**types[name], "context": list(contexts)}
                                     for name, contexts in USER_FIELDS.items()},
                           # avatar_urls goes when the site shows no avatars, as in WordPress
                           required=[name for name, contexts in USER_FIELDS.items()
                                     if "embed" in contexts and name != "avatar_urls"])


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
