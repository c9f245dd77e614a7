"""Issue 10's input defects at the endpoints where outside testing found them; each is
fixed once in the core (request parsing, schema formats and patterns)."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from tests.controllers.conftest import API, People

# The second passed the old check, which asked only for "scheme://".
SCRIPT_URLS = [(url, 400) for url in ("javascript:alert(document.cookie)//", "javascript://x.org/%0aalert(1)")]


def test_a_lone_surrogate_is_refused_and_the_course_list_keeps_working(client: Client, people: People,
                                                                      make_course) -> None:
    course = make_course(requirements=["Patience"])
    response = client.patch(f"{API}/courses/{course['id']}", data='{"requirements": ["\\ud800"]}',
                            content_type="application/json", headers=people["ivy"])
    assert response.status_code == 400
    assert response.json["error"]["code"] == "rest_invalid_json"
    listing = client.get(f"{API}/courses")
    assert listing.status_code == 200
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["requirements"] == ["Patience"]


@pytest.mark.parametrize("url, status", [*SCRIPT_URLS, ("https://cdn.example.org/v.mp4", 201)])
@pytest.mark.parametrize("field", ["video", "attachments"])
def test_lesson_urls_are_http_or_https(client: Client, people: People, make_course, field: str,
                                       url: str, status: int) -> None:
    course = make_course()
    value = {"provider": "html5", "url": url} if field == "video" else [{"title": "Slides", "url": url}]
    response = client.post(f"{API}/sections/{course['section_id']}/lessons",
                           json={"title": "L", "type": "text", field: value}, headers=people["ivy"])
    assert response.status_code == status, response.json
    if status == 400:
        assert response.json["error"]["details"][0]["code"] == "rest_invalid_url"


@pytest.mark.parametrize("url, status", [*SCRIPT_URLS, ("https://img.example.org/t.png", 201)])
def test_course_thumbnail_url_is_http_or_https(client: Client, people: People, url: str, status: int) -> None:
    response = client.post(f"{API}/courses", json={"title": "C", "thumbnail_url": url}, headers=people["ivy"])
    assert response.status_code == status, response.json


@pytest.mark.parametrize("url, status", [*SCRIPT_URLS, ("https://ann.example.org/", 200)])
def test_profile_url_is_http_or_https(client: Client, people: People, url: str, status: int) -> None:
    response = client.patch(f"{API}/me", json={"url": url}, headers=people["ann"])
    assert response.status_code == status, response.json


def test_a_username_with_a_trailing_newline_is_refused(client: Client) -> None:
    response = client.post(f"{API}/auth/register", json={
        "username": "newbie\n", "email": "newbie@example.org", "password": "correct horse battery"})
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["code"] == "rest_invalid_pattern"
