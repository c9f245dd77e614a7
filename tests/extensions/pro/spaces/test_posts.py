"""Posts and comments: members only, authors and moderators, sanitized HTML, feeds by cursor."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from tests.controllers.conftest import People
from tests.extensions.pro.spaces.test_spaces import PRO, join, make_space
from tests.conftest import recorded_statements


def post(client: Client, people: People, space: dict[str, Any], who: str, **body: Any) -> Any:
    return client.post(f"{PRO}/spaces/{space['id']}/posts", json={"content": "<p>Hello</p>", **body},
                       headers=people[who])


@pytest.fixture
def space(client: Client, people: People) -> dict[str, Any]:
    """An open space by ivy that ann and bob joined."""
    made = make_space(client, people)
    for who in ("ann", "bob"):
        assert join(client, people, made, who).status_code == 201
    return made


def test_members_post_and_read(client: Client, people: People, space: dict[str, Any]) -> None:
    created = post(client, people, space, "ann", content='<p onclick="x()">Hi <a href="javascript:x()">y</a></p>')
    assert created.status_code == 201
    item = created.json["data"]
    assert item["content"] == "<p>Hi <a rel=\"noopener noreferrer\">y</a></p>"
    assert item["author_id"] == people.ids["ann"] and item["pinned"] is False and item["comment_count"] == 0
    feed = client.get(f"{PRO}/spaces/{space['id']}/posts", headers=people["bob"])
    assert feed.status_code == 200 and [p["id"] for p in feed.json["data"]] == [item["id"]]


def test_non_members_of_an_open_space_are_403(client: Client, people: People, space: dict[str, Any]) -> None:
    assert client.get(f"{PRO}/spaces/{space['id']}/posts", headers=people["oscar"]).status_code == 403
    refused = post(client, people, space, "oscar")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "learnomy_not_space_member"
    item = post(client, people, space, "ann").json["data"]
    assert client.get(f"{PRO}/posts/{item['id']}/comments", headers=people["oscar"]).status_code == 403
    assert client.post(f"{PRO}/posts/{item['id']}/comments", json={"content": "x"},
                       headers=people["oscar"]).status_code == 403


@pytest.mark.parametrize("who, status", [("ann", 200), ("bob", 403), ("ivy", 200), ("admin", 200), ("oscar", 403)])
def test_authors_and_moderators_edit(client: Client, people: People, space: dict[str, Any], who: str,
                                     status: int) -> None:
    item = post(client, people, space, "ann").json["data"]
    edited = client.patch(f"{PRO}/posts/{item['id']}", json={"content": "<b>Edited</b>"}, headers=people[who])
    assert edited.status_code == status
    if status == 200:
        assert edited.json["data"]["content"] == "<b>Edited</b>"
    assert client.delete(f"{PRO}/posts/{item['id']}", headers=people[who]).status_code == status


def test_only_moderators_pin(client: Client, people: People, space: dict[str, Any]) -> None:
    refused = post(client, people, space, "ann", pinned=True)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "learnomy_moderators_only"
    item = post(client, people, space, "ann").json["data"]
    assert client.patch(f"{PRO}/posts/{item['id']}", json={"pinned": True}, headers=people["ann"]).status_code == 403
    pinned = client.patch(f"{PRO}/posts/{item['id']}", json={"pinned": True}, headers=people["ivy"])
    assert pinned.status_code == 200 and pinned.json["data"]["pinned"] is True


def test_the_feed_puts_pinned_first_and_pages_by_cursor(client: Client, people: People,
                                                        space: dict[str, Any]) -> None:
    ids = [post(client, people, space, "ann", content=f"post {n}").json["data"]["id"] for n in range(5)]
    client.patch(f"{PRO}/posts/{ids[1]}", json={"pinned": True}, headers=people["ivy"])
    walked, cursor = [], None
    while True:
        body = client.get(f"{PRO}/spaces/{space['id']}/posts",
                          query_string={"per_page": 2, **({"cursor": cursor} if cursor else {})},
                          headers=people["bob"]).json
        walked += [p["id"] for p in body["data"]]
        assert body["meta"]["total"] == 5
        cursor = body["meta"]["cursor_next"]
        if cursor is None:
            break
    assert walked == [ids[1], ids[4], ids[3], ids[2], ids[0]]


def test_comments(client: Client, people: People, space: dict[str, Any]) -> None:
    item = post(client, people, space, "ann").json["data"]
    first = client.post(f"{PRO}/posts/{item['id']}/comments", json={"content": "<i>Nice</i><script>x</script>"},
                        headers=people["bob"])
    assert first.status_code == 201
    assert first.json["data"]["content"] == "<i>Nice</i>" and first.json["data"]["post_id"] == item["id"]
    second = client.post(f"{PRO}/posts/{item['id']}/comments", json={"content": "Thanks"}, headers=people["ann"])
    listed = client.get(f"{PRO}/posts/{item['id']}/comments", headers=people["ivy"]).json
    assert [c["id"] for c in listed["data"]] == [first.json["data"]["id"], second.json["data"]["id"]]
    feed = client.get(f"{PRO}/spaces/{space['id']}/posts", headers=people["ann"]).json["data"]
    assert feed[0]["comment_count"] == 2
    # Deleting the post takes its comments.
    assert client.delete(f"{PRO}/posts/{item['id']}", headers=people["ann"]).status_code == 200
    assert client.get(f"{PRO}/posts/{item['id']}/comments", headers=people["ann"]).status_code == 404


def test_feed_query_count_is_constant(app, client: Client, people: People, space: dict[str, Any]) -> None:
    for n in range(5):
        post(client, people, space, "ann", content=f"post {n}")
    counts = {}
    for per_page in (1, 3, 100):
        with recorded_statements(app) as statements:
            assert client.get(f"{PRO}/spaces/{space['id']}/posts?per_page={per_page}",
                              headers=people["bob"]).status_code == 200
        counts[per_page] = len(statements)
    assert counts[1] == counts[3] == counts[100], counts
