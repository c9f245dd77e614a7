"""The OpenAPI 3.1 documents: generated from the registry, valid, complete, served."""

from __future__ import annotations

import json
import re

import pytest
from openapi_spec_validator import validate as validate_spec
from werkzeug.test import Client

from learnomy_core import PUBLIC, READABLE, create_app, hookimpl
from learnomy_core.cli import main
from learnomy_core.errors import RegistrationError
from learnomy_core.openapi import build_document, resource_schema, to_json_schema
from learnomy_core.openapi.document import openapi_path
from tests.conftest import FREE
from tests.openapi_check import check_answer

ROOT = "/wp-json"
SHIPPED = [*FREE, "pro"]


@pytest.fixture(scope="module")
def shipped():
    """Free and Pro, as installed: every route a user gets."""
    app = create_app(plugins=SHIPPED, database_url="sqlite://")
    yield app
    app.storage.dispose()


def documents(app):
    return {ns: build_document(app.registry, ns, server=f"https://example.org/wp-json/{ns}")
            for ns in app.registry.namespaces}


def test_every_route_declares_its_resource_schema(shipped) -> None:
    missing = [route.pattern for route in shipped.registry.routes.values() if route.schema is None]
    assert missing == [], f"routes without a resource schema (register_rest_route(..., schema=...)): {missing}"
    for route in shipped.registry.routes.values():
        schema = route.schema()
        assert {"$schema", "title", "type", "properties"} <= set(schema), route.pattern
        assert schema["type"] == "object"
        for name, prop in schema["properties"].items():
            assert set(prop.get("context", [])) <= {"view", "edit", "embed"} and prop["context"], (route.pattern, name)


def test_the_documents_are_valid_openapi_3_1(shipped) -> None:
    found = documents(shipped)
    assert set(found) == {"learnomy/v1", "wp/v2", "learnomy-pro/v1", "batch/v1"}
    for document in found.values():
        validate_spec(document)
        assert document["openapi"] == "3.1.0"


def test_every_route_and_method_is_in_its_document(shipped) -> None:
    found = documents(shipped)
    operation_ids = []
    for route in shipped.registry.routes.values():
        path = openapi_path(route)
        assert "(?P<" not in path and "\\" not in path, path
        operations = found[route.namespace]["paths"][path]
        for method, endpoint in route.by_method.items():
            if method == "HEAD":
                continue
            operation = operations[method.lower()]
            operation_ids.append((route.namespace, operation["operationId"]))
            names = re.findall(r"\{(\w+)\}", path)
            params = {p["name"]: p for p in operation.get("parameters", [])}
            assert all(params[n]["in"] == "path" and params[n]["required"] for n in names), (method, path)
            body_args = set(endpoint.args) - set(names)
            if method in ("POST", "PUT", "PATCH"):
                if body_args:
                    schema = operation["requestBody"]["content"]["application/json"]["schema"]
                    assert set(schema["properties"]) == body_args
            else:
                assert {n for n, p in params.items() if p["in"] == "query"} == body_args
            assert any(code.startswith("2") for code in operation["responses"]), (method, path)
            assert {"401", "500", "503"} <= set(operation["responses"])
            assert operation["security"] and operation["tags"] == [path.strip("/").split("/")[0] or "index"]
            public = endpoint.permission is PUBLIC
            assert ({} in operation["security"]) == public, (method, path)
            assert ("403" in operation["responses"]) == (not public or method != "GET"), (method, path)
    assert len(operation_ids) == len(set(operation_ids)), "operationIds are unique in each document"


def test_responses_come_from_the_resource_schema(shipped) -> None:
    paths = documents(shipped)["learnomy/v1"]["paths"]
    course = {"$ref": "#/components/schemas/course"}
    listing = paths["/courses"]["get"]["responses"]
    assert listing["200"]["content"]["application/json"]["schema"]["properties"]["data"] == {
        "type": "array", "items": course}
    assert "meta" in listing["200"]["content"]["application/json"]["schema"]["required"]
    assert {"ETag", "X-WP-Total", "X-Request-Id"} <= set(listing["200"]["headers"]) and "304" in listing
    creation = paths["/courses"]["post"]["responses"]
    assert "Location" in creation["201"]["headers"] and "200" not in creation
    assert {"400", "403", "409", "413", "415"} <= set(creation)
    item = paths["/courses/{id}"]
    assert item["get"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"] == course
    assert "412" in item["patch"]["responses"] and "404" in item["get"]["responses"]
    deletion = item["delete"]["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["data"]
    assert deletion["properties"]["previous"] == course and deletion["required"] == ["deleted", "previous"]
    assert "429" in paths["/auth/token"]["post"]["responses"]
    assert "RateLimit-Remaining" in paths["/auth/token"]["post"]["responses"]["200"]["headers"]
    assert "402" in paths["/courses/{id}/enroll"]["post"]["responses"]
    assert "application/pdf" in paths["/certificates/{id}/download"]["get"]["responses"]["200"]["content"]
    assert paths["/courses/{id}"]["get"]["parameters"][0]["schema"]["type"] == "integer"


def test_an_answer_that_drifts_from_its_schema_is_caught(app) -> None:
    json_type = [("Content-Type", "application/json")]
    good = {"data": [], "meta": {"total": 0, "cursor_next": None}}
    assert check_answer(app, "GET", "/learnomy/v1/courses", 200, json_type, json.dumps(good).encode()) is None
    drifted = {"data": [{"id": 1, "title": 7}], "meta": {"total": 1, "cursor_next": None}}
    assert "does not match" in check_answer(app, "GET", "/learnomy/v1/courses", 200, json_type,
                                            json.dumps(drifted).encode())
    assert "not documented" in check_answer(app, "GET", "/learnomy/v1/courses", 418, json_type, b"{}")


def test_openapi_json_is_served_for_each_namespace(client: Client) -> None:
    response = client.get(f"{ROOT}/learnomy/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.json
    validate_spec(document)
    assert document["servers"] == [{"url": "http://localhost/wp-json/learnomy/v1"}]
    assert "/courses/{id}" in document["paths"] and "/openapi.json" in document["paths"]
    pro = client.get(f"{ROOT}/learnomy-pro/v1/openapi.json").json
    validate_spec(pro)
    # Pro's own routes, and none of Free's.
    assert "/openapi.json" in pro["paths"] and "/cohorts/{id}" in pro["paths"] and "/courses/{id}" not in pro["paths"]


class _Widgets:
    """A third party's plugin in Pro's namespace: its route appears there."""

    @hookimpl
    def learnomy_register_routes(self, registry):
        registry.register_rest_route("learnomy-pro/v1", "/gadgets", {
            "methods": READABLE, "callback": lambda request: {"id": 1}, "permission_callback": PUBLIC,
        }, schema=lambda: resource_schema("gadget", {"id": {"type": "integer"}}))


def test_a_plugin_route_appears_in_its_namespace_document(make_app) -> None:
    client = Client(make_app(plugins=[*SHIPPED, _Widgets()]))
    document = client.get(f"{ROOT}/learnomy-pro/v1/openapi.json").json
    assert document["paths"]["/gadgets"]["get"]["responses"]["200"]
    assert document["components"]["schemas"]["gadget"]["properties"] == {
        "id": {"type": "integer", "context": ["view", "edit"]}}
    assert client.get(f"{ROOT}/learnomy-pro/v1/gadgets").json == {"data": {"id": 1}}


def test_the_explorer_is_served_by_the_app(client: Client) -> None:
    page = client.get(f"{ROOT}/learnomy/v1/explorer")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    html = page.get_data(as_text=True)
    assert "http://localhost/wp-json/learnomy/v1/explorer/swagger-ui-bundle.js" in html
    assert 'id="bearer-token"' in html and "http://localhost/wp-json/learnomy/v1/openapi.json" in html
    assert "//cdn" not in html and "unpkg" not in html
    script = client.get(f"{ROOT}/learnomy/v1/explorer/swagger-ui-bundle.js")
    assert script.status_code == 200 and script.headers["Content-Type"] == "application/javascript"
    assert b"SwaggerUIBundle" in script.get_data()
    assert client.get(f"{ROOT}/learnomy/v1/explorer/swagger-ui.css").headers["Content-Type"] == "text/css"
    assert client.get(f"{ROOT}/learnomy/v1/explorer/..%2Fsetup.py").status_code in (400, 404)
    assert client.get(f"{ROOT}/learnomy/v1/explorer/index.html").status_code == 400


def test_the_cli_prints_a_namespace_document(capsys) -> None:
    assert main(["openapi", "--namespace", "learnomy-pro/v1", "--server", "https://lms.example.org/wp-json/learnomy-pro/v1"]) == 0
    document = json.loads(capsys.readouterr().out)
    validate_spec(document)
    assert document["servers"] == [{"url": "https://lms.example.org/wp-json/learnomy-pro/v1"}]
    assert main(["openapi", "--namespace", "nope/v1"]) == 1


@pytest.mark.parametrize("answers", ["bogus", {"status": 204}, {"shape": "tree"}, {"errors": [200]}, 7])
def test_registration_refuses_a_bad_answers_key(answers) -> None:
    class Bad:
        @hookimpl
        def learnomy_register_routes(self, registry):
            registry.register_rest_route("acme/v1", "/bad", {
                "methods": READABLE, "callback": lambda request: {}, "permission_callback": PUBLIC,
                "answers": answers})

    with pytest.raises(RegistrationError, match="'answers'"):
        create_app(plugins=[Bad()], database_url="sqlite://")


def test_wordpress_argument_schemas_become_json_schema_2020_12() -> None:
    converted = to_json_schema({
        "type": "object", "properties": {
            "a": {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "required": True},
            "b": {"type": "string", "readonly": True, "sanitize_callback": str},
        }})
    assert converted == {"type": "object", "properties": {
        "a": {"type": "integer", "exclusiveMinimum": 0}, "b": {"type": "string", "readOnly": True}},
        "required": ["a"]}


def test_a_3_0_rendition_for_tools_that_do_not_read_3_1(client: Client) -> None:
    document = client.get(f"{ROOT}/learnomy/v1/openapi.json?openapi=3.0").json
    validate_spec(document)
    assert document["openapi"] == "3.0.3" and "jsonSchemaDialect" not in document
    course = document["components"]["schemas"]["course"]["properties"]
    assert course["sale_price"] == {"type": "integer", "nullable": True}
    deleted = document["paths"]["/courses/{id}"]["delete"]["responses"]["200"]["content"]["application/json"]
    assert deleted["schema"]["properties"]["data"]["properties"]["deleted"] == {"enum": [True]}
    assert client.get(f"{ROOT}/learnomy/v1/openapi.json?openapi=2.0").status_code == 400


def test_a_nullable_enum_lets_null_through() -> None:
    import jsonschema

    from learnomy_core.openapi.schemas import nullable

    schema = nullable({"type": "string", "enum": ["a", "b"]})
    jsonschema.validate(None, schema)
    jsonschema.validate("a", schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("c", schema)
