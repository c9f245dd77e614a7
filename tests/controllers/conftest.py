"""Catalog fixtures: people by role, and courses built through the API."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

from tests.conftest import bearer, login

API = "/wp-json/learnomy/v1"


class People:
    """Bearer headers by name: admin, ivy and oscar (instructors), ann and bob (students)."""

    def __init__(self, client: Client, make_user: Callable[..., int]) -> None:
        self.ids: dict[str, int] = {}
        self.auth: dict[str, dict[str, str]] = {}
        for name, role in (("admin", "administrator"), ("ivy", "lrn_instructor"), ("oscar", "lrn_instructor"),
                           ("ann", "lrn_student"), ("bob", "lrn_student")):
            self.ids[name] = make_user(name, role)
            self.auth[name] = bearer(login(client, name))

    def __getitem__(self, name: str) -> dict[str, str]:
        return self.auth.get(name, {})


@pytest.fixture
def people(client: Client, make_user: Callable[..., int]) -> People:
    return People(client, make_user)


@pytest.fixture
def make_course(client: Client, people: People) -> Callable[..., dict[str, Any]]:
    """A course by ``owner`` with one section and ``lessons`` lessons, published unless said."""

    def factory(owner: str = "ivy", *, publish: bool = True, lessons: int = 1, **fields: Any) -> dict[str, Any]:
        auth = people[owner]
        response = client.post(f"{API}/courses", json={"title": "Course", **fields}, headers=auth)
        assert response.status_code == 201, response.json
        course = response.json["data"]
        section = client.post(f"{API}/courses/{course['id']}/sections", json={"title": "Part 1"}, headers=auth).json["data"]
        course["section_id"] = section["id"]
        course["lesson_ids"] = []
        for number in range(lessons):
            lesson = client.post(f"{API}/sections/{section['id']}/lessons",
                                 json={"title": f"Lesson {number + 1}", "content": f"<p>Body {number + 1}</p>"},
                                 headers=auth)
            assert lesson.status_code == 201, lesson.json
            course["lesson_ids"].append(lesson.json["data"]["id"])
        if publish:
            published = client.patch(f"{API}/courses/{course['id']}", json={"status": "publish"}, headers=auth)
            assert published.status_code == 200, published.json
        return course

    return factory
