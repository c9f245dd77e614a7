"""Pro learning paths: paths of ordered courses, enrolling in their free courses,
progress from the courses' own, ``path.enrolled`` and ``path.completed``, on every
route: success, 401, 403/404 and 400."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from learnomy_core import hookimpl
from tests.conftest import ALL_PLUGINS, recorded_statements
from tests.plugins import acme
from tests.racing import race

FREE_API = "/wp-json/learnomy/v1"
API = "/wp-json/learnomy-pro/v1"
PATHS = f"{API}/learning-paths"


def make_path(client: Client, people, steps: list[dict[str, Any]] | None = None, *, owner: str = "ivy",
              publish: bool = True, **fields: Any) -> dict[str, Any]:
    response = client.post(PATHS, json={"title": "Data science", **fields}, headers=people[owner])
    assert response.status_code == 201, response.json
    path = response.json["data"]
    if steps is not None:
        put = client.put(f"{PATHS}/{path['id']}/steps", json={"steps": steps}, headers=people[owner])
        assert put.status_code == 200, put.json
        path = put.json["data"]
    if publish:
        published = client.patch(f"{PATHS}/{path['id']}", json={"status": "publish"}, headers=people[owner])
        assert published.status_code == 200, published.json
        path = published.json["data"]
    return path


@pytest.fixture
def courses(make_course) -> dict[str, dict[str, Any]]:
    """Ivy's courses: two free ones and a paid one."""
    return {"intro": make_course(title="Intro"), "extra": make_course(title="Extra"),
            "paid": make_course(title="Paid", price_type="paid", price=4900)}


@pytest.fixture
def path(client: Client, people, courses) -> dict[str, Any]:
    """A published path: intro (required), extra (optional), paid (required)."""
    return make_path(client, people, [{"course_id": courses["intro"]["id"]},
                                      {"course_id": courses["extra"]["id"], "optional": True},
                                      {"course_id": courses["paid"]["id"]}])


# -- paths ---------------------------------------------------------------------------------

def test_create_a_path(client: Client, people) -> None:
    response = client.post(PATHS, json={"title": " Data science ", "description": "<p>Go<script>x()</script></p>"},
                           headers=people["ivy"])
    assert response.status_code == 201, response.json
    data = response.json["data"]
    assert data["title"] == "Data science" and data["slug"] == "data-science" and data["status"] == "draft"
    assert data["author_id"] == people.ids["ivy"] and data["steps"] == []
    assert "script" not in data["description"]
    assert response.headers["Location"].endswith(f"/learnomy-pro/v1/learning-paths/{data['id']}")


def test_slugs_stay_unique(client: Client, people) -> None:
    slugs = [client.post(PATHS, json={"title": "Same"}, headers=people["ivy"]).json["data"]["slug"] for _ in range(3)]
    assert slugs == ["same", "same-2", "same-3"]
    own = client.post(PATHS, json={"title": "Other", "slug": "same"}, headers=people["ivy"]).json["data"]
    assert own["slug"] == "same-4"


def test_racing_creations_get_their_own_slugs(make_app, people) -> None:
    clients = [Client(make_app()) for _ in range(4)]
    responses = race([lambda c=c: c.post(PATHS, json={"title": "Race"}, headers=people["ivy"]) for c in clients])
    assert [r.status_code for r in responses] == [201] * 4, [r.json for r in responses]
    assert {r.json["data"]["slug"] for r in responses} == {"race", "race-2", "race-3", "race-4"}


@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403), ("oscar", 201), ("admin", 201)])
def test_who_may_create(client: Client, people, who, status) -> None:
    assert client.post(PATHS, json={"title": "x"}, headers=people[who]).status_code == status


@pytest.mark.parametrize("body, param", [
    ({}, "title"), ({"title": ""}, "title"), ({"title": "   "}, "title"), ({"title": "x" * 256}, "title"),
    ({"title": "x", "slug": "Not A Slug"}, "slug"), ({"title": "x", "status": "pending"}, "status"),
])
def test_bad_path_input(client: Client, people, body, param) -> None:
    response = client.post(PATHS, json=body, headers=people["ivy"])
    assert response.status_code == 400
    assert param in [d["param"] for d in response.json["error"]["details"]]


@pytest.mark.parametrize("publish, who, status", [
    (True, None, 200), (True, "ann", 200), (True, "oscar", 200),
    (False, None, 404), (False, "ann", 404), (False, "oscar", 404), (False, "ivy", 200), (False, "admin", 200),
])
def test_who_sees_a_path(client: Client, people, courses, publish, who, status) -> None:
    path = make_path(client, people, [{"course_id": courses["intro"]["id"]}], publish=publish)
    response = client.get(f"{PATHS}/{path['id']}", headers=people[who])
    assert response.status_code == status
    if status == 200:
        step = response.json["data"]["steps"][0]
        assert step == {"course_id": courses["intro"]["id"], "position": 0, "optional": False,
                        "course": {"id": courses["intro"]["id"], "title": "Intro", "price_type": "free"}}


def test_an_unknown_or_bad_id(client: Client) -> None:
    assert client.get(f"{PATHS}/999999").status_code == 404
    response = client.get(f"{PATHS}/0")
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "id"


def test_update_a_path(client: Client, people, path) -> None:
    response = client.patch(f"{PATHS}/{path['id']}", json={"title": "ML", "slug": "ml", "description": None},
                            headers=people["ivy"])
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert (data["title"], data["slug"], data["description"]) == ("ML", "ml", "")
    assert len(data["steps"]) == 3


def test_a_taken_slug_conflicts(client: Client, people, path) -> None:
    other = make_path(client, people, title="Other")
    response = client.patch(f"{PATHS}/{other['id']}", json={"slug": path["slug"]}, headers=people["ivy"])
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_slug_taken"


@pytest.mark.parametrize("publish, who, status", [
    (True, None, 401), (True, "ann", 403), (True, "oscar", 403), (False, "oscar", 404), (True, "admin", 200),
])
def test_who_may_update_and_delete(client: Client, people, publish, who, status) -> None:
    path = make_path(client, people, publish=publish)
    assert client.patch(f"{PATHS}/{path['id']}", json={"title": "New"}, headers=people[who]).status_code == status
    assert client.delete(f"{PATHS}/{path['id']}", headers=people[who]).status_code == status


@pytest.mark.parametrize("body, param", [({"status": "trash"}, "status"), ({"title": None}, "title"),
                                         ({"slug": "-x-"}, "slug")])
def test_bad_update(client: Client, people, path, body, param) -> None:
    response = client.patch(f"{PATHS}/{path['id']}", json=body, headers=people["ivy"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == param


def test_delete_a_path(client: Client, people, path) -> None:
    client.post(f"{PATHS}/{path['id']}/enroll", headers=people["ann"])
    response = client.delete(f"{PATHS}/{path['id']}", headers=people["ivy"])
    assert response.status_code == 200 and response.json["data"]["previous"]["id"] == path["id"]
    assert client.get(f"{PATHS}/{path['id']}", headers=people["ivy"]).status_code == 404
    # the courses' enrollments stay
    assert client.get(f"{FREE_API}/me/enrollments", headers=people["ann"]).json["meta"]["total"] == 2


# -- the public list -------------------------------------------------------------------------

def test_the_public_list(client: Client, people) -> None:
    published = [make_path(client, people, title=f"P{n}")["id"] for n in range(3)]
    draft = make_path(client, people, title="Draft", publish=False)["id"]
    first = client.get(f"{PATHS}?per_page=2")
    assert first.status_code == 200 and first.json["meta"]["total"] == 3
    second = client.get(f"{PATHS}?per_page=2&cursor={first.json['meta']['cursor_next']}")
    assert [p["id"] for p in first.json["data"] + second.json["data"]] == sorted(published, reverse=True)
    # the author sees their draft too, and may ask for drafts only
    assert client.get(PATHS, headers=people["ivy"]).json["meta"]["total"] == 4
    assert [p["id"] for p in client.get(f"{PATHS}?status=draft", headers=people["ivy"]).json["data"]] == [draft]
    assert client.get(f"{PATHS}?status=draft", headers=people["oscar"]).json["meta"]["total"] == 0


@pytest.mark.parametrize("query", ["?cursor=forged", "?per_page=0", "?status=trash"])
def test_bad_list_filters(client: Client, query) -> None:
    response = client.get(f"{PATHS}{query}")
    assert response.status_code == 400


def test_list_query_count_is_constant(app, client: Client, people, courses) -> None:
    for n in range(5):
        make_path(client, people, [{"course_id": c["id"]} for c in courses.values()], title=f"P{n}")
    counts = {}
    for per_page in (1, 3, 100):
        with recorded_statements(app) as statements:
            response = client.get(f"{PATHS}?per_page={per_page}")
            assert response.status_code == 200 and len(response.json["data"][0]["steps"]) == 3
        counts[per_page] = len(statements)
    assert counts[1] == counts[3] == counts[100], counts


# -- steps ------------------------------------------------------------------------------------

def test_steps_are_ordered_and_replaced(client: Client, people, courses, path) -> None:
    assert [(s["course_id"], s["position"], s["optional"]) for s in path["steps"]] == [
        (courses["intro"]["id"], 0, False), (courses["extra"]["id"], 1, True), (courses["paid"]["id"], 2, False)]
    response = client.put(f"{PATHS}/{path['id']}/steps", json={"steps": [
        {"course_id": courses["paid"]["id"], "optional": True}, {"course_id": courses["intro"]["id"]}]},
        headers=people["ivy"])
    assert response.status_code == 200
    assert [(s["course_id"], s["optional"]) for s in response.json["data"]["steps"]] == [
        (courses["paid"]["id"], True), (courses["intro"]["id"], False)]


def test_steps_name_published_courses_or_the_callers(client: Client, people, make_course, path) -> None:
    drafts = {"ivy": make_course(publish=False), "oscar": make_course("oscar", publish=False)}
    url = f"{PATHS}/{path['id']}/steps"
    mine = client.put(url, json={"steps": [{"course_id": drafts["ivy"]["id"]}]}, headers=people["ivy"])
    assert mine.status_code == 200
    theirs = client.put(url, json={"steps": [{"course_id": drafts["oscar"]["id"]}]}, headers=people["ivy"])
    assert theirs.status_code == 400
    assert theirs.json["error"]["details"][0]["param"] == "steps[0].course_id"


@pytest.mark.parametrize("steps, param", [
    ([{"course_id": 999999}], "steps[0].course_id"),
    ("dup", "steps[1].course_id"),
    ([{"course_id": 0}], "steps"),
    ([{"course_id": 1, "extra": True}], "steps"),
    ([{"optional": True}], "steps"),
    (None, "steps"),
])
def test_bad_steps(client: Client, people, courses, path, steps, param) -> None:
    if steps == "dup":
        steps = [{"course_id": courses["intro"]["id"]}, {"course_id": courses["intro"]["id"]}]
    body = {} if steps is None else {"steps": steps}
    response = client.put(f"{PATHS}/{path['id']}/steps", json=body, headers=people["ivy"])
    assert response.status_code == 400, response.json
    assert response.json["error"]["details"][0]["param"] == param


@pytest.mark.parametrize("publish, who, status", [
    (True, None, 401), (True, "ann", 403), (True, "oscar", 403), (False, "oscar", 404), (True, "admin", 200),
])
def test_who_may_set_steps(client: Client, people, courses, publish, who, status) -> None:
    path = make_path(client, people, publish=publish)
    response = client.put(f"{PATHS}/{path['id']}/steps", json={"steps": [{"course_id": courses["intro"]["id"]}]},
                          headers=people[who])
    assert response.status_code == status


# -- enrolling ---------------------------------------------------------------------------------

def test_enrolling_enrolls_in_the_free_courses(client: Client, people, courses, path) -> None:
    response = client.post(f"{PATHS}/{path['id']}/enroll", headers=people["ann"])
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert data["newly_enrolled"] is True and data["user_id"] == people.ids["ann"] and data["completed_at"] is None
    results = {c["course_id"]: c["result"] for c in data["courses"]}
    assert results == {courses["intro"]["id"]: "enrolled", courses["extra"]["id"]: "enrolled",
                       courses["paid"]["id"]: "payment_required"}
    assert data["checkout"] == {
        "route": "/learnomy/v1/checkout", "method": "POST", "items": [{"type": "course", "id": courses["paid"]["id"]}],
        "courses": [{"course_id": courses["paid"]["id"], "title": "Paid", "price_type": "paid", "price": 4900,
                     "sale_price": None, "currency": courses["paid"]["currency"]}]}
    mine = client.get(f"{FREE_API}/me/enrollments", headers=people["ann"]).json["data"]
    assert sorted((e["course_id"], e["source"]) for e in mine) == sorted(
        [(courses["intro"]["id"], "free"), (courses["extra"]["id"], "free")])
    assert [(d["path_id"], d["user_id"]) for e, d in acme.EVENTS if e == "path.enrolled"] == [
        (path["id"], people.ids["ann"])]
    # Again: harmless, nothing new, no second event.
    again = client.post(f"{PATHS}/{path['id']}/enroll", headers=people["ann"]).json["data"]
    assert again["newly_enrolled"] is False
    assert {c["result"] for c in again["courses"] if c["course_id"] != courses["paid"]["id"]} == {"already_enrolled"}
    assert len([e for e, _ in acme.EVENTS if e == "path.enrolled"]) == 1


class Entitled:
    """A plugin entitling every student to membership courses (as an open membership would)."""

    @hookimpl
    def learnomy_course_entitlement(self, request: Any, user_id: int, course: Any) -> Any:
        return "sponsor" if course.price_type == "membership" else None


def test_a_course_the_student_is_entitled_to_is_enrolled(make_app, client: Client, people, make_course) -> None:
    member_course = make_course(title="Members", price_type="membership")
    path = make_path(client, people, [{"course_id": member_course["id"]}])
    entitled = Client(make_app(plugins=[*ALL_PLUGINS, Entitled()]))
    data = entitled.post(f"{PATHS}/{path['id']}/enroll", headers=people["ann"]).json["data"]
    assert data["courses"][0]["result"] == "enrolled" and data["checkout"] is None
    mine = client.get(f"{FREE_API}/me/enrollments", headers=people["ann"]).json["data"]
    assert [(e["course_id"], e["source"]) for e in mine] == [(member_course["id"], "sponsor")]
    # without the entitlement it is to buy
    bob = client.post(f"{PATHS}/{path['id']}/enroll", headers=people["bob"]).json["data"]
    assert bob["courses"][0]["result"] == "payment_required"
    assert bob["checkout"]["courses"][0]["price_type"] == "membership"


def test_a_full_or_closed_course_is_skipped(client: Client, people, make_course) -> None:
    full = make_course(title="Full", max_students=1)
    closed = make_course(title="Closed")
    path = make_path(client, people, [{"course_id": full["id"]}, {"course_id": closed["id"]}])
    client.patch(f"{FREE_API}/courses/{closed['id']}", json={"status": "draft"}, headers=people["ivy"])
    assert client.post(f"{FREE_API}/courses/{full['id']}/enroll", headers=people["bob"]).status_code == 201
    data = client.post(f"{PATHS}/{path['id']}/enroll", headers=people["ann"]).json["data"]
    assert [c["result"] for c in data["courses"]] == ["course_full", "unavailable"]
    assert data["checkout"] is None


def test_prerequisites_wait_for_the_course_that_meets_them(client: Client, people, make_course) -> None:
    first = make_course(title="First")
    second = make_course(title="Second", prerequisite_ids=[first["id"]])
    path = make_path(client, people, [{"course_id": first["id"]}, {"course_id": second["id"]}])
    data = client.post(f"{PATHS}/{path['id']}/enroll", headers=people["ann"]).json["data"]
    assert [c["result"] for c in data["courses"]] == ["enrolled", "prerequisites_unmet"]
    assert client.post(f"{FREE_API}/lessons/{first['lesson_ids'][0]}/complete", headers=people["ann"]).status_code == 200
    mine = client.get(f"{FREE_API}/me/enrollments", headers=people["ann"]).json["data"]
    assert {e["course_id"] for e in mine} == {first["id"], second["id"]}


@pytest.mark.parametrize("publish, who, status", [
    (True, None, 401), (False, "ann", 404), (False, "ivy", 403), (True, "oscar", 200),
])
def test_who_may_enroll(client: Client, people, courses, publish, who, status) -> None:
    path = make_path(client, people, [{"course_id": courses["intro"]["id"]}], publish=publish)
    response = client.post(f"{PATHS}/{path['id']}/enroll", headers=people[who])
    assert response.status_code == status, response.json
    if status == 403:
        assert response.json["error"]["code"] == "learnomy_path_not_open"


def test_enroll_with_a_bad_id(client: Client, people) -> None:
    response = client.post(f"{PATHS}/0/enroll", headers=people["ann"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "id"


def test_racing_enrollments_of_one_student_enroll_once(make_app, client: Client, people, courses, path) -> None:
    clients = [Client(make_app()) for _ in range(3)]
    responses = race([lambda c=c: c.post(f"{PATHS}/{path['id']}/enroll", headers=people["ann"]) for c in clients])
    # a request that lost the race to a course's enrollment is refused whole, never half done
    assert all(r.status_code in (200, 409) for r in responses), [r.json for r in responses]
    assert sum(1 for r in responses if r.status_code == 200 and r.json["data"]["newly_enrolled"]) == 1
    assert len([e for e, _ in acme.EVENTS if e == "path.enrolled"]) == 1
    mine = client.get(f"{FREE_API}/me/enrollments", headers=people["ann"]).json["data"]
    assert sorted(e["course_id"] for e in mine) == sorted([courses["intro"]["id"], courses["extra"]["id"]])


# -- progress and completion ---------------------------------------------------------------------

def test_progress_and_completion(client: Client, people, courses, make_course) -> None:
    two = make_course(title="Two lessons", lessons=2)
    path = make_path(client, people, [{"course_id": courses["intro"]["id"]}, {"course_id": two["id"]},
                                      {"course_id": courses["extra"]["id"], "optional": True}])
    client.post(f"{PATHS}/{path['id']}/enroll", headers=people["ann"])
    url = f"{PATHS}/{path['id']}/progress"
    start = client.get(url, headers=people["ann"])
    assert start.status_code == 200, start.json
    assert start.json["data"]["percent"] == 0 and start.json["data"]["completed_at"] is None
    assert [s["status"] for s in start.json["data"]["steps"]] == ["not_started"] * 3
    client.post(f"{FREE_API}/lessons/{courses['intro']['lesson_ids'][0]}/complete", headers=people["ann"])
    client.post(f"{FREE_API}/lessons/{two['lesson_ids'][0]}/complete", headers=people["ann"])
    middle = client.get(url, headers=people["ann"]).json["data"]
    assert [(s["status"], s["percent"]) for s in middle["steps"]] == [
        ("completed", 100), ("in_progress", 50), ("not_started", 0)]
    assert middle["percent"] == 75 and middle["completed_at"] is None      # the optional step does not count
    assert not [e for e, _ in acme.EVENTS if e == "path.completed"]
    client.post(f"{FREE_API}/lessons/{two['lesson_ids'][1]}/complete", headers=people["ann"])
    done = client.get(url, headers=people["ann"]).json["data"]
    assert done["percent"] == 100 and done["completed_at"] is not None
    completed = [d for e, d in acme.EVENTS if e == "path.completed"]
    assert len(completed) == 1 and completed[0]["path_id"] == path["id"] and completed[0]["user_id"] == people.ids["ann"]


def test_an_editor_marking_the_course_completed_completes_the_path(client: Client, people, courses) -> None:
    path = make_path(client, people, [{"course_id": courses["intro"]["id"]}])
    client.post(f"{PATHS}/{path['id']}/enroll", headers=people["ann"])
    enrollment = client.get(f"{FREE_API}/me/enrollments", headers=people["ann"]).json["data"][0]
    assert client.patch(f"{FREE_API}/enrollments/{enrollment['id']}", json={"status": "completed"},
                        headers=people["ivy"]).status_code == 200
    assert client.get(f"{PATHS}/{path['id']}/progress", headers=people["ann"]).json["data"]["completed_at"]
    assert len([e for e, _ in acme.EVENTS if e == "path.completed"]) == 1


def test_enrolling_after_finishing_the_courses_completes_at_once(client: Client, people, courses) -> None:
    client.post(f"{FREE_API}/courses/{courses['intro']['id']}/enroll", headers=people["ann"])
    client.post(f"{FREE_API}/lessons/{courses['intro']['lesson_ids'][0]}/complete", headers=people["ann"])
    path = make_path(client, people, [{"course_id": courses["intro"]["id"]}])
    data = client.post(f"{PATHS}/{path['id']}/enroll", headers=people["ann"]).json["data"]
    assert data["courses"][0]["result"] == "already_enrolled" and data["completed_at"] is not None
    assert [e for e, _ in acme.EVENTS if e.startswith("path.")].count("path.completed") == 1


@pytest.mark.parametrize("publish, who, status", [
    (True, None, 401), (True, "bob", 403), (False, "bob", 404), (True, "ann", 200),
])
def test_who_sees_progress(client: Client, people, courses, publish, who, status) -> None:
    path = make_path(client, people, [{"course_id": courses["intro"]["id"]}])
    client.post(f"{PATHS}/{path['id']}/enroll", headers=people["ann"])
    if not publish:
        client.patch(f"{PATHS}/{path['id']}", json={"status": "draft"}, headers=people["ivy"])
    response = client.get(f"{PATHS}/{path['id']}/progress", headers=people[who])
    assert response.status_code == status, response.json
    if status == 403:
        assert response.json["error"]["code"] == "learnomy_not_enrolled"


def test_progress_with_a_bad_id(client: Client, people) -> None:
    response = client.get(f"{PATHS}/0/progress", headers=people["ann"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "id"


def test_a_purged_course_leaves_the_paths(client: Client, people, courses, path) -> None:
    assert client.delete(f"{FREE_API}/courses/{courses['extra']['id']}?force=true",
                         headers=people["admin"]).status_code == 200
    steps = client.get(f"{PATHS}/{path['id']}").json["data"]["steps"]
    assert [s["course_id"] for s in steps] == [courses["intro"]["id"], courses["paid"]["id"]]
