"""Log in, tokens, refresh rotation, revocation, registration, password reset."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta, timezone

import bcrypt
import jwt
import pytest
from werkzeug.test import Client

from learnomy_core.identity import passwords as password_module
from tests.conftest import PASSWORD, bearer, login
from tests.plugins import mailbox
from tests.racing import race

API = "/wp-json/learnomy/v1"
ME = f"{API}/me"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def forge(app, **changes) -> str:
    """A token signed with the site secret whose claims differ from a real one."""
    now = datetime.now(timezone.utc)
    claims = {"iss": "http://localhost", "sub": "1", "iat": now, "exp": now + timedelta(minutes=5),
              "jti": "x", "typ": "access", "sid": "s", "ver": 0}
    algorithm = changes.pop("_alg", "HS256")
    key = changes.pop("_key", app.secret_key)
    claims.update(changes)
    return jwt.encode(claims, key, algorithm=algorithm)


# -- login ---------------------------------------------------------------------

@pytest.mark.parametrize("username", ["ann", "ann@example.org", "ANN", "Ann@Example.org"])
def test_login_with_username_or_email(client: Client, ann: int, username: str) -> None:
    data = login(client, username)
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == 900 and data["refresh_expires_in"] == 30 * 24 * 3600
    assert data["user"]["id"] == ann and data["user"]["email"] == "ann@example.org"
    assert data["user"]["roles"] == ["lrn_student"]
    claims = claims_of(data["access_token"])
    assert claims["iss"] == "http://localhost" and claims["sub"] == str(ann) and claims["typ"] == "access"
    assert claims["exp"] - claims["iat"] == 900 and claims["jti"]
    assert jwt.get_unverified_header(data["access_token"])["alg"] == "HS256"
    assert claims_of(data["refresh_token"])["typ"] == "refresh"


def test_wrong_password_and_unknown_user_answer_alike(client: Client, ann: int, monkeypatch) -> None:
    spent = []
    real = password_module.dummy_check
    monkeypatch.setattr("learnomy_core.identity.dummy_check", lambda cost: spent.append(cost) or real(cost))
    wrong = client.post(f"{API}/auth/token", json={"username": "ann", "password": "nope"})
    unknown = client.post(f"{API}/auth/token", json={"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["error"]["code"] == unknown.json["error"]["code"] == "learnomy_invalid_credentials"
    assert wrong.json["error"]["message"] == unknown.json["error"]["message"]
    assert spent == [4], "an unknown user still pays for one bcrypt check"


@pytest.fixture
def bcrypt_calls(monkeypatch) -> Counter:
    """How often bcrypt hashes and verifies from now on."""
    calls: Counter = Counter()
    for name in ("checkpw", "hashpw"):
        real = getattr(bcrypt, name)
        monkeypatch.setattr(bcrypt, name, lambda *args, _real=real, _name=name: calls.update([_name]) or _real(*args))
    return calls


@pytest.mark.parametrize("stored, password", [
    (None, "wrong"),                                                              # unknown user
    ("default", "wrong"),                                                         # our own format and cost
    ("default", "é" * 2100),                                                      # over 4096 bytes
    ("3cb4e732631f47e6eb961f34554b7cde", "wrong"),                                 # WordPress's old MD5
    ("$P$B0g/LY8k6OJUMPNwDIEjJL/E4IojHb1", "wrong"),                              # phpass
    ("$2y$04$3.qlOCek.Y7Q1xSDN2rFV.3MlRmPjb4l8YfXE6v6FCUJvk10GsPyq", "wrong"),     # plain bcrypt, our cost
    ("$2y$04$3.qlOCek.Y7Q1xSDN2rFV.3MlRmPjb4l8YfXE6v6FCUJvk10GsPyq", "b" * 71),    # one byte short
])
def test_every_failed_login_costs_one_bcrypt_verify(client: Client, make_user, bcrypt_calls: Counter,
                                                    stored, password: str) -> None:
    if stored is not None:
        make_user("old", password_hash=None if stored == "default" else stored)
    # The first unknown user of the process pays for making the dummy hash, once.
    client.post(f"{API}/auth/token", json={"username": "warm-up", "password": "x"})
    bcrypt_calls.clear()
    response = client.post(f"{API}/auth/token", json={"username": "old", "password": password})
    assert response.status_code == 401
    assert bcrypt_calls == Counter(checkpw=1), "one verify at our cost, and no hashing, per failed login"


def test_the_dummy_hash_is_made_once_per_cost(bcrypt_calls: Counter) -> None:
    for _ in range(3):
        password_module.dummy_check(5)
    assert bcrypt_calls["hashpw"] <= 1 and bcrypt_calls["checkpw"] == 3
    assert password_module.dummy_hash(5).startswith("$wp$2y$05$")


def test_login_needs_both_fields(client: Client) -> None:
    response = client.post(f"{API}/auth/token", json={"username": "ann"})
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["param"] == "password"


@pytest.mark.parametrize("legacy", [
    "3cb4e732631f47e6eb961f34554b7cde",
    "$P$B0g/LY8k6OJUMPNwDIEjJL/E4IojHb1",
    "$2y$10$lMUZhkCydVUFk/9WrW91.uW4ozycRxuUJNSwfsJ3HU09bi54ohEhO",
])
def test_legacy_hashes_log_in_and_are_upgraded(app, client: Client, make_user, legacy: str) -> None:
    user_id = make_user("old", password_hash=legacy)
    login(client, "old", "correct horse")
    with app.storage.engine.connect() as db:
        stored = app.identity.store.get(db, user_id).user_pass
    assert stored.startswith("$wp$2y$04$")
    login(client, "old", "correct horse")


def test_a_stronger_wordpress_hash_is_kept(app, client: Client, make_user) -> None:
    strong = "$wp$2y$12$Zaii3NyW.K1xdrFyrSPyfuKGjOBZi6vd.rHoO6o3o.T1KTT.1OVRq"
    user_id = make_user("shared", password_hash=strong)
    login(client, "shared", "correct horse")
    with app.storage.engine.connect() as db:
        assert app.identity.store.get(db, user_id).user_pass == strong


# -- bearer tokens -----------------------------------------------------------------

def test_bearer_token_reaches_me(client: Client, ann: int) -> None:
    response = client.get(ME, headers=bearer(login(client, "ann")))
    assert response.status_code == 200 and response.json["data"]["id"] == ann


@pytest.mark.parametrize("changes, code", [
    ({"_alg": "none", "_key": None}, "learnomy_invalid_token"),
    ({"_alg": "HS512"}, "learnomy_invalid_token"),
    ({"_key": b"another secret" * 3}, "learnomy_invalid_token"),
    ({"exp": datetime.now(timezone.utc) - timedelta(seconds=5)}, "learnomy_token_expired"),
    ({"iss": "https://evil.example"}, "learnomy_invalid_token"),
    ({"typ": "refresh"}, "learnomy_invalid_token"),
])
def test_bad_tokens_are_refused(app, client: Client, ann: int, changes: dict, code: str) -> None:
    real = claims_of(login(client, "ann")["access_token"])
    token = forge(app, sub=real["sub"], sid=real["sid"], ver=real["ver"], **changes)
    response = client.get(ME, headers=bearer(token))
    assert response.status_code == 401
    assert response.json["error"]["code"] == code


def test_a_good_forgery_check_passes(app, client: Client, ann: int) -> None:
    real = claims_of(login(client, "ann")["access_token"])
    assert client.get(ME, headers=bearer(forge(app, sub=real["sub"], sid=real["sid"]))).status_code == 200


def test_refresh_token_is_not_an_access_token(client: Client, ann: int) -> None:
    pair = login(client, "ann")
    assert client.get(ME, headers=bearer(pair["refresh_token"])).status_code == 401


def test_an_invalid_token_is_refused_on_public_routes_too(client: Client) -> None:
    assert client.get(f"{API}/health", headers=bearer("garbage")).status_code == 401


# -- refresh and revoke -------------------------------------------------------------

def refresh(client: Client, token: str):
    return client.post(f"{API}/auth/token/refresh", json={"refresh_token": token})


def test_refresh_rotates_the_pair(client: Client, ann: int) -> None:
    first = login(client, "ann")
    response = refresh(client, first["refresh_token"])
    assert response.status_code == 200
    second = response.json["data"]
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get(ME, headers=bearer(second)).status_code == 200
    assert claims_of(second["access_token"])["sid"] == claims_of(first["access_token"])["sid"]


def test_a_retired_refresh_token_revokes_its_family(client: Client, ann: int) -> None:
    first = login(client, "ann")
    other_session = login(client, "ann")
    second = refresh(client, first["refresh_token"]).json["data"]
    replay = refresh(client, first["refresh_token"])
    assert replay.status_code == 401 and replay.json["error"]["code"] == "learnomy_invalid_token"
    # The whole family is dead: the newest pair too.
    assert client.get(ME, headers=bearer(second)).status_code == 401
    assert refresh(client, second["refresh_token"]).status_code == 401
    # Another login's session is untouched.
    assert client.get(ME, headers=bearer(other_session)).status_code == 200


def test_refresh_with_garbage(client: Client) -> None:
    assert refresh(client, "nope").status_code == 401
    assert client.post(f"{API}/auth/token/refresh", json={}).status_code == 400


def test_revoke_this_session(client: Client, ann: int) -> None:
    pair = login(client, "ann")
    other = login(client, "ann")
    response = client.post(f"{API}/auth/token/revoke", json={}, headers=bearer(pair))
    assert response.status_code == 200 and response.json["data"] == {"revoked": True, "all": False}
    assert client.get(ME, headers=bearer(pair)).status_code == 401
    assert refresh(client, pair["refresh_token"]).status_code == 401
    assert client.get(ME, headers=bearer(other)).status_code == 200


def test_revoke_by_refresh_token_and_all(client: Client, ann: int) -> None:
    pair, other, third = login(client, "ann"), login(client, "ann"), login(client, "ann")
    client.post(f"{API}/auth/token/revoke", json={"refresh_token": other["refresh_token"]}, headers=bearer(pair))
    assert client.get(ME, headers=bearer(other)).status_code == 401
    assert client.get(ME, headers=bearer(third)).status_code == 200
    client.post(f"{API}/auth/token/revoke", json={"all": True}, headers=bearer(pair))
    assert client.get(ME, headers=bearer(pair)).status_code == 401
    assert client.get(ME, headers=bearer(third)).status_code == 401


def test_revoke_someone_elses_token_is_refused(client: Client, ann: int, make_user) -> None:
    make_user("bob")
    bobs = login(client, "bob")
    response = client.post(f"{API}/auth/token/revoke", json={"refresh_token": bobs["refresh_token"]},
                           headers=bearer(login(client, "ann")))
    assert response.status_code == 400
    assert client.get(ME, headers=bearer(bobs)).status_code == 200


def test_revoke_needs_a_login(client: Client) -> None:
    response = client.post(f"{API}/auth/token/revoke", json={"all": True})
    assert response.status_code == 401 and response.json["error"]["code"] == "rest_not_logged_in"


# -- blocked and deleted users ----------------------------------------------------------

def test_blocking_invalidates_tokens(app, client: Client, ann: int) -> None:
    pair = login(client, "ann")
    with app.storage.engine.begin() as db:
        app.identity.store.set_meta(db, ann, "learnomy_blocked", "1")
        app.identity.tokens.invalidate_user(db, ann)
    assert client.get(ME, headers=bearer(pair)).status_code == 401
    response = client.post(f"{API}/auth/token", json={"username": "ann", "password": PASSWORD})
    assert response.status_code == 403 and response.json["error"]["code"] == "learnomy_account_blocked"


def test_a_deleted_users_tokens_die(app, client: Client, ann: int) -> None:
    pair = login(client, "ann")
    users = app.identity.store.users
    with app.storage.engine.begin() as db:
        db.execute(users.delete().where(users.c.ID == ann))
    assert client.get(ME, headers=bearer(pair)).status_code == 401


# -- registration -------------------------------------------------------------------

def test_register_a_student(client: Client) -> None:
    response = client.post(f"{API}/auth/register", json={
        "username": "newbie", "email": "newbie@example.org", "password": "long enough pw"})
    assert response.status_code == 201
    data = response.json["data"]
    assert data["user"]["roles"] == ["lrn_student"] and data["access_token"]
    assert response.headers["Location"] == "/learnomy/v1/me"
    login(client, "newbie", "long enough pw")


def test_register_when_closed(app, client: Client) -> None:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"general": {"registration_open": False}})
    response = client.post(f"{API}/auth/register", json={
        "username": "newbie", "email": "newbie@example.org", "password": "long enough pw"})
    assert response.status_code == 403 and response.json["error"]["code"] == "learnomy_registration_closed"


@pytest.mark.parametrize("username, email", [
    ("ann", "other@example.org"), ("Ann", "other@example.org"), ("other", "ANN@example.org"),
])
def test_register_twice(client: Client, ann: int, username: str, email: str) -> None:
    """Logins and emails are unique ignoring case, as WordPress's are under MySQL."""
    response = client.post(f"{API}/auth/register", json={
        "username": username, "email": email, "password": "long enough pw"})
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_user_exists"


@pytest.mark.parametrize("first, second, shared", [
    (("Ann", "one@example.org"), ("ann", "two@example.org"), "ANN"),
    (("one", "Ann@example.org"), ("two", "ann@example.org"), "ANN@example.org"),
])
def test_simultaneous_registrations_of_one_name(make_app, client: Client, first, second, shared: str) -> None:
    clients = [Client(make_app()), Client(make_app())]
    answers = race([lambda c=c, b=body: c.post(f"{API}/auth/register", json={
        "username": b[0], "email": b[1], "password": "long enough pw"}) for c, body in zip(clients, (first, second))])
    assert sorted(a.status_code for a in answers) == [201, 409]
    winner = next(a for a in answers if a.status_code == 201).json["data"]["user"]
    assert login(client, shared, "long enough pw")["user"]["id"] == winner["id"]


# -- lost and reset password -----------------------------------------------------------

def reset_key() -> str:
    return mailbox.SENT[-1]["body"].split("Reset key: ")[1].split()[0]


def test_lost_password_answers_the_same_either_way(client: Client, ann: int) -> None:
    known = client.post(f"{API}/auth/password/lost", json={"username": "ann@example.org"})
    unknown = client.post(f"{API}/auth/password/lost", json={"username": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.json["data"] == unknown.json["data"]
    assert [m["to"] for m in mailbox.SENT] == ["ann@example.org"]


def test_reset_key_is_stored_hashed_and_works_once(app, client: Client, ann: int) -> None:
    old = login(client, "ann")
    client.post(f"{API}/auth/password/lost", json={"username": "ann"})
    key = reset_key()
    with app.storage.engine.connect() as db:
        assert key not in app.identity.store.get(db, ann).user_activation_key
    body = {"login": "ann", "key": key, "password": "a brand new pw"}
    assert client.post(f"{API}/auth/password/reset", json=body).status_code == 200
    login(client, "ann", "a brand new pw")
    assert client.get(ME, headers=bearer(old)).status_code == 401
    again = client.post(f"{API}/auth/password/reset", json={**body, "password": "yet another pw"})
    assert again.status_code == 400 and again.json["error"]["code"] == "learnomy_invalid_reset_key"


@pytest.mark.parametrize("login_name, key_change", [("ann", "wrong"), ("ghost", None)])
def test_reset_with_a_wrong_key_or_user(client: Client, ann: int, login_name: str, key_change) -> None:
    client.post(f"{API}/auth/password/lost", json={"username": "ann"})
    key = key_change or reset_key()
    response = client.post(f"{API}/auth/password/reset",
                           json={"login": login_name, "key": key, "password": "a brand new pw"})
    assert response.status_code == 400 and response.json["error"]["code"] == "learnomy_invalid_reset_key"
    # One detail naming key, the same for an unknown login: a 400 says which parameter.
    assert response.json["error"]["details"] == [{"param": "key", "code": "learnomy_invalid_reset_key",
                                                  "message": "The password reset key is invalid or has expired."}]


def test_an_expired_reset_key(app, client: Client, ann: int) -> None:
    client.post(f"{API}/auth/password/lost", json={"username": "ann"})
    key = reset_key()
    users = app.identity.store.users
    with app.storage.engine.begin() as db:
        stored = app.identity.store.get(db, ann).user_activation_key
        stamp, hashed = stored.split(":", 1)
        db.execute(users.update().where(users.c.ID == ann)
                   .values(user_activation_key=f"{int(time.time()) - 25 * 3600}:{hashed}"))
    response = client.post(f"{API}/auth/password/reset", json={"login": "ann", "key": key, "password": "a brand new pw"})
    assert response.status_code == 400
