"""The answer: a request that fails commits nothing, every answer is valid JSON in
the envelope with its request id, and conditional GETs compare as HTTP says."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import Client

from learnomy_core import app as app_module
from learnomy_core.app import dumps
from tests.conftest import ALICE
from tests.plugins import acme, guards

ACME = "/wp-json/acme/v1"
GUARDS = "/wp-json/guards/v1"


@pytest.fixture
def guarded(make_app: Any) -> Client:
    return Client(make_app(plugins=[acme, guards]))


def widget_count(client: Client) -> int:
    return client.get(f"{ACME}/widgets").json["meta"]["total"]


def assert_envelope(response: Any, status: int) -> dict:
    assert response.status_code == status
    body = json.loads(response.data.decode("utf-8"), parse_constant=lambda name: pytest.fail(name))
    assert body["error"]["request_id"] == response.headers["X-Request-Id"]
    return body["error"]


# -- nothing of a failed request is committed ----------------------------------------

@pytest.mark.parametrize("path", ["/write-then-unserialisable", "/write-then-nan"])
def test_an_answer_that_cannot_be_serialised_commits_nothing(guarded: Client, path: str) -> None:
    response = guarded.post(f"{GUARDS}{path}", headers=ALICE)
    assert assert_envelope(response, 500)["code"] == "learnomy_internal_error"
    assert widget_count(guarded) == 0


def test_a_failing_after_dispatch_hook_commits_nothing(guarded: Client) -> None:
    response = guarded.post(f"{GUARDS}/write", headers={**ALICE, guards.FAIL_AFTER: "1"})
    assert_envelope(response, 500)
    assert widget_count(guarded) == 0
    assert guarded.post(f"{GUARDS}/write", headers=ALICE).status_code == 200
    assert widget_count(guarded) == 1


# -- always valid JSON, always the envelope --------------------------------------------

def test_dumps_refuses_nan_and_infinity() -> None:
    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(ValueError):
            dumps({"points": value})


def test_dumps_shows_a_stored_lone_surrogate_as_a_replacement_character() -> None:
    assert json.loads(dumps({"title": "a\ud800b"}).decode("utf-8")) == {"title": "a\ufffdb"}


def test_a_request_that_breaks_before_routing_is_answered_in_the_envelope(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable(self: Any) -> str:
        raise ValueError("werkzeug cannot read this request")

    monkeypatch.setattr(app_module.RestRequest, "_effective_method", unreadable)
    response = client.post(f"{ACME}/echo?_method=%ff")
    assert assert_envelope(response, 500)["code"] == "learnomy_internal_error"


@pytest.mark.parametrize("environ", [
    {"PATH_INFO": "/wp-json/acme/v1/echo/%zz"},
    {"PATH_INFO": "/wp-json/acme/v1/things/\xff\xfe"},  # WSGI paths are bytes read as latin-1
    {"QUERY_STRING": "id=%zz&n=%"},
    {"QUERY_STRING": "tags=%ff%fe&id=%c3"},
    {"REQUEST_METHOD": "POST", "QUERY_STRING": "_method=%ff%00"},
    {"REQUEST_METHOD": "POST", "HTTP_X_HTTP_METHOD_OVERRIDE": "\xff"},
    {"PATH_INFO": "/", "QUERY_STRING": "rest_route=/acme/v1/echo/%ff%fe"},
    {"REQUEST_METHOD": "POST", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "x"},
], ids=["bad-escape-in-path", "bad-utf8-in-path", "bad-escape-in-query", "bad-utf8-in-query",
        "bad-method-override", "bad-override-header", "bad-rest-route", "bad-content-length"])
def test_a_malformed_request_is_answered_in_the_envelope(client: Client, environ: dict) -> None:
    overrides = {"PATH_INFO": f"{ACME}/echo", "QUERY_STRING": "", **environ}
    response = client.open(method=overrides.pop("REQUEST_METHOD", "GET"), environ_overrides=overrides)
    assert response.status_code < 500
    body = json.loads(response.data.decode("utf-8"), parse_constant=lambda name: pytest.fail(name))
    if response.status_code >= 400:
        assert body["error"]["request_id"] == response.headers["X-Request-Id"]
    assert response.headers["X-Request-Id"]


@pytest.mark.parametrize("sent", ["abc\n", "abc\r\nX-Injected: 1", "abc\x00"])
def test_a_request_id_is_reused_only_when_wholly_well_formed(client: Client, sent: str) -> None:
    response = client.get(f"{ACME}/widgets/999", environ_overrides={"HTTP_X_REQUEST_ID": sent})
    assert response.headers["X-Request-Id"] != sent
    assert "\n" not in response.headers["X-Request-Id"]
    assert_envelope(response, 404)


@pytest.mark.parametrize("where", [
    "/echo?id=9223372036854775808", "/echo?id=-9223372036854775809", "/echo?id=1e308",
    "/echo?id=" + "9" * 400, "/echo/" + "9" * 400, "/echo/9223372036854775808",
])
def test_integers_beyond_64_bits_are_refused_with_400(client: Client, where: str) -> None:
    error = assert_envelope(client.get(f"{ACME}{where}"), 400)
    assert error["details"][0]["code"] == "rest_out_of_bounds"


@pytest.mark.parametrize("body", ['{"id": 9223372036854775808}', '{"id": ' + "9" * 400 + "}", '{"id": 1e308}'])
def test_integers_beyond_64_bits_in_a_body_are_refused_with_400(client: Client, body: str) -> None:
    response = client.post(f"{ACME}/echo", data=body, content_type="application/json")
    assert assert_envelope(response, 400)["details"][0]["code"] == "rest_out_of_bounds"


def test_the_largest_64_bit_integer_is_accepted(client: Client) -> None:
    assert client.get(f"{ACME}/echo?id={2**63 - 1}").json["data"]["params"]["id"] == 2**63 - 1


# -- conditional requests ----------------------------------------------------------------

def test_if_none_match_compares_weakly(client: Client) -> None:
    created = client.post(f"{ACME}/widgets", json={"name": "gear"}, headers=ALICE).json["data"]
    url = f"{ACME}/widgets/{created['id']}"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert client.get(url, headers={"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert client.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_if_match_still_compares_strongly(client: Client) -> None:
    created = client.post(f"{ACME}/widgets", json={"name": "gear"}, headers=ALICE).json["data"]
    url = f"{ACME}/widgets/{created['id']}"
    etag = client.get(url).headers["ETag"]
    refused = client.patch(url, json={"name": "late"}, headers={**ALICE, "If-Match": f"W/{etag}"})
    assert refused.status_code == 412
