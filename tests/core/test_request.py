"""Request bodies: what JSON cannot carry into the API is refused with 400 at parsing,
and a body over the limit is 413 however it is sent."""

from __future__ import annotations

import io
import json

import pytest
from werkzeug.test import Client, EnvironBuilder, TestResponse

from learnomy_core.request import MAX_JSON_DEPTH

ECHO = "/wp-json/acme/v1/echo"


def post_json(client: Client, text: str | bytes) -> TestResponse:
    return client.post(ECHO, data=text, content_type="application/json")


def assert_invalid_json(response: TestResponse) -> None:
    assert response.status_code == 400, response.data
    assert response.json["error"]["code"] == "rest_invalid_json"
    assert response.json["error"]["request_id"] == response.headers["X-Request-Id"]


@pytest.mark.parametrize("text", [
    '{"n": NaN}', '{"n": Infinity}', '{"n": -Infinity}', '{"tags": [NaN]}',
    '{"n": 1e400}',  # a float literal too large for a double would parse as inf
])
def test_nan_and_infinity_are_not_json(client: Client, text: str) -> None:
    assert_invalid_json(post_json(client, text))


@pytest.mark.parametrize("text", [
    '{"tags": ["\\ud800"]}', '{"tags": ["a\\udfffb"]}', '{"\\udc00": 1}', '{"x": {"y": ["\\ud83d"]}}',
])
def test_lone_surrogates_are_refused(client: Client, text: str) -> None:
    assert_invalid_json(post_json(client, text))


def test_a_surrogate_sent_as_raw_bytes_is_not_utf8(client: Client) -> None:
    assert_invalid_json(post_json(client, b'{"tags": ["\xed\xa0\x80"]}'))


def test_a_surrogate_pair_is_a_character(client: Client) -> None:
    response = post_json(client, '{"tags": ["\\ud83d\\ude00"]}')
    assert response.status_code == 200
    assert response.json["data"]["params"]["tags"] == ["\U0001f600"]


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 900, 50_000])
def test_deep_nesting_is_refused(client: Client, depth: int) -> None:
    assert_invalid_json(post_json(client, '{"x":' + "[" * (depth - 1) + "]" * (depth - 1) + "}"))


def test_nesting_up_to_the_limit_is_accepted(client: Client) -> None:
    depth = MAX_JSON_DEPTH
    assert post_json(client, '{"x":' + "[" * (depth - 1) + "]" * (depth - 1) + "}").status_code == 200


def test_integers_are_read_exactly(client: Client) -> None:
    exact = 2**53 + 1  # a float would make it 2**53
    assert post_json(client, json.dumps({"id": exact})).json["data"]["params"]["id"] == exact
    assert client.get(f"{ECHO}?id={exact}").json["data"]["params"]["id"] == exact


def send(client: Client, environ: dict) -> TestResponse:
    """Run a hand-made WSGI environ through the app."""
    app_iter, status, headers = client.run_wsgi_app(environ, buffered=True)
    return TestResponse(app_iter, status, headers, request=None)


def chunked(client: Client, body: bytes) -> TestResponse:
    """A streamed body without Content-Length, as a server that de-chunks passes it on."""
    environ = EnvironBuilder(path=ECHO, method="POST").get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"CONTENT_TYPE": "application/json", "HTTP_TRANSFER_ENCODING": "chunked",
                    "wsgi.input_terminated": True, "wsgi.input": io.BytesIO(body)})
    return send(client, environ)


@pytest.fixture
def small_client(make_app: object) -> Client:
    return Client(make_app(max_body_bytes=100))  # type: ignore[operator]


def test_a_chunked_body_over_the_limit_is_413(small_client: Client) -> None:
    response = chunked(small_client, json.dumps({"tags": ["x" * 200]}).encode())
    assert response.status_code == 413
    assert response.json["error"]["code"] == "learnomy_payload_too_large"


def test_a_chunked_body_within_the_limit_is_read(small_client: Client) -> None:
    response = chunked(small_client, b'{"n": 9}')
    assert response.status_code == 200
    assert response.json["data"]["params"]["n"] == 9


@pytest.mark.parametrize("length", ["abc", "-5", "1.5", " 7 x"])
def test_a_content_length_that_is_no_number_is_refused_in_the_envelope(client: Client, length: str) -> None:
    environ = EnvironBuilder(path=ECHO, method="POST", data=b'{"n": 9}', content_type="application/json").get_environ()
    environ["CONTENT_LENGTH"] = length
    response = send(client, environ)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "learnomy_malformed_request"
    assert response.json["error"]["request_id"] == response.headers["X-Request-Id"]
