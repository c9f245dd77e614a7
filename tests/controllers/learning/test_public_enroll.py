"""``learning.enroll``: the public function a plugin enrolls a student with, under
a source of its own (docs/plugins.md, "Enrolling a student from a plugin")."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from learnomy_core import CREATABLE, INSTRUCTOR, hookimpl
from learnomy.controllers.catalog import live_enrollment, load_course, tables, unmet_prerequisites
from learnomy.controllers.learning import enroll
from tests.conftest import FREE
from tests.plugins import acme

API = "/wp-json/learnomy/v1"
SPONSOR = "/wp-json/sponsor/v1/enrollments"


class Sponsor:
    """A third party's plugin: enrolls students it sponsors, as the docs show."""

    PLUGIN_NAME = "sponsor"

    @staticmethod
    def sponsor_enrollment(request: Any) -> Any:
        course = load_course(request, request.params["course_id"]).row
        table = tables(request)
        user_id = request.params["user_id"]
        existing = live_enrollment(request.db, table, user_id, course.id)
        if existing is not None or unmet_prerequisites(request.db, table, user_id, course.id):
            return {"enrolled": False}
        return {"enrolled": True, "enrollment": enroll(request, user_id, course, source="sponsor")}

    @hookimpl
    def learnomy_register_routes(self, registry: Any) -> None:
        registry.register_rest_route("sponsor/v1", "/enrollments", {
            "methods": CREATABLE, "callback": self.sponsor_enrollment, "permission_callback": INSTRUCTOR,
            "args": {"course_id": {"type": "integer", "minimum": 1, "required": True},
                     "user_id": {"type": "integer", "minimum": 1, "required": True}},
        })


@pytest.fixture
def sponsored(make_app) -> Client:
    return Client(make_app(plugins=[*FREE, acme, Sponsor()]))


def test_a_plugin_enrolls_under_its_own_source(sponsored: Client, client: Client, people, make_course) -> None:
    course = make_course(max_students=1)
    response = sponsored.post(SPONSOR, json={"course_id": course["id"], "user_id": people.ids["ann"]},
                              headers=people["ivy"])
    assert response.status_code == 200, response.json
    enrollment = response.json["data"]["enrollment"]
    assert enrollment["source"] == "sponsor" and enrollment["status"] == "active"
    mine = client.get(f"{API}/me/enrollments", headers=people["ann"]).json["data"]
    assert [(e["course_id"], e["source"]) for e in mine] == [(course["id"], "sponsor")]
    assert [d["source"] for e, d in acme.EVENTS if e == "enrollment.created"] == ["sponsor"]
    # the seat it took counts: the course (limit 1) is full for the next student
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["student_count"] == 1
    full = sponsored.post(SPONSOR, json={"course_id": course["id"], "user_id": people.ids["bob"]}, headers=people["ivy"])
    assert full.status_code == 409 and full.json["error"]["code"] == "learnomy_course_full"
    # enrolled already: the plugin looked first and did nothing
    again = sponsored.post(SPONSOR, json={"course_id": course["id"], "user_id": people.ids["ann"]},
                           headers=people["ivy"])
    assert again.status_code == 200 and again.json["data"]["enrolled"] is False


def test_a_refused_enrollment_writes_nothing(sponsored: Client, client: Client, people, make_course) -> None:
    course = make_course(max_students=1)
    assert client.post(f"{API}/courses/{course['id']}/enroll", headers=people["bob"]).status_code == 201
    full = sponsored.post(SPONSOR, json={"course_id": course["id"], "user_id": people.ids["ann"]}, headers=people["ivy"])
    assert full.status_code == 409
    assert client.get(f"{API}/me/enrollments", headers=people["ann"]).json["meta"]["total"] == 0
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["student_count"] == 1
