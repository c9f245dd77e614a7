"""Additional fields (``register_rest_field``): the schema they join, the arguments
they add, and their updates inside the request's transaction."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import ADMIN, PUBLIC, READABLE, RegistrationError, RegistryClosed, RouteRegistry, hookimpl
from learnomy_core.errors import Conflict
from learnomy_core.fields import add_additional_fields, update_additional_fields
from learnomy_core.openapi import build_document, route_schema
from tests.conftest import bearer, login

ROOT = "/wp-json/gizmo/v1/gizmo"
GIZMO = route_schema("gizmo", {"name": {"type": "string"}})
COLOR = {"type": "string", "enum": ["red", "blue"], "description": "Its color."}


def get_gizmo(request: Any) -> Any:
    return add_additional_fields(request, request.app.settings.group(request.db, "gizmo"))


def put_gizmo(request: Any) -> Any:
    item = request.app.settings.update(request.db, {"gizmo": {"name": request.params["name"]}})["gizmo"]
    update_additional_fields(request, item)
    return add_additional_fields(request, item)


def touch_gizmo(request: Any) -> Any:
    return request.app.settings.group(request.db, "gizmo")


def register_gizmo(registry: RouteRegistry) -> None:
    registry.register_rest_route("gizmo/v1", "/gizmo", [
        {"methods": READABLE, "callback": get_gizmo, "permission_callback": PUBLIC},
        {"methods": "PUT", "callback": put_gizmo, "permission_callback": ADMIN,
         "args": {"name": {"type": "string", "required": True}}},
    ], schema=GIZMO)


class Gizmo:
    """A resource titled ``gizmo`` (GET and PUT ``/gizmo/v1/gizmo``), kept in a settings group."""

    PLUGIN_NAME = "gizmo"

    @hookimpl
    def learnomy_settings_groups(self) -> dict[str, Any]:
        return {"gizmo": {"type": "object", "properties": {
            "name": {"type": "string", "default": ""}, "color": {"type": "string", "default": "red"}}}}

    @hookimpl
    def learnomy_register_routes(self, registry: RouteRegistry) -> None:
        register_gizmo(registry)
        # An action anyone may take, answering the resource: not a write of it.
        registry.register_rest_route("gizmo/v1", "/gizmo/touch", {
            "methods": "POST", "callback": touch_gizmo, "permission_callback": PUBLIC}, schema=GIZMO)


def store_color(request: Any, value: str, item: Any) -> None:
    if value == "blue" and item["name"] == "refused":
        raise Conflict("No blue for this one.")
    request.app.settings.update(request.db, {"gizmo": {"color": value}})


class Paint:
    """Another plugin's ``color`` on the gizmo resource."""

    PLUGIN_NAME = "paint"

    @hookimpl
    def learnomy_register_routes(self, registry: RouteRegistry) -> None:
        registry.register_rest_field("gizmo", "color", {
            "get_callback": lambda request, item: request.app.settings.get(request.db, "gizmo.color"),
            "update_callback": store_color, "schema": COLOR})


def frozen(fields: Callable[[RouteRegistry], None]) -> RouteRegistry:
    registry = RouteRegistry()
    with registry.registering("gizmo"):
        register_gizmo(registry)
    with registry.registering("paint"):
        fields(registry)
    registry.freeze()
    return registry


def test_a_field_joins_the_schema_and_the_write_arguments() -> None:
    registry = frozen(lambda r: r.register_rest_field("gizmo", "color", {
        "get_callback": lambda request, item: "red", "update_callback": store_color, "schema": COLOR}))
    route = registry.routes["/gizmo/v1/gizmo"]
    schema = route.schema()  # type: ignore[misc]
    assert schema["properties"]["color"] == {**COLOR, "context": ["view", "edit"]}
    assert schema["required"] == ["name"]  # a route may not answer it: never required
    assert route.by_method["PUT"].args["color"] == COLOR
    assert "color" not in route.by_method["GET"].args
    assert [f.plugin for f in route.fields] == ["paint"]


def test_an_action_sharing_the_schema_neither_takes_nor_writes_the_field(gizmo: Client) -> None:
    # Its permission is the action's (here anyone's), not the resource's writer's.
    registry = gizmo.application.registry  # type: ignore[attr-defined]
    assert "color" not in registry.routes["/gizmo/v1/gizmo/touch"].by_method["POST"].args
    touched = gizmo.post(f"{ROOT}/touch", json={"color": "blue"})
    assert touched.status_code == 200 and touched.json["data"] == {"name": "", "color": "red"}
    assert gizmo.get(ROOT).json["data"]["color"] == "red"


def test_a_read_only_field_is_no_argument() -> None:
    registry = frozen(lambda r: r.register_rest_field("gizmo", "shade", {
        "get_callback": lambda request, item: 1, "schema": {"type": "integer"}}))
    route = registry.routes["/gizmo/v1/gizmo"]
    assert "shade" in route.schema()["properties"]  # type: ignore[misc]
    assert "shade" not in route.by_method["PUT"].args


@pytest.mark.parametrize("fields, message", [
    (lambda r: r.register_rest_field("gadget", "color", {"schema": COLOR}), "no route answers the resource 'gadget'"),
    (lambda r: r.register_rest_field("gizmo", "name", {"schema": COLOR}), "already answers 'name'"),
    (lambda r: [r.register_rest_field("gizmo", "color", {"schema": COLOR}) for _ in range(2)],
     "already answers 'color'"),
    (lambda r: r.register_rest_field("gizmo", "color", {"schema": COLOR, "get": len}), "unknown key(s) ['get']"),
    (lambda r: r.register_rest_field("gizmo", "color", {"update_callback": "store"}),
     "'update_callback' must be callable"),
    (lambda r: r.register_rest_field("gizmo", "color", {"schema": "string"}), "'schema' must be a JSON schema"),
])
def test_bad_fields_are_refused_at_freeze(fields: Callable[[RouteRegistry], None], message: str) -> None:
    with pytest.raises(RegistrationError) as caught:
        frozen(fields)
    assert [p.plugin for p in caught.value.problems] == ["paint"]
    assert message in caught.value.problems[0].message


def test_a_field_may_join_several_resources() -> None:
    def both(registry: RouteRegistry) -> None:
        registry.register_rest_route("gizmo/v1", "/gadget", {
            "methods": "PUT", "callback": put_gizmo, "permission_callback": ADMIN},
            schema=route_schema("gadget", {"size": {"type": "integer"}}))
        registry.register_rest_field(["gizmo", "gadget"], "color", {"update_callback": store_color, "schema": COLOR})

    routes = frozen(both).routes
    assert all("color" in routes[f"/gizmo/v1/{name}"].by_method["PUT"].args for name in ("gizmo", "gadget"))


def test_fields_are_registered_only_in_the_hook() -> None:
    registry = RouteRegistry()
    with pytest.raises(RegistryClosed):
        registry.register_rest_field("gizmo", "color", {"schema": COLOR})


@pytest.fixture
def gizmo(make_app: Callable[..., Any], make_user: Callable[..., int]) -> Client:
    client = Client(make_app(plugins=["system", "identity", Gizmo(), Paint()]))
    make_user("boss", "administrator")
    return client


@pytest.fixture
def boss(gizmo: Client) -> dict[str, str]:
    return bearer(login(gizmo, "boss"))


def test_get_answers_and_put_writes_the_field(gizmo: Client, boss: dict[str, str]) -> None:
    assert gizmo.get(ROOT).json["data"] == {"name": "", "color": "red"}
    saved = gizmo.put(ROOT, json={"name": "one", "color": "blue"}, headers=boss)
    assert saved.status_code == 200 and saved.json["data"] == {"name": "one", "color": "blue"}
    assert gizmo.get(ROOT).json["data"] == {"name": "one", "color": "blue"}
    assert gizmo.put(ROOT, json={"name": "two"}, headers=boss).json["data"] == {"name": "two", "color": "blue"}


def test_a_bad_value_is_a_400_naming_the_field(gizmo: Client, boss: dict[str, str]) -> None:
    refused = gizmo.put(ROOT, json={"name": "one", "color": "green"}, headers=boss)
    assert refused.status_code == 400
    assert [d["param"] for d in refused.json["error"]["details"]] == ["color"]
    assert gizmo.get(ROOT).json["data"] == {"name": "", "color": "red"}


def test_a_refused_update_rolls_back_the_whole_write(gizmo: Client, boss: dict[str, str]) -> None:
    refused = gizmo.put(ROOT, json={"name": "refused", "color": "blue"}, headers=boss)
    assert refused.status_code == 409
    assert gizmo.get(ROOT).json["data"] == {"name": "", "color": "red"}


def test_options_and_the_openapi_document_show_the_field(gizmo: Client) -> None:
    options = gizmo.options(ROOT).json
    assert options["schema"]["properties"]["color"]["enum"] == ["red", "blue"]
    put = [e for e in options["endpoints"] if "PUT" in e["methods"]][0]
    assert "color" in put["args"]
    registry = gizmo.application.registry  # type: ignore[attr-defined]
    document = build_document(registry, "gizmo/v1", server="https://example.org/wp-json/gizmo/v1")
    assert document["components"]["schemas"]["gizmo"]["properties"]["color"]["enum"] == ["red", "blue"]
    body = document["paths"]["/gizmo"]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert "color" in body["properties"]
