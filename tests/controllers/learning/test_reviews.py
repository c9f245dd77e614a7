"""Reviews: one per enrolled student, moderation, and the course's rating."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

API = "/wp-json/learnomy/v1"


@pytest.fixture
def course(client: Client, people, make_course):
    course = make_course()
    for who in ("ann", "bob"):
        client.post(f"{API}/courses/{course['id']}/enroll", headers=people[who])
    return course


def review(client: Client, people, course, who: str = "ann", **body):
    return client.post(f"{API}/courses/{course['id']}/reviews", json={"rating": 4, **body}, headers=people[who])


def test_reviews_update_the_rating(client: Client, people, course) -> None:
    created = review(client, people, course, content="<p>Great<script>x</script></p>")
    assert created.status_code == 201 and created.json["data"]["status"] == "approved"
    assert "script" not in created.json["data"]["content"]
    review(client, people, course, "bob", rating=5)
    listed = client.get(f"{API}/courses/{course['id']}/reviews").json
    assert listed["meta"]["rating"]["average"] == 4.5 and listed["meta"]["rating"]["count"] == 2
    assert listed["meta"]["rating"]["distribution"]["5"] == 1
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["rating"] == {"average": 4.5, "count": 2}


def test_one_review_per_student(client: Client, people, course) -> None:
    review(client, people, course)
    again = review(client, people, course, rating=1)
    assert again.status_code == 409 and again.json["error"]["code"] == "learnomy_review_exists"


@pytest.mark.parametrize("who, status", [(None, 401), ("ivy", 403), ("oscar", 403)])
def test_only_enrolled_students_review(client: Client, people, course, who, status: int) -> None:
    response = client.post(f"{API}/courses/{course['id']}/reviews", json={"rating": 3}, headers=people[who] if who else {})
    assert response.status_code == status


@pytest.mark.parametrize("body", [{}, {"rating": 0}, {"rating": 6}, {"rating": 3, "status": "approved"}])
def test_bad_review_input(client: Client, people, course, body: dict) -> None:
    assert client.post(f"{API}/courses/{course['id']}/reviews", json=body, headers=people["ann"]).status_code == 400


def test_moderation(app, client: Client, people, course) -> None:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"reviews": {"require_approval": True}})
    pending = review(client, people, course).json["data"]
    assert pending["status"] == "pending"
    assert client.get(f"{API}/courses/{course['id']}/reviews").json["meta"]["rating"]["count"] == 0
    assert client.get(f"{API}/reviews/{pending['id']}").status_code == 404
    assert client.get(f"{API}/reviews/{pending['id']}", headers=people["ann"]).status_code == 200
    queue = client.get(f"{API}/reviews?status=pending", headers=people["admin"]).json
    assert [r["id"] for r in queue["data"]] == [pending["id"]]
    assert client.get(f"{API}/reviews", headers=people["ivy"]).status_code == 403
    url = f"{API}/reviews/{pending['id']}/moderate"
    assert client.post(url, json={"status": "approved"}, headers=people["ann"]).status_code == 403
    assert client.post(url, json={"status": "great"}, headers=people["admin"]).status_code == 400
    assert client.post(url, json={"status": "approved"}, headers=people["admin"]).json["data"]["status"] == "approved"
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["rating"]["count"] == 1
    edited = client.patch(f"{API}/reviews/{pending['id']}", json={"rating": 2}, headers=people["ann"]).json["data"]
    assert edited["status"] == "pending" and edited["rating"] == 2
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["rating"]["count"] == 0


def test_authors_edit_and_delete(client: Client, people, course) -> None:
    mine = review(client, people, course).json["data"]
    url = f"{API}/reviews/{mine['id']}"
    assert client.patch(url, json={"rating": 1}, headers=people["bob"]).status_code == 404
    assert client.patch(url, json={"rating": 1}).status_code == 401
    assert client.patch(url, json={"rating": 9}, headers=people["ann"]).status_code == 400
    assert client.patch(url, json={"rating": 1}, headers=people["ann"]).json["data"]["rating"] == 1
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["rating"] == {"average": 1.0, "count": 1}
    assert client.delete(url, headers=people["bob"]).status_code == 404
    assert client.delete(url, headers=people["ann"]).status_code == 200
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["rating"] == {"average": 0.0, "count": 0}


def test_administrators_delete_any_review(client: Client, people, course) -> None:
    mine = review(client, people, course).json["data"]
    assert client.delete(f"{API}/reviews/{mine['id']}", headers=people["admin"]).status_code == 200
