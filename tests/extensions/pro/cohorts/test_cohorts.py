"""Pro cohorts: cohorts of a course, members under a seat limit, the schedule that
unlocks sections for members, aggregate progress, on every route: success, 401,
403/404 and 400."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from tests.plugins import acme
from tests.racing import race
from tests.conftest import recorded_statements

FREE_API = "/wp-json/learnomy/v1"
API = "/wp-json/learnomy-pro/v1"
COHORTS = f"{API}/cohorts"


def stamp(days: float) -> str:
    """An RFC 3339 time ``days`` from now."""
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@pytest.fixture
def course(client: Client, people, make_course) -> dict[str, Any]:
    """Ivy's published course (two lessons in one section), ann and bob enrolled."""
    course = make_course(lessons=2)
    for name in ("ann", "bob"):
        assert client.post(f"{FREE_API}/courses/{course['id']}/enroll", headers=people[name]).status_code == 201
    return course


def make_cohort(client: Client, people, course: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"course_id": course["id"], "name": "Spring", "starts_at": stamp(-1), "ends_at": stamp(30), **fields}
    response = client.post(COHORTS, json=body, headers=people["ivy"])
    assert response.status_code == 201, response.json
    return response.json["data"]


@pytest.fixture
def cohort(client: Client, people, course) -> dict[str, Any]:
    """A running cohort of the course, ann a member."""
    cohort = make_cohort(client, people, course)
    response = client.post(f"{COHORTS}/{cohort['id']}/members", json={"user_id": people.ids["ann"]},
                           headers=people["ivy"])
    assert response.status_code == 201, response.json
    return cohort


# -- cohorts ------------------------------------------------------------------------

def test_create_a_cohort(client: Client, people, course) -> None:
    response = client.post(COHORTS, json={"course_id": course["id"], "name": " Spring ", "starts_at": stamp(1),
                                          "ends_at": stamp(30), "max_members": 20}, headers=people["ivy"])
    assert response.status_code == 201, response.json
    data = response.json["data"]
    assert data["name"] == "Spring" and data["max_members"] == 20 and data["member_count"] == 0
    assert data["status"] == "upcoming" and data["course_id"] == course["id"]
    assert response.headers["Location"].endswith(f"/learnomy-pro/v1/cohorts/{data['id']}")
    assert [d["id"] for e, d in acme.EVENTS if e == "cohort.created"] == [data["id"]]


@pytest.mark.parametrize("starts, ends, status", [(-2, -1, "ended"), (-1, 1, "running"), (1, 2, "upcoming")])
def test_status_follows_the_dates(client: Client, people, course, starts, ends, status) -> None:
    assert make_cohort(client, people, course, starts_at=stamp(starts), ends_at=stamp(ends))["status"] == status


@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403), ("oscar", 403), ("admin", 201)])
def test_who_may_create(client: Client, people, course, who, status) -> None:
    response = client.post(COHORTS, json={"course_id": course["id"], "name": "x", "starts_at": stamp(1),
                                          "ends_at": stamp(2)}, headers=people[who])
    assert response.status_code == status, response.json


def test_a_draft_course_of_another_is_not_found(client: Client, people, make_course) -> None:
    draft = make_course(publish=False)
    response = client.post(COHORTS, json={"course_id": draft["id"], "name": "x", "starts_at": stamp(1),
                                          "ends_at": stamp(2)}, headers=people["oscar"])
    assert response.status_code == 404


def test_a_trashed_course_takes_no_cohorts(client: Client, people, course) -> None:
    assert client.delete(f"{FREE_API}/courses/{course['id']}", headers=people["ivy"]).status_code == 200
    response = client.post(COHORTS, json={"course_id": course["id"], "name": "x", "starts_at": stamp(1),
                                          "ends_at": stamp(2)}, headers=people["ivy"])
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_course_trashed"


@pytest.mark.parametrize("body, param", [
    ({"ends_at": stamp(-5)}, "ends_at"),
    ({"max_members": -1}, "max_members"),
    ({"max_members": 10**12}, "max_members"),
    ({"name": ""}, "name"),
    ({"starts_at": "yesterday"}, "starts_at"),
    ({"name": None}, "name"),
])
def test_bad_cohort_input(client: Client, people, course, body, param) -> None:
    full = {"course_id": course["id"], "name": "x", "starts_at": stamp(1), "ends_at": stamp(2), **body}
    response = client.post(COHORTS, json=full, headers=people["ivy"])
    assert response.status_code == 400, response.json
    assert param in [d["param"] for d in response.json["error"]["details"]]


def test_missing_fields_are_named(client: Client, people, course) -> None:
    response = client.post(COHORTS, json={"course_id": course["id"]}, headers=people["ivy"])
    assert response.status_code == 400
    assert {"name", "starts_at", "ends_at"} <= {d["param"] for d in response.json["error"]["details"]}


@pytest.mark.parametrize("who, status", [
    (None, 401), ("ivy", 200), ("admin", 200), ("ann", 200),   # editors, and the member
    ("bob", 404), ("oscar", 404),                               # enrolled but not in it; a stranger
])
def test_who_sees_a_cohort(client: Client, people, cohort, who, status) -> None:
    response = client.get(f"{COHORTS}/{cohort['id']}", headers=people[who])
    assert response.status_code == status, response.json
    if status == 200:
        assert response.json["data"]["member_count"] == 1


def test_an_unknown_or_bad_id(client: Client, people) -> None:
    assert client.get(f"{COHORTS}/999999", headers=people["ivy"]).status_code == 404
    response = client.get(f"{COHORTS}/0", headers=people["ivy"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "id"


def test_update_a_cohort(client: Client, people, cohort) -> None:
    response = client.patch(f"{COHORTS}/{cohort['id']}", json={"name": "Autumn", "max_members": 5},
                            headers=people["ivy"])
    assert response.status_code == 200, response.json
    assert response.json["data"]["name"] == "Autumn" and response.json["data"]["max_members"] == 5


@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403), ("bob", 404), ("oscar", 404), ("admin", 200)])
def test_who_may_update(client: Client, people, cohort, who, status) -> None:
    response = client.patch(f"{COHORTS}/{cohort['id']}", json={"name": "New"}, headers=people[who])
    assert response.status_code == status, response.json


@pytest.mark.parametrize("body, param", [
    ({"ends_at": stamp(-3)}, "ends_at"),         # before the start it has
    ({"starts_at": stamp(90)}, "ends_at"),       # after the end it has
    ({"max_members": "many"}, "max_members"),
])
def test_bad_update(client: Client, people, cohort, body, param) -> None:
    response = client.patch(f"{COHORTS}/{cohort['id']}", json=body, headers=people["ivy"])
    assert response.status_code == 400, response.json
    assert response.json["error"]["details"][0]["param"] == param


def test_the_limit_cannot_go_below_the_members(client: Client, people, cohort) -> None:
    client.post(f"{COHORTS}/{cohort['id']}/members", json={"user_id": people.ids["bob"]}, headers=people["ivy"])
    response = client.patch(f"{COHORTS}/{cohort['id']}", json={"max_members": 1}, headers=people["ivy"])
    assert response.status_code == 400
    assert response.json["error"]["details"][0] == {
        "param": "max_members", "code": "rest_out_of_bounds", "message": "max_members is below the cohort's member count."}
    assert client.patch(f"{COHORTS}/{cohort['id']}", json={"max_members": 2}, headers=people["ivy"]).status_code == 200
    assert client.patch(f"{COHORTS}/{cohort['id']}", json={"max_members": 0}, headers=people["ivy"]).status_code == 200


@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403), ("bob", 404), ("oscar", 404), ("ivy", 200)])
def test_who_may_delete(client: Client, people, cohort, who, status) -> None:
    response = client.delete(f"{COHORTS}/{cohort['id']}", headers=people[who])
    assert response.status_code == status, response.json
    if status == 200:
        assert response.json["data"]["previous"]["id"] == cohort["id"]
        assert client.get(f"{COHORTS}/{cohort['id']}", headers=people["ivy"]).status_code == 404
        assert client.get(f"{COHORTS}/{cohort['id']}", headers=people["ann"]).status_code == 404


# -- the list ---------------------------------------------------------------------------

def test_instructors_list_the_cohorts_of_their_courses(client: Client, people, course, make_course) -> None:
    mine = [make_cohort(client, people, course, name=f"C{n}")["id"] for n in range(3)]
    other = make_course("oscar")
    client.post(COHORTS, json={"course_id": other["id"], "name": "O", "starts_at": stamp(1), "ends_at": stamp(2)},
                headers=people["oscar"])
    first = client.get(f"{COHORTS}?per_page=2", headers=people["ivy"])
    assert first.status_code == 200
    assert first.json["meta"]["total"] == 3
    cursor = first.json["meta"]["cursor_next"]
    second = client.get(f"{COHORTS}?per_page=2&cursor={cursor}", headers=people["ivy"])
    assert [c["id"] for c in first.json["data"] + second.json["data"]] == sorted(mine, reverse=True)
    assert client.get(COHORTS, headers=people["admin"]).json["meta"]["total"] == 4
    assert client.get(f"{COHORTS}?course_id={other['id']}", headers=people["ivy"]).json["meta"]["total"] == 0
    assert client.get(f"{COHORTS}?course_id={course['id']}", headers=people["ivy"]).json["meta"]["total"] == 3


@pytest.mark.parametrize("who, query, status", [
    (None, "", 401), ("ann", "", 403), ("ivy", "?course_id=0", 400), ("ivy", "?cursor=forged", 400),
    ("ivy", "?per_page=1000", 400),
])
def test_who_may_list_and_bad_filters(client: Client, people, who, query, status) -> None:
    assert client.get(f"{COHORTS}{query}", headers=people[who]).status_code == status


def test_list_query_count_is_constant(app, client: Client, people, course) -> None:
    for n in range(5):
        make_cohort(client, people, course, name=f"C{n}")
    counts = {}
    for per_page in (1, 3, 100):
        with recorded_statements(app) as statements:
            assert client.get(f"{COHORTS}?per_page={per_page}", headers=people["ivy"]).status_code == 200
        counts[per_page] = len(statements)
    assert counts[1] == counts[3] == counts[100], counts


def test_members_list_query_count_is_constant(app, client: Client, people, make_user, course) -> None:
    cohort = make_cohort(client, people, course)
    for n in range(5):
        user_id = make_user(f"member{n}")
        client.post(f"{FREE_API}/enrollments", json={"user_id": user_id, "course_id": course["id"]},
                    headers=people["ivy"])
        assert client.post(f"{COHORTS}/{cohort['id']}/members", json={"user_id": user_id},
                           headers=people["ivy"]).status_code == 201
    counts = {}
    for per_page in (1, 3, 100):
        with recorded_statements(app) as statements:
            response = client.get(f"{COHORTS}/{cohort['id']}/members?per_page={per_page}", headers=people["ivy"])
            assert response.status_code == 200 and response.json["data"][0]["user"] is not None
        counts[per_page] = len(statements)
    assert counts[1] == counts[3] == counts[100], counts


def test_members_find_their_own_cohorts(app, client: Client, people, course, cohort, make_course) -> None:
    other = make_course(lessons=1)
    assert client.post(f"{FREE_API}/courses/{other['id']}/enroll", headers=people["ann"]).status_code == 201
    second = make_cohort(client, people, other, name="Autumn")
    assert client.post(f"{COHORTS}/{second['id']}/members", json={"user_id": people.ids["ann"]},
                       headers=people["ivy"]).status_code == 201
    make_cohort(client, people, course, name="Not ann's")
    mine = client.get(f"{API}/me/cohorts", headers=people["ann"])
    assert mine.status_code == 200, mine.json
    assert [c["id"] for c in mine.json["data"]] == [second["id"], cohort["id"]]
    assert mine.json["data"][1] == client.get(f"{COHORTS}/{cohort['id']}", headers=people["ann"]).json["data"]
    one = client.get(f"{API}/me/cohorts?course_id={course['id']}&per_page=1", headers=people["ann"])
    assert [c["id"] for c in one.json["data"]] == [cohort["id"]] and one.json["meta"]["total"] == 1
    assert client.get(f"{API}/me/cohorts", headers=people["bob"]).json["data"] == []  # enrolled, in no cohort
    assert client.get(f"{API}/me/cohorts", headers=people["ivy"]).json["data"] == []  # editors are not members
    # A course back to draft hides its cohort from members, as GET /cohorts/{id} does.
    assert client.patch(f"{FREE_API}/courses/{other['id']}", json={"status": "draft"},
                        headers=people["ivy"]).status_code == 200
    assert [c["id"] for c in client.get(f"{API}/me/cohorts", headers=people["ann"]).json["data"]] == [cohort["id"]]
    counts = {}
    for per_page in (1, 100):
        with recorded_statements(app) as statements:
            assert client.get(f"{API}/me/cohorts?per_page={per_page}", headers=people["ann"]).status_code == 200
        counts[per_page] = len(statements)
    assert counts[1] == counts[100], counts


@pytest.mark.parametrize("who, query, status", [
    (None, "", 401), ("ann", "?course_id=0", 400), ("ann", "?cursor=forged", 400), ("ann", "?per_page=1000", 400),
])
def test_my_cohorts_refuses_anonymous_callers_and_bad_filters(client: Client, people, who, query, status) -> None:
    response = client.get(f"{API}/me/cohorts{query}", headers=people[who])
    assert response.status_code == status, response.json


# -- members -------------------------------------------------------------------------------

def test_add_list_and_remove_members(client: Client, people, cohort) -> None:
    url = f"{COHORTS}/{cohort['id']}/members"
    added = client.post(url, json={"user_id": people.ids["bob"]}, headers=people["ivy"])
    assert added.status_code == 201, added.json
    assert added.json["data"]["user"]["id"] == people.ids["bob"]
    listed = client.get(url, headers=people["ivy"])
    assert listed.status_code == 200
    assert [m["user_id"] for m in listed.json["data"]] == sorted([people.ids["ann"], people.ids["bob"]])
    assert all(m["progress_percent"] == 0 for m in listed.json["data"])
    assert client.get(f"{COHORTS}/{cohort['id']}", headers=people["bob"]).status_code == 200
    removed = client.delete(f"{url}/{people.ids['bob']}", headers=people["ivy"])
    assert removed.status_code == 200 and removed.json["data"]["previous"]["user_id"] == people.ids["bob"]
    assert client.get(f"{COHORTS}/{cohort['id']}", headers=people["bob"]).status_code == 404
    assert client.get(f"{COHORTS}/{cohort['id']}", headers=people["ivy"]).json["data"]["member_count"] == 1
    events = [(e, d["user_id"]) for e, d in acme.EVENTS if e.startswith("cohort.member")]
    assert events == [("cohort.member_added", people.ids["ann"]), ("cohort.member_added", people.ids["bob"]),
                      ("cohort.member_removed", people.ids["bob"])]
    assert client.delete(f"{url}/{people.ids['bob']}", headers=people["ivy"]).status_code == 404


@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403), ("bob", 404), ("oscar", 404), ("admin", 201)])
def test_who_may_add_members(client: Client, people, cohort, who, status) -> None:
    response = client.post(f"{COHORTS}/{cohort['id']}/members", json={"user_id": people.ids["bob"]},
                           headers=people[who])
    assert response.status_code == status, response.json


@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403), ("bob", 404), ("oscar", 404), ("admin", 200)])
def test_who_may_list_and_remove_members(client: Client, people, cohort, who, status) -> None:
    url = f"{COHORTS}/{cohort['id']}/members"
    assert client.get(url, headers=people[who]).status_code == status
    assert client.delete(f"{url}/{people.ids['ann']}", headers=people[who]).status_code == status


def test_members_must_be_enrolled_students(client: Client, people, cohort) -> None:
    url = f"{COHORTS}/{cohort['id']}/members"
    for user in (people.ids["oscar"], 999999):
        response = client.post(url, json={"user_id": user}, headers=people["ivy"])
        assert response.status_code == 400
        assert response.json["error"]["details"][0]["param"] == "user_id"
        assert response.json["error"]["details"][0]["code"] == "learnomy_not_enrolled"
    response = client.post(url, json={"user_id": 0}, headers=people["ivy"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "user_id"
    assert client.post(url, json={}, headers=people["ivy"]).status_code == 400


def test_one_cohort_per_course_per_student(client: Client, people, course, cohort) -> None:
    again = client.post(f"{COHORTS}/{cohort['id']}/members", json={"user_id": people.ids["ann"]}, headers=people["ivy"])
    assert again.status_code == 409 and again.json["error"]["code"] == "learnomy_already_in_cohort"
    other = make_cohort(client, people, course, name="Other")
    response = client.post(f"{COHORTS}/{other['id']}/members", json={"user_id": people.ids["ann"]},
                           headers=people["ivy"])
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_already_in_cohort"
    # the refused add took no seat
    assert client.get(f"{COHORTS}/{other['id']}", headers=people["ivy"]).json["data"]["member_count"] == 0


def test_the_seat_limit(client: Client, people, course) -> None:
    cohort = make_cohort(client, people, course, max_members=1)
    url = f"{COHORTS}/{cohort['id']}/members"
    assert client.post(url, json={"user_id": people.ids["ann"]}, headers=people["ivy"]).status_code == 201
    full = client.post(url, json={"user_id": people.ids["bob"]}, headers=people["ivy"])
    assert full.status_code == 409 and full.json["error"]["code"] == "learnomy_cohort_full"


def test_an_ended_cohort_takes_no_members(client: Client, people, course) -> None:
    cohort = make_cohort(client, people, course, starts_at=stamp(-5), ends_at=stamp(-1))
    response = client.post(f"{COHORTS}/{cohort['id']}/members", json={"user_id": people.ids["ann"]},
                           headers=people["ivy"])
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_cohort_ended"


def test_racing_adds_never_overfill_a_cohort(make_app, client: Client, people, make_user, course) -> None:
    students = []
    for n in range(6):
        user_id = make_user(f"racer{n}")
        students.append(user_id)
        assert client.post(f"{FREE_API}/enrollments", json={"user_id": user_id, "course_id": course["id"]},
                           headers=people["ivy"]).status_code == 201
    cohort = make_cohort(client, people, course, max_members=2)
    clients = [Client(make_app()) for _ in students]
    responses = race([lambda c=c, u=u: c.post(f"{COHORTS}/{cohort['id']}/members", json={"user_id": u},
                                              headers=people["ivy"]) for c, u in zip(clients, students)])
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 201, 409, 409, 409, 409], [r.json for r in responses]
    assert {r.json["error"]["code"] for r in responses if r.status_code == 409} == {"learnomy_cohort_full"}
    data = client.get(f"{COHORTS}/{cohort['id']}", headers=people["ivy"]).json["data"]
    assert data["member_count"] == 2
    assert client.get(f"{COHORTS}/{cohort['id']}/members", headers=people["ivy"]).json["meta"]["total"] == 2


def test_racing_adds_of_one_student_take_one_seat(make_app, client: Client, people, course) -> None:
    cohort = make_cohort(client, people, course, max_members=5)
    clients = [Client(make_app()) for _ in range(4)]
    responses = race([lambda c=c: c.post(f"{COHORTS}/{cohort['id']}/members", json={"user_id": people.ids["ann"]},
                                         headers=people["ivy"]) for c in clients])
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert client.get(f"{COHORTS}/{cohort['id']}", headers=people["ivy"]).json["data"]["member_count"] == 1


def test_a_cancelled_enrollment_ends_the_membership(app, client: Client, people, cohort) -> None:
    enrollments = app.tables["lrn_enrollments"]
    with app.storage.engine.begin() as db:
        enrollment_id = db.execute(sa.select(enrollments.c.id).where(
            enrollments.c.user_id == people.ids["ann"])).scalar_one()
    assert client.delete(f"{FREE_API}/enrollments/{enrollment_id}", headers=people["ivy"]).status_code == 200
    assert client.get(f"{COHORTS}/{cohort['id']}", headers=people["ivy"]).json["data"]["member_count"] == 0
    removed = [d for e, d in acme.EVENTS if e == "cohort.member_removed"]
    assert removed and removed[-1]["reason"] == "unenrolled" and removed[-1]["user_id"] == people.ids["ann"]


# -- schedule --------------------------------------------------------------------------------

def test_the_schedule_locks_sections_for_members(client: Client, people, course, cohort) -> None:
    url = f"{COHORTS}/{cohort['id']}/schedule"
    later = stamp(3)
    response = client.put(url, json={"schedule": [{"section_id": course["section_id"], "unlocks_at": later}]},
                          headers=people["ivy"])
    assert response.status_code == 200, response.json
    assert response.json["data"] == [{"section_id": course["section_id"], "unlocks_at": later}]
    lesson = f"{FREE_API}/lessons/{course['lesson_ids'][0]}"
    locked = client.get(lesson, headers=people["ann"])
    assert locked.status_code == 403
    assert locked.json["error"]["code"] == "learnomy_lesson_locked_cohort_schedule"
    assert client.get(lesson, headers=people["bob"]).status_code == 200      # not in the cohort
    outline = client.get(f"{FREE_API}/sections/{course['section_id']}/lessons", headers=people["ann"]).json["data"]
    assert [item["locked"] for item in outline] == [{"reason": "cohort_schedule", "unlocks_at": later}] * 2
    assert client.get(lesson, headers=people["ivy"]).status_code == 200      # editors never locked
    assert client.get(url, headers=people["ann"]).json["data"][0]["unlocks_at"] == later
    # A date passed unlocks.
    client.put(url, json={"schedule": [{"section_id": course["section_id"], "unlocks_at": stamp(-1)}]},
               headers=people["ivy"])
    assert client.get(lesson, headers=people["ann"]).status_code == 200
    # An empty schedule clears it.
    assert client.put(url, json={"schedule": []}, headers=people["ivy"]).json["data"] == []


@pytest.mark.parametrize("who, get_status, put_status", [
    (None, 401, 401), ("ann", 200, 403), ("bob", 404, 404), ("oscar", 404, 404), ("admin", 200, 200),
])
def test_who_may_read_and_set_the_schedule(client: Client, people, course, cohort, who, get_status, put_status) -> None:
    url = f"{COHORTS}/{cohort['id']}/schedule"
    assert client.get(url, headers=people[who]).status_code == get_status
    body = {"schedule": [{"section_id": course["section_id"], "unlocks_at": stamp(1)}]}
    assert client.put(url, json=body, headers=people[who]).status_code == put_status


def test_bad_schedules(client: Client, people, course, cohort, make_course) -> None:
    url = f"{COHORTS}/{cohort['id']}/schedule"
    other = make_course()
    entry = {"section_id": course["section_id"], "unlocks_at": stamp(1)}
    for body, param in (
        ({"schedule": [entry, {"section_id": other["section_id"], "unlocks_at": stamp(1)}]}, "schedule[1].section_id"),
        ({"schedule": [entry, entry]}, "schedule[1].section_id"),
        ({"schedule": [{"section_id": course["section_id"], "unlocks_at": "soon"}]}, "schedule"),
        ({"schedule": [{"section_id": course["section_id"]}]}, "schedule"),
        ({}, "schedule"),
    ):
        response = client.put(url, json=body, headers=people["ivy"])
        assert response.status_code == 400, (body, response.json)
        assert response.json["error"]["details"][0]["param"] == param, response.json


def test_a_deleted_section_leaves_the_schedule(client: Client, people, course, cohort) -> None:
    url = f"{COHORTS}/{cohort['id']}/schedule"
    client.put(url, json={"schedule": [{"section_id": course["section_id"], "unlocks_at": stamp(1)}]},
               headers=people["ivy"])
    assert client.delete(f"{FREE_API}/sections/{course['section_id']}", headers=people["ivy"]).status_code == 200
    assert client.get(url, headers=people["ivy"]).json["data"] == []


# -- progress -----------------------------------------------------------------------------------

def test_aggregate_progress(client: Client, people, course, cohort) -> None:
    client.post(f"{COHORTS}/{cohort['id']}/members", json={"user_id": people.ids["bob"]}, headers=people["ivy"])
    first, second = course["lesson_ids"]
    for lesson in (first, second):
        assert client.post(f"{FREE_API}/lessons/{lesson}/complete", headers=people["ann"]).status_code == 200
    assert client.post(f"{FREE_API}/lessons/{first}/complete", headers=people["bob"]).status_code == 200
    response = client.get(f"{COHORTS}/{cohort['id']}/progress", headers=people["ivy"])
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert data["member_count"] == 2 and data["completed"] == 1 and data["in_progress"] == 1
    assert data["not_started"] == 0 and data["average_percent"] == 75
    assert [(item["lesson_id"], item["completed"], item["percent"]) for item in data["lessons"]] == [
        (first, 2, 100), (second, 1, 50)]


@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403), ("bob", 404), ("oscar", 404), ("admin", 200)])
def test_who_sees_progress(client: Client, people, cohort, who, status) -> None:
    assert client.get(f"{COHORTS}/{cohort['id']}/progress", headers=people[who]).status_code == status


def test_progress_of_an_empty_cohort(client: Client, people, course) -> None:
    cohort = make_cohort(client, people, course)
    data = client.get(f"{COHORTS}/{cohort['id']}/progress", headers=people["ivy"]).json["data"]
    assert data["member_count"] == 0 and data["average_percent"] == 0 and data["lessons"][0]["percent"] == 0


def test_a_purged_course_takes_its_cohorts(client: Client, people, course, cohort) -> None:
    assert client.delete(f"{FREE_API}/courses/{course['id']}?force=true", headers=people["admin"]).status_code == 200
    assert client.get(COHORTS, headers=people["admin"]).json["meta"]["total"] == 0
