"""Roles shared with WordPress's registry, ``{prefix}user_roles`` (issue 14, item 3)."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from learnomy_core.cli import main
from learnomy_core.identity import roles as roles_module
from tests.conftest import bearer, login
from tests.plugins import grants
from tests.wordpress import VERSIONS, WordPress, populate_roles

API = "/wp-json/learnomy/v1"
LMS = ("learnomy_manage", "learnomy_teach", "learnomy_learn")


def start(client: Client) -> None:
    """The app's first request: it registers its roles then."""
    assert client.get("/wp-json/").status_code == 200


@pytest.mark.parametrize("version", VERSIONS)
def test_learnomy_roles_are_registered_as_add_role_registers_them(client: Client, make_wordpress, make_user,
                                                                   version: str) -> None:
    wp = make_wordpress(version)
    start(client)
    roles = wp.roles()
    assert roles["lrn_student"] == {"name": "Student", "capabilities": {"read": True, "learnomy_learn": True}}
    assert roles["lrn_instructor"] == {"name": "Instructor", "capabilities": dict.fromkeys(
        ("read", "upload_files", "learnomy_teach", "learnomy_learn"), True)}
    assert [roles["administrator"]["capabilities"][cap] for cap in LMS] == [True, True, True]
    assert roles["editor"]["capabilities"]["learnomy_teach"] is roles["author"]["capabilities"]["learnomy_teach"]
    assert roles["subscriber"]["capabilities"]["learnomy_learn"] is True
    assert "learnomy_teach" not in roles["contributor"]["capabilities"]
    for role, entry in populate_roles().items():  # WordPress's own capabilities are untouched
        assert {cap: roles[role]["capabilities"][cap] for cap in entry["capabilities"]} == entry["capabilities"]
    # WordPress now sees a student made here with a role and `read`: wp-admin opens.
    student = make_user("sam", "lrn_student")
    assert wp.user_can(student, "read") and wp.user_can(student, "learnomy_learn")


def test_db_upgrade_registers_the_roles(app, make_wordpress) -> None:
    wp = make_wordpress()
    app.upgrade_database()
    assert {"lrn_student", "lrn_instructor"} <= set(wp.roles())


def test_registering_again_changes_nothing(make_app, make_wordpress) -> None:
    wp = make_wordpress()
    start(Client(make_app()))
    first = wp.option("wp_user_roles"), wp.option("learnomy_role_grants")
    start(Client(make_app()))
    assert (wp.option("wp_user_roles"), wp.option("learnomy_role_grants")) == first


def test_a_capability_the_owner_removes_stays_removed(make_app, make_wordpress) -> None:
    wp = make_wordpress()
    start(Client(make_app()))
    roles = wp.roles()
    del roles["editor"]["capabilities"]["learnomy_teach"]
    roles["lrn_instructor"]["capabilities"]["upload_files"] = False
    wp.save_roles(roles)
    start(Client(make_app()))
    assert "learnomy_teach" not in wp.roles()["editor"]["capabilities"]
    assert wp.roles()["lrn_instructor"]["capabilities"]["upload_files"] is False


def test_a_deleted_learnomy_role_is_registered_again(make_app, make_wordpress) -> None:
    wp = make_wordpress()
    start(Client(make_app()))
    roles = wp.roles()
    del roles["lrn_student"]
    wp.save_roles(roles)
    start(Client(make_app()))
    assert wp.roles()["lrn_student"]["capabilities"] == {"read": True, "learnomy_learn": True}


def test_a_registry_it_cannot_read_is_left_alone(app, client: Client, make_wordpress) -> None:
    wp = make_wordpress()
    wp.update_option("wp_user_roles", 'O:8:"stdClass":0:{}')
    start(client)
    assert wp.option("wp_user_roles") == 'O:8:"stdClass":0:{}'
    assert app.identity.roles.caps["lrn_student"] == {"read", "learnomy_learn"}


def test_roles_and_grants_of_plugins_are_registered(make_app) -> None:
    app = make_app(plugins=["system", grants])
    wp = WordPress(app).install()
    app.identity.get_ready()
    roles = wp.roles()
    assert roles["acme_reviewer"] == {"name": "Acme Reviewer", "capabilities": {"read": True, "acme_review": True}}
    assert roles["lrn_instructor"]["capabilities"]["acme_manage_widgets"] is True


def test_a_role_of_another_plugin_carries_its_capabilities_here(client: Client, make_wordpress) -> None:
    wp = make_wordpress()
    roles = wp.roles()
    roles["shop_manager"] = {"name": "Shop manager", "capabilities": {"read": True, "manage_woocommerce": True}}
    wp.save_roles(roles)
    wp.insert_user("sally", "sally@example.org", "correct horse battery", role="shop_manager")
    me = client.get(f"{API}/me", headers=bearer(login(client, "sally"))).json["data"]
    assert me["roles"] == ["shop_manager"]
    assert "manage_woocommerce" in me["capabilities"] and "learnomy_learn" not in me["capabilities"]


@pytest.mark.parametrize("role, teaches", [
    ("administrator", True), ("editor", True), ("author", True), ("contributor", False), ("subscriber", False),
    ("lrn_instructor", True), ("lrn_student", False),
])
@pytest.mark.parametrize("with_wordpress", [True, False])
def test_what_each_role_may_do_in_the_lms(client: Client, make_wordpress, make_user, role: str, teaches: bool,
                                          with_wordpress: bool) -> None:
    if with_wordpress:
        wp = make_wordpress()
        start(client)
        wp.insert_user("wes", "wes@example.org", "correct horse battery", role=role)
    else:
        make_user("wes", role)
    auth = bearer(login(client, "wes"))
    assert "learnomy_learn" in client.get(f"{API}/me", headers=auth).json["data"]["capabilities"]
    created = client.post(f"{API}/courses", json={"title": "Course"}, headers=auth)
    assert created.status_code == (201 if teaches else 403)


def test_what_wordpress_changes_is_seen_here_within_a_minute(client: Client, make_wordpress, make_user,
                                                             monkeypatch) -> None:
    wp = make_wordpress()
    start(client)
    make_user("ivy", "lrn_instructor")
    auth = bearer(login(client, "ivy"))
    assert client.post(f"{API}/courses", json={"title": "One"}, headers=auth).status_code == 201
    roles = wp.roles()
    roles["lrn_instructor"]["capabilities"]["learnomy_teach"] = False
    wp.save_roles(roles)
    clock = roles_module.time.monotonic
    monkeypatch.setattr(roles_module.time, "monotonic", lambda: clock() + roles_module.REFRESH_SECONDS + 1)
    assert client.post(f"{API}/courses", json={"title": "Two"}, headers=auth).status_code == 403


def test_user_levels_follow_the_registry(app, client: Client, make_wordpress, make_user) -> None:
    wp = make_wordpress()
    start(client)
    for login_name, role, level in (("ed", "editor", "7"), ("al", "author", "2"), ("ad", "administrator", "10"),
                                    ("sam", "lrn_student", "0")):
        assert wp.meta(make_user(login_name, role), "wp_user_level") == level


def test_the_cli_knows_the_roles_of_the_registry(app, database_url: str, make_wordpress, monkeypatch,
                                                 capsys) -> None:
    wp = make_wordpress()
    roles = wp.roles()
    roles["shop_manager"] = {"name": "Shop manager", "capabilities": {"read": True}}
    wp.save_roles(roles)
    monkeypatch.setenv("LEARNOMY_DATABASE_URL", database_url)
    monkeypatch.setenv("LEARNOMY_BCRYPT_COST", "4")
    assert main(["user", "create", "sally", "sally@example.org", "--role", "shop_manager", "--password", "pw123456"]) == 0
    assert main(["user", "set-role", "sally", "editor"]) == 0
    assert main(["user", "set-role", "sally", "wizard"]) == 1
    assert wp.allcaps(wp.user("sally").ID)["edit_others_posts"] is True
