"""wp/v2: the current user, application passwords, and Basic authentication."""

from __future__ import annotations

import base64

import pytest
from werkzeug.test import Client

from tests.conftest import PASSWORD, bearer, login
from tests.racing import race

WP = "/wp-json/wp/v2"
PASSWORDS = f"{WP}/users/me/application-passwords"
ME = "/wp-json/learnomy/v1/me"


def basic(login_name: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login_name}:{secret}".encode()).decode()}


@pytest.fixture
def dev_client(make_app) -> Client:
    """An app in the development environment, where plain HTTP may carry Basic auth."""
    return Client(make_app(environment="development"))


def create(client: Client, auth: dict, name: str = "Phone") -> dict:
    response = client.post(PASSWORDS, json={"name": name}, headers=auth)
    assert response.status_code == 201, response.json
    return response.json


@pytest.mark.parametrize("path, method", [
    (f"{WP}/users/me", "get"), (PASSWORDS, "get"), (PASSWORDS, "post"), (f"{PASSWORDS}/introspect", "get"),
    (f"{PASSWORDS}/0b0c0d0e-1111-4222-8333-444455556666", "delete"),
])
def test_anonymous_callers_get_401(client: Client, path: str, method: str) -> None:
    assert getattr(client, method)(path).status_code == 401


def test_users_me_in_wordpress_shape(client: Client, ann: int, ann_auth) -> None:
    body = client.get(f"{WP}/users/me", headers=ann_auth).json
    assert {"id", "name", "url", "description", "link", "slug", "avatar_urls", "meta"} <= set(body)
    assert body["id"] == ann and "email" not in body
    edit = client.get(f"{WP}/users/me?context=edit", headers=ann_auth).json
    assert edit["username"] == "ann" and edit["roles"] == ["lrn_student"]


def test_create_shows_the_password_once(client: Client, ann_auth) -> None:
    created = create(client, ann_auth)
    assert len(created["password"].replace(" ", "")) == 24 and created["password"].count(" ") == 5
    assert {"uuid", "app_id", "name", "created", "last_used", "last_ip"} <= set(created)
    listed = client.get(PASSWORDS, headers=ann_auth).json
    assert [item["uuid"] for item in listed] == [created["uuid"]]
    assert "password" not in listed[0] and "$generic$" not in str(listed)


def test_stored_as_wordpress_68_does(app, ann: int, client: Client, ann_auth) -> None:
    create(client, ann_auth)
    with app.storage.engine.connect() as db:
        raw = app.identity.store.get_meta(db, ann, "_application_passwords")
    assert raw.startswith("a:1:{i:0;a:7:{s:4:\"uuid\";") and "s:8:\"password\";s:49:\"$generic$" in raw


def test_duplicate_names_are_refused(client: Client, ann_auth) -> None:
    create(client, ann_auth)
    response = client.post(PASSWORDS, json={"name": "Phone"}, headers=ann_auth)
    assert response.status_code == 409


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x", "app_id": "not-a-uuid"}])
def test_create_bad_input(client: Client, ann_auth, body: dict) -> None:
    assert client.post(PASSWORDS, json=body, headers=ann_auth).status_code == 400


def test_basic_auth_with_an_application_password(dev_client: Client, ann: int) -> None:
    auth = bearer(login(dev_client, "ann"))
    secret = create(dev_client, auth)["password"]
    for presented in (secret, secret.replace(" ", ""), secret.replace(" ", "-")):
        response = dev_client.get(ME, headers=basic("ann", presented), environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert response.status_code == 200 and response.json["data"]["id"] == ann
    by_email = dev_client.get(ME, headers=basic("ann@example.org", secret), environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert by_email.status_code == 200
    used = dev_client.get(PASSWORDS, headers=auth).json[0]
    assert used["last_used"] and used["last_ip"] == "203.0.113.9"


def test_introspect(dev_client: Client, ann: int) -> None:
    auth = bearer(login(dev_client, "ann"))
    created = create(dev_client, auth)
    response = dev_client.get(f"{PASSWORDS}/introspect", headers=basic("ann", created["password"]))
    assert response.status_code == 200 and response.json["uuid"] == created["uuid"]
    assert "password" not in response.json
    over_jwt = dev_client.get(f"{PASSWORDS}/introspect", headers=auth)
    assert over_jwt.status_code == 404 and over_jwt.json["error"]["code"] == "rest_no_authenticated_app_password"


def test_account_password_is_refused_over_basic(dev_client: Client, ann: int) -> None:
    response = dev_client.get(ME, headers=basic("ann", PASSWORD))
    assert response.status_code == 401 and response.json["error"]["code"] == "learnomy_invalid_credentials"


def test_a_revoked_application_password_stops_working(dev_client: Client, ann: int) -> None:
    auth = bearer(login(dev_client, "ann"))
    created = create(dev_client, auth)
    deleted = dev_client.delete(f"{PASSWORDS}/{created['uuid']}", headers=auth)
    assert deleted.status_code == 200 and deleted.json["deleted"] is True
    assert dev_client.get(ME, headers=basic("ann", created["password"])).status_code == 401
    again = dev_client.delete(f"{PASSWORDS}/{created['uuid']}", headers=auth)
    assert again.status_code == 404


def test_one_users_application_password_is_not_anothers(dev_client: Client, ann: int, make_user) -> None:
    make_user("bob")
    secret = create(dev_client, bearer(login(dev_client, "ann")))["password"]
    assert dev_client.get(ME, headers=basic("bob", secret)).status_code == 401
    bob_auth = bearer(login(dev_client, "bob"))
    uuid = dev_client.get(PASSWORDS, headers=bearer(login(dev_client, "ann"))).json[0]["uuid"]
    assert dev_client.delete(f"{PASSWORDS}/{uuid}", headers=bob_auth).status_code == 404


def test_basic_auth_needs_https_in_production(client: Client, ann: int, ann_auth) -> None:
    secret = create(client, ann_auth)["password"]
    assert client.get(ME, headers=basic("ann", secret)).status_code == 401
    over_https = client.get(ME, headers=basic("ann", secret), base_url="https://localhost")
    assert over_https.status_code == 200


@pytest.mark.parametrize("header", ["Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()])
def test_malformed_basic_auth(dev_client: Client, header: str) -> None:
    assert dev_client.get(ME, headers={"Authorization": header}).status_code == 401


def test_basic_auth_on_a_sensitive_route(dev_client: Client, ann: int) -> None:
    secret = create(dev_client, bearer(login(dev_client, "ann")))["password"]
    response = dev_client.post(ME + "/password", json={"current_password": PASSWORD, "new_password": "another pw 1"},
                               headers=basic("ann", secret))
    assert response.status_code == 200 and response.headers["RateLimit-Limit"] == "60"


@pytest.mark.parametrize("readers", [0, 3])
def test_simultaneous_changes_are_all_kept(make_app, dev_client: Client, ann: int, readers: int) -> None:
    """Six devices add a password at once (the user's first, or while others sign in
    with an existing one, which records its use): every one is kept."""
    auth = bearer(login(dev_client, "ann"))
    existing = [create(dev_client, auth, "Laptop")] if readers else []
    clients = [Client(make_app(environment="development")) for _ in range(6 + readers)]
    calls = [lambda c=c, n=n: c.post(PASSWORDS, json={"name": f"Device {n}"}, headers=auth)
             for n, c in enumerate(clients[:6])]
    calls += [lambda c=c: c.get(ME, headers=basic("ann", existing[0]["password"])) for c in clients[6:]]
    answers = race(calls)
    assert [a.status_code for a in answers] == [201] * 6 + [200] * readers
    listed = dev_client.get(PASSWORDS, headers=auth).json
    kept = sorted(item["uuid"] for item in listed)
    assert kept == sorted([*(e["uuid"] for e in existing), *(a.json["uuid"] for a in answers[:6])])
    assert all(item["last_used"] for item in listed if item["name"] == "Laptop")
