"""Spaces: the three kinds, who sees and joins them, members, and the events."""

from __future__ import annotations

from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from tests.controllers.conftest import API, People
from tests.plugins import acme
from tests.racing import race
from tests.conftest import recorded_statements

PRO = "/wp-json/learnomy-pro/v1"


def make_space(client: Client, people: People, owner: str = "ivy", **fields: Any) -> dict[str, Any]:
    response = client.post(f"{PRO}/spaces", json={"name": "Lounge", "type": "open", **fields}, headers=people[owner])
    assert response.status_code == 201, response.json
    return response.json["data"]


def join(client: Client, people: People, space: dict[str, Any], who: str, **body: Any) -> Any:
    return client.post(f"{PRO}/spaces/{space['id']}/members", json=body, headers=people[who])


def see(client: Client, people: People, space: dict[str, Any], who: str) -> int:
    return client.get(f"{PRO}/spaces/{space['id']}", headers=people[who]).status_code


def listed(client: Client, people: People, who: str, **query: Any) -> list[int]:
    response = client.get(f"{PRO}/spaces", query_string=query, headers=people[who])
    assert response.status_code == 200, response.json
    return [s["id"] for s in response.json["data"]]


def events(name: str) -> list[Any]:
    return [data for event, data in acme.EVENTS if event == name]


# -- open spaces --------------------------------------------------------------------------

def test_an_open_space_is_joined_and_left(client: Client, people: People) -> None:
    space = make_space(client, people, description="<p>Hi</p><script>x()</script>")
    assert space["description"] == "<p>Hi</p>" and space["owner_id"] == people.ids["ivy"]
    assert space["member_count"] == 1 and space["is_member"] is True and space["course_id"] is None
    assert listed(client, people, "ann") == [space["id"]]
    assert client.get(f"{PRO}/spaces/{space['id']}", headers=people["ann"]).json["data"]["is_member"] is False
    joined = join(client, people, space, "ann")
    assert joined.status_code == 201
    assert joined.json["data"]["user_id"] == people.ids["ann"] and joined.json["data"]["space_id"] == space["id"]
    assert events("space.member_joined")[-1]["user_id"] == people.ids["ann"]
    again = join(client, people, space, "ann")
    assert again.status_code == 409 and again.json["error"]["code"] == "learnomy_already_space_member"
    one = client.get(f"{PRO}/spaces/{space['id']}", headers=people["ann"]).json["data"]
    assert one["member_count"] == 2 and one["is_member"] is True
    left = client.delete(f"{PRO}/spaces/{space['id']}/members/{people.ids['ann']}", headers=people["ann"])
    assert left.status_code == 200 and left.json["data"]["deleted"] is True
    assert events("space.member_removed")[-1]["user_id"] == people.ids["ann"]
    assert client.delete(f"{PRO}/spaces/{space['id']}/members/{people.ids['ann']}",
                         headers=people["ann"]).status_code == 404


def test_the_creator_cannot_leave(client: Client, people: People) -> None:
    space = make_space(client, people)
    response = client.delete(f"{PRO}/spaces/{space['id']}/members/{people.ids['ivy']}", headers=people["ivy"])
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_space_owner"


def test_only_moderators_add_or_remove_others(client: Client, people: People) -> None:
    space = make_space(client, people)
    assert join(client, people, space, "ann", user_id=people.ids["bob"]).status_code == 403
    assert join(client, people, space, "ivy", user_id=people.ids["bob"]).status_code == 201
    assert join(client, people, space, "ann").status_code == 201
    assert client.delete(f"{PRO}/spaces/{space['id']}/members/{people.ids['bob']}",
                         headers=people["ann"]).status_code == 403
    assert client.delete(f"{PRO}/spaces/{space['id']}/members/{people.ids['bob']}",
                         headers=people["admin"]).status_code == 200
    removed = events("space.member_removed")[-1]
    assert removed["user_id"] == people.ids["bob"] and removed["removed_by"] == people.ids["admin"]


def test_adding_an_unknown_user_is_refused(client: Client, people: People) -> None:
    space = make_space(client, people)
    response = join(client, people, space, "ivy", user_id=999999)
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "user_id"


# -- private spaces -------------------------------------------------------------------------

def test_a_private_space_is_invisible_to_non_members(client: Client, people: People) -> None:
    space = make_space(client, people, type="private")
    for who in ("ann", "bob", "oscar"):
        assert see(client, people, space, who) == 404
        assert space["id"] not in listed(client, people, who)
        assert client.get(f"{PRO}/spaces/{space['id']}/posts", headers=people[who]).status_code == 404
        assert join(client, people, space, who).status_code == 404
    post = client.post(f"{PRO}/spaces/{space['id']}/posts", json={"content": "<p>secret</p>"}, headers=people["ivy"])
    assert client.get(f"{PRO}/posts/{post.json['data']['id']}/comments", headers=people["bob"]).status_code == 404
    assert client.patch(f"{PRO}/posts/{post.json['data']['id']}", json={"content": "x"},
                        headers=people["bob"]).status_code == 404
    assert see(client, people, space, "admin") == 200 and space["id"] in listed(client, people, "admin")
    assert join(client, people, space, "ivy", user_id=people.ids["ann"]).status_code == 201
    assert see(client, people, space, "ann") == 200 and listed(client, people, "ann") == [space["id"]]
    # A member may not add others, nor may they join themselves again.
    assert join(client, people, space, "ann", user_id=people.ids["bob"]).status_code == 403
    assert client.delete(f"{PRO}/spaces/{space['id']}/members/{people.ids['ann']}",
                         headers=people["ivy"]).status_code == 200
    assert see(client, people, space, "ann") == 404


# -- course-linked spaces -------------------------------------------------------------------

def test_a_course_space_belongs_to_the_course_students(client: Client, people: People,
                                                      make_course: Callable[..., Any]) -> None:
    course = make_course()
    space = make_space(client, people, type="course", course_id=course["id"])
    assert space["course_id"] == course["id"] and space["member_count"] == 0
    assert see(client, people, space, "ann") == 404 and listed(client, people, "ann") == []
    assert client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"]).status_code == 201
    assert events("space.member_joined")[-1]["space_id"] == space["id"]
    assert events("space.member_joined")[-1]["user_id"] == people.ids["ann"]
    assert see(client, people, space, "ann") == 200 and listed(client, people, "ann") == [space["id"]]
    one = client.get(f"{PRO}/spaces/{space['id']}", headers=people["ann"]).json["data"]
    assert one["member_count"] == 1 and one["is_member"] is True
    posted = client.post(f"{PRO}/spaces/{space['id']}/posts", json={"content": "Hello class"}, headers=people["ann"])
    assert posted.status_code == 201
    for who in ("ann", "bob"):
        refused = join(client, people, space, who)
        assert refused.status_code == (409 if who == "ann" else 404)
    assert join(client, people, space, "ann").json["error"]["code"] == "learnomy_space_membership_by_enrollment"
    assert see(client, people, space, "bob") == 404
    # Co-instructors moderate it.
    assert client.post(f"{API}/courses/{course['id']}/instructors", json={"user_id": people.ids["oscar"]},
                       headers=people["ivy"]).status_code in (200, 201)
    assert client.patch(f"{PRO}/spaces/{space['id']}", json={"name": "Class"}, headers=people["oscar"]).status_code == 200


def test_unenrolling_removes_from_the_course_space(client: Client, people: People,
                                                  make_course: Callable[..., Any]) -> None:
    course = make_course()
    space = make_space(client, people, type="course", course_id=course["id"])
    enrollment = client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"]).json["data"]
    assert client.delete(f"{API}/enrollments/{enrollment['id']}", headers=people["ivy"]).status_code == 200
    removed = events("space.member_removed")[-1]
    assert removed == {"space_id": space["id"], "user_id": people.ids["ann"], "enrollment_id": enrollment["id"]}
    assert see(client, people, space, "ann") == 404


def test_course_space_members_follow_enrollments(app, client: Client, people: People,
                                                make_course: Callable[..., Any]) -> None:
    course = make_course()
    space = make_space(client, people, type="course", course_id=course["id"])
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    enrollments = app.tables["lrn_enrollments"]
    with app.storage.engine.begin() as db:
        db.execute(sa.update(enrollments).values(status="cancelled", live_key=None))
    assert see(client, people, space, "ann") == 404
    assert client.get(f"{PRO}/spaces/{space['id']}", headers=people["ivy"]).json["data"]["member_count"] == 0


def test_a_deleted_account_is_no_member_of_its_course_spaces(client: Client, people: People,
                                                             make_course: Callable[..., Any]) -> None:
    """Its enrollments stay, anonymised; it leaves the spaces they made it a member of."""
    course, other = make_course(), make_course()
    space = make_space(client, people, type="course", course_id=course["id"])
    twin = make_space(client, people, name="Twin", type="course", course_id=course["id"])
    elsewhere = make_space(client, people, name="Elsewhere", type="course", course_id=other["id"])
    enrollment = client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"]).json["data"]
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["bob"])
    counted = {s["id"]: s["member_count"] for s in client.get(f"{PRO}/spaces", headers=people["admin"]).json["data"]}
    assert counted == {space["id"]: 2, twin["id"]: 2, elsewhere["id"]: 0}

    assert client.delete(f"{API}/admin/students/{people.ids['ann']}", headers=people["admin"]).status_code == 200
    counted = {s["id"]: s["member_count"] for s in client.get(f"{PRO}/spaces", headers=people["admin"]).json["data"]}
    assert counted == {space["id"]: 1, twin["id"]: 1, elsewhere["id"]: 0}
    assert client.get(f"{PRO}/spaces/{space['id']}", headers=people["ivy"]).json["data"]["member_count"] == 1
    # As an unenrollment's removal is announced, with the reason.
    assert [e for e in events("space.member_removed") if e["user_id"] == people.ids["ann"]] == [
        {"space_id": s["id"], "user_id": people.ids["ann"], "enrollment_id": enrollment["id"],
         "reason": "account_deleted"} for s in (space, twin)]


@pytest.mark.parametrize("who, body, status", [
    ("ivy", {"type": "course"}, 400),
    ("ivy", {"type": "open", "course_id": "COURSE"}, 400),
    ("ivy", {"type": "course", "course_id": 999999}, 400),
    ("oscar", {"type": "course", "course_id": "COURSE"}, 403),
    ("admin", {"type": "course", "course_id": "COURSE"}, 201),
])
def test_linking_a_course(client: Client, people: People, make_course: Callable[..., Any], who: str,
                          body: dict[str, Any], status: int) -> None:
    course = make_course()
    body = {k: course["id"] if v == "COURSE" else v for k, v in body.items()}
    response = client.post(f"{PRO}/spaces", json={"name": "Class", **body}, headers=people[who])
    assert response.status_code == status, response.json


def test_a_purged_course_takes_its_space(client: Client, people: People, make_course: Callable[..., Any]) -> None:
    course = make_course()
    space = make_space(client, people, type="course", course_id=course["id"])
    assert client.delete(f"{API}/courses/{course['id']}?force=true", headers=people["ivy"]).status_code == 200
    assert see(client, people, space, "admin") == 404


# -- update, delete, list -------------------------------------------------------------------

@pytest.mark.parametrize("who, status", [("ivy", 200), ("admin", 200), ("ann", 403), ("oscar", 403)])
def test_who_may_update_and_delete(client: Client, people: People, who: str, status: int) -> None:
    space = make_space(client, people)
    join(client, people, space, "ann")
    updated = client.patch(f"{PRO}/spaces/{space['id']}", json={"name": "New", "type": "private"}, headers=people[who])
    assert updated.status_code == status
    if status == 200:
        assert updated.json["data"]["name"] == "New" and updated.json["data"]["type"] == "private"
    assert client.delete(f"{PRO}/spaces/{space['id']}", headers=people[who]).status_code == status


def test_a_space_does_not_become_course_linked(client: Client, people: People) -> None:
    space = make_space(client, people)
    response = client.patch(f"{PRO}/spaces/{space['id']}", json={"type": "course"}, headers=people["ivy"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "type"


def test_deleting_a_space_deletes_its_posts(client: Client, people: People) -> None:
    space = make_space(client, people)
    post = client.post(f"{PRO}/spaces/{space['id']}/posts", json={"content": "x"}, headers=people["ivy"]).json["data"]
    gone = client.delete(f"{PRO}/spaces/{space['id']}", headers=people["ivy"])
    assert gone.status_code == 200 and gone.json["data"]["previous"]["id"] == space["id"]
    assert client.patch(f"{PRO}/posts/{post['id']}", json={"content": "y"}, headers=people["ivy"]).status_code == 404


def test_list_pages_by_cursor_and_filters(client: Client, people: People, make_course: Callable[..., Any]) -> None:
    ids = [make_space(client, people)["id"] for _ in range(3)]
    course = make_course()
    linked = make_space(client, people, type="course", course_id=course["id"])["id"]
    walked, cursor = [], None
    while True:
        body = client.get(f"{PRO}/spaces", query_string={"per_page": 2, **({"cursor": cursor} if cursor else {})},
                          headers=people["ivy"]).json
        walked += [s["id"] for s in body["data"]]
        assert body["meta"]["total"] == 4
        cursor = body["meta"]["cursor_next"]
        if cursor is None:
            break
    assert walked == sorted([*ids, linked], reverse=True)
    assert listed(client, people, "ivy", type="course") == [linked]
    assert listed(client, people, "ivy", course_id=course["id"]) == [linked]


def test_list_query_count_is_constant(app, client: Client, people: People, make_course: Callable[..., Any]) -> None:
    for number in range(4):
        make_space(client, people, type=("open", "private")[number % 2])
        course = make_course(lessons=1)
        make_space(client, people, type="course", course_id=course["id"])
        client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    counts = {}
    for per_page in (1, 3, 100):
        with recorded_statements(app) as statements:
            assert client.get(f"{PRO}/spaces?per_page={per_page}", headers=people["ivy"]).status_code == 200
        counts[per_page] = len(statements)
    assert counts[1] == counts[3] == counts[100], counts


# -- refusals -------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/spaces"), ("POST", "/spaces"), ("GET", "/spaces/{space}"), ("PATCH", "/spaces/{space}"),
    ("DELETE", "/spaces/{space}"), ("POST", "/spaces/{space}/members"), ("DELETE", "/spaces/{space}/members/1"),
    ("GET", "/spaces/{space}/posts"), ("POST", "/spaces/{space}/posts"), ("PATCH", "/posts/{post}"),
    ("DELETE", "/posts/{post}"), ("GET", "/posts/{post}/comments"), ("POST", "/posts/{post}/comments"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_anonymous_callers_get_401(client: Client, people: People, method: str, path: str) -> None:
    space = make_space(client, people)
    post = client.post(f"{PRO}/spaces/{space['id']}/posts", json={"content": "x"}, headers=people["ivy"]).json["data"]
    url = PRO + path.format(space=space["id"], post=post["id"])
    assert client.open(url, method=method, json={"name": "x", "type": "open", "content": "x"}).status_code == 401


def test_students_do_not_create_spaces(client: Client, people: People) -> None:
    assert client.post(f"{PRO}/spaces", json={"name": "Mine", "type": "open"}, headers=people["ann"]).status_code == 403


@pytest.mark.parametrize("method, path, body, param", [
    ("POST", "/spaces", {"type": "open"}, "name"),
    ("POST", "/spaces", {"name": "x", "type": "club"}, "type"),
    ("POST", "/spaces", {"name": "", "type": "open"}, "name"),
    ("GET", "/spaces?per_page=0", {}, "per_page"),
    ("GET", "/spaces?cursor=forged", {}, "cursor"),
    ("PATCH", "/spaces/{space}", {"name": "x" * 256}, "name"),
    ("POST", "/spaces/{space}/members", {"user_id": "me"}, "user_id"),
    ("POST", "/spaces/{space}/posts", {}, "content"),
    ("POST", "/spaces/{space}/posts", {"content": "<script>x</script>"}, "content"),
    ("PATCH", "/posts/{post}", {"pinned": "maybe"}, "pinned"),
    ("POST", "/posts/{post}/comments", {"content": ""}, "content"),
    ("GET", "/posts/{post}/comments?per_page=1000", {}, "per_page"),
])
def test_bad_input_is_400_with_details(client: Client, people: People, method: str, path: str,
                                       body: dict[str, Any], param: str) -> None:
    space = make_space(client, people)
    post = client.post(f"{PRO}/spaces/{space['id']}/posts", json={"content": "x"}, headers=people["ivy"]).json["data"]
    url = PRO + path.format(space=space["id"], post=post["id"])
    response = client.open(url, method=method, json=body, headers=people["ivy"])
    assert response.status_code == 400, response.json
    details = response.json["error"]["details"]
    assert details and details[0]["param"] == param, details


def test_unknown_spaces_and_posts_are_404(client: Client, people: People) -> None:
    for method, path in (("GET", "/spaces/999999"), ("PATCH", "/spaces/999999"), ("GET", "/spaces/999999/posts"),
                         ("PATCH", "/posts/999999"), ("GET", "/posts/999999/comments")):
        assert client.open(f"{PRO}{path}", method=method, json={"name": "x"}, headers=people["admin"]).status_code == 404


def test_racing_joins_make_one_membership(make_app, people: People) -> None:
    client = Client(make_app())
    space = make_space(client, people)
    clients = [Client(make_app()) for _ in range(4)]
    answers = race([lambda c=c: join(c, people, space, "ann") for c in clients])
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409], [a.json for a in answers]
    assert client.get(f"{PRO}/spaces/{space['id']}", headers=people["ivy"]).json["data"]["member_count"] == 2


def test_the_extension_runs_with_only_what_it_requires(make_app, people: People) -> None:
    from tests.conftest import FREE

    client = Client(make_app(plugins=[*FREE, "pro", "pro.spaces"]))
    assert make_space(client, people)["member_count"] == 1
    without = Client(make_app(plugins=[*FREE, "pro"]))
    assert without.get(f"{PRO}/spaces", headers=people["ivy"]).status_code == 404
