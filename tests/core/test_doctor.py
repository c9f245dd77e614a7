"""``learnomy doctor``: what it finds about the WordPress beside us, and ``--fix``."""

from __future__ import annotations

import json

import pytest

from learnomy_core.cli import main
from learnomy_core.identity.passwords import fast_hash, hash_password
from tests.conftest import PASSWORD
from tests.wordpress import DB_VERSIONS, php_serialize, settings


@pytest.fixture
def doctor(app, database_url: str, monkeypatch, capsys):
    """Run ``learnomy doctor ARGS`` on the test database; its output."""
    monkeypatch.setenv("LEARNOMY_DATABASE_URL", database_url)

    def run(*args: str) -> str:
        capsys.readouterr()
        assert main(["doctor", *args]) == 0
        return capsys.readouterr().out

    return run


def report(doctor) -> dict:
    return json.loads(doctor("--json"))


def test_without_wordpress(doctor, make_user) -> None:
    make_user("ann")
    out = doctor()
    assert "WordPress: not found in this database" in out
    assert "wordpress.compat: auto (writing 6.8 formats); recommended: 6.8" in out
    assert "Roles: built in" in out and "Registration: open, new users get lrn_student" in out
    found = report(doctor)
    assert found["wordpress_present"] is False and found["db_version"] is None and found["hashes"] == {"wp-bcrypt": 1}


@pytest.mark.parametrize("version, recommended, mode", [
    ("6.1.9", "legacy", "legacy"), ("6.7.2", "legacy", "legacy"), ("6.8.8", "6.8", "6.8"),
])
def test_recommends_the_compat_setting_from_db_version(doctor, make_wordpress, version: str, recommended: str,
                                                       mode: str) -> None:
    make_wordpress(version)
    found = report(doctor)
    assert found["wordpress_present"] is True and found["db_version"] == DB_VERSIONS[version]
    assert (found["recommended"], found["compat_setting"], found["compat_mode"]) == (recommended, "auto", mode)
    assert found["site_url"] == "https://school.example"
    out = doctor()
    assert f"WordPress: present (db_version {DB_VERSIONS[version]}, https://school.example)" in out
    if version == "6.7.2":
        assert "6.7 or 6.8.0-6.8.2; set 6.8 if Dashboard > Updates shows 6.8" in out


def test_reports_and_fixes_the_registry(doctor, make_wordpress) -> None:
    wp = make_wordpress("6.1.9")
    found = report(doctor)
    assert "lrn_student" not in found["roles"] and {"administrator", "editor", "subscriber"} <= set(found["roles"])
    assert "added the role lrn_student (Student)" in found["roles_to_register"]
    assert "granted learnomy_manage to administrator" in found["roles_to_register"]
    assert "lrn_student" not in wp.roles()  # reporting wrote nothing
    fixed = json.loads(doctor("--fix", "--json"))
    assert "registry: added the role lrn_student (Student)" in fixed["fixed"]
    assert fixed["roles_to_register"] == [] and "lrn_student" in fixed["roles"]
    assert "lrn_student" in wp.roles()


def test_application_passwords_wordpress_ignores_are_reported_and_enabled(doctor, make_wordpress) -> None:
    wp = make_wordpress("6.8.8")
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    item = {"uuid": "0b0c0d0e-1111-4222-8333-444455556666", "app_id": "", "name": "Phone",
            "password": fast_hash("abcdEFGH1234ijklMNOP5678"), "created": 1700000000, "last_used": None,
            "last_ip": None}
    wp.set_meta(user_id, "_application_passwords", php_serialize([item]))
    found = report(doctor)
    assert found["application_passwords"] == 1 and found["application_passwords_enabled"] is False
    assert any("WordPress ignores them until using_application_passwords" in w for w in found["warnings"])
    assert "Fixed: set using_application_passwords" in doctor("--fix")
    assert wp.option("using_application_passwords") == "1"
    assert report(doctor)["application_passwords_enabled"] is True


def test_warns_about_hashes_an_older_wordpress_cannot_read(app, doctor, make_wordpress) -> None:
    wp = make_wordpress("6.1.9")
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    wp.insert_user("walt", "walt@example.org", PASSWORD)
    users = app.tables["users"]
    with app.storage.engine.begin() as db:
        db.execute(users.update().where(users.c.ID == user_id).values(user_pass=hash_password(PASSWORD, 4)))
    wp.set_meta(user_id, "_application_passwords", php_serialize([{
        "uuid": "0b0c0d0e-1111-4222-8333-444455556666", "app_id": "", "name": "Phone",
        "password": fast_hash("abcdEFGH1234ijklMNOP5678"), "created": 1, "last_used": None, "last_ip": None}]))
    found = report(doctor)
    assert found["hashes"] == {"phpass": 1, "wp-bcrypt": 1} and found["unreadable_app_passwords"] == 1
    warnings = " ".join(found["warnings"])
    assert "1 user(s) have a WordPress 6.8 hash ($wp$) this WordPress cannot verify" in warnings
    assert "1 application password(s) are hashed the WordPress 6.8 way" in warnings


def test_warns_about_a_compat_setting_against_the_recommendation(app, doctor, make_wordpress) -> None:
    make_wordpress("6.1.9")
    settings(app, wordpress={"compat": "6.8"})
    found = report(doctor)
    assert found["compat_mode"] == "6.8" and found["recommended"] == "legacy"
    assert any(w.startswith("wordpress.compat is 6.8; legacy is recommended") for w in found["warnings"])


def test_warns_about_a_default_role_it_will_not_hand_out(doctor, make_wordpress) -> None:
    make_wordpress(users_can_register="1", default_role="administrator")
    found = report(doctor)
    assert (found["registration_open"], found["registration_role"]) == (True, "lrn_student")
    assert any("default_role 'administrator'" in w for w in found["warnings"])


def test_where_auto_guesses_it_says_what_to_set(app, doctor, make_wordpress) -> None:
    wp = make_wordpress("6.7.2")
    user_id = wp.insert_user("wendy", "wendy@example.org", PASSWORD)
    users = app.tables["users"]
    with app.storage.engine.begin() as db:
        db.execute(users.update().where(users.c.ID == user_id).values(user_pass=hash_password(PASSWORD, 4)))
    warnings = " ".join(report(doctor)["warnings"])
    assert "set wordpress.compat to legacy if the site runs 6.7" in warnings
