"""WordPress's global parameters and headers: _envelope, _jsonp, _fields, 204, base headers."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from tests.conftest import ALICE

ECHO = "/wp-json/compat/v1/echo"
WIDGETS = "/wp-json/acme/v1/widgets"


# -- _envelope ----------------------------------------------------------------------------

def test_envelope_wraps_status_and_headers_in_the_body(client: Client) -> None:
    response = client.post(f"{WIDGETS}?_envelope", json={"name": "gear"}, headers=ALICE)
    assert response.status_code == 200
    body = response.json
    assert set(body) == {"body", "status", "headers"}
    assert body["status"] == 201
    assert body["body"]["data"]["name"] == "gear"
    assert body["headers"]["Location"] == f"/acme/v1/widgets/{body['body']['data']['id']}"
    assert body["headers"]["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert "Location" not in response.headers  # moved into the body, not sent
    assert response.headers["X-Request-Id"]


def test_an_enveloped_error_is_200_and_commits_nothing(client: Client) -> None:
    response = client.post("/wp-json/acme/v1/write-then-fail?_envelope=1", headers=ALICE)
    assert response.status_code == 200
    assert response.json["status"] == 409
    assert response.json["body"]["error"]["code"] == "acme_second_step"
    assert client.get(WIDGETS).json["meta"]["total"] == 0


def test_envelope_carries_the_paging_headers(client: Client) -> None:
    for name in ("a", "b"):
        client.post(WIDGETS, json={"name": name}, headers=ALICE)
    headers = client.get(f"{WIDGETS}?per_page=1&_envelope").json["headers"]
    assert headers["X-WP-Total"] == "2" and headers["X-WP-TotalPages"] == "2"
    assert headers["Link"].endswith('; rel="next"')


# -- _jsonp ---------------------------------------------------------------------------------

def test_jsonp_answers_javascript(compat: Client) -> None:
    response = compat.get(f"{ECHO}?n=3&_jsonp=app.receive_1")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/javascript; charset=UTF-8"
    text = response.get_data(as_text=True)
    assert text.startswith("/**/app.receive_1({") and text.endswith("})")


@pytest.mark.parametrize("callback", ["alert(1)", "a-b", "x;y", "%3Cscript%3E", "f%00"])
def test_a_bad_callback_is_refused_before_anything_runs(client: Client, callback: str) -> None:
    response = client.post(f"{WIDGETS}?_jsonp={callback}", json={"name": "gear"}, headers=ALICE)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "rest_callback_invalid"
    assert response.json["error"]["message"] == "Invalid JSONP callback function."
    assert [d["param"] for d in response.json["error"]["details"]] == ["_jsonp"]
    assert client.get(WIDGETS).json["meta"]["total"] == 0


def test_an_empty_callback_is_plain_json(compat: Client) -> None:
    response = compat.get(f"{ECHO}?_jsonp=")
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert response.json["data"]["method"] == "GET"


def test_jsonp_can_be_turned_off(app: Any, client: Client) -> None:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"jsonp_enabled": False}})
    response = client.get(f"{WIDGETS}?_jsonp=cb")
    assert response.status_code == 400
    assert response.json["error"] == {**response.json["error"], "code": "rest_callback_disabled",
                                      "message": "JSONP support is disabled on this site."}
    assert response.json["error"]["details"] == [{"param": "_jsonp", "code": "rest_callback_disabled",
                                                  "message": "JSONP support is disabled on this site."}]


# -- _fields ----------------------------------------------------------------------------------

def test_fields_as_a_list(compat: Client) -> None:
    data = compat.get(f"{ECHO}?n=3&ids=1&_fields[]=params.n&_fields[]=method").json["data"]
    assert data == {"params": {"n": 3}, "method": "GET"}


def test_fields_never_trim_an_error(compat: Client) -> None:
    error = compat.get(f"{ECHO}?n=x&_fields=code").json["error"]
    assert error["code"] == "rest_invalid_param" and error["details"]


def test_embed_is_accepted(compat: Client, client: Client) -> None:
    assert compat.get(f"{ECHO}?_embed").status_code == 200
    assert compat.get(f"{ECHO}?_embed=author,wp:term").status_code == 200
    assert client.get(f"{WIDGETS}?_embed=1").status_code == 200
    assert client.get("/wp-json/learnomy/v1/courses?_embed").status_code == 200


# -- 204, headers ------------------------------------------------------------------------------

def test_a_204_has_no_body(compat: Client) -> None:
    response = compat.delete("/wp-json/compat/v1/empty")
    assert response.status_code == 204
    assert response.data == b""
    assert "Content-Length" not in response.headers


@pytest.mark.parametrize("path", [WIDGETS, "/wp-json/", "/wp-json/acme/v1/nothing", "/wp-json/acme/v1/boom"])
def test_every_rest_answer_carries_wordpress_headers(client: Client, path: str) -> None:
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Robots-Tag"] == "noindex"
    assert headers["Content-Type"] == "application/json; charset=UTF-8"
