"""Sessions follow what WordPress does to the user: a password changed there, "Log
Out Everywhere", a deleted user (issue 14, items 4 and 8)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core.doctor import diagnose, fix
from learnomy_core.identity.tokens import pass_check
from tests.conftest import PASSWORD, bearer, login
from tests.racing import race
from tests.wordpress import VERSIONS, php_serialize

API = "/wp-json/learnomy/v1"
ME = f"{API}/me"


def refresh(client: Client, pair: dict) -> int:
    return client.post(f"{API}/auth/token/refresh", json={"refresh_token": pair["refresh_token"]}).status_code


def works(client: Client, pair: dict) -> bool:
    return client.get(ME, headers=bearer(pair)).status_code == 200


@pytest.fixture(params=VERSIONS)
def wp(request, make_wordpress):
    return make_wordpress(request.param)


@pytest.fixture
def wendy(wp) -> int:
    return wp.insert_user("wendy", "wendy@example.org", PASSWORD)


def test_sessions_here_are_listed_among_wordpress_sessions(client: Client, wp, wendy: int) -> None:
    browser = wp.log_in_browser(wendy)
    assert client.post(f"{API}/auth/token", json={"username": "wendy", "password": PASSWORD},
                       headers={"User-Agent": "LearnomyApp/2.1"},
                       environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200
    listed = wp.sessions(wendy)
    assert browser in listed and len(listed) == 2
    ours = next(entry for verifier, entry in listed.items() if verifier != browser)
    assert list(ours) == ["expiration", "ip", "ua", "login"]  # WP_Session_Tokens::create()'s keys
    assert ours["ip"] == "203.0.113.9" and ours["ua"] == "LearnomyApp/2.1"
    assert ours["expiration"] > time.time() + 29 * 86400 and abs(ours["login"] - time.time()) < 60


def test_a_password_changed_in_wordpress_ends_sessions_here(client: Client, wp, wendy: int) -> None:
    pair = login(client, "wendy")
    other = login(client, "wendy")
    wp.set_password(wendy, "changed in wordpress")
    assert not works(client, pair) and refresh(client, other) == 401
    assert works(client, login(client, "wendy", "changed in wordpress"))


def test_log_out_everywhere_in_wordpress_ends_sessions_here(client: Client, wp, wendy: int) -> None:
    pair = login(client, "wendy")
    other = login(client, "wendy")
    wp.log_out_everywhere(wendy)
    assert not works(client, pair) and refresh(client, other) == 401
    assert works(client, login(client, "wendy"))


def test_log_out_everywhere_else_ends_them_too(client: Client, wp, wendy: int) -> None:
    browser = wp.log_in_browser(wendy)
    pair = login(client, "wendy")
    wp.log_out_everywhere_else(wendy, browser)
    assert not works(client, pair)
    assert list(wp.sessions(wendy)) == [browser]


def test_logging_out_of_one_browser_leaves_sessions_here(client: Client, wp, wendy: int) -> None:
    browser = wp.log_in_browser(wendy)
    pair = login(client, "wendy")
    wp.log_out_browser(wendy, browser)
    assert works(client, pair) and refresh(client, pair) == 200


def test_refreshing_keeps_the_entry_alive(app, client: Client, wp, wendy: int) -> None:
    pair = login(client, "wendy")
    (verifier, entry), = wp.sessions(wendy).items()
    entry["expiration"] = int(time.time()) + 60
    wp.set_meta(wendy, "session_tokens", php_serialize({verifier: entry}))
    answer = client.post(f"{API}/auth/token/refresh", json={"refresh_token": pair["refresh_token"]})
    assert answer.status_code == 200
    assert wp.sessions(wendy)[verifier]["expiration"] > time.time() + 29 * 86400
    assert works(client, answer.json["data"])


def test_ending_sessions_here_unlists_only_ours(client: Client, wp, wendy: int) -> None:
    browser = wp.log_in_browser(wendy)
    one, two = login(client, "wendy"), login(client, "wendy")
    assert client.post(f"{API}/auth/token/revoke", json={"refresh_token": one["refresh_token"]},
                       headers=bearer(two)).status_code == 200
    assert len(wp.sessions(wendy)) == 2
    assert client.post(f"{API}/auth/token/revoke", json={"all": True}, headers=bearer(two)).status_code == 200
    assert list(wp.sessions(wendy)) == [browser]


def test_expired_entries_are_dropped_as_wordpress_drops_them(client: Client, wp, wendy: int) -> None:
    wp.set_meta(wendy, "session_tokens", php_serialize({"a" * 64: {"expiration": 1000, "login": 900},
                                                        "b" * 64: int(time.time()) + 3600}))
    login(client, "wendy")
    listed = wp.sessions(wendy)
    assert "a" * 64 not in listed and len(listed) == 2
    assert listed["b" * 64]["expiration"] > time.time()  # an old-style entry, as prepare_session() reads it


def test_a_rehash_at_login_here_keeps_the_other_sessions(app, client: Client, wp, wendy: int) -> None:
    users = app.tables["users"]
    with app.storage.engine.begin() as db:  # an MD5 from an old import: rewritten at the next login
        db.execute(sa.update(users).where(users.c.ID == wendy)
                   .values(user_pass="3cb4e732631f47e6eb961f34554b7cde"))
    first = login(client, "wendy", "correct horse")
    assert works(client, first)
    second = login(client, "wendy", "correct horse")
    assert works(client, first) and works(client, second)


def test_a_password_changed_here_ends_the_other_sessions(client: Client, wp, wendy: int) -> None:
    old = login(client, "wendy")
    changed = client.post(f"{ME}/password", json={"current_password": PASSWORD, "new_password": "another pw 1"},
                          headers=bearer(login(client, "wendy")))
    assert changed.status_code == 200
    assert not works(client, old) and works(client, changed.json["data"])
    assert len(wp.sessions(wendy)) == 1


def test_sessions_from_before_are_listed_at_their_next_refresh(app, client: Client, wp, wendy: int) -> None:
    pair = login(client, "wendy")
    sessions = app.tables["lrn_auth_sessions"]
    with app.storage.engine.begin() as db:  # as the migration leaves a session already open
        db.execute(sa.update(sessions).values(wp_verifier=None, pass_check=pass_check(wp.user_pass(wendy))))
    wp.delete_meta(wendy, "session_tokens")
    assert works(client, pair)
    answer = client.post(f"{API}/auth/token/refresh", json={"refresh_token": pair["refresh_token"]})
    assert answer.status_code == 200 and len(wp.sessions(wendy)) == 1
    wp.log_out_everywhere(wendy)
    assert not works(client, answer.json["data"])


def test_simultaneous_logins_are_all_listed(make_app, wp, wendy: int) -> None:
    clients = [Client(make_app()) for _ in range(4)]
    answers = race([lambda c=c: c.post(f"{API}/auth/token", json={"username": "wendy", "password": PASSWORD})
                    for c in clients])
    assert [answer.status_code for answer in answers] == [200] * 4
    assert len(wp.sessions(wendy)) == 4
    assert all(works(clients[0], answer.json["data"]) for answer in answers)


# -- users deleted in WordPress ----------------------------------------------------------

def test_sessions_of_users_deleted_in_wordpress_are_cleaned(app, client: Client, wp, wendy: int) -> None:
    pair = login(client, "wendy")
    kept = wp.insert_user("walt", "walt@example.org", PASSWORD)
    walt = login(client, "walt")
    wp.delete_user(wendy)
    assert not works(client, pair)
    with app.storage.engine.connect() as db:
        found = diagnose(app, db)
    assert (found.orphaned_sessions, found.orphaned_refresh_tokens) == (1, 1)
    with app.storage.engine.begin() as db:
        assert any("deleted 1 session(s) and 1 refresh token(s)" in line for line in fix(app, db))
    tables = app.tables
    with app.storage.engine.connect() as db:
        for name in ("lrn_auth_sessions", "lrn_refresh_tokens"):
            assert db.execute(sa.select(tables[name].c.user_id)).scalars().all() == [kept]
    assert works(client, walt)
