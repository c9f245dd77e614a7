"""``/admin/instructors``: instructors and pending applications; approving
grants the role and tells the applicant, rejecting needs a reason."""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy_core.identity import users
from tests.conftest import bearer, login, recorded_statements
from tests.controllers.admin.conftest import API, STUDENTS
from tests.plugins import acme
from tests.racing import race

INSTRUCTORS = f"{API}/admin/instructors"


def _apply(client: Client, auth: dict[str, str], message: str = "I teach maths.") -> dict[str, Any]:
    response = client.post(f"{API}/instructor-applications", json={"message": message}, headers=auth)
    assert response.status_code == 201, response.json
    return response.json["data"]


def _listed(client: Client, people: Any, **query: Any) -> dict[int, dict[str, Any]]:
    response = client.get(INSTRUCTORS, query_string=query, headers=people["admin"])
    assert response.status_code == 200, response.json
    return {item["id"]: item for item in response.json["data"]}


def test_the_list_has_instructors_and_applicants(client: Client, people: Any, make_course: Any) -> None:
    make_course("ivy")
    application = _apply(client, people["ann"])
    listed = _listed(client, people)
    assert set(listed) == {people.ids["ivy"], people.ids["oscar"], people.ids["ann"]}
    assert listed[people.ids["ivy"]]["status"] == "instructor" and listed[people.ids["ivy"]]["course_count"] == 1
    assert listed[people.ids["oscar"]]["application"] is None
    ann = listed[people.ids["ann"]]
    assert ann["status"] == "pending" and ann["is_instructor"] is False
    assert ann["application"]["id"] == application["id"] and ann["application"]["message"] == "I teach maths."
    assert set(_listed(client, people, status="pending")) == {people.ids["ann"]}
    assert set(_listed(client, people, status="instructor")) == {people.ids["ivy"], people.ids["oscar"]}


def test_the_list_pages_with_a_cursor(client: Client, people: Any) -> None:
    first = client.get(INSTRUCTORS, query_string={"per_page": 1}, headers=people["admin"]).json
    assert [i["id"] for i in first["data"]] == [people.ids["oscar"]]
    second = client.get(INSTRUCTORS, query_string={"per_page": 1, "cursor": first["meta"]["cursor_next"]},
                        headers=people["admin"]).json
    assert [i["id"] for i in second["data"]] == [people.ids["ivy"]] and second["meta"]["cursor_next"] is None


def test_approving_grants_the_role_and_tells_the_applicant(client: Client, people: Any) -> None:
    application = _apply(client, people["ann"])
    response = client.post(f"{INSTRUCTORS}/{people.ids['ann']}/approve", headers=people["admin"])
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert data["status"] == "instructor" and data["is_instructor"] is True
    assert set(data["roles"]) == {"lrn_student", "lrn_instructor"}
    assert data["application"]["status"] == "approved" and data["application"]["decided_at"]
    # The same token now teaches: roles are read on every request.
    created = client.post(f"{API}/courses", json={"title": "Ann's course"}, headers=people["ann"])
    assert created.status_code == 201
    decided = [d for e, d in acme.EVENTS if e == "instructor_application.decided"]
    assert decided and decided[0]["id"] == application["id"] and decided[0]["status"] == "approved"
    notes = client.get(f"{API}/notifications", headers=people["ann"]).json["data"]
    assert any(n["type"] == "instructor_application.decided" and "approved" in n["title"] for n in notes)


def test_rejecting_keeps_the_role_and_gives_the_reason(client: Client, people: Any) -> None:
    _apply(client, people["ann"])
    response = client.post(f"{INSTRUCTORS}/{people.ids['ann']}/reject", json={"reason": "Show us a syllabus."},
                           headers=people["admin"])
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert data["status"] == "rejected" and data["roles"] == ["lrn_student"]
    assert data["application"]["reason"] == "Show us a syllabus."
    notes = client.get(f"{API}/notifications", headers=people["ann"]).json["data"]
    assert any(n["type"] == "instructor_application.decided" and "rejected" in n["title"] for n in notes)
    # Decided: ann may apply again, and is no longer in the pending list.
    assert people.ids["ann"] not in _listed(client, people)
    _apply(client, people["ann"], "Here is my syllabus.")
    assert _listed(client, people, status="pending")[people.ids["ann"]]["application"]["message"] == "Here is my syllabus."


@pytest.mark.parametrize("body, param", [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "   "}, "reason"),
                                         ({"reason": "x" * 2001}, "reason"), ({"reason": 5}, "reason")])
def test_a_rejection_needs_a_reason(client: Client, people: Any, body: dict, param: str) -> None:
    _apply(client, people["ann"])
    response = client.post(f"{INSTRUCTORS}/{people.ids['ann']}/reject", json=body, headers=people["admin"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == param


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_deciding_without_a_pending_application_is_409(client: Client, people: Any, action: str) -> None:
    response = client.post(f"{INSTRUCTORS}/{people.ids['bob']}/{action}", json={"reason": "No."},
                           headers=people["admin"])
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_no_pending_application"


@pytest.mark.parametrize("query, param", [({"status": "gone"}, "status"), ({"per_page": 101}, "per_page")])
def test_bad_list_filters_are_400(client: Client, people: Any, query: dict, param: str) -> None:
    response = client.get(INSTRUCTORS, query_string=query, headers=people["admin"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == param


def test_two_decisions_at_once_make_one(make_app: Callable[..., LearnomyApp], client: Client, people: Any,
                                        make_user: Callable[..., int]) -> None:
    make_user("ada", "administrator")
    ada = bearer(login(client, "ada"))
    _apply(client, people["ann"])
    target = people.ids["ann"]
    calls = [
        lambda: Client(make_app()).post(f"{INSTRUCTORS}/{target}/approve", headers=people["admin"]),
        lambda: Client(make_app()).post(f"{INSTRUCTORS}/{target}/reject", json={"reason": "No."}, headers=ada),
    ]
    assert sorted(r.status_code for r in race(calls)) == [200, 409]


@pytest.mark.parametrize("first", ["approval", "change"])
def test_approving_while_the_role_is_changed_loses_neither(make_app: Callable[..., LearnomyApp], app: LearnomyApp,
                                                           client: Client, people: Any, first: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Both rewrite the capabilities meta; they queue behind the account's row, so
    neither writes from a stale read. The outcome is theirs one after the other:
    approved then changed leaves the role the change set (``set_role`` replaces the
    roles, as WordPress's does; an administrator who must not overrule a decision
    made meanwhile sends ``If-Match``); changed then approved adds the instructor
    role to it. Never the student's old role with the instructor's beside it."""
    _apply(client, people["ann"])
    target = people.ids["ann"]
    real = users.serialize_php
    slow = "lrn_instructor" if first == "approval" else "subscriber"

    def slow_first(value: Any) -> str:
        if isinstance(value, dict) and slow in value:
            time.sleep(0.5)  # the first one holds on, between reading the roles and writing them
        return real(value)

    monkeypatch.setattr(users, "serialize_php", slow_first)

    def approve() -> Any:
        time.sleep(0 if first == "approval" else 0.1)
        return Client(make_app()).post(f"{INSTRUCTORS}/{target}/approve", headers=people["admin"])

    def change_role() -> Any:
        time.sleep(0 if first == "change" else 0.1)
        return Client(make_app()).patch(f"{STUDENTS}/{target}", json={"role": "subscriber"}, headers=people["admin"])

    assert [r.status_code for r in race([approve, change_role])] == [200, 200]
    student = client.get(f"{STUDENTS}/{target}", headers=people["admin"]).json["data"]
    assert sorted(student["roles"]) in (["subscriber"], ["lrn_instructor", "subscriber"]), student["roles"]
    applications = app.tables["lrn_instructor_applications"]
    with app.storage.engine.connect() as db:
        assert db.execute(sa.select(applications.c.status).where(applications.c.user_id == target)).scalar() == "approved"


def test_approving_while_the_account_is_deleted_queues_behind_it(
        make_app: Callable[..., LearnomyApp], client: Client, people: Any, make_user: Callable[..., int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Both take the account's row before the application's: the approval waits for
    the deletion and finds no account (404), rather than each holding what the
    other waits for (a deadlock, 500, on MariaDB)."""
    make_user("ada", "administrator")
    ada = bearer(login(client, "ada"))
    _apply(client, people["ann"])
    target = people.ids["ann"]
    real = users.UserStore.lock

    def slow_lock(self: Any, db: Any, user_id: int) -> bool:
        held = real(self, db, user_id)
        time.sleep(0.5)  # holding the account's row
        return held

    monkeypatch.setattr(users.UserStore, "lock", slow_lock)

    def delete() -> Any:
        return Client(make_app()).delete(f"{STUDENTS}/{target}", headers=people["admin"])

    def approve() -> Any:
        time.sleep(0.1)  # the deletion holds the account first
        return Client(make_app()).post(f"{INSTRUCTORS}/{target}/approve", headers=ada)

    assert [r.status_code for r in race([delete, approve])] == [200, 404]
    assert client.get(f"{STUDENTS}/{target}", headers=people["admin"]).status_code == 404


def test_the_list_costs_the_same_queries_whatever_the_page(app: LearnomyApp, client: Client, people: Any,
                                                           make_user: Callable[..., int]) -> None:
    
    for name in ("una", "uma", "ugo"):
        make_user(name, "lrn_student")
        _apply(client, bearer(login(client, name)))
    counts = {}
    for per_page in (1, 3, 100):
        with recorded_statements(app) as statements:
            response = client.get(INSTRUCTORS, query_string={"per_page": per_page}, headers=people["admin"])
            assert response.status_code == 200
        counts[per_page] = len(statements)
    assert counts[1] == counts[3] == counts[100], counts
