"""Submissions: files and text, the late flag, resubmission rules, grading, who sees what."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

from tests.controllers.conftest import API, People
from tests.extensions.pro.assignments.test_assignments import PRO, enroll, make_assignment
from tests.plugins import acme
from tests.racing import race
from tests.conftest import recorded_statements


@pytest.fixture
def course(client: Client, people: People, make_course: Callable[..., Any]) -> dict[str, Any]:
    """A published course of ivy's, ann and bob enrolled."""
    made = make_course()
    enroll(client, people, made, "ann")
    enroll(client, people, made, "bob")
    return made


@pytest.fixture
def assignment(client: Client, people: People, course: dict[str, Any]) -> dict[str, Any]:
    return make_assignment(client, people, course, points=20, allowed_file_types=["pdf", "zip"], max_files=2,
                           resubmissions_allowed=2)


def submit(client: Client, people: People, assignment: dict[str, Any], who: str = "ann", **body: Any) -> Any:
    return client.post(f"{PRO}/assignments/{assignment['id']}/submissions", json=body or {"content": "My answer"},
                       headers=people[who])


def grade(client: Client, people: People, submission: dict[str, Any], who: str = "ivy", **body: Any) -> Any:
    return client.post(f"{PRO}/submissions/{submission['id']}/grade", json=body or {"points": 15},
                       headers=people[who])


def test_a_student_submits_text_and_files(client: Client, people: People, assignment: dict[str, Any]) -> None:
    response = submit(client, people, assignment, content="<p>See files</p><script>x()</script>",
                      file_urls=["https://files.example.org/essay.PDF", "http://example.org/dir/code.zip?x=1"])
    assert response.status_code == 201, response.json
    item = response.json["data"]
    assert item["content"] == "<p>See files</p>" and item["attempt"] == 1 and item["status"] == "submitted"
    assert item["file_urls"] == ["https://files.example.org/essay.PDF", "http://example.org/dir/code.zip?x=1"]
    assert item["late"] is False and item["points"] is None and item["graded_at"] is None
    assert item["user_id"] == people.ids["ann"] and item["assignment_id"] == assignment["id"]
    assert [d["id"] for e, d in acme.EVENTS if e == "assignment.submitted"] == [item["id"]]
    assert client.get(f"{PRO}/submissions/{item['id']}", headers=people["ann"]).json["data"] == item


@pytest.mark.parametrize("body, code", [
    ({"file_urls": ["https://example.org/virus.exe"]}, "learnomy_file_type_not_allowed"),
    ({"file_urls": ["https://example.org/essay"]}, "learnomy_file_type_not_allowed"),
    ({"file_urls": ["https://example.org/pdf/"]}, "learnomy_file_type_not_allowed"),
    ({"file_urls": ["ftp://example.org/essay.pdf"]}, "rest_invalid_url"),
    ({"file_urls": ["javascript:alert(1)//a.pdf"]}, "rest_invalid_url"),
    ({"file_urls": [f"https://example.org/{n}.pdf" for n in range(3)]}, "rest_invalid_param"),
    ({"content": "<script>only()</script>"}, "rest_invalid_param"),
    ({}, "rest_invalid_param"),
])
def test_bad_submissions_are_400(client: Client, people: People, assignment: dict[str, Any], body: dict[str, Any],
                                 code: str) -> None:
    response = client.post(f"{PRO}/assignments/{assignment['id']}/submissions", json=body, headers=people["ann"])
    assert response.status_code == 400, response.json
    detail = response.json["error"]["details"][0]
    assert detail["param"] in ("file_urls", "content") and detail["code"] == code, detail


def test_without_file_types_only_text_is_taken(client: Client, people: People, course: dict[str, Any]) -> None:
    text_only = make_assignment(client, people, course)
    refused = submit(client, people, text_only, file_urls=["https://example.org/a.pdf"])
    assert refused.status_code == 400
    assert submit(client, people, text_only, content="Words").status_code == 201


def test_a_submission_after_the_due_date_is_late(client: Client, people: People, course: dict[str, Any]) -> None:
    overdue = make_assignment(client, people, course, due_at="2020-01-01T00:00:00Z")
    assert submit(client, people, overdue).json["data"]["late"] is True


def test_resubmissions_until_graded_or_exhausted(client: Client, people: People, assignment: dict[str, Any]) -> None:
    first = submit(client, people, assignment).json["data"]
    second = submit(client, people, assignment)
    assert second.status_code == 201 and second.json["data"]["attempt"] == 2
    # Returned for another try: the student may submit again.
    assert grade(client, people, second.json["data"], points=5, status="returned").json["data"]["status"] == "returned"
    third = submit(client, people, assignment)
    assert third.status_code == 201 and third.json["data"]["attempt"] == 3
    exhausted = submit(client, people, assignment)
    assert exhausted.status_code == 409 and exhausted.json["error"]["code"] == "learnomy_resubmissions_exhausted"
    # Earlier attempts are kept.
    mine = client.get(f"{PRO}/assignments/{assignment['id']}/submissions", headers=people["ann"]).json["data"]
    assert [s["attempt"] for s in mine] == [3, 2, 1] and mine[-1]["id"] == first["id"]


def test_a_graded_submission_closes_the_assignment(client: Client, people: People,
                                                   assignment: dict[str, Any]) -> None:
    first = submit(client, people, assignment).json["data"]
    assert grade(client, people, first).status_code == 200
    closed = submit(client, people, assignment)
    assert closed.status_code == 409 and closed.json["error"]["code"] == "learnomy_submission_graded"


def test_no_resubmission_by_default(client: Client, people: People, course: dict[str, Any]) -> None:
    once = make_assignment(client, people, course)
    assert submit(client, people, once).status_code == 201
    assert submit(client, people, once).json["error"]["code"] == "learnomy_resubmissions_exhausted"


def test_racing_submissions_take_one_attempt_each(make_app, people: People, course: dict[str, Any]) -> None:
    client = Client(make_app())
    once = make_assignment(client, people, course)
    clients = [Client(make_app()) for _ in range(4)]
    answers = race([lambda c=c: submit(c, people, once) for c in clients])
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409], [a.json for a in answers]
    listed = client.get(f"{PRO}/assignments/{once['id']}/submissions", headers=people["ivy"]).json["data"]
    assert [s["attempt"] for s in listed] == [1]


def test_grading_notifies_the_student(client: Client, people: People, assignment: dict[str, Any]) -> None:
    item = submit(client, people, assignment).json["data"]
    graded = grade(client, people, item, points=18, feedback="<p>Good</p><script>x()</script>")
    assert graded.status_code == 200
    data = graded.json["data"]
    assert data["status"] == "graded" and data["points"] == 18 and data["feedback"] == "<p>Good</p>"
    assert data["graded_by"] == people.ids["ivy"] and data["graded_at"] is not None
    assert [d["id"] for e, d in acme.EVENTS if e == "assignment.graded"] == [item["id"]]
    notes = client.get(f"{API}/notifications", headers=people["ann"]).json["data"]
    graded_note = [n for n in notes if n["type"] == "assignment.graded"]
    assert len(graded_note) == 1 and "18 points" in graded_note[0]["body"]
    assert graded_note[0]["link"] == f"/submissions/{item['id']}"


def test_points_may_not_exceed_the_maximum(client: Client, people: People, assignment: dict[str, Any]) -> None:
    item = submit(client, people, assignment).json["data"]
    response = grade(client, people, item, points=21)
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "points"


@pytest.mark.parametrize("who, status", [("ivy", 200), ("admin", 200), ("ann", 403), ("bob", 404), ("oscar", 404)])
def test_who_may_grade(client: Client, people: People, assignment: dict[str, Any], who: str, status: int) -> None:
    item = submit(client, people, assignment).json["data"]
    assert grade(client, people, item, who).status_code == status


@pytest.mark.parametrize("who, status", [("ann", 200), ("ivy", 200), ("admin", 200), ("bob", 404), ("oscar", 404)])
def test_who_may_read_a_submission(client: Client, people: People, assignment: dict[str, Any], who: str,
                                   status: int) -> None:
    item = submit(client, people, assignment).json["data"]
    assert client.get(f"{PRO}/submissions/{item['id']}", headers=people[who]).status_code == status


def test_students_list_their_own_editors_all(client: Client, people: People, assignment: dict[str, Any]) -> None:
    ann = submit(client, people, assignment, "ann").json["data"]
    bob = submit(client, people, assignment, "bob").json["data"]
    grade(client, people, bob)
    url = f"{PRO}/assignments/{assignment['id']}/submissions"

    def ids(who: str, **query: Any) -> list[int]:
        response = client.get(url, query_string=query, headers=people[who])
        assert response.status_code == 200, response.json
        return [s["id"] for s in response.json["data"]]

    assert ids("ann") == [ann["id"]] and ids("bob") == [bob["id"]]
    assert ids("ann", user_id=people.ids["bob"]) == [ann["id"]]  # the filter cannot widen a student's view
    assert ids("ivy") == [bob["id"], ann["id"]]
    assert ids("ivy", user_id=people.ids["ann"]) == [ann["id"]] and ids("ivy", status="graded") == [bob["id"]]
    assert client.get(url, headers=people["oscar"]).status_code == 403


def test_editors_do_not_submit(client: Client, people: People, assignment: dict[str, Any]) -> None:
    assert submit(client, people, assignment, "ivy").status_code == 403
    assert submit(client, people, assignment, "oscar").status_code == 403


def test_the_submission_list_query_count_is_constant(app, client: Client, people: People,
                                                     assignment: dict[str, Any]) -> None:
    for _ in range(3):
        submit(client, people, assignment, "ann")
    counts = {}
    for per_page in (1, 2, 100):
        with recorded_statements(app) as statements:
            assert client.get(f"{PRO}/assignments/{assignment['id']}/submissions?per_page={per_page}",
                              headers=people["ivy"]).status_code == 200
        counts[per_page] = len(statements)
    assert counts[1] == counts[2] == counts[100], counts


@pytest.mark.parametrize("path, body, param", [
    ("/submissions/{submission}/grade", {}, "points"),
    ("/submissions/{submission}/grade", {"points": 1.5}, "points"),
    ("/submissions/{submission}/grade", {"points": 1, "status": "submitted"}, "status"),
    ("/submissions/{submission}/grade", {"points": 1, "feedback": "x" * 65536}, "feedback"),
    ("/assignments/{assignment}/submissions?status=lost", None, "status"),
])
def test_bad_grading_and_filters_are_400(client: Client, people: People, assignment: dict[str, Any], path: str,
                                         body: Any, param: str) -> None:
    item = submit(client, people, assignment).json["data"]
    url = PRO + path.format(submission=item["id"], assignment=assignment["id"])
    response = client.post(url, json=body, headers=people["ivy"]) if body is not None else \
        client.get(url, headers=people["ivy"])
    assert response.status_code == 400, response.json
    assert response.json["error"]["details"][0]["param"] == param


# -- drip ---------------------------------------------------------------------------------

def _second_section(client: Client, people: People, course: dict[str, Any], lessons: int = 1) -> dict[str, Any]:
    """A second section (``lessons`` lessons) with an assignment in it."""
    section = client.post(f"{API}/courses/{course['id']}/sections", json={"title": "Part 2"},
                          headers=people["ivy"]).json["data"]
    for _ in range(lessons):
        assert client.post(f"{API}/sections/{section['id']}/lessons", json={"title": "Later", "content": "<p>x</p>"},
                           headers=people["ivy"]).status_code == 201
    return make_assignment(client, people, {**course, "section_id": section["id"]})


@pytest.mark.parametrize("lock, code", [
    ("free_sequential", "learnomy_lesson_locked_sequential"),
    ("pro_drip_rule", "learnomy_lesson_locked_drip_rule_after_enrollment"),
    ("cohort_schedule", "learnomy_lesson_locked_cohort_schedule"),
])
def test_an_assignment_in_a_locked_section_refuses_submissions(
        client: Client, people: People, make_course: Callable[..., Any], lock: str, code: str) -> None:
    course = make_course(drip_mode="sequential" if lock == "free_sequential" else "none")
    enroll(client, people, course, "ann")
    open_one = make_assignment(client, people, course)
    locked = _second_section(client, people, course)
    if lock == "pro_drip_rule":
        rule = client.post(f"{PRO}/courses/{course['id']}/drip-rules", json={
            "target_type": "section", "target_id": locked["section_id"], "kind": "days_after_enrollment",
            "value": 5}, headers=people["ivy"])
        assert rule.status_code == 201, rule.json
    elif lock == "cohort_schedule":
        cohort = client.post(f"{PRO}/cohorts", json={
            "course_id": course["id"], "name": "Spring", "starts_at": "2020-01-01T00:00:00Z",
            "ends_at": "2099-01-01T00:00:00Z"}, headers=people["ivy"]).json["data"]
        assert client.post(f"{PRO}/cohorts/{cohort['id']}/members", json={"user_id": people.ids["ann"]},
                           headers=people["ivy"]).status_code == 201
        assert client.put(f"{PRO}/cohorts/{cohort['id']}/schedule", json={"schedule": [
            {"section_id": locked["section_id"], "unlocks_at": "2099-01-01T00:00:00Z"}]},
            headers=people["ivy"]).status_code == 200
    refused = submit(client, people, locked)
    assert refused.status_code == 403, refused.json
    assert refused.json["error"]["code"] == code
    assert refused.json["error"]["details"][0]["reason"] in code
    assert submit(client, people, open_one).status_code == 201
    if lock == "free_sequential":
        # The section opens when its first lesson does: here, once the first section is done.
        assert client.post(f"{API}/lessons/{course['lesson_ids'][0]}/complete",
                           headers=people["ann"]).status_code in (200, 201)
        assert submit(client, people, locked).status_code == 201


def test_an_assignment_in_a_section_without_lessons_is_open(
        client: Client, people: People, make_course: Callable[..., Any]) -> None:
    course = make_course(drip_mode="sequential")
    enroll(client, people, course, "ann")
    assert submit(client, people, _second_section(client, people, course, lessons=0)).status_code == 201
