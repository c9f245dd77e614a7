"""Cheap revalidation of the course read, the course list and the progress view:
their validators' ETags change with everything their representations (and the
caller's right to them) depend on, and a matching ``If-None-Match`` is answered
with 304 after one indexed query, never to a caller the route would refuse."""

from __future__ import annotations

import gc
import time
import weakref
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.test import Client
from learnomy_core import create_app
from tests.conftest import ALL_PLUGINS, TEST_COST, recorded_statements

API = "/wp-json/learnomy/v1"


def etag_of(client: Client, url: str, headers: dict[str, str] | None = None) -> str:
    """The ETag of a full read; a revalidation with it answers 304 with the same ETag."""
    full = client.get(url, headers=headers or {})
    assert full.status_code == 200, full.json
    etag = full.headers["ETag"]
    again = client.get(url, headers={**(headers or {}), "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and again.data == b""
    return etag


@pytest.fixture
def course(client: Client, people, make_course) -> dict[str, Any]:
    made = make_course(lessons=2)
    assert client.post(f"{API}/courses/{made['id']}/enroll", headers=people["ann"]).status_code == 201
    return made


# -- the course read ----------------------------------------------------------------

def test_a_course_revalidates_in_one_query(app, client: Client, people, course) -> None:
    url = f"{API}/courses/{course['id']}"
    for who in ("", "ann", "ivy", "admin"):
        etag = etag_of(client, url, people[who])
        with recorded_statements(app) as seen:
            assert client.get(url, headers={**people[who], "If-None-Match": etag}).status_code == 304
        assert len(seen) == (1 if who == "" else 2), seen  # a bearer token costs its own query


def test_a_course_etag_differs_by_caller(client: Client, people, course) -> None:
    url = f"{API}/courses/{course['id']}"
    assert len({etag_of(client, url, people[who]) for who in ("", "ann", "bob", "ivy", "admin")}) == 5


def test_every_change_of_a_course_changes_its_etag(client: Client, people, course) -> None:
    url = f"{API}/courses/{course['id']}"
    ivy = people["ivy"]
    category = client.post(f"{API}/course-categories", json={"name": "Music"}, headers=people["admin"]).json["data"]
    changes = [
        lambda: client.patch(url, json={"title": "Renamed"}, headers=ivy),
        lambda: client.patch(url, json={"title": "Renamed again"}, headers=ivy),  # the same second
        lambda: client.patch(url, json={"category_ids": [category["id"]]}, headers=ivy),
        lambda: client.delete(f"{API}/course-categories/{category['id']}?force=true", headers=people["admin"]),
        lambda: client.post(f"{url}/instructors", json={"user_id": people.ids["oscar"]}, headers=ivy),
        lambda: client.delete(f"{url}/instructors/{people.ids['oscar']}", headers=ivy),
        lambda: client.post(f"{url}/enroll", headers=people["bob"]),  # student_count
    ]
    seen = {etag_of(client, url)}
    for change in changes:
        assert change().status_code in (200, 201), change().json
        etag = etag_of(client, url)
        assert etag not in seen
        seen.add(etag)


def test_a_course_no_longer_visible_is_not_revalidated(client: Client, people, course) -> None:
    url = f"{API}/courses/{course['id']}"
    etag = etag_of(client, url)
    assert client.patch(url, json={"status": "draft"}, headers=people["ivy"]).status_code == 200
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 404
    own = etag_of(client, url, people["ivy"])
    assert client.get(url, headers={**people["oscar"], "If-None-Match": own}).status_code == 404


def test_if_match_on_a_course_takes_the_etag_the_read_gave(client: Client, people, course) -> None:
    url = f"{API}/courses/{course['id']}"
    etag = etag_of(client, url, people["ivy"])
    assert client.patch(url, json={"title": "A"}, headers={**people["ivy"], "If-Match": etag}).status_code == 200
    assert client.patch(url, json={"title": "B"}, headers={**people["ivy"], "If-Match": etag}).status_code == 412


# -- the course list ----------------------------------------------------------------

def test_the_course_list_revalidates_in_one_query(app, client: Client, make_course) -> None:
    for _ in range(3):
        make_course()
    url = f"{API}/courses?per_page=2"
    etag = etag_of(client, url)
    with recorded_statements(app) as seen:
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert len(seen) == 1, seen


def test_every_change_of_a_list_page_changes_its_etag(client: Client, people, make_course) -> None:
    first, second = make_course(), make_course()
    url = f"{API}/courses?per_page=1"
    admin = people["admin"]
    changes = [
        lambda: client.patch(f"{API}/courses/{second['id']}", json={"title": "On the page"}, headers=people["ivy"]),
        lambda: client.patch(f"{API}/courses/{first['id']}", json={"title": "Off the page"}, headers=people["ivy"]),
        lambda: client.post(f"{API}/courses/{second['id']}/enroll", headers=people["ann"]),
        lambda: client.delete(f"{API}/courses/{first['id']}", headers=people["ivy"]),  # the total
    ]
    seen = {etag_of(client, url)}
    expected_same = {1}  # a course on another page, the total unchanged: this page is the same
    for index, change in enumerate(changes):
        assert change().status_code in (200, 201)
        etag = etag_of(client, url)
        assert (etag in seen) == (index in expected_same), index
        seen.add(etag)
    cursor = client.get(url).json["meta"]["cursor_next"]
    assert cursor is None  # one course left
    make_course()
    assert etag_of(client, url) not in seen  # a new course on top
    assert len({etag_of(client, f"{API}/courses?per_page=1&orderby=title"), etag_of(client, url),
                etag_of(client, url, admin), etag_of(client, f"{API}/courses?per_page=2")}) == 4


def test_the_list_total_changes_its_etag_from_off_the_page(app, client: Client, people, make_course) -> None:
    """The catalog's validator reads the courses' table version instead of counting:
    every way the total can change off the page still changes the ETag, through the
    API and by SQL by hand; a write that cannot change it (a counter) does not."""
    make_course(title="Aardvark")
    url = f"{API}/courses?per_page=1&orderby=title&order=asc"
    courses = app.tables["lrn_courses"]

    def by_hand(statement: Any) -> Any:
        with app.storage.engine.begin() as db:
            return db.execute(statement)

    later = make_course(title="Zebra")
    off_page = sa.update(courses).where(courses.c.id == later["id"])
    changes = [
        (lambda: make_course(title="Yak"), True),
        (lambda: by_hand(off_page.values(student_count=courses.c.student_count + 5)), False),
        (lambda: by_hand(off_page.values(status="draft")), True),
        (lambda: by_hand(off_page.values(status="publish")), True),
        (lambda: make_course(title="Xerus", publish=False), True),  # an INSERT: counted, though a draft
        (lambda: by_hand(sa.delete(courses).where(courses.c.id == later["id"])), True),
    ]
    seen = {etag_of(client, url)}
    for index, (change, changed) in enumerate(changes):
        change()
        etag = etag_of(client, url)
        assert (etag not in seen) == changed, index
        seen.add(etag)
    assert client.get(url).json["meta"]["total"] == 2


def test_the_list_without_its_table_version_answers_as_always(app, client: Client, make_course) -> None:
    """No row for the courses in the table versions (deleted by hand): no cheap ETag
    (the body's hash), never a stale 304."""
    make_course()
    versions = app.tables["lrn_table_versions"]
    with app.storage.engine.begin() as db:
        kept = db.execute(sa.select(versions)).mappings().all()
        db.execute(sa.delete(versions))
    try:
        url = f"{API}/courses?per_page=1"
        etag = etag_of(client, url)
        make_course(title="Another")
        assert etag_of(client, url) != etag
    finally:
        with app.storage.engine.begin() as db:
            db.execute(sa.insert(versions), [dict(row) for row in kept])


def test_a_list_with_a_bad_cursor_still_answers_400(client: Client, make_course) -> None:
    make_course()
    assert client.get(f"{API}/courses?cursor=nonsense", headers={"If-None-Match": '"x"'}).status_code == 400


# -- the progress view ------------------------------------------------------------------

def test_progress_revalidates_in_one_query(app, client: Client, people, course) -> None:
    url = f"{API}/courses/{course['id']}/progress"
    etag = etag_of(client, url, people["ann"])
    with recorded_statements(app) as seen:
        assert client.get(url, headers={**people["ann"], "If-None-Match": etag}).status_code == 304
    assert len(seen) == 2, seen  # the bearer token's, then the validator's


def test_every_change_of_progress_changes_its_etag(client: Client, people, course) -> None:
    url = f"{API}/courses/{course['id']}/progress"
    ann, ivy = people["ann"], people["ivy"]
    first, second = course["lesson_ids"]
    changes = [
        lambda: client.post(f"{API}/lessons/{first}/complete", headers=ann),
        lambda: client.post(f"{API}/lessons/{second}/position", json={"position": 12}, headers=ann),
        lambda: client.post(f"{API}/sections/{course['section_id']}/lessons", json={"title": "New"}, headers=ivy),
        lambda: client.post(f"{API}/sections/{course['section_id']}/quizzes", json={"title": "Quiz", "required": True},
                            headers=ivy),
        lambda: client.post(f"{API}/lessons/{second}/complete", headers=ann),
        lambda: client.post(f"{API}/courses/{course['id']}/progress/reset", json={"user_id": people.ids["ann"]},
                            headers=ivy),
    ]
    seen = {etag_of(client, url, ann)}
    for index, change in enumerate(changes):
        answer = change()
        assert answer.status_code in (200, 201), (index, answer.json)
        etag = etag_of(client, url, ann)
        assert etag not in seen, index
        seen.add(etag)


def test_progress_is_not_revalidated_for_a_student_who_lost_access(app, client: Client, people, course) -> None:
    url = f"{API}/courses/{course['id']}/progress"
    etag = etag_of(client, url, people["ann"])
    enrollment = client.get(f"{API}/me/enrollments", headers=people["ann"]).json["data"][0]["id"]
    assert client.patch(f"{API}/enrollments/{enrollment}", json={"status": "suspended"},
                        headers=people["ivy"]).status_code == 200
    assert client.get(url, headers={**people["ann"], "If-None-Match": etag}).status_code == 403
    assert client.get(url, headers={**people["bob"], "If-None-Match": etag}).status_code == 403


def test_progress_is_not_revalidated_once_the_enrollment_expires(app, client: Client, people, course) -> None:
    url = f"{API}/courses/{course['id']}/progress"
    soon = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0) + timedelta(seconds=2)
    enrollments = app.tables["lrn_enrollments"]
    with app.storage.engine.begin() as db:
        db.execute(sa.update(enrollments).where(enrollments.c.user_id == people.ids["ann"]).values(expires_at=soon))
    etag = etag_of(client, url, people["ann"])
    time.sleep(2.2)
    assert client.get(url, headers={**people["ann"], "If-None-Match": etag}).status_code == 403


def test_progress_differs_by_student(client: Client, people, course) -> None:
    url = f"{API}/courses/{course['id']}/progress"
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["bob"])
    assert etag_of(client, url, people["ann"]) != etag_of(client, url, people["bob"])


# -- apps come and go ---------------------------------------------------------------------

def test_an_app_dropped_after_revalidating_is_collected(database_url: str, people, course) -> None:
    """The statements the validators build once, and their compiled SQL, go with the
    app's tables and engine: a process that builds apps (one per tenant, or anew)
    keeps none of the dropped ones (each its engine, metadata and every table)."""
    app = create_app(plugins=ALL_PLUGINS, database_url=database_url, bcrypt_cost=TEST_COST)
    client = Client(app)
    ann = people["ann"]  # a bearer token: every app on the database takes it
    for url, headers in [(f"{API}/courses/{course['id']}", {}), (f"{API}/courses/{course['id']}", ann),
                         (f"{API}/courses?per_page=1", {}), (f"{API}/courses/{course['id']}/progress", ann)]:
        etag_of(client, url, headers)
    app.storage.dispose()
    gone = [weakref.ref(thing) for thing in (app, app.storage.engine, app.storage.metadata, app.tables["lrn_courses"])]
    del app, client
    gc.collect()
    assert [ref() for ref in gone] == [None] * len(gone)
