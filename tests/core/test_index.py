"""The REST index, namespace indexes and OPTIONS in WordPress's shape."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

ROOT = "/wp-json"


def test_root_index_has_wordpress_site_fields(compat: Client) -> None:
    body = compat.get(f"{ROOT}/").json
    assert body["page_for_posts"] == 0 and body["page_on_front"] == 0 and body["show_on_front"] == "posts"
    assert body["site_logo"] == 0 and body["site_icon"] == 0 and body["site_icon_url"] == ""
    assert body["routes"]["/"] == {
        "namespace": "",
        "methods": ["GET"],
        "endpoints": [{"methods": ["GET"], "args": {"context": {"default": "view", "required": False}}}],
        "_links": {"self": [{"href": "http://localhost/wp-json/"}]},
    }


def test_head_is_not_listed_among_a_routes_methods(compat: Client) -> None:
    routes = compat.get(f"{ROOT}/").json["routes"]
    assert routes["/acme/v1/widgets"]["methods"] == ["GET", "POST"]
    assert all("HEAD" not in route["methods"] for route in routes.values())
    assert compat.head("/wp-json/acme/v1/widgets").status_code == 200  # still answered


def test_fields_trims_the_index(compat: Client) -> None:
    assert compat.get(f"{ROOT}/?_fields=name,namespaces").json.keys() == {"name", "namespaces"}


@pytest.mark.parametrize("path", ["/index.php?rest_route=/", "/?rest_route=/", "/index.php?rest_route=/compat/v1"])
def test_plain_permalink_forms(compat: Client, path: str) -> None:
    response = compat.get(path)
    assert response.status_code == 200 and "routes" in response.json


def test_a_namespace_param_on_a_namespace_index(compat: Client) -> None:
    other = compat.get(f"{ROOT}/compat/v1?namespace=acme/v1").json
    assert other["namespace"] == "acme/v1"
    assert all(route.startswith("/acme/v1") for route in other["routes"])
    missing = compat.get(f"{ROOT}/compat/v1?namespace=nope/v1")
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "rest_invalid_namespace"
    assert missing.json["error"]["message"] == "The specified namespace could not be found."


def test_context_help_adds_route_schemas(compat: Client) -> None:
    described = "/compat/v1/described"
    assert "schema" not in compat.get(f"{ROOT}/").json["routes"][described]
    assert compat.get(f"{ROOT}/?context=help").json["routes"][described]["schema"]["title"] == "described"
    assert compat.get(f"{ROOT}/compat/v1?context=help").json["routes"][described]["schema"]["title"] == "described"


def test_options_echoes_the_schema_keywords_wordpress_shows(compat: Client) -> None:
    shape = compat.options(f"{ROOT}/compat/v1/keywords").json["endpoints"][0]["args"]["shape"]
    assert shape == {"title": "Shape", "type": "object", "minProperties": 1, "maxProperties": 2,
                     "patternProperties": {"^x_": {"type": "integer"}}, "required": False}


def test_options_on_an_unknown_path_is_an_empty_list(compat: Client) -> None:
    response = compat.options(f"{ROOT}/does/not/exist")
    assert response.status_code == 200 and response.json == []


def test_options_on_the_index_and_a_namespace(compat: Client) -> None:
    index = compat.options(f"{ROOT}/")
    assert index.status_code == 200 and index.json["methods"] == ["GET"] and index.headers["Allow"] == "GET, HEAD, OPTIONS"
    namespace = compat.options(f"{ROOT}/compat/v1")
    assert namespace.json["endpoints"][0]["args"]["namespace"] == {"default": "compat/v1", "required": False}


def test_endpoints_hidden_from_the_index_still_answer(compat: Client) -> None:
    routes = compat.get(f"{ROOT}/").json["routes"]
    assert "/compat/v1/hidden" not in routes
    assert routes["/compat/v1/partly-hidden"]["methods"] == ["GET"]
    assert [e["methods"] for e in routes["/compat/v1/partly-hidden"]["endpoints"]] == [["GET"]]
    assert compat.options(f"{ROOT}/compat/v1/partly-hidden").json["methods"] == ["GET"]
    assert compat.get(f"{ROOT}/compat/v1/hidden").status_code == 200
    assert compat.post(f"{ROOT}/compat/v1/partly-hidden").status_code == 200


def test_allow_batch_is_shown(compat: Client) -> None:
    endpoint = compat.get(f"{ROOT}/").json["routes"]["/compat/v1/batchable"]["endpoints"][0]
    assert endpoint["allow_batch"] == {"v1": True}
    assert "allow_batch" not in compat.get(f"{ROOT}/").json["routes"]["/compat/v1/echo"]["endpoints"][0]


def test_unnamed_groups_are_listed_as_registered(compat: Client) -> None:
    routes = compat.get(f"{ROOT}/").json["routes"]
    assert routes["/compat/v1/things/(?:red|blue)"]["_links"]  # no named group: linked, as in WordPress
    assert "_links" not in routes[r"/compat/v1/items(?:/(?P<id>[\d]+))?"]
