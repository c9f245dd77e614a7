"""Assignments: created per section by editors, read by enrolled students, completion."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from tests.controllers.conftest import API, People
from tests.plugins import acme
from tests.conftest import recorded_statements

PRO = "/wp-json/learnomy-pro/v1"


def make_assignment(client: Client, people: People, course: dict[str, Any], who: str = "ivy",
                    **fields: Any) -> dict[str, Any]:
    response = client.post(f"{PRO}/sections/{course['section_id']}/assignments",
                           json={"title": "Essay", **fields}, headers=people[who])
    assert response.status_code == 201, response.json
    return response.json["data"]


def enroll(client: Client, people: People, course: dict[str, Any], who: str = "ann") -> None:
    assert client.post(f"{API}/courses/{course['id']}/enroll", headers=people[who]).status_code == 201


@pytest.fixture
def course(client: Client, people: People, make_course: Callable[..., Any]) -> dict[str, Any]:
    """A published course of ivy's with one lesson, ann enrolled."""
    made = make_course()
    enroll(client, people, made)
    return made


def test_editors_create_students_read(client: Client, people: People, course: dict[str, Any]) -> None:
    made = make_assignment(client, people, course, instructions="<p>Write</p><script>x()</script>",
                           due_at="2030-01-01T12:00:00Z", points=50, passing_points=30,
                           allowed_file_types=["pdf", "docx"], max_files=2, resubmissions_allowed=1, required=True)
    assert made["instructions"] == "<p>Write</p>" and made["due_at"] == "2030-01-01T12:00:00Z"
    assert made["course_id"] == course["id"] and made["section_id"] == course["section_id"]
    assert made["allowed_file_types"] == ["pdf", "docx"] and made["position"] == 0 and made["required"] is True
    assert [e for e, _ in acme.EVENTS if e.startswith("assignment.")] == ["assignment.created"]
    second = make_assignment(client, people, course, title="Second")
    assert second["position"] == 1 and second["points"] == 100 and second["allowed_file_types"] == []
    one = client.get(f"{PRO}/assignments/{made['id']}", headers=people["ann"])
    assert one.status_code == 200 and one.json["data"] == made
    listed = client.get(f"{PRO}/courses/{course['id']}/assignments", headers=people["ann"])
    assert [a["id"] for a in listed.json["data"]] == [made["id"], second["id"]]


def test_the_list_pages_in_curriculum_order(client: Client, people: People, course: dict[str, Any]) -> None:
    later = client.post(f"{API}/courses/{course['id']}/sections", json={"title": "Part 2"}, headers=people["ivy"])
    part2 = {**course, "section_id": later.json["data"]["id"]}
    b = make_assignment(client, people, part2, title="B")
    a = make_assignment(client, people, course, title="A", position=5)
    c = make_assignment(client, people, part2, title="C")
    walked, cursor = [], None
    while True:
        body = client.get(f"{PRO}/courses/{course['id']}/assignments",
                          query_string={"per_page": 2, **({"cursor": cursor} if cursor else {})},
                          headers=people["ann"]).json
        walked += [x["id"] for x in body["data"]]
        cursor = body["meta"]["cursor_next"]
        if cursor is None:
            break
    assert walked == [a["id"], b["id"], c["id"]]


def test_editors_update_and_delete(client: Client, people: People, course: dict[str, Any]) -> None:
    made = make_assignment(client, people, course)
    updated = client.patch(f"{PRO}/assignments/{made['id']}", json={"title": "New", "due_at": None, "points": 10},
                           headers=people["ivy"])
    assert updated.status_code == 200 and updated.json["data"]["title"] == "New"
    assert updated.json["data"]["points"] == 10
    gone = client.delete(f"{PRO}/assignments/{made['id']}", headers=people["admin"])
    assert gone.status_code == 200 and gone.json["data"]["previous"]["id"] == made["id"]
    assert client.get(f"{PRO}/assignments/{made['id']}", headers=people["ivy"]).status_code == 404


def test_deleting_the_section_deletes_its_assignments(client: Client, people: People,
                                                      course: dict[str, Any]) -> None:
    made = make_assignment(client, people, course)
    assert client.delete(f"{API}/sections/{course['section_id']}", headers=people["ivy"]).status_code == 200
    assert client.get(f"{PRO}/assignments/{made['id']}", headers=people["ivy"]).status_code == 404


@pytest.mark.parametrize("who, read, write", [
    ("ivy", 200, 200), ("admin", 200, 200), ("ann", 200, 403), ("bob", 403, 403), ("oscar", 403, 403),
])
def test_who_may_read_and_write(client: Client, people: People, course: dict[str, Any], who: str, read: int,
                                write: int) -> None:
    made = make_assignment(client, people, course)
    assert client.get(f"{PRO}/assignments/{made['id']}", headers=people[who]).status_code == read
    assert client.get(f"{PRO}/courses/{course['id']}/assignments", headers=people[who]).status_code == read
    created = client.post(f"{PRO}/sections/{course['section_id']}/assignments", json={"title": "x"},
                          headers=people[who])
    assert created.status_code == (201 if write == 200 else write)
    assert client.patch(f"{PRO}/assignments/{made['id']}", json={"title": "y"}, headers=people[who]).status_code == write
    assert client.delete(f"{PRO}/assignments/{made['id']}", headers=people[who]).status_code == write


def test_a_draft_course_hides_its_assignments(client: Client, people: People,
                                              make_course: Callable[..., Any]) -> None:
    draft = make_course(publish=False)
    made = make_assignment(client, people, draft)
    assert client.get(f"{PRO}/assignments/{made['id']}", headers=people["ann"]).status_code == 404
    assert client.get(f"{PRO}/courses/{draft['id']}/assignments", headers=people["ann"]).status_code == 404


def test_a_required_assignment_counts_toward_completion(client: Client, people: People,
                                                        course: dict[str, Any]) -> None:
    made = make_assignment(client, people, course, required=True, points=10, passing_points=6)
    make_assignment(client, people, course, title="Optional")
    assert client.post(f"{API}/lessons/{course['lesson_ids'][0]}/complete", headers=people["ann"]).status_code == 200
    progress = client.get(f"{API}/courses/{course['id']}/progress", headers=people["ann"]).json["data"]
    assert progress["total_items"] == 2 and progress["percent"] == 50
    step = client.get(f"{API}/courses/{course['id']}/next-step", headers=people["ann"]).json["data"]
    assert step["item"] == {"type": "assignment", "id": made["id"], "title": "Essay"}
    submission = client.post(f"{PRO}/assignments/{made['id']}/submissions", json={"content": "Done"},
                             headers=people["ann"]).json["data"]
    # Below the passing mark: not done.
    client.post(f"{PRO}/submissions/{submission['id']}/grade", json={"points": 5}, headers=people["ivy"])
    assert client.get(f"{API}/courses/{course['id']}/progress", headers=people["ann"]).json["data"]["percent"] == 50
    client.post(f"{PRO}/submissions/{submission['id']}/grade", json={"points": 6}, headers=people["ivy"])
    progress = client.get(f"{API}/courses/{course['id']}/progress", headers=people["ann"]).json["data"]
    assert progress["percent"] == 100 and progress["completed_at"] is not None
    assert "course.completed" in [e for e, _ in acme.EVENTS]


def _completions(app: Any, assignment_id: int) -> list[int]:
    completions = app.tables["lrn_completions"]
    with app.storage.engine.connect() as db:
        return sorted(db.execute(sa.select(completions.c.user_id).where(
            completions.c.item_type == "assignment", completions.c.item_id == assignment_id)).scalars())


def _pass_everyone(client: Client, people: People, course: dict[str, Any]) -> dict[str, Any]:
    """A required assignment ann and bob passed; ann also did the lesson (course completed)."""
    enroll(client, people, course, "bob")
    made = make_assignment(client, people, course, required=True, points=10, passing_points=6)
    assert client.post(f"{API}/lessons/{course['lesson_ids'][0]}/complete", headers=people["ann"]).status_code == 200
    for who in ("ann", "bob"):
        submission = client.post(f"{PRO}/assignments/{made['id']}/submissions", json={"content": "Done"},
                                 headers=people[who]).json["data"]
        assert client.post(f"{PRO}/submissions/{submission['id']}/grade", json={"points": 8},
                           headers=people["ivy"]).status_code == 200
    return made


def test_deleting_an_assignment_forgets_its_completions(app, client: Client, people: People,
                                                        course: dict[str, Any]) -> None:
    made = _pass_everyone(client, people, course)
    assert _completions(app, made["id"]) == sorted([people.ids["ann"], people.ids["bob"]])
    assert client.get(f"{API}/courses/{course['id']}/progress", headers=people["bob"]).json["data"]["percent"] == 50
    assert client.delete(f"{PRO}/assignments/{made['id']}", headers=people["ivy"]).status_code == 200
    assert _completions(app, made["id"]) == []
    bob = client.get(f"{API}/courses/{course['id']}/progress", headers=people["bob"]).json["data"]
    assert bob["percent"] == 0 and bob["total_items"] == 1
    ann = client.get(f"{API}/courses/{course['id']}/progress", headers=people["ann"]).json["data"]
    assert ann["percent"] == 100 and ann["completed_at"] is not None


def test_deleting_a_section_forgets_its_assignments_completions(app, client: Client, people: People,
                                                                course: dict[str, Any]) -> None:
    made = _pass_everyone(client, people, course)
    assert client.delete(f"{API}/sections/{course['section_id']}", headers=people["ivy"]).status_code == 200
    assert _completions(app, made["id"]) == []


def test_deleting_an_assignment_is_one_transaction(app, client: Client, people: People, course: dict[str, Any],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from learnomy.extensions.pro.assignments import assignments

    made = _pass_everyone(client, people, course)

    def broken(*args: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(assignments, "forget_item", broken)
    assert client.delete(f"{PRO}/assignments/{made['id']}", headers=people["ivy"]).status_code == 500
    assert client.get(f"{PRO}/assignments/{made['id']}", headers=people["ivy"]).status_code == 200
    assert _completions(app, made["id"]) == sorted([people.ids["ann"], people.ids["bob"]])


def test_the_list_query_count_is_constant(app, client: Client, people: People, course: dict[str, Any]) -> None:
    for number in range(5):
        make_assignment(client, people, course, title=f"A{number}")
    counts = {}
    for per_page in (1, 3, 100):
        with recorded_statements(app) as statements:
            assert client.get(f"{PRO}/courses/{course['id']}/assignments?per_page={per_page}",
                              headers=people["ann"]).status_code == 200
        counts[per_page] = len(statements)
    assert counts[1] == counts[3] == counts[100], counts


ROUTES = [
    ("GET", "/courses/{course}/assignments"), ("POST", "/sections/{section}/assignments"),
    ("GET", "/assignments/{assignment}"), ("PATCH", "/assignments/{assignment}"),
    ("DELETE", "/assignments/{assignment}"), ("POST", "/assignments/{assignment}/submissions"),
    ("GET", "/assignments/{assignment}/submissions"), ("GET", "/submissions/{submission}"),
    ("POST", "/submissions/{submission}/grade"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_callers_get_401(client: Client, people: People, course: dict[str, Any], method: str,
                                   path: str) -> None:
    made = make_assignment(client, people, course)
    submission = client.post(f"{PRO}/assignments/{made['id']}/submissions", json={"content": "x"},
                             headers=people["ann"]).json["data"]
    url = PRO + path.format(course=course["id"], section=course["section_id"], assignment=made["id"],
                            submission=submission["id"])
    assert client.open(url, method=method, json={"title": "x", "content": "x", "points": 1}).status_code == 401


@pytest.mark.parametrize("method, path, body, param", [
    ("POST", "/sections/{section}/assignments", {}, "title"),
    ("POST", "/sections/{section}/assignments", {"title": "x", "points": -1}, "points"),
    ("POST", "/sections/{section}/assignments", {"title": "x", "points": 5, "passing_points": 6}, "passing_points"),
    ("POST", "/sections/{section}/assignments", {"title": "x", "allowed_file_types": [".PDF"]}, "allowed_file_types"),
    ("POST", "/sections/{section}/assignments", {"title": "x", "due_at": "tomorrow"}, "due_at"),
    ("POST", "/sections/{section}/assignments", {"title": "x", "course_id": 1}, "course_id"),
    ("PATCH", "/assignments/{assignment}", {"passing_points": 101}, "passing_points"),
    ("PATCH", "/assignments/{assignment}", {"max_files": 21}, "max_files"),
    ("GET", "/courses/{course}/assignments?per_page=0", {}, "per_page"),
])
def test_bad_input_is_400_with_details(client: Client, people: People, course: dict[str, Any], method: str,
                                       path: str, body: dict[str, Any], param: str) -> None:
    made = make_assignment(client, people, course)
    url = PRO + path.format(course=course["id"], section=course["section_id"], assignment=made["id"])
    response = client.open(url, method=method, json=body, headers=people["ivy"])
    assert response.status_code == 400, response.json
    assert response.json["error"]["details"][0]["param"] == param


def test_unknown_ids_are_404(client: Client, people: People) -> None:
    for method, path in (("GET", "/assignments/999999"), ("PATCH", "/assignments/999999"),
                         ("POST", "/sections/999999/assignments"), ("GET", "/courses/999999/assignments"),
                         ("GET", "/submissions/999999"), ("POST", "/submissions/999999/grade")):
        response = client.open(f"{PRO}{path}", method=method, json={"title": "x", "points": 1}, headers=people["admin"])
        assert response.status_code == 404, (path, response.json)


def test_the_extension_runs_with_only_what_it_requires(make_app, people: People,
                                                       make_course: Callable[..., Any]) -> None:
    from tests.conftest import FREE

    course = make_course()
    client = Client(make_app(plugins=[*FREE, "pro", "pro.assignments"]))
    assert make_assignment(client, people, course)["course_id"] == course["id"]
    without = Client(make_app(plugins=[*FREE, "pro"]))
    assert without.post(f"{PRO}/sections/{course['section_id']}/assignments", json={"title": "x"},
                        headers=people["ivy"]).status_code == 404
