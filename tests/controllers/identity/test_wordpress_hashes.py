"""Beside a real WordPress (6.1 and 6.8): every hash written here is one the site's
WordPress verifies; application passwords made here work there (issue 14, items 1-2)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import bcrypt
import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core.errors import InvalidParams
from learnomy_core.identity.passwords import fast_hash, hash_password
from tests.conftest import PASSWORD, bearer, login
from tests.plugins import mailbox
from tests.wordpress import DB_VERSIONS, VERSIONS, php_serialize, php_unserialize, settings

API = "/wp-json/learnomy/v1"
ME = f"{API}/me"
PASSWORDS = "/wp-json/wp/v2/users/me/application-passwords"
LEGACY_PREFIX = {"6.1.9": "$P$B", "6.8.8": "$wp$2y$"}


def basic(name: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{secret}".encode()).decode()}


@pytest.fixture
def dev_client(make_app) -> Client:
    """Plain HTTP may carry application passwords in the development environment."""
    return Client(make_app(environment="development"))


def set_hash(app, user_id: int, hashed: str) -> None:
    users = app.tables["users"]
    with app.storage.engine.begin() as db:
        db.execute(sa.update(users).where(users.c.ID == user_id).values(user_pass=hashed))


# -- account passwords -------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_a_wordpress_user_who_logs_in_here_still_logs_in_to_wordpress(client: Client, make_wordpress,
                                                                      version: str) -> None:
    wp = make_wordpress(version)
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    for _ in range(2):
        login(client, "wendy")
        assert wp.can_log_in("wendy", PASSWORD) and wp.can_log_in("wendy@example.org", PASSWORD)
    assert wp.user_pass(user_id).startswith(LEGACY_PREFIX[version])


@pytest.mark.parametrize("version", VERSIONS)
def test_users_registered_here_log_in_to_wordpress(client: Client, make_wordpress, version: str) -> None:
    wp = make_wordpress(version, users_can_register="1")
    response = client.post(f"{API}/auth/register", json={
        "username": "newbie", "email": "newbie@example.org", "password": "long enough pw"})
    assert response.status_code == 201, response.json
    assert wp.can_log_in("newbie", "long enough pw")
    assert wp.user_pass(response.json["data"]["user"]["id"]).startswith(LEGACY_PREFIX[version])


@pytest.mark.parametrize("version", VERSIONS)
def test_passwords_changed_or_reset_here_log_in_to_wordpress(client: Client, make_wordpress, version: str) -> None:
    wp = make_wordpress(version)
    wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    changed = client.post(f"{ME}/password", json={"current_password": PASSWORD, "new_password": "second pw 2"},
                          headers=bearer(login(client, "wendy")))
    assert changed.status_code == 200
    assert wp.can_log_in("wendy", "second pw 2") and not wp.can_log_in("wendy", PASSWORD)
    client.post(f"{API}/auth/password/lost", json={"username": "wendy"})
    key = mailbox.SENT[-1]["body"].split("Reset key: ")[1].split()[0]
    stored = wp.user("wendy").user_activation_key.split(":", 1)[1]
    assert stored.startswith("$P$B" if version == "6.1.9" else "$generic$")  # as that release stores keys
    reset = client.post(f"{API}/auth/password/reset", json={"login": "wendy", "key": key, "password": "third pw 3"})
    assert reset.status_code == 200
    assert wp.can_log_in("wendy", "third pw 3")


def test_users_locked_out_of_an_older_wordpress_are_let_back_in_at_their_next_login(app, client: Client,
                                                                                 make_wordpress) -> None:
    """A login here once rewrote hashes in 6.8's format, which WordPress 6.1 cannot read."""
    wp = make_wordpress("6.1.9")
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    set_hash(app, user_id, hash_password(PASSWORD, 4))
    assert not wp.can_log_in("wendy", PASSWORD)
    login(client, "wendy")
    assert wp.can_log_in("wendy", PASSWORD) and wp.user_pass(user_id).startswith("$P$B")


@pytest.mark.parametrize("version", VERSIONS)
def test_wordpress_md5_hashes_become_what_the_site_reads(app, client: Client, make_wordpress, version: str) -> None:
    wp = make_wordpress(version)
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    set_hash(app, user_id, hashlib.md5(PASSWORD.encode()).hexdigest())
    login(client, "wendy")
    assert wp.user_pass(user_id).startswith(LEGACY_PREFIX[version]) and wp.can_log_in("wendy", PASSWORD)


@pytest.mark.parametrize("version", VERSIONS)
def test_plain_bcrypt_from_another_system_is_kept_where_the_site_reads_it(app, client: Client, make_wordpress,
                                                                          version: str) -> None:
    wp = make_wordpress(version)
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    plain = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(10)).decode().replace("$2b$", "$2y$")
    set_hash(app, user_id, plain)
    login(client, "wendy")
    assert wp.can_log_in("wendy", PASSWORD)
    # 6.1 reads it through crypt(): kept; 6.8 rehashes it itself, and so do we.
    assert (wp.user_pass(user_id) == plain) is (version == "6.1.9")


@pytest.mark.parametrize("db_version, setting, prefix", [
    (None, None, "$wp$2y$"),                        # no WordPress
    (DB_VERSIONS["6.1.9"], None, "$P$B"),
    (DB_VERSIONS["6.7.2"], None, "$P$B"),            # 6.7 and 6.8.0 alike: the safe side
    (DB_VERSIONS["6.8.8"], None, "$wp$2y$"),
    (DB_VERSIONS["6.8.0"], "6.8", "$wp$2y$"),        # the owner knows it is 6.8.0
    (DB_VERSIONS["6.8.8"], "legacy", "$P$B"),
    (None, "legacy", "$P$B"),
])
def test_the_compat_setting_decides_what_is_written(app, client: Client, make_wordpress, db_version, setting,
                                                    prefix: str) -> None:
    if db_version is not None:
        make_wordpress(users_can_register="1", db_version=str(db_version))
    if setting:
        settings(app, wordpress={"compat": setting})
    response = client.post(f"{API}/auth/register", json={
        "username": "newbie", "email": "newbie@example.org", "password": "long enough pw"})
    assert response.status_code == 201
    with app.storage.engine.connect() as db:
        stored = app.identity.store.get(db, response.json["data"]["user"]["id"]).user_pass
    assert stored.startswith(prefix)
    login(client, "newbie", "long enough pw")


@pytest.mark.parametrize("value", ["6.7", "", 68, None])
def test_the_compat_setting_refuses_other_values(app, value) -> None:
    with pytest.raises(InvalidParams), app.storage.engine.begin() as db:
        app.settings.update(db, {"wordpress": {"compat": value}})


@pytest.mark.parametrize("version", VERSIONS)
def test_passwords_are_hashed_without_surrounding_spaces_as_wordpress_does(client: Client, make_wordpress,
                                                                          version: str) -> None:
    wp = make_wordpress(version, users_can_register="1")
    spaced = "  long enough pw \t"
    assert client.post(f"{API}/auth/register", json={
        "username": "newbie", "email": "newbie@example.org", "password": spaced}).status_code == 201
    assert wp.can_log_in("newbie", spaced) and wp.can_log_in("newbie", spaced.strip())
    login(client, "newbie", spaced)
    login(client, "newbie", spaced.strip())


def test_a_hash_made_here_of_an_untrimmed_password_is_rewritten(app, client: Client, make_wordpress) -> None:
    wp = make_wordpress("6.8.8")
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    spaced = f" {PASSWORD} "
    prehashed = base64.b64encode(hmac.new(b"wp-sha384", spaced.encode(), "sha384").digest())
    set_hash(app, user_id, "$wp" + bcrypt.hashpw(prehashed, bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$"))
    assert not wp.can_log_in("wendy", spaced)
    login(client, "wendy", spaced)
    assert wp.can_log_in("wendy", spaced)


# -- application passwords ------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_application_passwords_made_here_work_in_wordpress(app, dev_client: Client, make_wordpress,
                                                           version: str) -> None:
    wp = make_wordpress(version)
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    assert wp.option("using_application_passwords") is None
    made = dev_client.post(PASSWORDS, json={"name": "Phone"}, headers=bearer(login(dev_client, "wendy")))
    assert made.status_code == 201
    assert wp.option("using_application_passwords") == "1"
    assert wp.app_password_works("wendy", made.json["password"])
    hashed = php_unserialize(wp.meta(user_id, "_application_passwords"))[0]["password"]
    assert hashed.startswith("$P$B" if version == "6.1.9" else "$generic$")
    assert dev_client.get(ME, headers=basic("wendy", made.json["password"])).status_code == 200


@pytest.mark.parametrize("version", VERSIONS)
def test_application_passwords_made_by_wordpress_work_here(dev_client: Client, make_wordpress, version: str) -> None:
    wp = make_wordpress(version)
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    secret = wp.create_app_password(user_id, "Laptop")
    assert dev_client.get(ME, headers=basic("wendy", secret)).status_code == 200
    made = dev_client.post(PASSWORDS, json={"name": "Phone"}, headers=bearer(login(dev_client, "wendy")))
    assert made.status_code == 201 and wp.option("using_application_passwords") == "1"
    assert wp.app_password_works("wendy", secret) and wp.app_password_works("wendy", made.json["password"])


def test_an_application_password_made_the_68_way_is_rehashed_for_an_older_site(app, dev_client: Client,
                                                                               make_wordpress) -> None:
    wp = make_wordpress("6.1.9")
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    secret = "abcdEFGH1234ijklMNOP5678"
    item = {"uuid": "0b0c0d0e-1111-4222-8333-444455556666", "app_id": "", "name": "Old", "password": fast_hash(secret),
            "created": 1700000000, "last_used": None, "last_ip": None}
    wp.set_meta(user_id, "_application_passwords", php_serialize([item]))
    wp.update_option("using_application_passwords", "1")
    assert not wp.app_password_works("wendy", secret)
    assert dev_client.get(ME, headers=basic("wendy", secret)).status_code == 200
    assert wp.app_password_works("wendy", secret)
    assert dev_client.get(ME, headers=basic("wendy", secret)).status_code == 200


@pytest.mark.parametrize("setting, rewritten", [(None, False), ("legacy", True)])
def test_where_auto_guesses_it_rewrites_no_68_hash(app, client: Client, make_wordpress, setting,
                                                   rewritten: bool) -> None:
    """At db_version 58975 the site may be 6.8.0, which writes $wp$ itself: undoing
    that at every login would end each side's sessions in turn."""
    wp = make_wordpress("6.8.0")
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    if setting:
        settings(app, wordpress={"compat": setting})
    made_by_wordpress = wp.user_pass(user_id)
    login(client, "wendy")
    assert (wp.user_pass(user_id) != made_by_wordpress) is rewritten
    assert wp.user_pass(user_id).startswith("$P$B" if rewritten else "$wp$2y$")
