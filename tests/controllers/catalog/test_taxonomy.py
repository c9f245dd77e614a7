"""Course categories (tree, counts) and tags."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

API = "/wp-json/learnomy/v1"
CATEGORIES = f"{API}/course-categories"
TAGS = f"{API}/course-tags"


def test_category_tree_with_counts(client: Client, people, make_course) -> None:
    admin = people["admin"]
    parent = client.post(CATEGORIES, json={"name": "Data"}, headers=admin).json["data"]
    child = client.post(CATEGORIES, json={"name": "SQL", "parent_id": parent["id"]}, headers=admin)
    assert child.status_code == 201 and child.json["data"]["parent_id"] == parent["id"]
    make_course(category_ids=[child.json["data"]["id"]])
    make_course(category_ids=[child.json["data"]["id"]], publish=False)
    listed = {c["name"]: c for c in client.get(CATEGORIES).json["data"]}
    assert listed["SQL"]["course_count"] == 1 and listed["Data"]["course_count"] == 0
    assert [c["name"] for c in client.get(f"{CATEGORIES}?parent=0").json["data"]] == ["Data"]
    assert [c["name"] for c in client.get(f"{CATEGORIES}?parent={parent['id']}").json["data"]] == ["SQL"]


def test_category_update_and_loops(client: Client, people) -> None:
    admin = people["admin"]
    parent = client.post(CATEGORIES, json={"name": "A"}, headers=admin).json["data"]
    child = client.post(CATEGORIES, json={"name": "B", "parent_id": parent["id"]}, headers=admin).json["data"]
    loop = client.patch(f"{CATEGORIES}/{parent['id']}", json={"parent_id": child["id"]}, headers=admin)
    assert loop.status_code == 400
    renamed = client.patch(f"{CATEGORIES}/{child['id']}", json={"name": "Bee", "slug": "bee"}, headers=admin)
    assert renamed.json["data"]["slug"] == "bee"
    taken = client.patch(f"{CATEGORIES}/{parent['id']}", json={"slug": "bee"}, headers=admin)
    assert taken.status_code == 409
    assert client.patch(f"{CATEGORIES}/999", json={"name": "x"}, headers=admin).status_code == 404


def test_deleting_a_category(client: Client, people, make_course) -> None:
    admin = people["admin"]
    parent = client.post(CATEGORIES, json={"name": "A"}, headers=admin).json["data"]
    child = client.post(CATEGORIES, json={"name": "B", "parent_id": parent["id"]}, headers=admin).json["data"]
    course = make_course(category_ids=[parent["id"]])
    assert client.delete(f"{CATEGORIES}/{parent['id']}", headers=admin).status_code == 200
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["category_ids"] == []
    assert client.get(CATEGORIES).json["data"][0]["parent_id"] is None
    assert child["id"] == client.get(CATEGORIES).json["data"][0]["id"]


@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403), ("ivy", 403)])
def test_categories_are_for_administrators(client: Client, people, who, status: int) -> None:
    headers = people[who] if who else {}
    assert client.post(CATEGORIES, json={"name": "x"}, headers=headers).status_code == status
    assert client.patch(f"{CATEGORIES}/1", json={"name": "x"}, headers=headers).status_code == status
    assert client.delete(f"{CATEGORIES}/1", headers=headers).status_code == status


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x", "slug": "Bad Slug"}, {"name": "x", "parent_id": 999}])
def test_bad_category_input(client: Client, people, body: dict) -> None:
    assert client.post(CATEGORIES, json=body, headers=people["admin"]).status_code == 400


def test_tags(client: Client, people, make_course) -> None:
    tag = client.post(TAGS, json={"name": "Python 3"}, headers=people["ivy"])
    assert tag.status_code == 201 and tag.json["data"]["slug"] == "python-3"
    assert client.post(TAGS, json={"name": "Python 3"}, headers=people["ivy"]).status_code == 409
    course = make_course(tag_ids=[tag.json["data"]["id"]])
    assert client.get(TAGS).json["data"][0]["course_count"] == 1
    assert client.post(TAGS, json={"name": "x"}, headers=people["ann"]).status_code == 403
    assert client.post(TAGS, json={"name": "x"}).status_code == 401
    assert client.post(TAGS, json={}, headers=people["ivy"]).status_code == 400
    assert client.delete(f"{TAGS}/{tag.json['data']['id']}", headers=people["ivy"]).status_code == 403
    assert client.delete(f"{TAGS}/{tag.json['data']['id']}", headers=people["admin"]).status_code == 200
    assert client.get(f"{API}/courses/{course['id']}").json["data"]["tag_ids"] == []
    assert client.delete(f"{TAGS}/{tag.json['data']['id']}", headers=people["admin"]).status_code == 404


@pytest.mark.parametrize("route, body", [
    ("course-categories", {"name": "Racing"}),
    ("course-tags", {"name": "racing"}),
])
def test_terms_wanting_one_slug_at_once_answer_201_and_409s(make_app, people, route: str, body: dict) -> None:
    """Each request checks before it writes; the unique key settles a race as a 409, never a 500."""
    from werkzeug.test import Client

    from tests.racing import race

    clients = [Client(make_app()) for _ in range(6)]
    answers = race([lambda c=c: c.post(f"{API}/{route}", json=body, headers=people["admin"]) for c in clients])
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409, 409, 409, 409, 409], [a.json for a in answers]
