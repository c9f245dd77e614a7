"""WordPress's name rules, against what its PHP answers (formatting.php, user.php)."""

from __future__ import annotations

import pytest

from learnomy_core.identity.names import (
    is_email,
    nicename_candidates,
    nicename_of,
    sanitize_user,
    validate_username,
)


@pytest.mark.parametrize("raw, strict, expected", [
    ("ann", True, "ann"),
    ("  Ann   Lee ", True, "Ann Lee"),
    ("<b>x</b>", True, "x"),
    ("<script>alert(1)</script>bob", True, "bob"),
    ("José", True, "Jose"),
    ("Straße", True, "Strasse"),
    ("a%41b", True, "ab"),
    ("tom&amp;jerry", True, "tomjerry"),
    ("ann@home.example", True, "ann@home.example"),
    ("ann+tag@home", True, "anntag@home"),
    ("ann+tag@home", False, "ann+tag@home"),
    ("Zoë <i>", False, "Zoe"),
])
def test_sanitize_user(raw: str, strict: bool, expected: str) -> None:
    assert sanitize_user(raw, strict) == expected


@pytest.mark.parametrize("login, valid", [
    ("ann", True), ("Ann Lee", True), ("ann@home.example", True), ("a.b-c_d", True),
    ("<b>x</b>", False), (" ann", False), ("ann  lee", False), ("José", False), ("ann+1", False), ("", False),
])
def test_validate_username(login: str, valid: bool) -> None:
    assert validate_username(login) is valid


@pytest.mark.parametrize("email, valid", [
    ("ann@example.org", True), ("a.b+c@mail.example.co.uk", True), ("o'neil@example.org", True),
    ("not-an-email", False), ("a@b.c", False), ("@example.org", False), ("ann@example", False),
    ("ann@ex..ample.org", False), ("ann@-example.org", False), ("ann@example.org.", False),
    ("ann@exa_mple.org", False), ("an n@example.org", False), ("ann@éxample.org", False),
])
def test_is_email(email: str, valid: bool) -> None:
    assert is_email(email) is valid


@pytest.mark.parametrize("login, nicename", [
    ("ann", "ann"), ("Ann Lee", "ann-lee"), ("john.doe", "john-doe"), ("john_doe", "john_doe"),
    ("ann@home.example", "annhome-example"), ("a--b..c", "a-b-c"), ("-x-", "x"), ("x" * 60, "x" * 50),
])
def test_nicenames_as_wp_insert_user_derives_them(login: str, nicename: str) -> None:
    assert nicename_of(login) == nicename


def test_nicename_suffixes_fit_in_50_characters() -> None:
    assert nicename_candidates("ann", 3) == ["ann", "ann-2", "ann-3", "ann-4"]
    long = nicename_candidates("x" * 50, 10)
    assert long[1] == "x" * 48 + "-2" and long[10] == "x" * 47 + "-11"  # 49 - strlen( $suffix )
    assert all(len(name) <= 50 for name in long)
