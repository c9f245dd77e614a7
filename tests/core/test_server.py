"""The server's HTTP behaviour, through werkzeug's test client and the acme plugin."""

from __future__ import annotations

import json
import logging

import pytest
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client
from werkzeug.wrappers import Response

from tests.conftest import ADMIN, ALICE

ROOT = "/wp-json"
ACME = f"{ROOT}/acme/v1"


def make_widget(client: Client, name: str = "gear", color: str = "#ff0000") -> dict:
    response = client.post(f"{ACME}/widgets", json={"name": name, "color": color}, headers=ALICE)
    assert response.status_code == 201, response.json
    return response.json["data"]


# -- envelope -----------------------------------------------------------------

def test_created_resource_has_location_and_envelope(client: Client) -> None:
    response = client.post(f"{ACME}/widgets", json={"name": "gear"}, headers=ALICE)
    assert response.status_code == 201
    widget = response.json["data"]
    assert response.headers["Location"] == f"/acme/v1/widgets/{widget['id']}"
    assert widget["name"] == "gear" and widget["owner_id"] == 2


def test_delete_answers_previous(client: Client) -> None:
    widget = make_widget(client)
    response = client.delete(f"{ACME}/widgets/{widget['id']}", headers=ALICE)
    assert response.json["data"] == {"deleted": True, "previous": widget}
    assert client.get(f"{ACME}/widgets/{widget['id']}").status_code == 404


def test_error_envelope_carries_the_request_id(client: Client) -> None:
    response = client.get(f"{ACME}/widgets/999")
    error = response.json["error"]
    assert response.status_code == 404
    assert error["code"] == "learnomy_not_found"
    assert error["request_id"] == response.headers["X-Request-Id"]
    assert set(error) == {"code", "message", "details", "request_id"}


@pytest.mark.parametrize("sent, reused", [
    ("abc-123_X.y", True),
    ("x" * 64, True),
    ("x" * 65, False),
    ("bad id!", False),
    ("", False),
])
def test_client_request_id_is_reused_only_when_well_formed(client: Client, sent: str, reused: bool) -> None:
    response = client.get(f"{ACME}/widgets", headers={"X-Request-Id": sent})
    assert (response.headers["X-Request-Id"] == sent) is reused
    assert response.headers["X-Request-Id"]


def test_list_envelope_and_total_header(client: Client) -> None:
    make_widget(client, "a")
    make_widget(client, "b")
    response = client.get(f"{ACME}/widgets")
    assert response.json["meta"] == {"total": 2, "cursor_next": None}
    assert response.headers["X-WP-Total"] == "2"


def test_exception_is_a_500_with_nothing_internal(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="learnomy"):
        response = client.get(f"{ACME}/boom")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "learnomy_internal_error"
    assert b"hunter2" not in response.data and b"Traceback" not in response.data
    request_id = response.headers["X-Request-Id"]
    assert any(request_id in record.getMessage() for record in caplog.records)


def test_an_error_rolls_back_every_write_of_the_request(client: Client) -> None:
    response = client.post(f"{ACME}/write-then-fail", headers=ALICE)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "acme_second_step"
    assert client.get(f"{ACME}/widgets").json["meta"]["total"] == 0


# -- routing --------------------------------------------------------------------

def test_no_route(client: Client) -> None:
    response = client.get(f"{ACME}/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "rest_no_route"


def test_method_not_allowed_lists_allow(client: Client) -> None:
    response = client.put(f"{ACME}/widgets", headers=ALICE)
    assert response.status_code == 405
    assert response.json["error"]["code"] == "rest_method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}
    # Allow lists what this caller may use: POST needs a login.
    assert set(client.put(f"{ACME}/widgets").headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize("path", [f"{ACME}/WIDGETS", f"{ACME}/Widgets/", f"{ACME}/widgets/"])
def test_matching_is_case_insensitive_and_ignores_a_trailing_slash(client: Client, path: str) -> None:
    assert client.get(path).status_code == 200


def test_case_insensitive_match_keeps_the_values_case(client: Client) -> None:
    response = client.get(f"{ACME}/THINGS/Blue-Sky")
    assert response.status_code == 200
    assert response.json["data"]["params"]["slug"] == "Blue-Sky"


def test_head_answers_without_body(client: Client) -> None:
    response = client.head(f"{ACME}/widgets")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["ETag"]


def test_options_describes_the_route(client: Client) -> None:
    response = client.options(f"{ACME}/widgets", headers=ALICE)
    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}
    body = response.json
    assert body["namespace"] == "acme/v1"
    post = next(e for e in body["endpoints"] if "POST" in e["methods"])
    assert post["args"]["name"] == {"type": "string", "minLength": 1, "maxLength": 20, "required": True}


@pytest.mark.parametrize("how", ["query", "header"])
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_post_with_method_override(client: Client, how: str, method: str) -> None:
    if how == "query":
        response = client.post(f"{ACME}/echo?_method={method}")
    else:
        response = client.post(f"{ACME}/echo", headers={"X-HTTP-Method-Override": method})
    assert response.json["data"]["method"] == method
    assert "_method" not in response.json["data"]["params"]


def test_method_override_only_applies_to_post(client: Client) -> None:
    assert client.get(f"{ACME}/echo?_method=DELETE").json["data"]["method"] == "GET"


def test_rest_route_fallback_on_the_site_root(client: Client) -> None:
    response = client.get("/?rest_route=/acme/v1/echo/7")
    assert response.status_code == 200
    assert response.json["data"]["params"]["id"] == 7


def test_site_root_points_at_the_api(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Link"] == '<http://localhost/wp-json/>; rel="https://api.w.org/"'
    assert b"/wp-json/" in response.data


@pytest.mark.parametrize("path", [f"{ACME}/widgets", f"{ACME}/nothing", f"{ROOT}/", "/elsewhere"])
def test_every_response_carries_the_discovery_link(client: Client, path: str) -> None:
    assert client.get(path).headers["Link"] == '<http://localhost/wp-json/>; rel="https://api.w.org/"'


def test_configured_site_url_and_rest_root(make_app) -> None:
    client = Client(make_app(site_url="https://lms.example.org/", rest_root="api"))
    response = client.get("/api/acme/v1/widgets")
    assert response.status_code == 200
    assert response.headers["Link"] == '<https://lms.example.org/api/>; rel="https://api.w.org/"'


def test_rest_index_in_wordpress_shape(client: Client) -> None:
    body = client.get(f"{ROOT}/").json
    assert {"name", "description", "url", "home", "namespaces", "authentication", "routes"} <= set(body)
    assert body["namespaces"] == ["learnomy/v1", "wp/v2", "learnomy-pro/v1", "acme/v1"]
    assert set(body["authentication"]) == {"learnomy-jwt", "application-passwords"}
    widgets = body["routes"]["/acme/v1/widgets"]
    assert widgets["namespace"] == "acme/v1"
    assert widgets["_links"]["self"][0]["href"] == "http://localhost/wp-json/acme/v1/widgets"
    assert "_links" not in body["routes"]["/acme/v1/widgets/(?P<id>[\\d]+)"]
    assert {"methods", "args"} == set(widgets["endpoints"][0])


def test_namespace_index(client: Client) -> None:
    response = client.get(f"{ROOT}/acme/v1")
    assert response.status_code == 200
    assert response.json["namespace"] == "acme/v1"
    assert all(route.startswith("/acme/v1") for route in response.json["routes"])


def test_mounting_in_a_host_wsgi_app(app) -> None:
    host = Response("host page")
    mounted = DispatcherMiddleware(host, {"/lms": app})
    client = Client(mounted)
    response = client.get("/lms/wp-json/acme/v1/widgets")
    assert response.status_code == 200
    assert response.headers["Link"] == '<http://localhost/lms/wp-json/>; rel="https://api.w.org/"'
    assert client.get("/").data == b"host page"


# -- parameters -----------------------------------------------------------------

def test_url_parameters_win_over_every_other_source(client: Client) -> None:
    response = client.post(f"{ACME}/echo/7?id=8", json={"id": 9})
    assert response.json["data"]["params"]["id"] == 7


def test_json_beats_form_beats_query_beats_default(client: Client) -> None:
    echo = f"{ACME}/echo"
    assert client.get(echo).json["data"]["params"]["n"] == 5
    assert client.get(f"{echo}?n=6").json["data"]["params"]["n"] == 6
    assert client.post(f"{echo}?n=6", data={"n": "7"}).json["data"]["params"]["n"] == 7
    assert client.post(f"{echo}?n=6", json={"n": 8}).json["data"]["params"]["n"] == 8


def test_query_strings_are_sanitized_to_their_types(client: Client) -> None:
    params = client.get(f"{ACME}/echo?id=3&flag=true&tags=a,b").json["data"]["params"]
    assert params["id"] == 3 and params["flag"] is True and params["tags"] == ["a", "b"]


def test_missing_required_params_are_each_listed(client: Client) -> None:
    response = client.post(f"{ACME}/widgets", json={}, headers=ALICE)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "rest_missing_callback_param"
    assert error["details"] == [{"param": "name", "code": "rest_missing_callback_param", "message": "name is required."}]


def test_invalid_params_are_each_listed_with_wordpress_codes(client: Client) -> None:
    response = client.post(f"{ACME}/widgets", json={"name": "x" * 21, "color": "red"}, headers=ALICE)
    assert response.status_code == 400
    error = response.json["error"]
    assert error["code"] == "rest_invalid_param"
    assert {(d["param"], d["code"]) for d in error["details"]} == {
        ("name", "rest_too_long"), ("color", "rest_invalid_hex_color"),
    }


def test_anonymous_callers_of_protected_routes_get_401_before_validation(client: Client) -> None:
    response = client.post(f"{ACME}/widgets", json={"name": "x" * 99})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "rest_not_logged_in"


def test_capability_policy(client: Client) -> None:
    assert client.get(f"{ACME}/admin-only?n=1", headers=ALICE).status_code == 403
    assert client.get(f"{ACME}/admin-only?n=1", headers=ADMIN).status_code == 200
    assert client.get(f"{ACME}/admin-only?n=1").status_code == 401


# -- bodies ---------------------------------------------------------------------

def test_invalid_json(client: Client) -> None:
    response = client.post(f"{ACME}/widgets", data="{nope", content_type="application/json", headers=ALICE)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "rest_invalid_json"


def test_unsupported_media_type(client: Client) -> None:
    response = client.post(f"{ACME}/widgets", data="name=x", content_type="text/plain", headers=ALICE)
    assert response.status_code == 415
    assert response.json["error"]["code"] == "learnomy_unsupported_media_type"


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_payload_too_large(make_app, content_type: str) -> None:
    client = Client(make_app(max_body_bytes=100))
    body = json.dumps({"name": "x" * 200}) if content_type.endswith("json") else "name=" + "x" * 200
    response = client.post(f"{ACME}/widgets", data=body, content_type=content_type, headers=ALICE)
    assert response.status_code == 413
    assert response.json["error"]["code"] == "learnomy_payload_too_large"


def test_form_bodies_are_accepted(client: Client) -> None:
    response = client.post(f"{ACME}/widgets", data={"name": "formed"}, headers=ALICE)
    assert response.status_code == 201


# -- _fields, ETags, caching ------------------------------------------------------

def test_fields_trims_each_object(client: Client) -> None:
    make_widget(client, "a")
    data = client.get(f"{ACME}/widgets?_fields=id,name").json["data"]
    assert all(set(item) == {"id", "name"} for item in data)


def test_fields_reaches_into_nested_objects(client: Client) -> None:
    params = client.get(f"{ACME}/echo?id=4&n=2&_fields=params.id,method").json["data"]
    assert params == {"params": {"id": 4}, "method": "GET"}


def test_strong_etag_and_304(client: Client) -> None:
    widget = make_widget(client)
    url = f"{ACME}/widgets/{widget['id']}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    client.patch(url, json={"name": "renamed"}, headers=ALICE)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_if_match_guards_writes(client: Client) -> None:
    widget = make_widget(client)
    url = f"{ACME}/widgets/{widget['id']}"
    etag = client.get(url).headers["ETag"]
    stale = '"0000"'
    refused = client.patch(url, json={"name": "late"}, headers={**ALICE, "If-Match": stale})
    assert refused.status_code == 412
    assert refused.json["error"]["code"] == "learnomy_precondition_failed"
    assert client.get(url).json["data"]["name"] == "gear"
    accepted = client.patch(url, json={"name": "fresh"}, headers={**ALICE, "If-Match": etag})
    assert accepted.status_code == 200 and accepted.json["data"]["name"] == "fresh"
    gone = client.delete(url, headers={**ALICE, "If-Match": etag})
    assert gone.status_code == 412


def test_if_match_star_needs_an_existing_resource(client: Client) -> None:
    assert client.delete(f"{ACME}/widgets/12345", headers={**ALICE, "If-Match": "*"}).status_code == 412


def test_cache_control(client: Client) -> None:
    assert client.get(f"{ACME}/widgets").headers["Cache-Control"] == "public, max-age=60"
    assert client.get(f"{ACME}/widgets", headers=ALICE).headers["Cache-Control"] == "private, no-cache"
    assert client.get(f"{ACME}/echo").headers["Cache-Control"] == "private, no-cache"


# -- WordPress's parameter callbacks and permission values ----------------------------

SANITIZED = "/wp-json/compat/v1/sanitized"


def test_a_custom_sanitize_callback_replaces_the_schemas(compat: Client) -> None:
    params = compat.get(f"{SANITIZED}?shout=abc&asis=05").json["data"]["params"]
    assert params == {"shout": "ABC", "asis": "05"}  # a false sanitize_callback: the value as sent


def test_the_schema_still_validates_beside_a_custom_sanitizer(compat: Client) -> None:
    response = compat.get(f"{SANITIZED}?shout=abcdefg")
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["code"] == "rest_too_long"


def test_a_validate_callback_runs_before_the_schema(compat: Client) -> None:
    assert compat.get(f"{SANITIZED}?count=7").json["data"]["params"]["count"] == 7  # then sanitized by the schema
    refused = compat.get(f"{SANITIZED}?count=13").json["error"]["details"]
    assert refused == [{"param": "count", "code": "rest_invalid_param", "message": "Invalid parameter."}]
    # The schema still validates after a validate_callback that lets the value through.
    assert compat.get(f"{SANITIZED}?count=abc").json["error"]["details"][0]["code"] == "rest_invalid_type"


def test_both_callbacks_leave_the_schema_out_as_in_wordpress(compat: Client) -> None:
    assert compat.get(f"{SANITIZED}?raw=abc").json["data"]["params"]["raw"] == "ABC"


def test_a_sanitize_callback_may_refuse(compat: Client) -> None:
    response = compat.get(f"{SANITIZED}?picky=x")
    assert response.status_code == 400
    assert response.json["error"]["details"] == [{"param": "picky", "code": "compat_no_x", "message": "x is not welcome."}]


def test_a_permission_callback_returning_zero_refuses(compat: Client) -> None:
    # WordPress would allow (only false and null refuse); in Python 0 means no.
    assert compat.get("/wp-json/compat/v1/zero").status_code == 401
    assert compat.get("/wp-json/compat/v1/zero", headers=ALICE).status_code == 403


@pytest.mark.parametrize("path, params", [
    ("/wp-json/compat/v1/things/red", {}),
    ("/wp-json/compat/v1/things/Blue", {}),
    ("/wp-json/compat/v1/items", {}),
    ("/wp-json/compat/v1/items/5", {"id": 5}),
])
def test_routes_with_unnamed_groups_answer(compat: Client, path: str, params: dict) -> None:
    response = compat.get(path)
    assert response.status_code == 200
    assert response.json["data"]["params"] == params


def test_type_lists_keep_wordpress_order_over_http(compat: Client) -> None:
    params = compat.get("/wp-json/compat/v1/echo?either=15&nullable=4").json["data"]["params"]
    assert params == {"either": "15", "nullable": 4}
    refused = compat.get("/wp-json/compat/v1/echo?nullable=")  # "" is not null
    assert refused.json["error"]["details"][0]["message"] == "nullable is not of type integer,null."


def test_uuids_are_lower_case(compat: Client) -> None:
    key = "0b0c0d0e-1111-4222-8333-444455556666"
    assert compat.get(f"/wp-json/compat/v1/echo?key={key}").status_code == 200
    refused = compat.get(f"/wp-json/compat/v1/echo?key={key.upper()}")
    assert refused.json["error"]["details"][0] == {"param": "key", "code": "rest_invalid_uuid",
                                                   "message": "key is not a valid UUID."}
