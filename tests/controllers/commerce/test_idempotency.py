"""Idempotency-Key on checkout (API.md section 11)."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from tests.controllers.commerce.conftest import API
from tests.racing import race


def checkout(client: Client, auth: dict[str, str], course_id: int, key: str | None, gateway: str = "manual") -> Any:
    headers = {**auth, **({"Idempotency-Key": key} if key is not None else {})}
    return client.post(f"{API}/checkout", json={"items": [{"type": "course", "id": course_id}], "gateway": gateway},
                       headers=headers)


def test_the_same_key_and_body_replays_the_first_answer(client: Client, people: Any, paid_course: Any) -> None:
    course = paid_course(1000)
    first = checkout(client, people["ann"], course["id"], "key-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = checkout(client, people["ann"], course["id"], "key-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["data"] == first.json["data"] and again.headers["Location"] == first.headers["Location"]
    assert client.get(f"{API}/orders", headers=people["ann"]).json["meta"]["total"] == 1
    # Keys are per user: another user's same key is a new request.
    other = checkout(client, people["bob"], course["id"], "key-1")
    assert other.status_code == 201 and other.json["data"]["id"] != first.json["data"]["id"]


def test_the_same_key_with_another_body_answers_422(client: Client, people: Any, paid_course: Any) -> None:
    one, two = paid_course(1000), paid_course(2000)
    assert checkout(client, people["ann"], one["id"], "key-2").status_code == 201
    mismatch = checkout(client, people["ann"], two["id"], "key-2")
    assert mismatch.status_code == 422 and mismatch.json["error"]["code"] == "learnomy_idempotency_mismatch"
    assert client.get(f"{API}/orders", headers=people["ann"]).json["meta"]["total"] == 1


def test_a_failed_request_keeps_no_answer(client: Client, people: Any, paid_course: Any) -> None:
    course = paid_course(1000)
    assert checkout(client, people["ann"], course["id"], "key-3", gateway="nope").status_code == 400
    assert checkout(client, people["ann"], course["id"], "key-3").status_code == 201


@pytest.mark.parametrize("key", ["", " lead", "x" * 256, "tab\tkey"])
def test_a_malformed_key_answers_400(client: Client, people: Any, paid_course: Any, key: str) -> None:
    course = paid_course(1000)
    response = checkout(client, people["ann"], course["id"], key)
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "Idempotency-Key"


def test_two_identical_requests_at_once_make_one_order(make_app: Any, client: Client, people: Any,
                                                       paid_course: Any) -> None:
    course = paid_course(1000)
    clients = [Client(make_app()) for _ in range(2)]
    results = race([lambda c=c: checkout(c, people["ann"], course["id"], "same-moment") for c in clients])
    statuses = sorted(r.status_code for r in results)
    assert statuses in ([201, 201], [201, 409]), [r.json for r in results]
    if statuses == [201, 409]:
        assert [r for r in results if r.status_code == 409][0].json["error"]["code"] == \
            "learnomy_idempotency_in_progress"
    else:
        assert results[0].json["data"]["id"] == results[1].json["data"]["id"]
    assert client.get(f"{API}/orders", headers=people["ann"]).json["meta"]["total"] == 1
