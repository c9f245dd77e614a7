"""Pro's writes through WordPress's ``POST /batch/v1``: the create, update and delete
endpoints that opt in (``allow_batch``) answer in a batch what they answer alone.

Each sequence below leaves the state as it found it but for what it creates, so it
is sent alone first and then, on the same state, as one batch; the answers are
compared pairwise (new ids and server clocks aside)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import pytest
from werkzeug.test import Client

from tests.controllers.conftest import People

ROOT = "/wp-json"
FREE = "/learnomy/v1"
PRO = "/learnomy-pro/v1"
# Set by the server when it writes, so never the same twice; and where a new item goes
# (last: the one created alone is before it).
BY_NATURE = {"created_at", "updated_at", "added_at", "joined_at", "position"}


def stamp(days: float) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@pytest.fixture
def world(client: Client, people: People, make_course: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Ivy's course (ann and bob enrolled) with a cohort, a path of it, a space with two posts, an assignment."""
    course = make_course(lessons=2)
    for name in ("ann", "bob"):
        assert client.post(f"{ROOT}{FREE}/courses/{course['id']}/enroll", headers=people[name]).status_code == 201
    ivy = people["ivy"]

    def make(path: str, body: dict[str, Any]) -> int:
        response = client.post(ROOT + path, json=body, headers=ivy)
        assert response.status_code == 201, response.json
        return int(response.json["data"]["id"])

    cohort = make(f"{PRO}/cohorts", {"course_id": course["id"], "name": "Spring", "starts_at": stamp(-1),
                                     "ends_at": stamp(30)})
    space = make(f"{PRO}/spaces", {"name": "Lounge", "type": "open"})
    path = make(f"{PRO}/learning-paths", {"title": "Track"})
    steps = client.put(f"{ROOT}{PRO}/learning-paths/{path}/steps", json={"steps": [{"course_id": course["id"]}]},
                       headers=ivy)
    assert steps.status_code == 200, steps.json
    return {"course": course["id"], "section": course["section_id"], "lessons": course["lesson_ids"],
            "cohort": cohort, "path": path, "space": space,
            "post": make(f"{PRO}/spaces/{space}/posts", {"content": "<p>Hi</p>"}),
            "thread": make(f"{PRO}/spaces/{space}/posts", {"content": "<p>Comments here</p>"}),
            "assignment": make(f"{PRO}/sections/{course['section_id']}/assignments", {"title": "Essay"}),
            "bob": people.ids["bob"]}


SEQUENCES: dict[str, Callable[[dict[str, Any]], list[dict[str, Any]]]] = {
    "cohorts": lambda w: [
        {"path": f"{PRO}/cohorts", "body": {"course_id": w["course"], "name": "Autumn", "starts_at": stamp(60),
                                            "ends_at": stamp(90), "max_members": 5}},
        {"method": "PATCH", "path": f"{PRO}/cohorts/{w['cohort']}", "body": {"name": "Summer"}},
        {"method": "PUT", "path": f"{PRO}/cohorts/{w['cohort']}/schedule",
         "body": {"schedule": [{"section_id": w["section"], "unlocks_at": stamp(2)}]}},
        {"path": f"{PRO}/cohorts/{w['cohort']}/members", "body": {"user_id": w["bob"]}},
        {"path": f"{PRO}/cohorts/{w['cohort']}/members", "body": {"user_id": w["bob"]}},  # 409: already in
        {"method": "DELETE", "path": f"{PRO}/cohorts/{w['cohort']}/members/{w['bob']}"},
        {"method": "PATCH", "path": f"{PRO}/cohorts/{w['cohort']}", "body": {"max_members": -1}},  # 400
    ],
    "learning paths": lambda w: [
        {"method": "PATCH", "path": f"{PRO}/learning-paths/{w['path']}", "body": {"description": "<p>Go</p>"}},
        {"method": "PUT", "path": f"{PRO}/learning-paths/{w['path']}/steps",
         "body": {"steps": [{"course_id": w["course"]}]}},
        {"path": f"{PRO}/learning-paths/{w['path']}/enroll"},  # enrolment: not batched
    ],
    "spaces": lambda w: [
        {"path": f"{PRO}/spaces/{w['space']}/posts", "body": {"content": "<p>Batched</p>"}},
        {"method": "PATCH", "path": f"{PRO}/posts/{w['post']}", "body": {"content": "<b>Edited</b>"}},
        {"path": f"{PRO}/posts/{w['thread']}/comments", "body": {"content": "Agreed"}},
        {"path": f"{PRO}/spaces/{w['space']}/members", "body": {"user_id": w["bob"]}},
        {"method": "DELETE", "path": f"{PRO}/spaces/{w['space']}/members/{w['bob']}"},
        {"method": "PATCH", "path": f"{PRO}/spaces/{w['space']}", "body": {"description": "Chat"}},
    ],
    "assignments and drip": lambda w: [
        {"path": f"{PRO}/sections/{w['section']}/assignments", "body": {"title": "Report", "points": 10}},
        {"method": "PATCH", "path": f"{PRO}/assignments/{w['assignment']}", "body": {"title": "Long essay"}},
        {"path": f"{PRO}/courses/{w['course']}/drip-rules",
         "body": {"target_type": "lesson", "target_id": w["lessons"][1], "kind": "days_after_enrollment",
                  "value": 3}},
        {"method": "DELETE", "path": f"{PRO}/drip-rules/999999"},  # 404
        {"method": "GET", "path": f"{PRO}/assignments/{w['assignment']}"},  # refused whole: reads are not batched
    ],
}


def alone(client: Client, who: dict[str, str], request: dict[str, Any]) -> dict[str, Any]:
    response = client.open(ROOT + request["path"], method=request.get("method", "POST"),
                           json=request.get("body"), headers=who)
    return {"status": response.status_code, "headers": dict(response.headers),
            "body": response.json if response.data else None}


def normal(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without what differs by nature: request ids, new ids, server clocks."""
    def scrub(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: scrub(v, k) for k, v in value.items() if k not in BY_NATURE and k != "request_id"}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return "<id>" if key == "id" else value
    headers = {name: answer["headers"].get(name) for name in ("Allow", "Location", "X-WP-Total")}
    if headers["Location"]:
        headers["Location"] = re.sub(r"/\d+$", "/<id>", headers["Location"].removeprefix(ROOT))
    return {"status": answer["status"], "headers": headers, "body": scrub(answer["body"])}


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_pro_writes_answer_in_a_batch_what_they_answer_alone(client: Client, people: People,
                                                             world: dict[str, Any], name: str) -> None:
    requests = SEQUENCES[name](world)
    writes = [r for r in requests if r.get("method", "POST") != "GET"]
    singles = [alone(client, people["ivy"], r) for r in writes]
    response = client.post(f"{ROOT}/batch/v1", json={"requests": writes}, headers=people["ivy"])
    assert response.status_code == 207, response.json
    subs = response.json["responses"]
    for request, single, sub in zip(writes, singles, subs):
        if request["path"].endswith("/enroll"):
            assert sub["status"] == 400 and sub["body"]["error"]["code"] == "rest_batch_not_allowed"
            continue
        assert normal(sub) == normal(single), request
    if len(writes) < len(requests):  # a read is refused by the batch's own schema, as WordPress does
        bad = client.post(f"{ROOT}/batch/v1", json={"requests": requests}, headers=people["ivy"])
        assert bad.status_code == 400 and bad.json["error"]["details"][0]["code"] == "rest_not_in_enum"


def test_pro_writes_run_under_require_all_validate(client: Client, people: People, world: dict[str, Any]) -> None:
    """As ``@wordpress/api-fetch`` sends them: all valid, all run; one invalid, none."""
    valid = [{"path": f"{PRO}/sections/{world['section']}/assignments", "body": {"title": "One"}},
             {"method": "PATCH", "path": f"{PRO}/cohorts/{world['cohort']}", "body": {"name": "Two"}},
             {"path": f"{PRO}/courses/{world['course']}/drip-rules",
              "body": {"target_type": "lesson", "target_id": world["lessons"][1], "kind": "date",
                       "value": stamp(3)}}]
    invalid = {"method": "PATCH", "path": f"{PRO}/assignments/{world['assignment']}", "body": {"points": -1}}
    refused = client.post(f"{ROOT}/batch/v1", json={"validation": "require-all-validate",
                                                    "requests": [*valid, invalid]}, headers=people["ivy"]).json
    assert refused["failed"] == "validation" and refused["responses"][:3] == [None] * 3
    assert refused["responses"][3]["status"] == 400
    done = client.post(f"{ROOT}/batch/v1", json={"validation": "require-all-validate", "requests": valid},
                       headers=people["ivy"]).json
    assert "failed" not in done and [a["status"] for a in done["responses"]] == [201, 200, 201]
    rules = client.get(f"{ROOT}{PRO}/courses/{world['course']}/drip-rules", headers=people["ivy"]).json["data"]
    assert len(rules) == 1
