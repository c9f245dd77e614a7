"""Rate limits on sensitive routes: counted in the database, shared by apps."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from tests.conftest import PASSWORD, bearer, login

API = "/wp-json/learnomy/v1"
LIMIT = 3


@pytest.fixture
def limited(app) -> None:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"rate_limit_per_minute": LIMIT}})


def change_password(client: Client, auth: dict):
    return client.post(f"{API}/me/password", json={"current_password": "wrong", "new_password": "whatever pw"},
                       headers=auth)


def test_a_student_reaches_the_limit_across_two_app_instances(make_app, make_user, limited) -> None:
    make_user("ann")
    first, second = Client(make_app()), Client(make_app())
    auth = bearer(login(first, "ann"))
    answers = [change_password(client, auth) for client in (first, second, first)]
    assert [a.status_code for a in answers] == [400, 400, 400]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    assert answers[0].headers["RateLimit-Limit"] == str(LIMIT)
    refused = change_password(second, auth)
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "learnomy_rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Remaining"] == "0"


@pytest.mark.parametrize("role", ["lrn_instructor", "administrator"])
def test_instructors_and_administrators_are_exempt(client: Client, make_user, limited, role: str) -> None:
    make_user("ivy", role)
    auth = bearer(login(client, "ivy"))
    answers = [change_password(client, auth) for _ in range(LIMIT + 2)]
    assert all(a.status_code == 400 for a in answers)
    assert "RateLimit-Limit" not in answers[0].headers


def test_anonymous_callers_are_limited_by_ip(client: Client, limited) -> None:
    body = {"username": "nobody", "password": "x"}
    statuses = [client.post(f"{API}/auth/token", json=body, environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code
                for _ in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]
    other_ip = client.post(f"{API}/auth/token", json=body, environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert other_ip.status_code == 401


def test_routes_are_counted_apart(client: Client, make_user, limited) -> None:
    make_user("ann")
    for _ in range(LIMIT):
        client.post(f"{API}/auth/password/lost", json={"username": "ann"})
    assert client.post(f"{API}/auth/token", json={"username": "ann", "password": PASSWORD}).status_code == 200


def test_routes_that_are_not_sensitive_carry_no_limit(client: Client, make_user, limited) -> None:
    make_user("ann")
    auth = bearer(login(client, "ann"))
    responses = [client.get(f"{API}/me", headers=auth) for _ in range(LIMIT + 2)]
    assert all(r.status_code == 200 and "RateLimit-Limit" not in r.headers for r in responses)
