"""Users as WordPress keeps them: names by its rules, registration by its settings,
``/wp/v2/users/me`` in its shape (issue 14, items 5-7)."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from learnomy_core.cli import main
from tests.conftest import PASSWORD, bearer, login
from tests.racing import race
from tests.wordpress import VERSIONS, settings

API = "/wp-json/learnomy/v1"
ME = "/wp-json/wp/v2/users/me"


def register(client: Client, username: str, email: str = "", password: str = "long enough pw") -> object:
    return client.post(f"{API}/auth/register", json={
        "username": username, "email": email or f"{abs(hash(username))}@example.org", "password": password})


# -- names (item 5) -------------------------------------------------------------------

def test_a_login_holding_an_at_sign_logs_in(client: Client, make_wordpress) -> None:
    wp = make_wordpress()
    user_id = wp.insert_user("ann@home.example", "ann@example.org", PASSWORD)
    assert login(client, "ann@home.example")["user"]["id"] == user_id
    assert login(client, "ann@example.org")["user"]["id"] == user_id


def test_a_login_that_is_another_users_address_finds_both(client: Client, make_wordpress) -> None:
    """wp_authenticate tries the login, then the address, each with its own password."""
    wp = make_wordpress()
    holder = wp.insert_user("bob@example.org", "alice@example.org", "alice's password")
    bob = wp.insert_user("bob", "bob@example.org", "bob's password")
    assert login(client, "bob@example.org", "alice's password")["user"]["id"] == holder
    assert login(client, "bob@example.org", "bob's password")["user"]["id"] == bob
    assert wp.can_log_in("bob@example.org", "bob's password")


@pytest.mark.parametrize("username, code", [
    ("<b>x</b>", "rest_invalid_pattern"), (" lead", "rest_invalid_pattern"), ("two  spaces", "rest_invalid_pattern"),
    ("José", "rest_invalid_pattern"), ("ann+1", "rest_invalid_pattern"), ("x" * 61, "rest_too_long"),
])
def test_registration_refuses_logins_wordpress_would_change(client: Client, username: str, code: str) -> None:
    response = register(client, username)
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["param"] == "username"


@pytest.mark.parametrize("username", ["Ann Lee", "ann@home.example", "x" * 60, "a.b-c_d"])
def test_registration_takes_every_login_wordpress_takes(client: Client, make_wordpress, username: str) -> None:
    wp = make_wordpress(users_can_register="1")
    response = register(client, username)
    assert response.status_code == 201, response.json
    assert login(client, username, "long enough pw")["user"]["username"] == username
    assert wp.can_log_in(username, "long enough pw")


@pytest.mark.parametrize("email", ["a@b.c", "ann@example", "ann@-x.org"])
def test_registration_refuses_addresses_is_email_refuses(client: Client, email: str) -> None:
    response = register(client, "newbie", email)
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["param"] == "email"


@pytest.mark.parametrize("version", VERSIONS)
def test_nicenames_are_made_unique_as_wordpress_does(app, client: Client, make_wordpress, version: str) -> None:
    wp = make_wordpress(version, users_can_register="1")
    wp.insert_user("john-doe", "jd@example.org", PASSWORD, nicename="john-doe")
    slugs = []
    for username in ("john.doe", "john doe", "John_Doe"):
        assert register(client, username).status_code == 201
        slugs.append(wp.user(username).user_nicename)
    assert slugs == ["john-doe-2", "john-doe-3", "john_doe"]
    assert client.get(ME, headers=bearer(login(client, "john doe", "long enough pw"))).json["slug"] == "john-doe-3"


def test_long_nicenames_keep_their_suffix_within_50_characters(client: Client, make_wordpress) -> None:
    wp = make_wordpress(users_can_register="1")
    for login_name in ("x" * 60, "x" * 55):
        assert register(client, login_name).status_code == 201
    assert [wp.user("x" * 60).user_nicename, wp.user("x" * 55).user_nicename] == ["x" * 50, "x" * 48 + "-2"]


def test_simultaneous_registrations_get_distinct_nicenames(make_app, make_wordpress) -> None:
    wp = make_wordpress(users_can_register="1")
    clients = [Client(make_app()) for _ in range(3)]
    answers = race([lambda c=c, n=n: register(c, n) for c, n in zip(clients, ("max.power", "max-power", "max power"))])
    assert [answer.status_code for answer in answers] == [201] * 3
    slugs = sorted(wp.user(name).user_nicename for name in ("max.power", "max-power", "max power"))
    assert slugs == ["max-power", "max-power-2", "max-power-3"]


def test_a_new_address_must_be_one_wordpress_accepts(client: Client, ann: int, ann_auth) -> None:
    response = client.patch(f"{API}/me", json={"email": "ann@localhost.x", "current_password": PASSWORD},
                            headers=ann_auth)
    assert response.status_code == 200
    refused = client.patch(f"{API}/me", json={"email": "ann@-x.org", "current_password": PASSWORD}, headers=ann_auth)
    assert refused.status_code == 400 and refused.json["error"]["details"][0]["param"] == "email"


@pytest.fixture
def cli_database(database_url: str, monkeypatch) -> str:
    monkeypatch.setenv("LEARNOMY_DATABASE_URL", database_url)
    monkeypatch.setenv("LEARNOMY_BCRYPT_COST", "4")
    return database_url


@pytest.mark.parametrize("login_name, email, message", [
    ("<b>x</b>", "x@example.org", "login: This username is invalid because it uses illegal characters."),
    ("x", "not-an-email", "email: Invalid email address."),
    ("x" * 70, "x@example.org", "login: Username may not be longer than 60 characters."),
    ("x" * 40, ("y" * 95) + "@example.org", "email: The email address may not be longer than 100 characters."),
])
def test_the_cli_refuses_what_wordpress_refuses(app, cli_database: str, capsys, login_name: str, email: str,
                                                message: str) -> None:
    assert main(["user", "create", login_name, email, "--password", "pw123456"]) == 1
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error
    with app.storage.engine.connect() as db:
        assert app.identity.store.find_login(db, login_name) is None


def test_the_cli_makes_nicenames_unique(app, cli_database: str, make_wordpress) -> None:
    wp = make_wordpress()
    wp.insert_user("john-doe", "jd@example.org", PASSWORD, nicename="john-doe")
    assert main(["user", "create", "john.doe", "john.doe@example.org", "--password", "pw123456"]) == 0
    assert wp.user("john.doe").user_nicename == "john-doe-2"


# -- registration follows WordPress's settings (item 6) ------------------------------------

@pytest.mark.parametrize("users_can_register, ours, status", [
    ("0", True, 403), ("1", True, 201), ("", True, 403), ("1", False, 403), (None, True, 201),
])
def test_registration_is_open_when_wordpress_and_learnomy_both_allow(app, client: Client, make_wordpress,
                                                                     users_can_register, ours: bool,
                                                                     status: int) -> None:
    wp = make_wordpress()
    if users_can_register is None:
        wp.delete_option("users_can_register")
    else:
        wp.update_option("users_can_register", users_can_register)
    settings(app, general={"registration_open": ours})
    response = register(client, "newbie")
    assert response.status_code == status
    shown = client.get(f"{API}/settings/public").json["data"]["registration_open"]
    assert shown is (status == 201)


@pytest.mark.parametrize("default_role, given", [
    ("subscriber", "subscriber"), ("lrn_student", "lrn_student"), ("author", "author"),
    ("administrator", "lrn_student"), ("editor_in_chief", "lrn_student"),
])
def test_new_accounts_get_wordpress_default_role(client: Client, make_wordpress, default_role: str,
                                                 given: str) -> None:
    make_wordpress(users_can_register="1", default_role=default_role)
    response = register(client, "newbie")
    assert response.status_code == 201 and response.json["data"]["user"]["roles"] == [given]


# -- /wp/v2/users/me (item 7) --------------------------------------------------------------

EDIT = ["id", "username", "name", "first_name", "last_name", "email", "url", "description", "link", "locale",
        "nickname", "slug", "roles", "registered_date", "capabilities", "extra_capabilities", "avatar_urls", "meta"]
VIEW = ["id", "name", "url", "description", "link", "slug", "avatar_urls", "meta"]
EMBED = ["id", "name", "url", "description", "link", "slug", "avatar_urls"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("context, fields", [("edit", EDIT), ("view", VIEW), ("embed", EMBED), (None, VIEW)])
def test_users_me_has_wordpress_fields_for_each_context(client: Client, make_wordpress, version: str, context,
                                                        fields: list) -> None:
    wp = make_wordpress(version)
    wp.insert_user("wendy", "wendy@example.org", PASSWORD, role="editor")
    query = f"?context={context}" if context else ""
    body = client.get(ME + query, headers=bearer(login(client, "wendy"))).json
    assert list(body) == fields


@pytest.mark.parametrize("version", VERSIONS)
def test_users_me_answers_what_wordpress_answers(client: Client, make_wordpress, version: str) -> None:
    wp = make_wordpress(version, WPLANG="de_DE")
    assert client.get("/wp-json/").status_code == 200  # roles registered, as on a running site
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD, role="editor", nicename="wendy",
                             first_name="Wendy", last_name="Lee", nickname="wen", description="Teaches.")
    registered = wp.user("wendy").user_registered
    body = client.get(f"{ME}?context=edit", headers=bearer(login(client, "wendy"))).json
    assert body["first_name"] == "Wendy" and body["last_name"] == "Lee" and body["nickname"] == "wen"
    assert body["description"] == "Teaches." and body["locale"] == "de_DE"
    assert body["registered_date"] == registered.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert body["roles"] == ["editor"]
    assert body["capabilities"] == wp.allcaps(user_id) and list(body["capabilities"]) == list(wp.allcaps(user_id))
    assert body["capabilities"]["edit_others_posts"] is True and body["capabilities"]["editor"] is True
    assert body["extra_capabilities"] == {"editor": True}
    assert body["link"] == "https://school.example/author/wendy/"
    assert set(body["avatar_urls"]) == {"24", "48", "96"} and body["meta"] == []


@pytest.mark.parametrize("structure, link", [
    ("", "https://school.example/?author={id}"),
    ("/%postname%/", "https://school.example/author/wendy/"),
    ("/blog/%year%/%postname%", "https://school.example/blog/author/wendy"),
    ("/index.php/%postname%/", "https://school.example/index.php/author/wendy/"),
])
def test_users_me_links_the_author_archive_as_wordpress_does(client: Client, make_wordpress, structure: str,
                                                             link: str) -> None:
    wp = make_wordpress(permalink_structure=structure)
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD, nicename="wendy")
    body = client.get(ME, headers=bearer(login(client, "wendy"))).json
    assert body["link"] == link.format(id=user_id)


def test_users_me_locale_and_avatars_follow_the_site(client: Client, make_wordpress) -> None:
    wp = make_wordpress(show_avatars="0")
    wp.insert_user("wendy", "wendy@example.org", PASSWORD, locale="fr_FR")
    body = client.get(f"{ME}?context=edit", headers=bearer(login(client, "wendy"))).json
    assert body["locale"] == "fr_FR" and "avatar_urls" not in body


def test_users_me_without_wordpress(client: Client, ann: int, ann_auth) -> None:
    body = client.get(f"{ME}?context=edit", headers=ann_auth).json
    assert list(body) == EDIT and body["locale"] == "en_US"
    assert body["capabilities"] == {"read": True, "learnomy_learn": True, "lrn_student": True}
    assert body["registered_date"].endswith("+00:00") and body["link"].endswith("/author/ann/")
