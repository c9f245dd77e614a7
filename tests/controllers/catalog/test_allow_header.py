"""The caller's ``Allow`` on the catalog's routes: what Gutenberg-style clients read to
decide whether to offer editing (its policies load the course from the URL)."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

API = "/wp-json/learnomy/v1"


@pytest.mark.parametrize("who, expected", [
    ("ivy", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),   # she teaches it
    ("admin", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
    ("oscar", "GET, HEAD, OPTIONS"),                            # another instructor
    ("ann", "GET, HEAD, OPTIONS"),
    ("nobody", "GET, HEAD, OPTIONS"),
])
def test_a_course_tells_each_caller_what_it_may_do(client: Client, people: Any,
                                                   make_course: Callable[..., dict], who: str, expected: str) -> None:
    course = make_course()
    url = f"{API}/courses/{course['id']}"
    read = client.get(url, headers=people[who])
    assert read.status_code == 200
    assert read.headers["Allow"] == expected
    assert client.options(url, headers=people[who]).headers["Allow"] == expected


def test_the_course_list_tells_who_may_create(client: Client, people: Any) -> None:
    assert client.get(f"{API}/courses", headers=people["ivy"]).headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert client.get(f"{API}/courses", headers=people["ann"]).headers["Allow"] == "GET, HEAD, OPTIONS"


def test_a_missing_course_allows_only_reading(client: Client, people: Any) -> None:
    response = client.options(f"{API}/courses/999999", headers=people["ivy"])
    assert response.status_code == 200 and response.headers["Allow"] == "GET, HEAD, OPTIONS"
