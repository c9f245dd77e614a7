"""``/admin/students``: the list (search, filters, cursor, constant queries) and
one account in detail (enrollments, progress, orders, certificates)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.controllers.admin.conftest import API, STUDENTS, add_order
from tests.conftest import recorded_statements


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json["data"]]


def test_the_list_has_every_account_with_its_figures(client: Client, people: Any, learner: dict) -> None:
    response = client.get(STUDENTS, headers=people["admin"])
    assert _ids(response) == sorted(people.ids.values(), reverse=True)
    assert response.json["meta"]["total"] == 5
    ann = next(item for item in response.json["data"] if item["id"] == people.ids["ann"])
    assert ann["username"] == "ann" and ann["email"] == "ann@example.org" and ann["roles"] == ["lrn_student"]
    assert ann["status"] == "active" and ann["enrollment_count"] == 2 and ann["completed_count"] == 0
    assert ann["last_activity_at"] is not None
    # Paid orders net of refunds, per currency; the pending one counts for nothing.
    assert ann["total_spent"] == [{"currency": "EUR", "amount": 900}, {"currency": "USD", "amount": 7000}]
    bob = next(item for item in response.json["data"] if item["id"] == people.ids["bob"])
    assert bob["enrollment_count"] == 0 and bob["last_activity_at"] is None and bob["total_spent"] == []


@pytest.fixture
def named(app: LearnomyApp, people: Any) -> Any:
    """bob is "Robert Smith"; ann's display name holds LIKE's wildcards."""
    users = app.identity.store.users
    with app.storage.engine.begin() as db:
        for name, display in (("bob", "Robert Smith"), ("ann", "100% Ann_B")):
            db.execute(sa.update(users).where(users.c.ID == people.ids[name]).values(display_name=display))
    return people


EVERYONE = ["bob", "ann", "oscar", "ivy", "admin"]


@pytest.mark.parametrize("search, who", [
    # The start of a login, an e-mail address or a display name, whatever the case.
    ("bo", ["bob"]), ("BOB", ["bob"]), ("ann@EXAMPLE.o", ["ann"]), ("ivy@", ["ivy"]), ("rob", ["bob"]),
    ("ROBERT S", ["bob"]), ("Oscar", ["oscar"]), ("bob*", ["bob"]), ("  ann  ", ["ann"]),
    # Not the middle of one, unless asked for with a leading *.
    ("smith", []), ("example.org", []), ("*smith", ["bob"]), ("*EXAMPLE.ORG", EVERYONE), ("*xampl*", EVERYONE),
    ("nobody", []), ("*nobody", []),
    # LIKE's wildcards are taken literally.
    ("100%", ["ann"]), ("100", ["ann"]), ("1_0", []), ("%", []), ("_", []), ("*%", ["ann"]), ("*n_b", ["ann"]),
    ("*_", ["ann"]), ("*\\", []),
    # Nothing but wildcards: no search.
    ("*", EVERYONE), ("**", EVERYONE),
])
def test_search_matches_the_start_of_login_email_or_name(client: Client, named: Any, search: str,
                                                         who: list[str]) -> None:
    response = client.get(STUDENTS, query_string={"search": search}, headers=named["admin"])
    assert _ids(response) == [named.ids[name] for name in who]
    assert response.json["meta"]["total"] == len(who)


def test_filters_status_course_and_enrolled_since(client: Client, people: Any, learner: dict) -> None:
    admin = people["admin"]
    first, second = learner["courses"]
    assert client.post(f"{API}/courses/{second['id']}/enroll", headers=people["bob"]).status_code in (200, 201)
    assert client.patch(f"{STUDENTS}/{people.ids['bob']}", json={"status": "blocked"}, headers=admin).status_code == 200
    assert _ids(client.get(STUDENTS, query_string={"status": "blocked"}, headers=admin)) == [people.ids["bob"]]
    assert people.ids["bob"] not in _ids(client.get(STUDENTS, query_string={"status": "active"}, headers=admin))
    assert _ids(client.get(STUDENTS, query_string={"course": first["id"]}, headers=admin)) == [people.ids["ann"]]
    assert _ids(client.get(STUDENTS, query_string={"course": second["id"]}, headers=admin)) == [
        people.ids["bob"], people.ids["ann"]]
    assert _ids(client.get(STUDENTS, query_string={"enrolled_since": "2000-01-01T00:00:00Z"}, headers=admin)) == [
        people.ids["bob"], people.ids["ann"]]
    assert _ids(client.get(STUDENTS, query_string={"enrolled_since": "2100-01-01T00:00:00Z"}, headers=admin)) == []
    both = {"course": second["id"], "status": "active", "search": "ann"}
    assert _ids(client.get(STUDENTS, query_string=both, headers=admin)) == [people.ids["ann"]]


def test_pages_follow_the_cursor_bound_to_the_filters(client: Client, people: Any) -> None:
    admin, seen = people["admin"], []
    cursor = None
    while True:
        query = {"per_page": 2, "search": "*example", **({"cursor": cursor} if cursor else {})}
        response = client.get(STUDENTS, query_string=query, headers=admin)
        seen += _ids(response)
        cursor = response.json["meta"]["cursor_next"]
        if not cursor:
            break
    assert seen == sorted(people.ids.values(), reverse=True)
    first = client.get(STUDENTS, query_string={"per_page": 2}, headers=admin).json["meta"]["cursor_next"]
    other = client.get(STUDENTS, query_string={"per_page": 2, "status": "active", "cursor": first}, headers=admin)
    assert other.status_code == 400 and other.json["error"]["details"][0]["param"] == "cursor"


@pytest.mark.parametrize("query, param", [
    ({"status": "gone"}, "status"), ({"course": 0}, "course"), ({"course": "x"}, "course"),
    ({"enrolled_since": "yesterday"}, "enrolled_since"), ({"per_page": 0}, "per_page"),
    ({"search": "x" * 101}, "search"), ({"cursor": "forged"}, "cursor"),
])
def test_bad_filters_are_400_with_details(client: Client, people: Any, query: dict, param: str) -> None:
    response = client.get(STUDENTS, query_string=query, headers=people["admin"])
    assert response.status_code == 400
    assert param in {d["param"] for d in response.json["error"]["details"]}


def _queries(app: LearnomyApp, call: Any) -> int:
    with recorded_statements(app) as statements:
        assert call().status_code == 200
    return len(statements)


def test_the_list_costs_the_same_queries_whatever_the_page(app: LearnomyApp, client: Client, people: Any,
                                                           learner: dict) -> None:
    add_order(app, people.ids["bob"], 100)
    counts = {per_page: _queries(app, lambda: client.get(STUDENTS, query_string={"per_page": per_page},
                                                        headers=people["admin"])) for per_page in (1, 3, 100)}
    assert counts[1] == counts[3] == counts[100], counts


def test_the_detail_has_enrollments_progress_orders_and_certificates(client: Client, people: Any,
                                                                     learner: dict) -> None:
    response = client.get(f"{STUDENTS}/{people.ids['ann']}", headers=people["admin"])
    assert response.status_code == 200, response.json
    data = response.json["data"]
    first, second = learner["courses"]
    assert [e["course_id"] for e in data["enrollments"]] == [second["id"], first["id"]]
    assert data["enrollments"][1]["course"] == {"id": first["id"], "title": "Course"}
    assert data["enrollments"][1]["progress_percent"] == 50
    progress = {p["course_id"]: p for p in data["progress"]}
    assert progress[first["id"]]["percent"] == 50 and progress[first["id"]]["total_items"] == 2
    assert [i["id"] for i in progress[first["id"]]["completed_items"]] == [first["lesson_ids"][0]]
    assert progress[second["id"]]["completed_items"] == [] and progress[second["id"]]["last_activity_at"] is None
    assert [o["id"] for o in data["orders"]] == sorted(learner["orders"], reverse=True)
    assert [c["id"] for c in data["certificates"]] == [learner["certificate"]["id"]]
    assert data["enrollment_count"] == 2 and data["total_spent"] == [
        {"currency": "EUR", "amount": 900}, {"currency": "USD", "amount": 7000}]


# RESOURCES.md's fields of each nested resource (Enrollment, Progress, Order, Certificate).
NESTED_FIELDS = {
    "enrollments": {"id", "user_id", "course_id", "status", "source", "enrolled_at", "expires_at", "completed_at",
                    "progress_percent"},
    "progress": {"course_id", "user_id", "percent", "completed_items", "total_items", "last_activity_at",
                 "completed_at"},
    "orders": {"id", "user_id", "status", "items", "subtotal", "discount", "total", "refunded_total", "currency",
               "coupon_code", "gateway", "gateway_reference", "payment_url", "created_at", "completed_at"},
    "certificates": {"id", "user_id", "course_id", "template_id", "verification_code", "issued_at", "revoked_at",
                     "download_url"},
}


@pytest.mark.parametrize("field", sorted(NESTED_FIELDS))
def test_the_details_records_have_their_resources_fields(client: Client, people: Any, learner: dict,
                                                         field: str) -> None:
    data = client.get(f"{STUDENTS}/{people.ids['ann']}", headers=people["admin"]).json["data"]
    assert data[field]
    for item in data[field]:
        assert NESTED_FIELDS[field] <= set(item), NESTED_FIELDS[field] - set(item)
        assert item["user_id"] == people.ids["ann"]
    # as the records' own routes answer them
    own = {"orders": f"{API}/orders/{data['orders'][0]['id']}",
           "certificates": f"{API}/certificates/{data['certificates'][0]['id']}"}.get(field)
    if own is not None:
        answer = client.get(own, headers=people["admin"])
        assert answer.status_code == 200, answer.json
        assert {k: answer.json["data"][k] for k in NESTED_FIELDS[field]} == {
            k: data[field][0][k] for k in NESTED_FIELDS[field]}


def test_the_detail_costs_the_same_queries_whatever_the_account_holds(
        app: LearnomyApp, client: Client, people: Any, learner: dict) -> None:
    admin = people["admin"]
    empty = _queries(app, lambda: client.get(f"{STUDENTS}/{people.ids['bob']}", headers=admin))
    # One enrollment and nothing else costs what two, with records of every kind, cost.
    assert client.post(f"{API}/courses/{learner['courses'][1]['id']}/enroll", headers=people["bob"]).status_code in (
        200, 201)
    one = _queries(app, lambda: client.get(f"{STUDENTS}/{people.ids['bob']}", headers=admin))
    full = _queries(app, lambda: client.get(f"{STUDENTS}/{people.ids['ann']}", headers=admin))
    assert full == one and empty <= full, (full, one, empty)


def test_an_unknown_account_is_404_and_a_bad_id_400(client: Client, people: Any) -> None:
    assert client.get(f"{STUDENTS}/999999", headers=people["admin"]).status_code == 404
    assert client.get(f"{STUDENTS}/0", headers=people["admin"]).status_code == 400
