"""Enrollments: self-enrollment rules, races, manual enrollment, records."""

from __future__ import annotations

import threading

import pytest
from werkzeug.test import Client

from tests.plugins import acme

API = "/wp-json/learnomy/v1"


def enroll(client: Client, people, course: dict, who: str = "ann"):
    return client.post(f"{API}/courses/{course['id']}/enroll", headers=people[who])


def test_self_enroll_in_a_free_course(client: Client, people, make_course) -> None:
    course = make_course(access_days=30)
    response = enroll(client, people, course)
    assert response.status_code == 201
    data = response.json["data"]
    assert data["status"] == "active" and data["source"] == "free" and data["user_id"] == people.ids["ann"]
    assert data["expires_at"] and data["progress_percent"] == 0
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["student_count"] == 1
    assert [e for e, _ in acme.EVENTS][-1] == "enrollment.created"


@pytest.mark.parametrize("fields, publish, status, code", [
    ({"price_type": "paid", "price": 500}, True, 402, "learnomy_payment_required"),
    ({"price_type": "membership"}, True, 402, "learnomy_payment_required"),
    ({}, False, 404, "learnomy_not_found"),
])
def test_self_enroll_refusals(client: Client, people, make_course, fields, publish, status, code) -> None:
    course = make_course(publish=publish, **fields)
    response = enroll(client, people, course)
    assert response.status_code == status and response.json["error"]["code"] == code


def test_enroll_twice(client: Client, people, make_course) -> None:
    course = make_course()
    enroll(client, people, course)
    again = enroll(client, people, course)
    assert again.status_code == 409 and again.json["error"]["code"] == "learnomy_already_enrolled"
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["student_count"] == 1


def test_enrollment_limit(client: Client, people, make_course) -> None:
    course = make_course(max_students=1)
    assert enroll(client, people, course).status_code == 201
    full = enroll(client, people, course, "bob")
    assert full.status_code == 409 and full.json["error"]["code"] == "learnomy_course_full"


def test_anonymous_cannot_enroll(client: Client, make_course) -> None:
    course = make_course()
    assert client.post(f"{API}/courses/{course['id']}/enroll").status_code == 401


def test_racing_requests_enroll_once(make_app, people, make_course) -> None:
    course = make_course()
    clients = [Client(make_app()), Client(make_app())]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def attempt(client: Client) -> None:
        barrier.wait()
        statuses.append(client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"]).status_code)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409]


# -- manual enrollment and records ---------------------------------------------------

def test_editor_enrolls_a_student_by_hand(client: Client, people, make_course) -> None:
    course = make_course(price_type="paid", price=900)
    response = client.post(f"{API}/enrollments", json={"user_id": people.ids["bob"], "course_id": course["id"]},
                           headers=people["ivy"])
    assert response.status_code == 201 and response.json["data"]["source"] == "manual"


@pytest.mark.parametrize("who, publish, status", [
    (None, True, 401), ("ann", True, 403), ("oscar", True, 403), ("oscar", False, 404),
])
def test_manual_enrollment_needs_an_editor(client: Client, people, make_course, who, publish, status) -> None:
    course = make_course(publish=publish)
    response = client.post(f"{API}/enrollments", json={"user_id": people.ids["bob"], "course_id": course["id"]},
                           headers=people[who] if who else {})
    assert response.status_code == status


@pytest.mark.parametrize("body, param", [
    ({"course_id": 1}, "user_id"),
    ({"user_id": 9999, "course_id": None}, "user_id"),
    ({"user_id": None, "course_id": None, "source": "purchase"}, "source"),
    ({"user_id": None, "course_id": None, "status": "cancelled"}, "status"),
])
def test_manual_enrollment_bad_input(client: Client, people, make_course, body: dict, param: str) -> None:
    course = make_course()
    filled = {k: (course["id"] if k == "course_id" else people.ids["bob"]) if v is None else v for k, v in body.items()}
    response = client.post(f"{API}/enrollments", json=filled, headers=people["ivy"])
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["param"] == param


def test_reading_an_enrollment(client: Client, people, make_course) -> None:
    course = make_course()
    enrollment = enroll(client, people, course).json["data"]
    url = f"{API}/enrollments/{enrollment['id']}"
    assert client.get(url, headers=people["ann"]).json["data"]["id"] == enrollment["id"]
    assert client.get(url, headers=people["ivy"]).status_code == 200
    assert client.get(url, headers=people["admin"]).status_code == 200
    assert client.get(url, headers=people["bob"]).status_code == 404
    assert client.get(url, headers=people["oscar"]).status_code == 404
    assert client.get(url).status_code == 401


def test_updating_an_enrollment(client: Client, people, make_course) -> None:
    course = make_course()
    enrollment = enroll(client, people, course).json["data"]
    url = f"{API}/enrollments/{enrollment['id']}"
    assert client.patch(url, json={"status": "suspended"}, headers=people["ann"]).status_code == 403
    assert client.patch(url, json={"status": "suspended"}, headers=people["bob"]).status_code == 404
    assert client.patch(url, json={"status": "bogus"}, headers=people["ivy"]).status_code == 400
    assert client.patch(url, json={"user_id": people.ids["bob"]}, headers=people["ivy"]).status_code == 400
    done = client.patch(url, json={"status": "expired", "expires_at": "2030-01-01T00:00:00Z"}, headers=people["ivy"])
    assert done.status_code == 200 and done.json["data"]["status"] == "expired"
    assert done.json["data"]["expires_at"] == "2030-01-01T00:00:00Z"
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["student_count"] == 0
    # An expired enrollment frees the place: the student may enroll again.
    assert enroll(client, people, course).status_code == 201


def test_unenrolling_keeps_the_record(client: Client, people, make_course) -> None:
    course = make_course()
    enrollment = enroll(client, people, course).json["data"]
    url = f"{API}/enrollments/{enrollment['id']}"
    assert client.delete(url, headers=people["ann"]).status_code == 403
    removed = client.delete(url, headers=people["ivy"])
    assert removed.status_code == 200 and removed.json["data"]["previous"]["status"] == "active"
    assert client.get(url, headers=people["ivy"]).json["data"]["status"] == "cancelled"
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["student_count"] == 0


def test_enrollment_lists(client: Client, people, make_course) -> None:
    ivys, oscars = make_course(), make_course("oscar")
    enroll(client, people, ivys)
    enroll(client, people, oscars)
    enroll(client, people, oscars, "bob")
    assert client.get(f"{API}/enrollments", headers=people["admin"]).json["meta"]["total"] == 3
    mine = client.get(f"{API}/enrollments", headers=people["ivy"]).json["data"]
    assert [e["course_id"] for e in mine] == [ivys["id"]]
    filtered = client.get(f"{API}/enrollments?user={people.ids['bob']}", headers=people["admin"]).json["data"]
    assert [e["user_id"] for e in filtered] == [people.ids["bob"]]
    assert client.get(f"{API}/enrollments", headers=people["ann"]).status_code == 403
    assert client.get(f"{API}/enrollments").status_code == 401
    assert client.get(f"{API}/enrollments?status=nope", headers=people["admin"]).status_code == 400
    own = client.get(f"{API}/me/enrollments", headers=people["ann"]).json
    assert own["meta"]["total"] == 2 and {e["user_id"] for e in own["data"]} == {people.ids["ann"]}
    assert client.get(f"{API}/me/enrollments").status_code == 401
