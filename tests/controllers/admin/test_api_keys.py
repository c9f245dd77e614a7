"""API keys (API.md section 12): created once by administrators, hashed at rest,
scoped, expiring, revocable, and usable wherever a bearer token is."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.controllers.conftest import API, People

KEYS = f"{API}/api-keys"
ME = f"{API}/me"


@pytest.fixture
def make_key(client: Client, people: People) -> Callable[..., dict[str, Any]]:
    """Create a key through the API as the administrator; its answer."""

    def factory(**body: Any) -> dict[str, Any]:
        response = client.post(KEYS, json={"name": "Integration", **body}, headers=people["admin"])
        assert response.status_code == 201, response.json
        return response.json["data"]

    return factory


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _set(app: LearnomyApp, key_id: int, **values: Any) -> None:
    table = app.tables["lrn_api_keys"]
    with app.storage.engine.begin() as db:
        db.execute(table.update().where(table.c.id == key_id).values(**values))


def _row(app: LearnomyApp, key_id: int) -> Any:
    table = app.tables["lrn_api_keys"]
    with app.storage.engine.connect() as db:
        return db.execute(table.select().where(table.c.id == key_id)).one()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def test_a_key_is_shown_once_and_stored_hashed(client: Client, people: People, app: LearnomyApp) -> None:
    response = client.post(KEYS, json={"name": "CRM sync"}, headers=people["admin"])
    assert response.status_code == 201, response.json
    data = response.json["data"]
    key = data["key"]
    assert key.startswith("lrn_") and len(key) >= 4 + 43  # 32 random bytes, URL-safe
    assert data["prefix"] == key[:12] and data["scopes"] == ["read"] and data["status"] == "active"
    assert data["user_id"] == people.ids["admin"] and data["expires_at"] is None and data["last_used_at"] is None
    assert response.headers["Location"].endswith(f"/learnomy/v1/api-keys/{data['id']}")
    # never again: not in the list, not in the key's own answer, not in the database
    for answer in (client.get(KEYS, headers=people["admin"]), client.get(f"{KEYS}/{data['id']}", headers=people["admin"])):
        assert answer.status_code == 200 and key not in answer.text and "key_hash" not in answer.text
    assert client.get(KEYS, headers=people["admin"]).json["data"][0]["prefix"] == data["prefix"]
    row = _row(app, data["id"])
    assert key not in [str(value) for value in row]
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()


@pytest.mark.parametrize("method, path", [("GET", KEYS), ("POST", KEYS), ("GET", f"{KEYS}/1"), ("DELETE", f"{KEYS}/1")])
@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403), ("ivy", 403)])
def test_only_administrators(client: Client, people: People, make_key: Any, method: str, path: str,
                             who: Any, status: int) -> None:
    make_key()
    # Anonymous callers learn nothing of the input (401 even for a bad body).
    body = ({"name": ""} if who is None else {"name": "Mine"}) if method == "POST" else None
    response = client.open(path, method=method, json=body,
                           headers=people[who] if who else {})
    assert response.status_code == status
    assert response.json["error"]["code"] == ("rest_not_logged_in" if status == 401 else "rest_forbidden")


@pytest.mark.parametrize("body, param", [
    ({}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "k", "scopes": ["admin"]}, "scopes"),
    ({"name": "k", "scopes": []}, "scopes"),
    ({"name": "k", "scopes": ["read", "read"]}, "scopes"),
    ({"name": "k", "expires_at": "tomorrow"}, "expires_at"),
    ({"name": "k", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
    ({"name": "k", "user_id": 999999}, "user_id"),
    ({"name": "k", "user_id": 0}, "user_id"),
])
def test_bad_input_is_refused(client: Client, people: People, app: LearnomyApp, body: dict[str, Any],
                              param: str) -> None:
    response = client.post(KEYS, json=body, headers=people["admin"])
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] in ("rest_invalid_param", "rest_missing_callback_param")
    assert param in str(response.json["error"]["details"])
    with app.storage.engine.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(app.tables["lrn_api_keys"])).scalar() == 0


@pytest.mark.parametrize("header", ["Authorization", "X-Learnomy-Key"])
def test_a_key_works_where_a_bearer_token_does(client: Client, people: People, make_key: Any, header: str) -> None:
    key = make_key(user_id=people.ids["ann"])["key"]
    headers = _bearer(key) if header == "Authorization" else {"X-Learnomy-Key": key}
    response = client.get(ME, headers=headers)
    assert response.status_code == 200, response.json
    assert response.json["data"]["id"] == people.ids["ann"]
    # the rights of its user: ann is no administrator
    assert client.get(KEYS, headers=headers).status_code == 403


def test_a_read_key_cannot_write(client: Client, people: People, make_key: Any, app: LearnomyApp) -> None:
    read_made = make_key()
    read, write = read_made["key"], make_key(scopes=["read", "write"])["key"]
    assert client.get(f"{API}/admin/settings", headers=_bearer(read)).status_code == 200
    assert client.head(KEYS, headers={"X-Learnomy-Key": read}).status_code == 200
    for method, path, body in (("PATCH", f"{API}/admin/settings", {"general": {"site_name": "Nope"}}),
                               ("POST", KEYS, {"name": "more"}), ("DELETE", f"{KEYS}/{read_made['id']}", None)):
        for headers in (_bearer(read), {"X-Learnomy-Key": read}):
            refused = client.open(path, method=method, json=body, headers=headers)
            assert refused.status_code == 403, (method, refused.json)
            assert refused.json["error"]["code"] == "learnomy_insufficient_scope"
    assert client.get(f"{KEYS}/{read_made['id']}", headers=people["admin"]).json["data"]["status"] == "active"
    allowed = client.patch(f"{API}/admin/settings", json={"general": {"site_name": "Yes"}}, headers=_bearer(write))
    assert allowed.status_code == 200 and allowed.json["data"]["general"]["site_name"] == "Yes"
    assert client.delete(f"{KEYS}/{read_made['id']}", headers=_bearer(write)).status_code == 200


APP_PASSWORDS = "/wp-json/wp/v2/users/me/application-passwords"


@pytest.mark.parametrize("path, body", [(KEYS, {"name": "more", "scopes": ["read", "write"]}),
                                        (APP_PASSWORDS, {"name": "Phone"})], ids=["api-key", "app-password"])
def test_a_key_cannot_mint_credentials_that_outlive_it(client: Client, people: People, make_key: Any,
                                                       app: LearnomyApp, path: str, body: dict[str, Any]) -> None:
    write = make_key(scopes=["read", "write"])["key"]
    batch = {"requests": [{"method": "POST", "path": path.removeprefix("/wp-json"), "body": body}]}
    for headers in (_bearer(write), {"X-Learnomy-Key": write}):
        refused = client.post(path, json=body, headers=headers)
        assert refused.status_code == 403, refused.json
        error = refused.json.get("error") or refused.json  # wp/v2 answers WordPress's error shape
        assert error["code"] == "learnomy_api_key_cannot_mint" and "API key" in error["message"]
        # Nor inside a batch, where each sub-request runs with the caller's credentials.
        inside = client.post(f"{API}/batch", json=batch, headers=headers)
        answer = inside.json["data"]["responses"][0]
        assert answer["status"] == 403 and "learnomy_api_key_cannot_mint" in str(answer["body"]), answer
    with app.storage.engine.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(app.tables["lrn_api_keys"])).scalar_one() == 1
        assert app.identity.app_passwords.items(db, people.ids["admin"]) == []
    # Signed in as the user, the same requests mint them.
    assert client.post(path, json=body, headers=people["admin"]).status_code == 201


def test_revoking_a_key_ends_it_at_once(client: Client, people: People, make_key: Any) -> None:
    made = make_key()
    assert client.get(ME, headers=_bearer(made["key"])).status_code == 200
    response = client.delete(f"{KEYS}/{made['id']}", headers=people["admin"])
    assert response.status_code == 200, response.json
    assert response.json["data"]["deleted"] is True
    assert response.json["data"]["previous"]["status"] == "revoked"
    refused = client.get(ME, headers=_bearer(made["key"]))
    assert refused.status_code == 401
    assert refused.json["error"]["code"] == "learnomy_invalid_credentials"
    assert "revoked" in refused.json["error"]["message"]
    again = client.delete(f"{KEYS}/{made['id']}", headers=people["admin"])
    assert again.status_code == 409
    assert client.delete(f"{KEYS}/999999", headers=people["admin"]).status_code == 404
    listed = client.get(KEYS, query_string={"status": "revoked"}, headers=people["admin"]).json["data"]
    assert [k["id"] for k in listed] == [made["id"]] and listed[0]["revoked_at"]


@pytest.mark.parametrize("method", ["GET", "DELETE"])
@pytest.mark.parametrize("key_id, status", [("999999", 404), ("0", 400), (str(2**63), 400)])
def test_an_unknown_or_bad_id_is_404_or_400(client: Client, people: People, make_key: Any, method: str,
                                            key_id: str, status: int) -> None:
    make_key()
    response = client.open(f"{KEYS}/{key_id}", method=method, headers=people["admin"])
    assert response.status_code == status, response.json
    if status == 404:
        assert response.json["error"]["code"] == "learnomy_not_found"
    else:
        assert response.json["error"]["details"][0]["param"] == "id"


def test_an_expired_key_is_refused(client: Client, people: People, make_key: Any, app: LearnomyApp) -> None:
    soon = (_now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    made = make_key(expires_at=soon)
    assert made["expires_at"] == soon
    assert client.get(ME, headers=_bearer(made["key"])).status_code == 200
    _set(app, made["id"], expires_at=_now() - timedelta(seconds=1))
    refused = client.get(ME, headers=_bearer(made["key"]))
    assert refused.status_code == 401 and refused.json["error"]["code"] == "learnomy_invalid_credentials"
    assert "expired" in refused.json["error"]["message"]
    assert client.get(f"{KEYS}/{made['id']}", headers=people["admin"]).json["data"]["status"] == "expired"
    assert [k["id"] for k in client.get(KEYS, query_string={"status": "expired"}, headers=people["admin"]).json["data"]] \
        == [made["id"]]
    assert client.get(KEYS, query_string={"status": "active"}, headers=people["admin"]).json["data"] == []


@pytest.mark.parametrize("presented", ["lrn_nope", "lrn_" + "A" * 43, "lrn_" + "x" * 300])
def test_an_unknown_key_is_refused(client: Client, people: People, make_key: Any, presented: str) -> None:
    real = make_key()["key"]
    for key in (presented, real[:-1] + ("A" if real[-1] != "A" else "B")):  # same prefix, wrong key
        for headers in (_bearer(key), {"X-Learnomy-Key": key}):
            refused = client.get(ME, headers=headers)
            assert refused.status_code == 401 and refused.json["error"]["code"] == "learnomy_invalid_credentials"


def test_one_credential_per_request(client: Client, people: People, make_key: Any) -> None:
    key = make_key()["key"]
    refused = client.get(ME, headers={"X-Learnomy-Key": key, **people["ann"]})
    assert refused.status_code == 401 and refused.json["error"]["code"] == "learnomy_invalid_credentials"


def test_a_blocked_or_deleted_users_keys_stop_working(client: Client, people: People, make_key: Any,
                                                      app: LearnomyApp) -> None:
    ann, bob = people.ids["ann"], people.ids["bob"]
    ann_key, bob_key = make_key(user_id=ann)["key"], make_key(user_id=bob)["key"]
    with app.storage.engine.begin() as db:
        app.identity.store.set_meta(db, ann, "learnomy_blocked", "1")  # what blocking sets
        users = app.identity.store.users
        db.execute(users.delete().where(users.c.ID == bob))
    for key in (ann_key, bob_key):
        refused = client.get(ME, headers=_bearer(key))
        assert refused.status_code == 401 and refused.json["error"]["code"] == "learnomy_invalid_credentials"
    # unblocked, the key works again (unlike tokens, a key is not tied to a token version)
    with app.storage.engine.begin() as db:
        app.identity.store.set_meta(db, ann, "learnomy_blocked", "0")
    assert client.get(ME, headers=_bearer(ann_key)).status_code == 200


@pytest.fixture
def key_writes(app: LearnomyApp) -> Iterator[list[str]]:
    """The statements that write to the API keys table."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE") and "lrn_api_keys" in statement:
            seen.append(statement)

    sa.event.listen(app.storage.engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(app.storage.engine, "before_cursor_execute", record)


def test_last_used_at_is_written_at_most_once_a_minute(client: Client, people: People, make_key: Any,
                                                       app: LearnomyApp, key_writes: list[str]) -> None:
    made = make_key()
    for _ in range(3):
        assert client.get(ME, headers=_bearer(made["key"])).status_code == 200
    first = _row(app, made["id"]).last_used_at
    assert first is not None and abs((first - _now()).total_seconds()) < 5
    assert len(key_writes) == 1  # the first request only
    earlier = first - timedelta(seconds=61)
    _set(app, made["id"], last_used_at=earlier)
    key_writes.clear()
    assert client.get(ME, headers=_bearer(made["key"])).status_code == 200
    assert len(key_writes) == 1 and _row(app, made["id"]).last_used_at > earlier
    assert client.get(f"{KEYS}/{made['id']}", headers=people["admin"]).json["data"]["last_used_at"]


def test_the_guarded_write_records_once(app: LearnomyApp, people: People, make_key: Any) -> None:
    made = make_key()
    stamp = _now()
    with app.storage.engine.begin() as db:
        assert app.identity.api_keys.record_usage(db, made["id"], stamp) is True
        assert app.identity.api_keys.record_usage(db, made["id"], stamp + timedelta(seconds=30)) is False
        assert app.identity.api_keys.record_usage(db, made["id"], stamp + timedelta(seconds=60)) is True


def test_the_list_filters_and_pages(client: Client, people: People, make_key: Any) -> None:
    ann, admin = people.ids["ann"], people["admin"]
    made = [make_key(name=f"k{n}", **({"user_id": ann} if n % 2 else {})) for n in range(5)]
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"per_page": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(KEYS, query_string=params, headers=admin).json
        seen += [k["id"] for k in page["data"]]
        assert page["meta"]["total"] == 5
        cursor = page["meta"]["cursor_next"]
        if not cursor:
            break
    assert seen == sorted((k["id"] for k in made), reverse=True)
    mine = client.get(KEYS, query_string={"user_id": ann}, headers=admin).json["data"]
    assert {k["id"] for k in mine} == {made[1]["id"], made[3]["id"]}
    assert client.get(KEYS, query_string={"status": "nope"}, headers=admin).status_code == 400


def test_the_list_costs_the_same_whatever_the_page_size(client: Client, people: People, make_key: Any,
                                                         app: LearnomyApp) -> None:
    for n in range(6):
        make_key(name=f"k{n}")
    counts = []
    for per_page in (1, 6):
        statements: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            statements.append(statement)

        sa.event.listen(app.storage.engine, "before_cursor_execute", record)
        try:
            response = client.get(KEYS, query_string={"per_page": per_page}, headers=people["admin"])
        finally:
            sa.event.remove(app.storage.engine, "before_cursor_execute", record)
        assert len(response.json["data"]) == per_page
        counts.append(len(statements))
    assert counts[0] == counts[1]


def test_a_read_key_batches_reads_and_each_write_inside_is_refused(client: Client, people: People,
                                                                    make_key: Any) -> None:
    read = _bearer(make_key()["key"])
    response = client.post(f"{API}/batch", json={"requests": [
        {"method": "GET", "path": "/learnomy/v1/admin/settings"},
        {"method": "PATCH", "path": "/learnomy/v1/admin/settings", "body": {"general": {"site_name": "Nope"}}},
    ]}, headers=read)
    assert response.status_code == 207, response.json
    got, refused = response.json["data"]["responses"]
    assert got["status"] == 200 and refused["status"] == 403
    assert refused["body"]["error"]["code"] == "learnomy_insufficient_scope"
