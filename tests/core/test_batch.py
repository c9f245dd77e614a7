"""Batch requests (learnomy_core.batch): ``POST /learnomy/v1/batch`` and WordPress's
``POST /batch/v1``, on the acme test plugin's routes.

The rule under test: a sub-request answers exactly what the same request sent
alone answers (status, the headers that matter, body), because it is answered by
the same pipeline, in its own transaction.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp, batch
from tests.conftest import ADMIN, ALICE, BOB
from tests.plugins import acme, batching

ROOT = "/wp-json"
BATCH = f"{ROOT}/learnomy/v1/batch"
WP_BATCH = f"{ROOT}/batch/v1"
WIDGETS = "/acme/v1/widgets"
# Headers a sub-request reports when its answer sends them (X-Request-Id differs by nature).
COMPARED = ("ETag", "Location", "Allow", "X-WP-Total", "X-WP-TotalPages", "Retry-After", "Idempotent-Replayed")


@pytest.fixture
def app(make_app: Callable[..., LearnomyApp]) -> LearnomyApp:
    return make_app(plugins=["system", acme, batching])


@pytest.fixture(autouse=True)
def _no_calls() -> None:
    batching.CALLS.clear()


def widget(client: Client, name: str = "w", color: str = "#112233", who: dict[str, str] = ALICE) -> dict[str, Any]:
    response = client.post(f"{ROOT}{WIDGETS}", json={"name": name, "color": color}, headers=who)
    assert response.status_code == 201, response.json
    return response.json["data"]


def run(client: Client, *requests: dict[str, Any], who: dict[str, str] = ALICE) -> list[dict[str, Any]]:
    response = client.post(BATCH, json={"requests": list(requests)}, headers=who)
    assert response.status_code == 207, response.json
    assert response.headers["Content-Type"] == "application/json; charset=UTF-8" or \
        response.headers["Content-Type"].startswith("application/json")
    return response.json["data"]["responses"]


def alone(client: Client, request: dict[str, Any], who: dict[str, str] = ALICE) -> dict[str, Any]:
    """The same request sent on its own, reported as a batch reports it."""
    response = client.open(ROOT + request["path"], method=request["method"],
                           json=request.get("body"), headers={**who, **request.get("headers", {})})
    return {"status": response.status_code, "headers": dict(response.headers),
            "body": response.json if response.data else None}


def same_answer(sub: dict[str, Any], single: dict[str, Any]) -> None:
    assert sub["status"] == single["status"]
    assert _no_request_id(sub["body"]) == _no_request_id(single["body"])
    for name in COMPARED:
        assert sub["headers"].get(name) == single["headers"].get(name), name
    assert "Content-Length" not in sub["headers"] and "Vary" not in sub["headers"]


def _no_request_id(body: Any) -> Any:
    if isinstance(body, dict) and "error" in body:
        return {**body, "error": {k: v for k, v in body["error"].items() if k != "request_id"}}
    return body


# -- the same answer as alone -----------------------------------------------------------


READS = {
    "list": lambda w: {"method": "GET", "path": f"{WIDGETS}?per_page=1"},
    "item": lambda w: {"method": "GET", "path": f"{WIDGETS}/{w['id']}"},
    "fields": lambda w: {"method": "GET", "path": f"{WIDGETS}/{w['id']}?_fields=id,name"},
    "missing": lambda w: {"method": "GET", "path": f"{WIDGETS}/999999"},
    "bad query": lambda w: {"method": "GET", "path": f"{WIDGETS}/{w['id']}?per_page=0&id=abc"},
    "no route": lambda w: {"method": "GET", "path": "/acme/v1/nothing-here"},
    "wrong method": lambda w: {"method": "PUT", "path": "/acme/v1/boom"},
    "forbidden": lambda w: {"method": "GET", "path": "/acme/v1/admin-only?n=1"},
    "namespace": lambda w: {"method": "GET", "path": "/acme/v1"},
    "echo query": lambda w: {"method": "GET", "path": "/acme/v1/echo?n=3&tags[]=a&tags[]=b"},
    # Past ISO-8859-1: the sub-request's environ holds it as a server would (UTF-8 bytes).
    "unicode query": lambda w: {"method": "GET", "path": "/acme/v1/echo?q=\u20acuro&tags[]=\U0001f600"},
    "unicode path": lambda w: {"method": "GET", "path": f"{WIDGETS}/\u20ac"},
}
WRITES = {
    "patch": lambda w: {"method": "PATCH", "path": f"{WIDGETS}/{w['id']}", "body": {"name": "renamed"}},
    "put": lambda w: {"method": "PUT", "path": f"{WIDGETS}/{w['id']}", "body": {"color": "#abcdef"}},
    "invalid": lambda w: {"method": "POST", "path": WIDGETS, "body": {"name": "", "color": "red"}},
    "missing arg": lambda w: {"method": "POST", "path": WIDGETS, "body": {}},
    "echo body": lambda w: {"method": "POST", "path": "/acme/v1/echo", "body": {"n": "7", "flag": "true"}},
    "override": lambda w: {"method": "POST", "path": "/acme/v1/echo?_method=DELETE"},
    "conflict": lambda w: {"method": "POST", "path": "/acme/v1/write-then-fail"},
}


@pytest.mark.parametrize("make", list(READS.values()) + list(WRITES.values()), ids=[*READS, *WRITES])
def test_a_sub_request_answers_what_it_answers_alone(client: Client, make: Callable[..., dict[str, Any]]) -> None:
    request = make(widget(client))
    # Writes here are idempotent (or fail): alone first, then batched, on the same state.
    single = alone(client, request)
    (sub,) = run(client, request)
    same_answer(sub, single)


def test_a_created_resource_is_the_one_alone_would_create(client: Client) -> None:
    request = {"method": "POST", "path": WIDGETS, "body": {"name": "made", "color": "#010203"}}
    single = alone(client, request)
    (sub,) = run(client, request)
    new_id = single["body"]["data"]["id"] + 1
    assert sub["status"] == 201
    assert sub["body"] == {"data": {**single["body"]["data"], "id": new_id}}
    assert sub["headers"]["Location"] == f"/acme/v1/widgets/{new_id}"


def test_a_delete_answers_the_deletion(client: Client) -> None:
    first, second = widget(client, "same"), widget(client, "same")
    single = alone(client, {"method": "DELETE", "path": f"{WIDGETS}/{first['id']}"})
    (sub,) = run(client, {"method": "DELETE", "path": f"{WIDGETS}/{second['id']}"})
    assert sub["status"] == single["status"] == 200
    assert sub["body"]["data"]["previous"] == {**single["body"]["data"]["previous"], "id": second["id"]}


def test_answers_come_in_order_and_one_failing_stops_nothing(client: Client) -> None:
    w = widget(client)
    answers = run(client,
                  {"method": "GET", "path": "/acme/v1/boom"},
                  {"method": "GET", "path": f"{WIDGETS}/{w['id']}"},
                  {"method": "POST", "path": WIDGETS, "body": {"name": ""}},
                  {"method": "PATCH", "path": f"{WIDGETS}/{w['id']}", "body": {"name": "after"}})
    assert [a["status"] for a in answers] == [500, 200, 400, 200]
    assert answers[0]["body"]["error"]["code"] == "learnomy_internal_error"
    assert "hunter2" not in str(answers[0])
    assert answers[3]["body"]["data"]["name"] == "after"


def test_each_sub_request_has_its_own_request_id(client: Client) -> None:
    response = client.post(BATCH, json={"requests": [{"method": "GET", "path": "/acme/v1/nothing"},
                                                     {"method": "GET", "path": "/acme/v1/echo",
                                                      "headers": {"X-Request-Id": "mine.7"}}]},
                           headers={**ALICE, "X-Request-Id": "outer-id"})
    first, second = response.json["data"]["responses"]
    assert response.headers["X-Request-Id"] == "outer-id"
    assert first["headers"]["X-Request-Id"] == "outer-id-0" == first["body"]["error"]["request_id"]
    assert second["headers"]["X-Request-Id"] == "mine.7"


def test_if_none_match_answers_304_without_a_body(client: Client) -> None:
    w = widget(client)
    etag = client.get(f"{ROOT}{WIDGETS}/{w['id']}").headers["ETag"]
    (sub,) = run(client, {"method": "GET", "path": f"{WIDGETS}/{w['id']}", "headers": {"If-None-Match": etag}})
    assert sub == {"status": 304, "headers": {**sub["headers"], "ETag": etag}, "body": None}


def test_the_batch_s_own_conditional_headers_do_not_reach_its_sub_requests(client: Client) -> None:
    w = widget(client)
    response = client.post(BATCH, json={"requests": [{"method": "PATCH", "path": f"{WIDGETS}/{w['id']}",
                                                      "body": {"name": "x"}}]},
                           headers={**ALICE, "If-Match": '"stale"', "X-HTTP-Method-Override": "POST"})
    assert response.json["data"]["responses"][0]["status"] == 200


# -- writes: one transaction each ---------------------------------------------------------


def _names(app: LearnomyApp) -> list[str]:
    table = app.tables["lrn_acme_widgets"]
    with app.storage.engine.connect() as db:
        return sorted(db.execute(sa.select(table.c.name)).scalars())


def test_a_failed_write_commits_nothing_and_the_others_commit(app: LearnomyApp, client: Client) -> None:
    answers = run(client,
                  {"method": "POST", "path": WIDGETS, "body": {"name": "first"}},
                  {"method": "POST", "path": "/acme/v1/write-then-fail"},
                  {"method": "POST", "path": WIDGETS, "body": {"name": "third"}})
    assert [a["status"] for a in answers] == [201, 409, 201]
    assert answers[1]["body"]["error"]["code"] == "acme_second_step"
    assert _names(app) == ["first", "third"]  # no "half-done": its transaction rolled back alone


def test_a_later_sub_request_sees_what_an_earlier_one_committed(client: Client) -> None:
    w = widget(client)
    answers = run(client,
                  {"method": "PATCH", "path": f"{WIDGETS}/{w['id']}", "body": {"name": "one"}},
                  {"method": "GET", "path": f"{WIDGETS}/{w['id']}"},
                  {"method": "DELETE", "path": f"{WIDGETS}/{w['id']}"},
                  {"method": "GET", "path": f"{WIDGETS}/{w['id']}"})
    assert [a["status"] for a in answers] == [200, 200, 200, 404]
    assert answers[1]["body"]["data"]["name"] == "one"


def test_if_match_is_honoured_inside_a_batch(app: LearnomyApp, client: Client) -> None:
    w = widget(client, "before")
    etag = client.get(f"{ROOT}{WIDGETS}/{w['id']}").headers["ETag"]
    answers = run(client,
                  {"method": "PATCH", "path": f"{WIDGETS}/{w['id']}", "body": {"name": "stale"},
                   "headers": {"If-Match": '"not-it"'}},
                  {"method": "PATCH", "path": f"{WIDGETS}/{w['id']}", "body": {"name": "fresh"},
                   "headers": {"If-Match": etag}},
                  # The first write changed the ETag: the same value is stale now.
                  {"method": "PATCH", "path": f"{WIDGETS}/{w['id']}", "body": {"name": "late"},
                   "headers": {"If-Match": etag}})
    assert [a["status"] for a in answers] == [412, 200, 412]
    assert answers[0]["body"]["error"]["code"] == "learnomy_precondition_failed"
    assert _names(app) == ["fresh"]


def test_idempotency_keys_work_per_sub_request(app: LearnomyApp, client: Client) -> None:
    # acme has no idempotent route; the header is simply passed and ignored, as alone.
    answers = run(client, *[{"method": "POST", "path": WIDGETS, "body": {"name": "k"},
                             "headers": {"Idempotency-Key": "abc"}}] * 2)
    assert [a["status"] for a in answers] == [201, 201]


# -- who: the caller, every time ----------------------------------------------------------


def test_each_sub_request_is_checked_for_the_caller(client: Client) -> None:
    answers = run(client,
                  {"method": "GET", "path": "/acme/v1/admin-only?n=1"},
                  {"method": "POST", "path": "/acme/v1/echo"}, who=ALICE)
    assert [a["status"] for a in answers] == [403, 200]
    assert answers[0]["body"]["error"]["code"] == "rest_forbidden"
    (admin,) = run(client, {"method": "GET", "path": "/acme/v1/admin-only?n=1"}, who=ADMIN)
    assert admin["status"] == 200


def test_the_batch_needs_a_caller(client: Client) -> None:
    response = client.post(BATCH, json={"requests": [{"method": "GET", "path": "/acme/v1/echo"}]})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "rest_not_logged_in"
    assert client.post(WP_BATCH, json={"requests": []}).status_code == 401


def test_a_sub_request_cannot_bring_credentials(client: Client, app: LearnomyApp) -> None:
    for header in ("Authorization", "cookie", "Content-Type", "Host", "Proxy-Authorization"):
        response = client.post(BATCH, json={"requests": [
            {"method": "POST", "path": WIDGETS, "body": {"name": "x"}, "headers": {header: "Bearer other"}}]},
            headers=ALICE)
        assert response.status_code == 400, header
        assert response.json["error"]["code"] == "rest_invalid_param"
        assert header in response.json["error"]["details"][0]["message"]
    assert _names(app) == []


def test_rate_limits_count_each_sub_request(app: LearnomyApp, client: Client) -> None:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"rate_limit_per_minute": 3}})
    answers = run(client, *[{"method": "POST", "path": "/acme/v1/sensitive"}] * 5, who=BOB)
    assert [a["status"] for a in answers] == [200, 200, 200, 429, 429]
    assert [a["headers"]["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0", "0"]
    assert answers[3]["body"]["error"]["code"] == "learnomy_rate_limited"
    assert int(answers[3]["headers"]["Retry-After"]) >= 1
    # The bucket is the caller's, batch or not.
    assert client.post(f"{ROOT}/acme/v1/sensitive", headers=BOB).status_code == 429


def test_batches_at_the_same_moment_share_one_limit_and_both_write(
        app: LearnomyApp, make_app: Callable[..., LearnomyApp]) -> None:
    from tests.racing import race

    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"rate_limit_per_minute": 6}})
    items = [{"method": "POST", "path": "/acme/v1/sensitive"}, {"method": "POST", "path": WIDGETS,
                                                               "body": {"name": "raced"}}] * 5
    clients = [Client(make_app(plugins=["system", acme, batching])) for _ in range(2)]
    answers = race([lambda c=c: run(c, *items, who=BOB) for c in clients])  # type: ignore[misc]
    statuses = [a["status"] for batch_ in answers for a in batch_]
    assert statuses.count(201) == 10
    assert statuses.count(200) == 6 and statuses.count(429) == 4
    assert _names(app) == ["raced"] * 10


# -- the batch's own input ----------------------------------------------------------------


def test_at_most_25_sub_requests(client: Client) -> None:
    echo = {"method": "GET", "path": "/acme/v1/echo"}
    assert len(run(client, *[echo] * batch.MAX_REQUESTS)) == 25
    for url in (BATCH, WP_BATCH):
        response = client.post(url, json={"requests": [{**echo, "method": "POST"}] * 26}, headers=ALICE)
        assert response.status_code == 400
        detail = response.json["error"]["details"][0]
        assert detail["param"] == "requests" and detail["code"] == "rest_too_many_items"
    assert batching.CALLS == []


@pytest.mark.parametrize("body, param, code", [
    ({}, "requests", "rest_missing_callback_param"),
    ({"requests": "GET /acme/v1/echo"}, "requests", "rest_invalid_type"),
    ({"requests": [{"method": "GET"}]}, "requests", "rest_property_required"),
    ({"requests": [{"path": "/acme/v1/echo"}]}, "requests", "rest_property_required"),
    ({"requests": [{"method": "TRACE", "path": "/acme/v1/echo"}]}, "requests", "rest_not_in_enum"),
    ({"requests": [{"method": "GET", "path": "/acme/v1/echo", "body": "text"}]}, "requests", "rest_invalid_type"),
    ({"requests": [{"method": "GET", "path": "/acme/v1/echo", "extra": 1}]}, "requests",
     "rest_additional_properties_forbidden"),
    ({"requests": [{"method": "GET", "path": "/acme/v1/echo", "headers": {"X-A": "a\r\nX-B: b"}}]}, "requests", None),
    ({"requests": [{"method": "GET", "path": "/acme/v1/echo", "headers": {"bad name": "a"}}]}, "requests", None),
])
def test_a_malformed_batch_is_refused_whole(client: Client, body: dict[str, Any], param: str, code: Any) -> None:
    response = client.post(BATCH, json=body, headers=ALICE)
    assert response.status_code == 400, response.json
    detail = response.json["error"]["details"][0]
    assert detail["param"] == param
    if code:
        assert detail["code"] == code


@pytest.mark.parametrize("path", ["http://evil.example/acme/v1/echo", "//evil.example/x", "acme/v1/echo",
                                  "/acme/v1/echo#frag"])
def test_an_unparseable_path_fails_alone(client: Client, path: str) -> None:
    answers = run(client, {"method": "GET", "path": path}, {"method": "GET", "path": "/acme/v1/echo"})
    assert answers[0]["status"] == 400
    assert answers[0]["body"]["error"]["code"] == "parse_path_failed"
    assert answers[1]["status"] == 200


@pytest.mark.parametrize("request_", [
    {"method": "POST", "path": "/learnomy/v1/batch"},
    {"method": "POST", "path": "/LEARNOMY/v1/Batch/"},
    {"method": "GET", "path": "/learnomy/v1/batch?_method=POST"},
    {"method": "POST", "path": "/batch/v1"},
    {"method": "POST", "path": "/learnomy%2Fv1/batch"},
], ids=["learnomy", "case", "override", "wordpress", "encoded"])
def test_a_batch_cannot_contain_a_batch(client: Client, request_: dict[str, Any]) -> None:
    inner = {"requests": [{"method": "POST", "path": WIDGETS, "body": {"name": "deep"}}]}
    answers = run(client, {**request_, "body": inner}, {"method": "GET", "path": "/acme/v1/echo"})
    assert answers[0]["status"] == 400
    assert answers[0]["body"]["error"]["code"] == "learnomy_batch_nested"
    assert answers[1]["status"] == 200
    wp = client.post(WP_BATCH, json={"requests": [{**request_, "method": "POST", "body": inner}]}, headers=ALICE)
    assert wp.json["responses"][0]["status"] == 400
    assert wp.json["responses"][0]["body"]["error"]["code"] in ("learnomy_batch_nested", "rest_batch_not_allowed")


def test_a_sub_request_on_the_nested_flag_alone_is_refused(app: LearnomyApp) -> None:
    """Whatever path reaches a batch route from inside a batch, its callback refuses."""
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": BATCH, "QUERY_STRING": "", "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http", "CONTENT_TYPE": "application/json",
               "CONTENT_LENGTH": "15", "HTTP_X_TEST_USER": "2", batch.IN_BATCH: "outer"}
    import io
    environ["wsgi.input"] = io.BytesIO(b'{"requests":[]}')
    status, _, body = app.handle(environ, "/learnomy/v1/batch")
    assert status == 400 and b"learnomy_batch_nested" in body


def test_a_sub_request_may_say_its_body_is_json(client: Client) -> None:
    (sub,) = run(client, {"method": "POST", "path": "/acme/v1/echo", "body": {"n": 2},
                          "headers": {"Content-Type": "application/json; charset=utf-8"}})
    assert sub["status"] == 200 and sub["body"]["data"]["params"] == {"n": 2}


def test_text_and_binary_answers_travel_as_strings(client: Client) -> None:
    import base64

    jsonp, pdf = run(client, {"method": "GET", "path": "/acme/v1/echo?_jsonp=cb"},
                     {"method": "GET", "path": "/batching/v1/file"})
    assert jsonp["status"] == 200 and jsonp["body"].startswith("/**/cb({")
    assert jsonp["headers"]["Content-Type"].startswith("application/javascript")
    assert pdf["status"] == 200 and base64.b64decode(pdf["body"]) == batching.PDF
    assert pdf["headers"]["Content-Type"] == "application/pdf"
    assert pdf["headers"]["Content-Disposition"] == 'attachment; filename="certificate.pdf"'


def test_sub_requests_see_method_path_query_body_and_headers(client: Client) -> None:
    (sub,) = run(client, {"method": "PATCH", "path": "/acme/v1/echo?n=3", "body": {"flag": True, "id": 4},
                          "headers": {"X-HTTP-Method-Override": "PUT"}})
    # PATCH is no POST: the override header changes nothing, as alone.
    assert sub["body"]["data"] == {"params": {"n": 3, "flag": True, "id": 4}, "method": "PATCH"}


# -- WordPress's /batch/v1 ------------------------------------------------------------------


def wp(client: Client, *requests: dict[str, Any], validation: str | None = None,
       who: dict[str, str] = ALICE) -> Any:
    body: dict[str, Any] = {"requests": list(requests)}
    if validation:
        body["validation"] = validation
    return client.post(WP_BATCH, json=body, headers=who)


@pytest.mark.parametrize("name", list(batching.OPT_INS))
def test_wordpress_runs_only_endpoints_that_opt_in(client: Client, name: str) -> None:
    response = wp(client, {"path": f"/batching/v1/{name}"})
    assert response.status_code == 207
    (sub,) = response.json["responses"]
    if name == "yes":
        assert sub["status"] == 200
        assert sub["body"]["data"] == {"params": {}, "method": "POST", "user": 2}
    else:
        assert sub["status"] == 400
        assert sub["body"]["error"]["code"] == "rest_batch_not_allowed"
        assert sub["body"]["error"]["message"] == "The requested route does not support batch requests."
        assert batching.CALLS == []


def test_wordpress_sub_request_shape(client: Client) -> None:
    """WordPress's test_batch_v1: method, URL params, query, body and headers reach the route."""
    response = wp(client, {"method": "POST", "path": "/batching/v1/yes/5?query=param",
                           "headers": {"My-Header": "my-value"}, "body": {"project": "gutenberg"}})
    (sub,) = response.json["responses"]
    assert sub["status"] == 200
    assert sub["body"]["data"]["params"] == {"id": 5, "query": "param", "project": "gutenberg"}
    assert set(response.json) == {"responses"}
    assert set(sub) == {"body", "status", "headers"}


def test_wordpress_refuses_reads_and_routes_without_opt_in(client: Client) -> None:
    response = wp(client, {"method": "GET", "path": "/batching/v1/yes"})
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["code"] == "rest_not_in_enum"
    answers = wp(client, {"path": WIDGETS, "body": {"name": "n"}}, {"path": "/acme/v1/nothing"},
                 {"method": "DELETE", "path": "/batching/v1/yes/3"}).json["responses"]
    assert [a["body"]["error"]["code"] for a in answers] == ["rest_batch_not_allowed", "rest_no_route",
                                                             "rest_method_not_allowed"]


@pytest.mark.parametrize("validation", ["normal", "require-all-validate"])
@pytest.mark.parametrize("who", [ADMIN, BOB], ids=["admin", "bob"])
def test_wordpress_method_not_allowed_answers_what_it_answers_alone(client: Client, validation: str,
                                                                    who: dict[str, str]) -> None:
    """A 405 of the pre-check carries the caller's ``Allow``, as the request sent alone."""
    # admin-only's Allow differs by caller: GET for the administrator, none for bob.
    for request in ({"method": "DELETE", "path": "/batching/v1/yes/3"},
                    {"method": "POST", "path": "/acme/v1/admin-only?n=1"}):
        single = alone(client, request, who)
        assert single["status"] == 405 and single["headers"]["Allow"]
        (sub,) = wp(client, request, validation=validation, who=who).json["responses"]
        same_answer(sub, single)


def test_wordpress_normal_validation_runs_the_valid_ones(client: Client) -> None:
    """WordPress's test_batch_v1_partial_error."""
    response = wp(client, {"path": "/batching/v1/yes", "body": {"project": "gutenberg"}},
                  {"path": "/batching/v1/yes", "body": {"project": "buddypress"}}, validation="normal")
    assert response.status_code == 207
    first, second = response.json["responses"]
    assert first["status"] == 200 and second["status"] == 400
    assert second["body"]["error"]["code"] == "rest_invalid_param"
    assert [c["params"]["project"] for c in batching.CALLS] == ["gutenberg"]


def test_wordpress_require_all_validate_runs_nothing_when_one_is_invalid(client: Client) -> None:
    """WordPress's test_batch_v1_pre_validation."""
    response = wp(client, {"path": "/batching/v1/yes", "body": {"project": "gutenberg"}},
                  {"path": "/batching/v1/yes", "body": {"project": "buddypress"}},
                  {"path": "/batching/v1/none"}, validation="require-all-validate")
    assert response.status_code == 207
    assert response.json["failed"] == "validation"
    first, second, third = response.json["responses"]
    assert first is None
    assert second["status"] == 400 and second["body"]["error"]["code"] == "rest_invalid_param"
    assert third["body"]["error"]["code"] == "rest_batch_not_allowed"
    assert batching.CALLS == []


def test_wordpress_require_all_validate_runs_all_when_all_are_valid(client: Client) -> None:
    response = wp(client, *[{"path": "/batching/v1/yes", "body": {"project": "learnomy"}}] * 3,
                  validation="require-all-validate")
    assert response.status_code == 207
    assert "failed" not in response.json
    assert [a["status"] for a in response.json["responses"]] == [200, 200, 200]
    assert len(batching.CALLS) == 3


def test_wordpress_batch_refuses_bad_credentials_first(make_app: Callable[..., LearnomyApp]) -> None:
    """The batch's own caller is checked before any sub-request is looked at."""
    client = Client(make_app(plugins=["system", "identity", acme, batching]))
    response = client.post(WP_BATCH, json={"validation": "require-all-validate",
                                           "requests": [{"path": "/batching/v1/yes"}]},
                           headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "learnomy_invalid_token"


def test_options_tells_api_fetch_the_batch_size(client: Client) -> None:
    """@wordpress/api-fetch sizes its batches from OPTIONS /batch/v1."""
    response = client.options(WP_BATCH)
    assert response.status_code == 200
    endpoint = response.json["endpoints"][0]
    assert endpoint["methods"] == ["POST"]
    assert endpoint["args"]["requests"]["maxItems"] == 25
    assert endpoint["args"]["validation"]["enum"] == ["require-all-validate", "normal"]
    assert response.json["namespace"] == ""
    body = client.get(f"{ROOT}/").json
    index = body["routes"]
    # As WordPress lists its meta route: no namespace, and none in the namespaces list.
    assert index["/batch/v1"]["namespace"] == "" and index["/batch/v1"]["methods"] == ["POST"]
    assert index["/batch/v1"]["_links"] == {"self": [{"href": "http://localhost/wp-json/batch/v1"}]}
    assert "batch/v1" not in body["namespaces"]
    assert index["/batching/v1/yes"]["endpoints"][0]["allow_batch"] == {"v1": True}
    assert "allow_batch" not in index["/batching/v1/none"]["endpoints"][0]


def test_a_list_keeps_its_next_link(client: Client) -> None:
    widget(client, "a"), widget(client, "b")
    single = client.get(f"{ROOT}{WIDGETS}?per_page=1&_fields=id,name")
    (sub,) = run(client, {"method": "GET", "path": f"{WIDGETS}?per_page=1&_fields=id,name"})
    own = single.headers["Link"].rsplit(", <", 1)[0]
    assert 'rel="next"' in own and sub["headers"]["Link"] == own
    assert sub["body"] == single.json


def test_the_batch_answer_carries_no_sub_request_transport_headers(client: Client) -> None:
    w = widget(client)
    (sub,) = run(client, {"method": "GET", "path": f"{WIDGETS}?per_page=1"})
    assert not {"Content-Type", "Content-Length", "Vary", "Cache-Control", "X-Content-Type-Options"} & set(sub["headers"])
    assert "api.w.org" not in sub["headers"].get("Link", "")
    assert re.fullmatch(r'"[0-9a-f]{32}"', sub["headers"]["ETag"])
    assert sub["body"]["data"][0]["id"] == w["id"]
