"""Routes registered the way WordPress plugin code registers them, for the parity tests.

No tables; callers authenticate through the acme plugin's ``X-Test-User`` header.
"""

from __future__ import annotations

from typing import Any

from learnomy_core import ALLMETHODS, CREATABLE, DELETABLE, EDITABLE, PUBLIC, READABLE, RestResponse, hookimpl, policy
from learnomy_core.errors import InvalidParams, NotFound
from learnomy_core.permissions import has_capability

PLUGIN_NAME = "wpcompat"
NS = "compat/v1"
ASKED: list[str] = []  # policies asked, in order (the tests read how often)


def echo(request: Any) -> Any:
    return {"params": request.params, "method": request.rest_method}


@policy("note_owner")
def note_owner(request: Any) -> bool:
    """Logged-in callers own even notes; notes over 1000 do not exist."""
    ASKED.append("note_owner")
    if request.params["id"] > 1000:
        raise NotFound("No such note.")
    return request.params["id"] % 2 == 0


def upper(value: Any, request: Any, name: str) -> Any:
    return value.upper() if isinstance(value, str) else value


def refuse_x(value: Any, request: Any, name: str) -> Any:
    if value == "x":
        return InvalidParams("x is not welcome.", code="compat_no_x")
    return value


ECHO_ARGS = {
    "ids": {"type": "array", "items": {"type": "integer"}},
    "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
    "meta": {"type": "object", "properties": {"k": {"type": "string"}}},
    "n": {"type": "integer"},
    "either": {"type": ["string", "integer"]},
    "nullable": {"type": ["integer", "null"]},
    "key": {"type": "string", "format": "uuid"},
}


@hookimpl
def learnomy_register_routes(registry: Any) -> None:
    registry.register_rest_route(NS, "/echo", {
        "methods": ALLMETHODS, "callback": echo, "permission_callback": PUBLIC, "args": ECHO_ARGS,
    })
    registry.register_rest_route(NS, "/things/(?:red|blue)", {
        "methods": READABLE, "callback": echo, "permission_callback": PUBLIC,
    })
    registry.register_rest_route(NS, r"/items(?:/(?P<id>[\d]+))?", {
        "methods": READABLE, "callback": echo, "permission_callback": PUBLIC,
        "args": {"id": {"type": "integer"}},
    })
    note_id = {"id": {"type": "integer", "minimum": 1}}
    registry.register_rest_route(NS, r"/notes/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": echo, "permission_callback": PUBLIC, "args": note_id},
        {"methods": EDITABLE, "callback": echo, "permission_callback": note_owner, "args": note_id},
        {"methods": DELETABLE, "callback": echo, "permission_callback": has_capability("manage_options"),
         "args": note_id},
    ])
    registry.register_rest_route(NS, "/partly-hidden", [
        {"methods": READABLE, "callback": echo, "permission_callback": PUBLIC},
        {"methods": CREATABLE, "callback": echo, "permission_callback": PUBLIC, "show_in_index": False},
    ])
    registry.register_rest_route(NS, "/hidden", {
        "methods": READABLE, "callback": echo, "permission_callback": PUBLIC, "show_in_index": False,
    })
    registry.register_rest_route(NS, "/batchable", {
        "methods": CREATABLE, "callback": echo, "permission_callback": PUBLIC, "allow_batch": {"v1": True},
    })
    registry.register_rest_route(NS, "/empty", {
        "methods": DELETABLE, "callback": lambda request: RestResponse(None, 204), "permission_callback": PUBLIC,
    })
    registry.register_rest_route(NS, "/sanitized", {
        "methods": READABLE, "callback": echo, "permission_callback": PUBLIC,
        "args": {
            # A custom sanitizer replaces the schema's; the schema still validates.
            "shout": {"type": "string", "maxLength": 5, "sanitize_callback": upper},
            # A validate_callback alone: the schema validates and sanitizes after it.
            "count": {"type": "integer", "validate_callback": lambda value, request, name: value != "13"},
            # Both callbacks: the schema is not consulted (WordPress).
            "raw": {"type": "integer", "validate_callback": lambda v, r, n: True, "sanitize_callback": upper},
            # A false sanitizer: the value as sent.
            "asis": {"type": "integer", "sanitize_callback": None},
            # A sanitizer that refuses with an error.
            "picky": {"type": "string", "sanitize_callback": refuse_x},
        },
    })
    registry.register_rest_route(NS, "/described", {
        "methods": READABLE, "callback": echo, "permission_callback": PUBLIC,
    }, schema=lambda: {"title": "described", "type": "object", "properties": {"id": {"type": "integer"}}})
    registry.register_rest_route(NS, "/keywords", {
        "methods": CREATABLE, "callback": echo, "permission_callback": PUBLIC,
        "args": {"shape": {
            "title": "Shape", "type": "object", "minProperties": 1, "maxProperties": 2,
            "patternProperties": {"^x_": {"type": "integer"}}, "validate_callback": lambda v, r, n: True,
        }},
    })
    registry.register_rest_route(NS, "/zero", {
        "methods": READABLE, "callback": echo, "permission_callback": lambda request: 0,
    })
