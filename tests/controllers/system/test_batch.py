"""Batch requests over the Free plugins: ``POST /learnomy/v1/batch`` and WordPress's
``POST /batch/v1`` (as ``@wordpress/api-fetch`` sends it) on real routes.

The core's machinery is tested on the acme plugin in ``tests/core/test_batch.py``;
here: the routes that opt in, the flows an app or the block editor batches, and
that each sub-request is the caller's own request, checked as alone.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.conftest import bearer, login
from tests.controllers.conftest import API, People

ROOT = "/wp-json"
BATCH = f"{API}/batch"
WP_BATCH = f"{ROOT}/batch/v1"
V1 = "/learnomy/v1"


def batch(client: Client, who: dict[str, str], *requests: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.post(BATCH, json={"requests": list(requests)}, headers=who)
    assert response.status_code == 207, response.json
    return response.json["data"]["responses"]


def api_fetch(client: Client, who: dict[str, str], *requests: dict[str, Any]) -> Any:
    """What @wordpress/api-fetch's batch processor sends: a preflight for the size,
    then the requests with ``validation: require-all-validate`` (``data`` renamed ``body``)."""
    preflight = client.options(WP_BATCH, headers=who)
    size = preflight.json["endpoints"][0]["args"]["requests"]["maxItems"]
    assert len(requests) <= size == 25
    return client.post(f"{WP_BATCH}?_locale=user", json={
        "validation": "require-all-validate",
        "requests": [{"path": r["path"], "body": r.get("data"), "method": r.get("method", "POST"),
                      "headers": r.get("headers", {})} for r in requests],
    }, headers=who)


def enroll(client: Client, people: People, course: dict[str, Any], who: str = "ann") -> None:
    response = client.post(f"{API}/courses/{course['id']}/enroll", headers=people[who])
    assert response.status_code == 201, response.json


# -- the same answer as alone -------------------------------------------------------------


@pytest.mark.parametrize("who", ["ivy", "ann", "oscar", "admin"])
def test_reads_answer_what_they_answer_alone(client: Client, people: People,
                                             make_course: Callable[..., dict[str, Any]], who: str) -> None:
    course = make_course(lessons=2)
    draft = make_course(publish=False)
    paths = [f"{V1}/courses/{course['id']}", f"{V1}/courses/{course['id']}?context=edit",
             f"{V1}/courses/{draft['id']}", f"{V1}/courses?per_page=1", f"{V1}/lessons/{course['lesson_ids'][0]}",
             f"{V1}/courses/{course['id']}/sections", f"{V1}/me"]
    answers = batch(client, people[who], *[{"method": "GET", "path": p} for p in paths])
    for path, sub in zip(paths, answers):
        single = client.get(ROOT + path, headers=people[who])
        assert sub["status"] == single.status_code, path
        body = single.json
        if "error" in body:
            sub["body"]["error"].pop("request_id")
            body["error"].pop("request_id")
        assert sub["body"] == body, path
        for header in ("ETag", "X-WP-Total", "Allow"):
            assert sub["headers"].get(header) == single.headers.get(header), (path, header)


def test_writes_answer_the_resource_as_it_then_is(client: Client, people: People,
                                                  make_course: Callable[..., dict[str, Any]]) -> None:
    course = make_course(publish=False)
    section = course["section_id"]
    created, patched, bad, foreign = batch(
        client, people["ivy"],
        {"method": "POST", "path": f"{V1}/sections/{section}/lessons", "body": {"title": "Batched"}},
        {"method": "PATCH", "path": f"{V1}/courses/{course['id']}", "body": {"title": "Renamed"}},
        {"method": "PATCH", "path": f"{V1}/courses/{course['id']}", "body": {"level": "expert-ish"}},
        {"method": "DELETE", "path": f"{V1}/courses/{make_course('oscar')['id']}"})
    assert created["status"] == 201
    lesson = client.get(ROOT + created["headers"]["Location"], headers=people["ivy"])
    assert lesson.status_code == 200 and created["body"] == lesson.json
    assert patched["status"] == 200
    assert patched["body"] == client.get(f"{API}/courses/{course['id']}?context=edit", headers=people["ivy"]).json
    assert bad["status"] == 400 and bad["body"]["error"]["details"][0]["param"] == "level"
    assert foreign["status"] == 403 and foreign["body"]["error"]["code"] == "rest_forbidden"


def test_a_failed_write_changes_nothing_and_the_others_stand(client: Client, people: People,
                                                             make_course: Callable[..., dict[str, Any]]) -> None:
    course = make_course(publish=False)
    etag = client.get(f"{API}/courses/{course['id']}", headers=people["ivy"]).headers["ETag"]
    first, stale, third = batch(
        client, people["ivy"],
        {"method": "PATCH", "path": f"{V1}/courses/{course['id']}", "body": {"title": "One"},
         "headers": {"If-Match": etag}},
        {"method": "PATCH", "path": f"{V1}/courses/{course['id']}", "body": {"title": "Two"},
         "headers": {"If-Match": etag}},
        {"method": "POST", "path": f"{V1}/courses/{course['id']}/sections", "body": {"title": "Part 2"}})
    assert [first["status"], stale["status"], third["status"]] == [200, 412, 201]
    assert stale["body"]["error"]["code"] == "learnomy_precondition_failed"
    assert client.get(f"{API}/courses/{course['id']}", headers=people["ivy"]).json["data"]["title"] == "One"
    sections = client.get(f"{API}/courses/{course['id']}/sections", headers=people["ivy"]).json["data"]
    assert [s["title"] for s in sections] == ["Part 1", "Part 2"]


def test_a_token_revoked_by_an_earlier_sub_request_is_refused_after_it(client: Client, ann: int) -> None:
    pair = login(client, "ann")
    answers = batch(client, bearer(pair),
                    {"method": "GET", "path": f"{V1}/me"},
                    {"method": "POST", "path": f"{V1}/auth/token/revoke", "body": {"all": True}},
                    {"method": "GET", "path": f"{V1}/me"})
    assert [a["status"] for a in answers] == [200, 200, 401]
    assert answers[2]["body"]["error"]["code"] == "learnomy_invalid_token"
    assert client.get(f"{API}/me", headers=bearer(pair)).status_code == 401


def test_login_inside_a_batch_counts_each_attempt(client: Client, people: People) -> None:
    answers = batch(client, people["ann"], *[{"method": "POST", "path": f"{V1}/auth/token",
                                              "body": {"username": "bob", "password": "wrong password"}}] * 3)
    assert [a["status"] for a in answers] == [401, 401, 401]
    remaining = [int(a["headers"]["RateLimit-Remaining"]) for a in answers]
    assert remaining == [remaining[0], remaining[0] - 1, remaining[0] - 2]


def test_idempotency_keys_are_honoured_per_sub_request(client: Client, people: People,
                                                        make_course: Callable[..., dict[str, Any]]) -> None:
    course = make_course(price_type="paid", price=1000)
    order = {"method": "POST", "path": f"{V1}/checkout", "headers": {"Idempotency-Key": "batch-key"},
             "body": {"items": [{"type": "course", "id": course["id"]}], "gateway": "manual"}}
    first, replay = batch(client, people["ann"], order, order)
    assert first["status"] == replay["status"] == 201
    assert "Idempotent-Replayed" not in first["headers"] and replay["headers"]["Idempotent-Replayed"] == "true"
    assert replay["body"] == first["body"] and replay["headers"]["Location"] == first["headers"]["Location"]
    # The key is the caller's, batch or not.
    alone = client.post(f"{API}/checkout", json=order["body"], headers={**people["ann"], **order["headers"]})
    assert alone.headers["Idempotent-Replayed"] == "true" and alone.json == first["body"]
    assert client.get(f"{API}/orders", headers=people["ann"]).json["meta"]["total"] == 1


# -- the batch routes' own guard and input ------------------------------------------------------


@pytest.mark.parametrize("url", [BATCH, WP_BATCH])
def test_anonymous_callers_get_401(client: Client, url: str) -> None:
    response = client.post(url, json={"requests": [{"method": "POST", "path": f"{V1}/courses"}]})
    assert response.status_code == 401 and response.json["error"]["code"] == "rest_not_logged_in"


@pytest.mark.parametrize("url", [BATCH, WP_BATCH])
@pytest.mark.parametrize("body, code", [
    ({}, "rest_missing_callback_param"),
    ({"requests": [{"method": "POST"}]}, "rest_invalid_param"),
    ({"requests": [{"method": "POST", "path": "/x", "headers": {"Cookie": "wordpress_logged_in=1"}}]},
     "rest_invalid_param"),
])
def test_bad_batches_are_400_with_details(client: Client, people: People, url: str, body: Any, code: str) -> None:
    response = client.post(url, json=body, headers=people["ann"])
    assert response.status_code == 400
    assert response.json["error"]["code"] == code and response.json["error"]["details"]


def test_a_student_s_batch_gets_a_student_s_answers(client: Client, people: People,
                                                   make_course: Callable[..., dict[str, Any]]) -> None:
    draft = make_course(publish=False)
    answers = batch(client, people["ann"],
                    {"method": "GET", "path": f"{V1}/courses/{draft['id']}"},
                    {"method": "DELETE", "path": f"{V1}/courses/{draft['id']}"},
                    {"method": "GET", "path": f"{V1}/coupons"})
    assert [a["status"] for a in answers] == [404, 404, 403]
    assert answers[0]["body"]["error"]["code"] == "learnomy_not_found"


# -- WordPress's /batch/v1, as the block editor sends it ---------------------------------------


def test_api_fetch_batches_course_editing(client: Client, people: People,
                                          make_course: Callable[..., dict[str, Any]]) -> None:
    course = make_course(publish=False)
    response = api_fetch(client, people["ivy"],
                         {"path": f"{V1}/courses/{course['id']}/sections", "data": {"title": "Part 2"}},
                         {"path": f"{V1}/lessons/{course['lesson_ids'][0]}", "method": "PUT",
                          "data": {"title": "First, renamed"}},
                         {"path": f"{V1}/course-tags", "data": {"name": "python"}})
    assert response.status_code == 207
    assert "failed" not in response.json
    section, lesson, tag = response.json["responses"]
    assert [section["status"], lesson["status"], tag["status"]] == [201, 200, 201]
    assert section["body"]["data"]["title"] == "Part 2"
    assert lesson["body"]["data"]["title"] == "First, renamed"
    assert tag["body"]["data"]["name"] == "python"


def test_api_fetch_validation_failure_runs_nothing(client: Client, people: People,
                                                   make_course: Callable[..., dict[str, Any]]) -> None:
    course = make_course(publish=False)
    response = api_fetch(client, people["ivy"],
                         {"path": f"{V1}/courses/{course['id']}/sections", "data": {"title": "Never"}},
                         {"path": f"{V1}/courses/{course['id']}", "method": "PATCH", "data": {"price": -5}},
                         {"path": f"{V1}/checkout", "data": {"course_ids": [course["id"]]}})
    assert response.status_code == 207
    assert response.json["failed"] == "validation"
    ok, invalid, refused = response.json["responses"]
    assert ok is None
    assert invalid["status"] == 400 and invalid["body"]["error"]["code"] == "rest_invalid_param"
    assert refused["status"] == 400 and refused["body"]["error"]["code"] == "rest_batch_not_allowed"
    sections = client.get(f"{API}/courses/{course['id']}/sections", headers=people["ivy"]).json["data"]
    assert [s["title"] for s in sections] == ["Part 1"]


def test_a_student_batches_progress_and_notifications(client: Client, people: People,
                                                      make_course: Callable[..., dict[str, Any]]) -> None:
    course = make_course(lessons=3)
    enroll(client, people, course)
    notification = client.get(f"{API}/notifications", headers=people["ann"]).json["data"][0]
    first, second = course["lesson_ids"][:2]
    response = client.post(WP_BATCH, json={"requests": [
        {"path": f"{V1}/lessons/{first}/complete"},
        {"path": f"{V1}/lessons/{second}/position", "body": {"position": 42.5, "percent": 30}},
        {"path": f"{V1}/notifications/{notification['id']}/read"},
        {"path": f"{V1}/courses/{course['id']}/enroll"},
    ]}, headers=people["ann"])
    assert response.status_code == 207
    done, position, read, enrol = response.json["responses"]
    assert [done["status"], position["status"], read["status"]] == [200, 200, 200]
    assert read["body"]["data"]["read_at"] is not None
    assert enrol["status"] == 400 and enrol["body"]["error"]["code"] == "rest_batch_not_allowed"
    progress = client.get(f"{API}/courses/{course['id']}/progress", headers=people["ann"]).json["data"]
    assert progress["completed_items"] == [{"type": "lesson", "id": first, "completed_at": done["body"]["data"].get(
        "completed_at", progress["completed_items"][0]["completed_at"])}]


def test_a_wordpress_batch_runs_as_the_caller(client: Client, people: People,
                                              make_course: Callable[..., dict[str, Any]]) -> None:
    course = make_course(lessons=1)
    (refused,) = client.post(WP_BATCH, json={"requests": [
        {"path": f"{V1}/lessons/{course['lesson_ids'][0]}/complete"}]}, headers=people["bob"]).json["responses"]
    assert refused["status"] in (403, 404)
    (not_yours,) = client.post(WP_BATCH, json={"requests": [
        {"method": "DELETE", "path": f"{V1}/courses/{course['id']}"}]}, headers=people["oscar"]).json["responses"]
    assert not_yours["status"] == 403
    assert client.get(f"{API}/courses/{course['id']}").status_code == 200


def test_the_index_shows_which_endpoints_batch(client: Client) -> None:
    routes = client.get(f"{ROOT}/learnomy/v1").json["routes"]
    courses = routes["/learnomy/v1/courses"]["endpoints"]
    assert [e.get("allow_batch") for e in courses] == [None, {"v1": True}]
    assert all("allow_batch" not in e for e in routes["/learnomy/v1/checkout"]["endpoints"])
    assert routes["/learnomy/v1/batch"]["endpoints"][0]["args"]["requests"]["maxItems"] == 25
