"""A third-party plugin, written only against learnomy_core's public surface.

It owns a table with its own migration, authenticates test callers from an
``X-Test-User: <id>[:cap,cap]`` header, and registers routes that exercise the
core: args schemas, cursors, If-Match, errors and rollbacks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from learnomy_core import (
    DELETABLE,
    EDITABLE,
    LOGGED_IN,
    PUBLIC,
    READABLE,
    CREATABLE,
    created,
    deleted,
    has_capability,
    hookimpl,
)
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, NotFound
from learnomy_core.storage import ID

PLUGIN_NAME = "acme"
NS = "acme/v1"


class TestUser:
    def __init__(self, user_id: int, caps: set[str]) -> None:
        self.id = user_id
        self.caps = caps

    def has_cap(self, capability: str) -> bool:
        return capability in self.caps


@hookimpl
def learnomy_authenticate(request: Any) -> Any:
    header = request.headers.get("X-Test-User")
    if not header:
        return None
    user_id, _, caps = header.partition(":")
    return TestUser(int(user_id), {c for c in caps.split(",") if c})


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    sa.Table(
        f"{prefix}lrn_acme_widgets", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("color", sa.String(7), nullable=False, default="#000000"),
        sa.Column("owner_id", sa.Integer, nullable=False),
    )


@hookimpl
def learnomy_migration_locations() -> str:
    return str(Path(__file__).with_name("acme_migrations"))


def _widgets(request: Any) -> sa.Table:
    return request.app.tables["lrn_acme_widgets"]


def _row(request: Any, widget_id: int) -> dict[str, Any]:
    table = _widgets(request)
    row = request.db.execute(sa.select(table).where(table.c.id == widget_id)).mappings().first()
    if row is None:
        raise NotFound("Widget not found.")
    return dict(row)


def list_widgets(request: Any) -> Any:
    table = _widgets(request)
    query = sa.select(table)
    if request.params.get("color"):
        query = query.where(table.c.color == request.params["color"])
    return paginate(request, query, [(table.c.name, False), (table.c.id, False)],
                    lambda rows: [dict(r._mapping) for r in rows], bound_to=[request.params.get("color")])


def create_widget(request: Any) -> Any:
    table = _widgets(request)
    values = {"name": request.params["name"], "color": request.params.get("color", "#000000"),
              "owner_id": request.user.id}
    new_id = request.db.execute(sa.insert(table).values(**values)).inserted_primary_key[0]
    return created(_row(request, new_id), location=f"/{NS}/widgets/{new_id}")


def get_widget(request: Any) -> Any:
    return _row(request, request.params["id"])


def update_widget(request: Any) -> Any:
    _row(request, request.params["id"])
    table = _widgets(request)
    changes = {k: request.params[k] for k in ("name", "color") if k in request.params}
    if changes:
        request.db.execute(sa.update(table).where(table.c.id == request.params["id"]).values(**changes))
    return _row(request, request.params["id"])


def delete_widget(request: Any) -> Any:
    previous = _row(request, request.params["id"])
    table = _widgets(request)
    request.db.execute(sa.delete(table).where(table.c.id == request.params["id"]))
    return deleted(previous)


def write_then_fail(request: Any) -> Any:
    table = _widgets(request)
    request.db.execute(sa.insert(table).values(name="half-done", color="#ffffff", owner_id=0))
    raise Conflict("Second step refused.", code="acme_second_step")


def boom(request: Any) -> Any:
    raise RuntimeError("secret internals: password=hunter2")


def echo(request: Any) -> Any:
    return {"params": request.params, "method": request.rest_method}


WIDGET_ARGS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 20},
    "color": {"type": "string", "format": "hex-color"},
}
ID_ARG = {"id": {"type": "integer", "minimum": 1}}


@hookimpl
def learnomy_register_routes(registry: Any) -> None:
    registry.register_rest_route(NS, "/widgets", [
        {"methods": READABLE, "callback": list_widgets, "permission_callback": PUBLIC,
         "public_cache": True,
         "args": {**LIST_ARGS, "color": {"type": "string"}}},
        {"methods": CREATABLE, "callback": create_widget, "permission_callback": LOGGED_IN,
         "args": {**WIDGET_ARGS, "name": {**WIDGET_ARGS["name"], "required": True}}},
    ])
    registry.register_rest_route(NS, r"/widgets/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_widget, "permission_callback": PUBLIC, "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_widget, "permission_callback": LOGGED_IN,
         "args": {**ID_ARG, **WIDGET_ARGS}},
        {"methods": DELETABLE, "callback": delete_widget, "permission_callback": LOGGED_IN,
         "args": ID_ARG},
    ])
    registry.register_rest_route(NS, "/write-then-fail", {
        "methods": CREATABLE, "callback": write_then_fail, "permission_callback": LOGGED_IN,
    })
    registry.register_rest_route(NS, "/boom", {"methods": READABLE, "callback": boom, "permission_callback": PUBLIC})
    registry.register_rest_route(NS, "/echo", {
        "methods": "GET, POST, PUT, PATCH, DELETE", "callback": echo, "permission_callback": PUBLIC,
        "args": {"id": {"type": "integer"}, "n": {"type": "integer", "default": 5},
                 "flag": {"type": "boolean"}, "tags": {"type": "array", "items": {"type": "string"}}},
    })
    registry.register_rest_route(NS, r"/echo/(?P<id>[\d]+)", {
        "methods": "GET, POST", "callback": echo, "permission_callback": PUBLIC,
        "args": {"id": {"type": "integer"}},
    })
    registry.register_rest_route(NS, r"/things/(?P<slug>[a-z\-]+)", {
        "methods": READABLE, "callback": echo, "permission_callback": PUBLIC,
    })
    registry.register_rest_route(NS, "/admin-only", {
        "methods": READABLE, "callback": echo, "permission_callback": has_capability("manage_options"),
        "args": {"n": {"type": "integer", "required": True}},
    })
    registry.register_rest_route(NS, "/sensitive", {
        "methods": CREATABLE, "callback": echo, "permission_callback": PUBLIC, "sensitive": True,
    })


EVENTS: list[tuple[str, Any]] = []


@hookimpl
def learnomy_event(request: Any, event: str, data: Any) -> None:
    EVENTS.append((event, data))
