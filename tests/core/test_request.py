"""Request bodies: what JSON cannot carry into the API is refused with 400 at parsing,
and a body over the limit is 413 however it is sent. A path, query string or header
that is no text werkzeug can read is refused in the envelope (404, 400), never a 500."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from werkzeug.test import Client, EnvironBuilder, TestResponse, run_wsgi_app

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
    """Run a hand-made WSGI environ through the client's app (werkzeug's own runner:
    the client's cookie jar would read the URL, which may be no PEP 3333 string)."""
    app_iter, status, headers = run_wsgi_app(client.application, environ, buffered=True)
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


# -- what werkzeug cannot read ----------------------------------------------------

# A lone surrogate, one a server decoding bytes with surrogateescape makes of b"\xff",
# and one amid text: no PEP 3333 string (ISO-8859-1, one character a byte) holds them.
UNREADABLE = ["\ud800", b"\xff".decode("utf-8", "surrogateescape"), "a\udcffb"]
WIDGETS = "/wp-json/acme/v1/widgets"


def raw(path: str = WIDGETS, *, key: str | None = None, value: str = "", method: str = "GET",
        **builder: Any) -> dict:
    """An environ as a server would pass it, ``key`` then set to ``value`` as it is."""
    environ = EnvironBuilder(path=path, method=method, **builder).get_environ()
    if key is not None:
        environ[key] = value
    return environ


def assert_refused(response: TestResponse, status: int, code: str) -> dict:
    assert response.status_code == status, response.data
    error = response.json["error"]
    assert error["code"] == code
    assert error["request_id"] == response.headers["X-Request-Id"]
    for name, value in response.headers.items():
        value.encode("latin-1")  # what a server can send: nothing of the request echoed
    return error


@pytest.mark.parametrize("text", UNREADABLE)
@pytest.mark.parametrize("path", [
    f"{WIDGETS}/{{}}", "/wp-json/acme/v1/wid{}gets", "/wp-json/{}", "/wp-json/learnomy/v1/courses/{}",
])
@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_a_path_that_is_no_text_matches_no_route(client: Client, path: str, text: str, method: str) -> None:
    assert_refused(send(client, raw(key="PATH_INFO", value=path.format(text), method=method)),
                   404, "rest_no_route")


@pytest.mark.parametrize("text", UNREADABLE)
@pytest.mark.parametrize("key, value", [("PATH_INFO", "/{}"), ("HTTP_HOST", "{}.example")])
def test_outside_the_rest_root_it_is_a_plain_404_or_the_site_root(client: Client, key: str, value: str,
                                                                   text: str) -> None:
    response = send(client, raw("/nothing", key=key, value=value.format(text)))
    assert response.status_code == 404
    response.headers["Link"].encode("latin-1")
    response = send(client, raw("/", key=key, value=value.format(text)))
    assert response.status_code in (200, 404)
    response.headers["Link"].encode("latin-1")


@pytest.mark.parametrize("text", [*UNREADABLE, "\xff", "\xed\xa0\x80"])  # and raw bytes that are not UTF-8
@pytest.mark.parametrize("query, param", [
    ("n={}", "n"), ("tags[]=x&tags[]={}", "tags[]"), ("{}=1", None), ("_fields={}", "_fields"),
    ("_jsonp={}", "_jsonp"), ("_method={}", "_method"), ("_envelope&n=1&id={}", "id"),
    ("rest_route=/acme/v1/echo/{}", "rest_route"),
])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_query_string_that_is_no_utf8_text_is_an_invalid_param(client: Client, query: str, param: str | None,
                                                                   text: str, method: str) -> None:
    environ = raw(ECHO, key="QUERY_STRING", value=query.format(text), method=method, json={"n": 1})
    if param == "rest_route":
        environ["PATH_INFO"] = "/"
    response = send(client, environ)
    if "_envelope" in query:  # WordPress's envelope: 200, the status inside
        assert response.status_code == 200 and response.json["status"] == 400
        response = TestResponse(json.dumps(response.json["body"]), 400, response.headers, request=None)
    error = assert_refused(response, 400, "rest_invalid_param")
    (detail,) = error["details"]
    assert detail["code"] == "rest_invalid_param"
    assert detail["param"] == param if param else "\ufffd" in detail["param"]  # the name itself: shown as it can be


@pytest.mark.parametrize("query", ["q=%E2%82%AC", "q=\xe2\x82\xac"])  # percent-escaped, or raw UTF-8 bytes
def test_a_query_string_of_utf8_text_is_read(client: Client, query: str) -> None:
    response = send(client, raw(ECHO, key="QUERY_STRING", value=f"{query}&tags[]=x"))
    assert response.status_code == 200
    assert response.json["data"]["params"]["tags"] == ["x"]


@pytest.mark.parametrize("text", UNREADABLE)
@pytest.mark.parametrize("key, value, name", [
    ("HTTP_AUTHORIZATION", "Bearer {}", "Authorization"),
    ("HTTP_AUTHORIZATION", "Basic {}", "Authorization"),
    ("HTTP_X_LEARNOMY_KEY", "{}", "X-Learnomy-Key"),
    ("HTTP_COOKIE", "wordpress_logged_in_x={}", "Cookie"),
    ("HTTP_IF_MATCH", '"{}"', "If-Match"),
    ("HTTP_IF_NONE_MATCH", 'W/"{}", "x"', "If-None-Match"),
    ("HTTP_ORIGIN", "https://{}.example", "Origin"),
    ("HTTP_HOST", "{}.example", "Host"),
    ("HTTP_X_REQUEST_ID", "{}", "X-Request-Id"),
    ("HTTP_IDEMPOTENCY_KEY", "{}", "Idempotency-Key"),
    ("HTTP_X_HTTP_METHOD_OVERRIDE", "{}", "X-Http-Method-Override"),
    ("CONTENT_TYPE", "application/json; charset={}", "Content-Type"),
    ("HTTP_USER_AGENT", "{}", "User-Agent"),
])
@pytest.mark.parametrize("method, path", [("GET", WIDGETS), ("PUT", f"{WIDGETS}/1")])
def test_a_header_that_is_no_text_is_refused(client: Client, key: str, value: str, name: str, text: str,
                                             method: str, path: str) -> None:
    environ = raw(path, key=key, value=value.format(text), method=method, json={"name": "gear"},
                  headers={"Origin": "https://app.example", "X-Test-User": "2"})
    error = assert_refused(send(client, environ), 400, "rest_invalid_param")
    assert [d["param"] for d in error["details"]] == [name]
