"""Public instructor profiles."""

from __future__ import annotations

from werkzeug.test import Client

API = "/wp-json/learnomy/v1"


def test_instructors_with_published_courses(client: Client, people, make_course) -> None:
    make_course()
    make_course()
    make_course("oscar", publish=False)
    listed = client.get(f"{API}/instructors").json
    assert [p["id"] for p in listed["data"]] == [people.ids["ivy"]]
    profile = listed["data"][0]
    assert profile["course_count"] == 2 and profile["display_name"] == "ivy"
    assert profile["rating"] == {"average": 0.0, "count": 0} and "email" not in profile


def test_one_instructor(client: Client, people, make_course) -> None:
    make_course()
    assert client.get(f"{API}/instructors/{people.ids['ivy']}").json["data"]["course_count"] == 1
    assert client.get(f"{API}/instructors/{people.ids['oscar']}").status_code == 404
    assert client.get(f"{API}/instructors/{people.ids['ann']}").status_code == 404
    assert client.get(f"{API}/instructors/0").status_code == 400
