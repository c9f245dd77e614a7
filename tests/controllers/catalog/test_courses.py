"""Courses: create, read, list (visibility, filters, keyset order), update,
publish, trash and delete, duplicate, instructors, students, curriculum."""

from __future__ import annotations


import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from tests.conftest import bearer, login, recorded_statements
from tests.plugins import acme
from tests.racing import race

API = "/wp-json/learnomy/v1"
COURSES = f"{API}/courses"


# -- create --------------------------------------------------------------------

def test_an_instructor_creates_a_draft(client: Client, people) -> None:
    response = client.post(COURSES, json={
        "title": "Python basics", "price_type": "paid", "price": 4900, "sale_price": 2900,
        "requirements": ["A laptop"], "level": "beginner",
    }, headers=people["ivy"])
    assert response.status_code == 201
    course = response.json["data"]
    assert response.headers["Location"] == f"/learnomy/v1/courses/{course['id']}"
    assert course["status"] == "draft" and course["slug"] == "python-basics"
    assert course["author_id"] == people.ids["ivy"] and course["instructor_ids"] == [people.ids["ivy"]]
    assert course["price"] == 4900 and course["currency"] == "USD" and course["rating"] == {"average": 0.0, "count": 0}
    assert [(event, data["id"]) for event, data in acme.EVENTS] == [("course.created", course["id"])]


@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403)])
def test_only_instructors_create(client: Client, people, who, status: int) -> None:
    assert client.post(COURSES, json={"title": "x"}, headers=people[who] if who else {}).status_code == status


@pytest.mark.parametrize("body, param", [
    ({}, "title"),
    ({"title": "x", "price_type": "paid", "price": 0}, "price"),
    ({"title": "x", "price": 100, "sale_price": 200}, "sale_price"),
    ({"title": "x", "category_ids": [999]}, "category_ids"),
    ({"title": "x", "level": "expert"}, "level"),
    ({"title": "x", "status": "publish"}, "status"),
    ({"title": "x", "student_count": 500}, "student_count"),
    ({"title": "x", "author_id": 1}, "author_id"),
    ({"title": "x", "thumbnail_url": "javascript:alert(1)"}, "thumbnail_url"),
])
def test_bad_course_input(client: Client, people, body: dict, param: str) -> None:
    response = client.post(COURSES, json=body, headers=people["ivy"])
    assert response.status_code == 400
    assert param in [d["param"] for d in response.json["error"]["details"]]


def test_html_is_sanitized_on_write(client: Client, people) -> None:
    course = client.post(COURSES, json={
        "title": "x", "description": '<p onclick="steal()">Hi<script>alert(1)</script><a href="javascript:x">l</a></p>',
    }, headers=people["ivy"]).json["data"]
    assert "script" not in course["description"] and "onclick" not in course["description"]
    assert "javascript:" not in course["description"] and "<p>Hi" in course["description"]


def test_slugs_stay_unique(client: Client, people) -> None:
    slugs = [client.post(COURSES, json={"title": "Same"}, headers=people["ivy"]).json["data"]["slug"] for _ in range(3)]
    assert slugs == ["same", "same-2", "same-3"]


def test_racing_creations_of_one_title_each_get_their_own_slug(make_app, people) -> None:
    clients = [Client(make_app()) for _ in range(6)]
    responses = race([lambda c=c: c.post(COURSES, json={"title": "Same title"}, headers=people["ivy"])
                      for c in clients])
    assert [r.status_code for r in responses] == [201] * 6, [r.json for r in responses]
    assert {r.json["data"]["slug"] for r in responses} == {"same-title", *(f"same-title-{n}" for n in range(2, 7))}
    # A retried insert leaves the rest of its request whole.
    assert all(r.json["data"]["instructor_ids"] == [people.ids["ivy"]] for r in responses)


def test_racing_slug_changes_each_get_their_own_slug(make_app, client: Client, people, make_course) -> None:
    ids = [make_course(title=f"Course {n}")["id"] for n in range(4)]
    clients = [Client(make_app()) for _ in ids]
    responses = race([lambda c=c, i=i: c.patch(f"{COURSES}/{i}", json={"slug": "wanted"}, headers=people["ivy"])
                      for c, i in zip(clients, ids)])
    assert [r.status_code for r in responses] == [200] * 4, [r.json for r in responses]
    assert {r.json["data"]["slug"] for r in responses} == {"wanted", "wanted-2", "wanted-3", "wanted-4"}


# -- visibility ----------------------------------------------------------------

@pytest.mark.parametrize("who, visible", [
    (None, False), ("ann", False), ("oscar", False), ("ivy", True), ("admin", True),
])
def test_a_draft_is_seen_by_its_editors_only(client: Client, people, make_course, who, visible: bool) -> None:
    course = make_course(publish=False)
    response = client.get(f"{COURSES}/{course['id']}", headers=people[who] if who else {})
    assert response.status_code == (200 if visible else 404)
    if not visible:
        assert response.json["error"]["code"] == "learnomy_not_found"
    listed = [c["id"] for c in client.get(COURSES, headers=people[who] if who else {}).json["data"]]
    assert (course["id"] in listed) is visible


def test_published_courses_are_public(client: Client, make_course) -> None:
    course = make_course()
    data = client.get(f"{COURSES}/{course['id']}").json["data"]
    assert data["status"] == "publish" and data["published_at"]


# -- list filters and order ------------------------------------------------------

def test_filters(client: Client, people, make_course) -> None:
    admin = people["admin"]
    category = client.post(f"{API}/course-categories", json={"name": "Data"}, headers=admin).json["data"]["id"]
    tag = client.post(f"{API}/course-tags", json={"name": "sql"}, headers=people["ivy"]).json["data"]["id"]
    a = make_course(title="Learning SQL", level="beginner", category_ids=[category], tag_ids=[tag])
    b = make_course("oscar", title="Advanced Python", level="advanced", excerpt="All about SQLAlchemy",
                    price_type="paid", price=1000)

    def ids(query: str) -> list[int]:
        return sorted(c["id"] for c in client.get(f"{COURSES}?{query}").json["data"])

    assert ids("search=sql") == sorted([a["id"], b["id"]])
    assert ids("search=learning") == [a["id"]]
    assert ids("search=%25") == []
    assert ids(f"category={category}") == [a["id"]]
    assert ids(f"tag={tag}") == [a["id"]]
    assert ids(f"instructor={people.ids['oscar']}") == [b["id"]]
    assert ids("level=advanced") == [b["id"]]
    assert ids("price_type=paid") == [b["id"]]


def test_status_filter_respects_visibility(client: Client, people, make_course) -> None:
    draft = make_course(publish=False)
    assert [c["id"] for c in client.get(f"{COURSES}?status=draft", headers=people["ivy"]).json["data"]] == [draft["id"]]
    assert client.get(f"{COURSES}?status=draft", headers=people["ann"]).json["data"] == []
    assert client.get(f"{COURSES}?status=draft").json["meta"]["total"] == 0


@pytest.mark.parametrize("orderby", ["date", "title", "popularity", "rating"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_cursor_pages_match_one_big_page_under_every_order(app, client: Client, make_course, orderby: str, order: str) -> None:
    courses = [make_course(title=f"Course {letter}") for letter in "DBEAC"]
    table = app.tables["lrn_courses"]
    with app.storage.engine.begin() as db:  # give popularity and rating ties and differences
        for index, course in enumerate(courses):
            db.execute(sa.update(table).where(table.c.id == course["id"])
                       .values(student_count=index % 2, rating_average=(index * 37) % 3 * 100))
    everything = [c["id"] for c in client.get(f"{COURSES}?orderby={orderby}&order={order}&per_page=100").json["data"]]
    walked, cursor = [], None
    while True:
        url = f"{COURSES}?orderby={orderby}&order={order}&per_page=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).json
        walked += [c["id"] for c in body["data"]]
        assert body["meta"]["total"] == 5
        cursor = body["meta"]["cursor_next"]
        if cursor is None:
            break
    assert walked == everything and len(set(walked)) == 5


def test_a_cursor_is_bound_to_its_filters(client: Client, make_course) -> None:
    for _ in range(3):
        make_course()
    cursor = client.get(f"{COURSES}?per_page=1").json["meta"]["cursor_next"]
    assert client.get(f"{COURSES}?per_page=1&orderby=title&cursor={cursor}").status_code == 400


def test_list_query_count_is_constant(app, client: Client, make_course) -> None:
    for _ in range(6):
        make_course(lessons=0, publish=False)
    courses = app.tables["lrn_courses"]
    with app.storage.engine.begin() as db:
        db.execute(sa.update(courses).values(status="publish"))
    counts = {}
    for per_page in (1, 3, 100):
        with recorded_statements(app) as statements:
            assert client.get(f"{COURSES}?per_page={per_page}").status_code == 200
        counts[per_page] = len(statements)
    assert counts[1] == counts[3] == counts[100], counts


# -- update, publish ------------------------------------------------------------------

def test_editor_updates(client: Client, people, make_course) -> None:
    course = make_course()
    response = client.patch(f"{COURSES}/{course['id']}", json={"title": "New", "outcomes": ["SQL"]}, headers=people["ivy"])
    assert response.status_code == 200
    assert response.json["data"]["title"] == "New" and response.json["data"]["outcomes"] == ["SQL"]


@pytest.mark.parametrize("who, publish, status", [
    (None, True, 401), ("ann", True, 403), ("oscar", True, 403), ("oscar", False, 404), ("admin", False, 200),
])
def test_who_may_update(client: Client, people, make_course, who, publish: bool, status: int) -> None:
    course = make_course(publish=publish)
    response = client.patch(f"{COURSES}/{course['id']}", json={"title": "Mine now"}, headers=people[who] if who else {})
    assert response.status_code == status


def test_publishing_needs_a_lesson(client: Client, people, make_course) -> None:
    course = make_course(lessons=0, publish=False)
    response = client.patch(f"{COURSES}/{course['id']}", json={"status": "publish"}, headers=people["ivy"])
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_course_empty"
    client.post(f"{API}/sections/{course['section_id']}/lessons", json={"title": "L"}, headers=people["ivy"])
    published = client.patch(f"{COURSES}/{course['id']}", json={"status": "publish"}, headers=people["ivy"])
    assert published.status_code == 200
    assert [e for e, _ in acme.EVENTS][-2:] == ["course.updated", "course.published"]


def test_update_bad_input(client: Client, people, make_course) -> None:
    course = make_course()
    response = client.patch(f"{COURSES}/{course['id']}", json={"prerequisite_ids": [course["id"]]}, headers=people["ivy"])
    assert response.status_code == 400


def test_prerequisites_name_only_courses_the_caller_may_see(client: Client, people, make_course) -> None:
    """Another instructor's draft answers exactly as a missing id: no enumeration."""
    course = make_course()
    hidden, published = make_course("oscar", publish=False), make_course("oscar")

    def refusal(prerequisite_id: int) -> dict:
        response = client.patch(f"{COURSES}/{course['id']}", json={"prerequisite_ids": [prerequisite_id]},
                                headers=people["ivy"])
        assert response.status_code == 400
        return {k: v for k, v in response.json["error"].items() if k != "request_id"}

    assert refusal(hidden["id"]) == {**refusal(99999), "details": [{
        "param": "prerequisite_ids", "code": "rest_invalid_param",
        "message": f"prerequisite_ids names unknown ids: [{hidden['id']}]."}]}
    assert client.patch(f"{COURSES}/{course['id']}", json={"prerequisite_ids": [published["id"]]},
                        headers=people["ivy"]).status_code == 200
    assert client.patch(f"{COURSES}/{course['id']}", json={"prerequisite_ids": [hidden["id"]]},
                        headers=people["admin"]).status_code == 200
    # Once linked, it stays acceptable to the course's editors, who see it in prerequisite_ids.
    assert client.patch(f"{COURSES}/{course['id']}", json={"prerequisite_ids": [hidden["id"], published["id"]]},
                        headers=people["ivy"]).status_code == 200


# -- delete -------------------------------------------------------------------------

def test_delete_trashes_then_force_deletes(client: Client, people, make_course) -> None:
    course = make_course()
    url = f"{COURSES}/{course['id']}"
    trashed = client.delete(url, headers=people["ivy"])
    assert trashed.status_code == 200 and trashed.json["data"]["deleted"] is True
    assert client.get(url).status_code == 404
    assert client.get(url, headers=people["ivy"]).json["data"]["status"] == "trash"
    assert client.delete(f"{url}?force=true", headers=people["ivy"]).status_code == 200
    assert client.get(url, headers=people["admin"]).status_code == 404
    assert client.get(f"{API}/lessons/{course['lesson_ids'][0]}", headers=people["admin"]).status_code == 404


@pytest.mark.parametrize(("body", "content_type", "status"), [
    ("force=true", "text/plain", 415), ("x" * 1_100_000, "application/json", 413), ("{nope", "application/json", 400)])
def test_a_refused_delete_body_is_documented_and_deletes_nothing(client: Client, people, make_course, body: str,
                                                                 content_type: str, status: int) -> None:
    """A DELETE's body is read like a POST's: its refusals are statuses the document
    names (conftest holds every answer to it), and nothing is trashed."""
    course = make_course()
    url = f"{COURSES}/{course['id']}"
    response = client.delete(url, data=body, content_type=content_type, headers=people["ivy"])
    assert response.status_code == status
    assert client.get(url, headers=people["ivy"]).json["data"]["status"] == "publish"


def test_force_delete_with_active_enrollments_is_for_administrators(client: Client, people, make_course) -> None:
    course = make_course()
    client.post(f"{COURSES}/{course['id']}/enroll", headers=people["ann"])
    refused = client.delete(f"{COURSES}/{course['id']}?force=true", headers=people["ivy"])
    assert refused.status_code == 409 and refused.json["error"]["code"] == "learnomy_course_has_enrollments"
    assert client.delete(f"{COURSES}/{course['id']}?force=true", headers=people["admin"]).status_code == 200


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.json
    return response.json["data"]


def test_force_delete_leaves_nothing_of_the_course_to_reach(app, client: Client, people, make_course) -> None:
    ivy, admin = people["ivy"], people["admin"]
    course = make_course(lessons=2)
    old = course["id"]
    # Everything that hangs on a course: curriculum, taxonomy, prerequisites both
    # ways, quizzes with versioned questions, enrollments, progress, attempts,
    # reviews, a reset, a certificate.
    _ok(client.post(f"{API}/lessons/{course['lesson_ids'][0]}/topics", json={"title": "Topic"}, headers=ivy), 201)
    category = _ok(client.post(f"{API}/course-categories", json={"name": "Data"}, headers=admin), 201)["id"]
    tag = _ok(client.post(f"{API}/course-tags", json={"name": "sql"}, headers=ivy), 201)["id"]
    _ok(client.patch(f"{COURSES}/{old}", json={"category_ids": [category], "tag_ids": [tag]}, headers=ivy))
    later = make_course("oscar")
    _ok(client.patch(f"{COURSES}/{later['id']}", json={"prerequisite_ids": [old]}, headers=people["oscar"]))
    quiz = _ok(client.post(f"{API}/sections/{course['section_id']}/quizzes", json={"title": "Check"}, headers=ivy), 201)
    questions = [_ok(client.post(f"{API}/quizzes/{quiz['id']}/questions", json=body, headers=ivy), 201)["id"]
                 for body in ({"type": "true_false", "title": "Sky green?", "answer": False},
                              {"type": "true_false", "title": "Grass green?", "answer": True})]
    _ok(client.patch(f"{API}/questions/{questions[0]}", json={"title": "Is the sky green?"}, headers=ivy))
    for student in ("ann", "bob"):
        _ok(client.post(f"{COURSES}/{old}/enroll", headers=people[student]), 201)
    _ok(client.post(f"{API}/lessons/{course['lesson_ids'][0]}/complete", headers=people["bob"]))
    _ok(client.post(f"{COURSES}/{old}/progress/reset", json={"user_id": people.ids["bob"]}, headers=ivy))
    _ok(client.post(f"{API}/lessons/{course['lesson_ids'][0]}/complete", headers=people["ann"]))
    _ok(client.post(f"{API}/lessons/{course['lesson_ids'][1]}/position", json={"position": 42}, headers=people["ann"]))
    attempt = _ok(client.post(f"{API}/quizzes/{quiz['id']}/attempts", headers=people["ann"]), 201)
    _ok(client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": {str(questions[0]): False}},
                    headers=people["ann"]))
    _ok(client.delete(f"{API}/questions/{questions[1]}", headers=ivy))  # its versions stay for the attempt
    _ok(client.post(f"{COURSES}/{old}/reviews", json={"rating": 5}, headers=people["ann"]), 201)
    certificate = _ok(client.post(f"{API}/certificates", json={"user_id": people.ids["ann"], "course_id": old},
                                  headers=admin), 201)

    _ok(client.delete(f"{COURSES}/{old}?force=true", headers=admin))

    # Nothing in any table names the course, its lessons, quizzes or questions...
    metadata = app.storage.metadata.tables
    kept = {"wp_lrn_certificates"}  # the holder's record: outlives the course (see certificates.py)
    with app.storage.engine.connect() as db:
        def count(table: sa.Table, *where) -> int:
            return db.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()

        for name, table in metadata.items():
            if "course_id" in table.c and name not in kept:
                assert count(table, table.c.course_id == old) == 0, name
        assert count(metadata["wp_lrn_courses"], metadata["wp_lrn_courses"].c.id == old) == 0
        prerequisites = metadata["wp_lrn_course_prerequisites"]
        assert count(prerequisites, prerequisites.c.prerequisite_id == old) == 0
        topics = metadata["wp_lrn_topics"]
        assert count(topics, topics.c.lesson_id.in_(course["lesson_ids"])) == 0
        for name, column, ids in (("wp_lrn_questions", "quiz_id", [quiz["id"]]),
                                  ("wp_lrn_question_versions", "question_id", questions)):
            assert count(metadata[name], metadata[name].c[column].in_(ids)) == 0, name
    # ...the certificate stays its holder's, and verifiable...
    assert client.get(f"{API}/certificates/{certificate['id']}/download", headers=people["ann"]).status_code == 200
    verified = _ok(client.get(f"{API}/certificates/verify/{certificate['verification_code']}"))
    assert verified["valid"] is True and verified["course_title"] == "Course"
    # ...and a new course, by another instructor, reaches none of it.
    new = _ok(client.post(COURSES, json={"title": "Course"}, headers=people["oscar"]), 201)
    assert new["id"] > old
    oscar = people["oscar"]
    assert _ok(client.get(f"{COURSES}/{new['id']}/quizzes", headers=oscar)) == []
    assert _ok(client.get(f"{COURSES}/{new['id']}/students", headers=oscar)) == []
    assert _ok(client.get(f"{COURSES}/{new['id']}/reviews", headers=oscar)) == []
    assert _ok(client.get(f"{API}/certificates", headers=oscar)) == []
    for url in (f"{API}/quizzes/{quiz['id']}", f"{API}/questions/{questions[0]}", f"{API}/attempts/{attempt['id']}",
                f"{API}/certificates/{certificate['id']}", f"{API}/lessons/{course['lesson_ids'][0]}"):
        assert client.get(url, headers=oscar).status_code == 404, url


@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403), ("oscar", 403)])
def test_who_may_delete(client: Client, people, make_course, who, status: int) -> None:
    course = make_course()
    assert client.delete(f"{COURSES}/{course['id']}", headers=people[who] if who else {}).status_code == status


# -- duplicate ---------------------------------------------------------------------

def test_duplicate_copies_the_curriculum_as_a_draft(client: Client, people, make_course) -> None:
    course = make_course(lessons=2)
    client.post(f"{COURSES}/{course['id']}/instructors", json={"user_id": people.ids["oscar"]}, headers=people["ivy"])
    response = client.post(f"{COURSES}/{course['id']}/duplicate", headers=people["oscar"])
    assert response.status_code == 201
    copy = response.json["data"]
    assert copy["status"] == "draft" and copy["author_id"] == people.ids["oscar"]
    assert copy["instructor_ids"] == [people.ids["oscar"]] and copy["slug"] != course["slug"]
    outline = client.get(f"{COURSES}/{copy['id']}/curriculum", headers=people["oscar"]).json["data"]
    assert [lesson["title"] for lesson in outline[0]["lessons"]] == ["Lesson 1", "Lesson 2"]
    assert {lesson["id"] for lesson in outline[0]["lessons"]}.isdisjoint(course["lesson_ids"])


def test_duplicate_needs_an_editor(client: Client, people, make_course) -> None:
    course = make_course()
    assert client.post(f"{COURSES}/{course['id']}/duplicate", headers=people["ann"]).status_code == 403


# -- instructors and students ------------------------------------------------------

def test_co_instructors(client: Client, people, make_course) -> None:
    course = make_course()
    url = f"{COURSES}/{course['id']}/instructors"
    added = client.post(url, json={"user_id": people.ids["oscar"]}, headers=people["ivy"])
    assert added.status_code == 201
    assert [p["id"] for p in client.get(url).json["data"]] == [people.ids["ivy"], people.ids["oscar"]]
    assert client.patch(f"{COURSES}/{course['id']}", json={"title": "Co-edited"}, headers=people["oscar"]).status_code == 200
    again = client.post(url, json={"user_id": people.ids["oscar"]}, headers=people["ivy"])
    assert again.status_code == 409
    not_teacher = client.post(url, json={"user_id": people.ids["ann"]}, headers=people["ivy"])
    assert not_teacher.status_code == 400
    assert client.delete(f"{url}/{people.ids['oscar']}", headers=people["ivy"]).status_code == 200
    assert [p["id"] for p in client.get(url).json["data"]] == [people.ids["ivy"]]
    last = client.delete(f"{url}/{people.ids['ivy']}", headers=people["admin"])
    assert last.status_code == 409 and last.json["error"]["code"] == "learnomy_last_instructor"


@pytest.fixture
def taught(client: Client, people, make_user, make_course):
    """A course owned by ivy, co-taught by oscar and una (instructors)."""
    course = make_course()
    people.ids["una"] = make_user("una", "lrn_instructor")
    people.auth["una"] = bearer(login(client, "una"))
    url = f"{COURSES}/{course['id']}/instructors"
    for name in ("oscar", "una"):
        assert client.post(url, json={"user_id": people.ids[name]}, headers=people["ivy"]).status_code == 201
    return course, url


@pytest.mark.parametrize("who, removed, query, status, code", [
    ("oscar", "ivy", "", 403, "learnomy_course_owner"),         # a co-instructor cannot remove the owner
    ("oscar", "ivy", "?new_owner_id={oscar}", 403, "learnomy_course_owner"),
    ("ivy", "ivy", "?new_owner_id={oscar}", 403, "learnomy_course_owner"),  # nor can the owner leave
    ("oscar", "una", "", 403, "rest_forbidden"),                # nor another co-instructor
    ("oscar", "oscar", "", 200, None),                          # but may step down
    ("ivy", "oscar", "", 200, None),                            # the owner removes co-instructors
    ("admin", "oscar", "", 200, None),
    ("ivy", "oscar", "?new_owner_id={una}", 400, "rest_invalid_param"),  # only with the owner
    ("admin", "ivy", "", 409, "learnomy_new_owner_required"),
    ("admin", "ivy", "?new_owner_id={ann}", 400, "rest_invalid_param"),  # not an instructor of it
    ("admin", "ivy", "?new_owner_id={ivy}", 400, "rest_invalid_param"),
    ("admin", "ivy", "?new_owner_id={una}", 200, None),
])
def test_who_removes_an_instructor(client: Client, people, taught, who, removed, query, status, code) -> None:
    course, url = taught
    response = client.delete(f"{url}/{people.ids[removed]}{query.format(**people.ids)}", headers=people[who])
    assert response.status_code == status, response.json
    if code:
        assert response.json["error"]["code"] == code
    after = client.get(f"{COURSES}/{course['id']}").json["data"]
    expected = [people.ids[n] for n in ("ivy", "oscar", "una") if status != 200 or n != removed]
    assert after["instructor_ids"] == expected
    new_owner = "una" if status == 200 and removed == "ivy" else "ivy"
    assert after["author_id"] == people.ids[new_owner]


def test_simultaneous_removals_keep_an_owner_who_teaches(make_app, client: Client, people, taught) -> None:
    """An administrator hands the course from ivy to oscar while oscar steps down: one wins."""
    course, url = taught
    clients = [Client(make_app()), Client(make_app())]
    answers = race([
        lambda: clients[0].delete(f"{url}/{people.ids['ivy']}?new_owner_id={people.ids['oscar']}",
                                  headers=people["admin"]),
        lambda: clients[1].delete(f"{url}/{people.ids['oscar']}", headers=people["oscar"]),
    ])
    assert sorted(a.status_code for a in answers) in ([200, 400], [200, 403])
    after = client.get(f"{COURSES}/{course['id']}").json["data"]
    assert after["author_id"] in after["instructor_ids"] and len(after["instructor_ids"]) == 2


def test_instructor_routes_guard_editors(client: Client, people, make_course) -> None:
    course = make_course()
    url = f"{COURSES}/{course['id']}/instructors"
    assert client.post(url, json={"user_id": people.ids["oscar"]}, headers=people["oscar"]).status_code == 403
    assert client.post(url, json={"user_id": people.ids["oscar"]}).status_code == 401
    assert client.delete(f"{url}/{people.ids['ann']}", headers=people["ivy"]).status_code == 404


def test_students_list_for_editors(client: Client, people, make_course) -> None:
    course = make_course()
    client.post(f"{COURSES}/{course['id']}/enroll", headers=people["ann"])
    url = f"{COURSES}/{course['id']}/students"
    body = client.get(url, headers=people["ivy"]).json
    assert body["meta"]["total"] == 1
    assert body["data"][0]["user"]["id"] == people.ids["ann"] and body["data"][0]["progress_percent"] == 0
    assert client.get(url, headers=people["ann"]).status_code == 403
    assert client.get(url).status_code == 401


# -- curriculum --------------------------------------------------------------------

def test_curriculum_outline_has_no_bodies(client: Client, make_course) -> None:
    course = make_course(lessons=2)
    outline = client.get(f"{COURSES}/{course['id']}/curriculum").json["data"]
    assert outline[0]["title"] == "Part 1"
    assert [lesson["id"] for lesson in outline[0]["lessons"]] == course["lesson_ids"]
    assert all("content" not in lesson and "completed" not in lesson for lesson in outline[0]["lessons"])


def test_enrolled_students_see_their_completion_and_locks(client: Client, people, make_course) -> None:
    course = make_course(lessons=2, drip_mode="sequential")
    client.post(f"{COURSES}/{course['id']}/enroll", headers=people["ann"])
    lessons = client.get(f"{COURSES}/{course['id']}/curriculum", headers=people["ann"]).json["data"][0]["lessons"]
    assert [lesson["completed"] for lesson in lessons] == [False, False]
    assert lessons[0]["locked"] is None and lessons[1]["locked"]["reason"] == "sequential"


def test_curriculum_of_a_hidden_course(client: Client, people, make_course) -> None:
    course = make_course(publish=False)
    assert client.get(f"{COURSES}/{course['id']}/curriculum").status_code == 404
