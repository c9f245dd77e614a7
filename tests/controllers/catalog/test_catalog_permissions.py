"""Who may call each catalog write route: a role-by-route table.

Anonymous callers get 401; students and instructors of other courses get 403
when the course is published (they may know it exists) and 404 when it is a
draft (they may not).
"""

from __future__ import annotations

import pytest
from werkzeug.test import Client

API = "/wp-json/learnomy/v1"

# (method, path template, body); {course}, {section}, {lesson}, {topic} are filled in.
WRITES = [
    ("patch", "/courses/{course}", {"title": "x"}),
    ("delete", "/courses/{course}", None),
    ("post", "/courses/{course}/duplicate", None),
    ("post", "/courses/{course}/instructors", {"user_id": 1}),
    ("delete", "/courses/{course}/instructors/{owner}", None),
    ("get", "/courses/{course}/students", None),
    ("post", "/courses/{course}/sections", {"title": "x"}),
    ("post", "/courses/{course}/sections/reorder", {"order": [1]}),
    ("patch", "/sections/{section}", {"title": "x"}),
    ("delete", "/sections/{section}", None),
    ("post", "/sections/{section}/lessons", {"title": "x"}),
    ("post", "/sections/{section}/lessons/reorder", {"order": [1]}),
    ("patch", "/lessons/{lesson}", {"title": "x"}),
    ("delete", "/lessons/{lesson}", None),
    ("post", "/lessons/{lesson}/topics", {"title": "x"}),
    ("patch", "/topics/{topic}", {"title": "x"}),
    ("delete", "/topics/{topic}", None),
    ("post", "/enrollments", {"user_id": 1, "course_id": "{course}"}),
]


@pytest.fixture
def targets(client: Client, people, make_course):
    def build(publish: bool) -> dict[str, int]:
        course = make_course(publish=publish)
        topic = client.post(f"{API}/lessons/{course['lesson_ids'][0]}/topics", json={"title": "t"},
                            headers=people["ivy"]).json["data"]["id"]
        return {"course": course["id"], "section": course["section_id"], "lesson": course["lesson_ids"][0],
                "topic": topic, "owner": people.ids["ivy"]}

    return build


def _call(client: Client, method: str, template: str, body, ids: dict[str, int], headers: dict[str, str]):
    path = API + template.format(**ids)
    if isinstance(body, dict):
        body = {k: (ids["course"] if v == "{course}" else v) for k, v in body.items()}
    return getattr(client, method)(path, json=body, headers=headers)


@pytest.mark.parametrize("method, template, body", WRITES)
@pytest.mark.parametrize("who, publish, status", [
    (None, True, 401),
    ("ann", True, 403),
    ("oscar", True, 403),
    ("ann", False, 404),
    ("oscar", False, 404),
])
def test_only_editors_write(client: Client, people, targets, method, template, body, who, publish, status) -> None:
    ids = targets(publish)
    response = _call(client, method, template, body, ids, people[who] if who else {})
    assert response.status_code == status, (template, response.json)


@pytest.mark.parametrize("method, template, body", [w for w in WRITES if w[0] != "delete" and w[2]])
def test_editors_get_400_for_bad_input(client: Client, people, targets, method, template, body) -> None:
    ids = targets(True)
    bad = {key: "" if isinstance(value, str) else "not a number" for key, value in body.items()}
    response = _call(client, method, template, bad, ids, people["ivy"])
    assert response.status_code == 400, (template, response.json)
    assert response.json["error"]["details"]
