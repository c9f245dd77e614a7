"""/me, profile updates, password change, dashboard, instructor applications."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from tests.conftest import PASSWORD, bearer, login

API = "/wp-json/learnomy/v1"
ME = f"{API}/me"


@pytest.mark.parametrize("path, method", [
    (ME, "get"), (ME, "patch"), (f"{ME}/password", "post"), (f"{ME}/dashboard", "get"),
    (f"{API}/instructor-applications", "post"),
])
def test_anonymous_callers_get_401(client: Client, path: str, method: str) -> None:
    response = getattr(client, method)(path, json={"display_name": "x" * 999})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "rest_not_logged_in"


def test_me_shows_roles_and_capabilities(client: Client, ann: int, ann_auth) -> None:
    data = client.get(ME, headers=ann_auth).json["data"]
    assert data["id"] == ann and data["username"] == "ann" and data["email"] == "ann@example.org"
    assert data["roles"] == ["lrn_student"]
    assert "learnomy_learn" in data["capabilities"] and "manage_options" not in data["capabilities"]
    assert data["avatar_url"].startswith("https://secure.gravatar.com/avatar/")
    assert data["registered_at"].endswith("Z")
    assert "user_pass" not in data and "password" not in str(data)


def test_update_display_name(client: Client, ann_auth) -> None:
    response = client.patch(ME, json={"display_name": "Ann Lee"}, headers=ann_auth)
    assert response.status_code == 200 and response.json["data"]["display_name"] == "Ann Lee"
    assert client.get(ME, headers=ann_auth).json["data"]["display_name"] == "Ann Lee"


@pytest.mark.parametrize("field, value", [("roles", ["administrator"]), ("role", "administrator"),
                                          ("capabilities", ["manage_options"]), ("username", "root")])
def test_fields_a_user_may_not_write_are_refused(client: Client, ann_auth, field: str, value) -> None:
    response = client.patch(ME, json={"display_name": "Sneaky", field: value}, headers=ann_auth)
    assert response.status_code == 400
    assert response.json["error"]["details"][0]["param"] == field
    data = client.get(ME, headers=ann_auth).json["data"]
    assert data["roles"] == ["lrn_student"] and data["display_name"] == "ann"


def test_email_change_needs_the_current_password(client: Client, ann_auth) -> None:
    refused = client.patch(ME, json={"email": "new@example.org"}, headers=ann_auth)
    assert refused.status_code == 400
    assert refused.json["error"]["details"][0]["code"] == "learnomy_incorrect_password"
    wrong = client.patch(ME, json={"email": "new@example.org", "current_password": "nope"}, headers=ann_auth)
    assert wrong.status_code == 400
    done = client.patch(ME, json={"email": "new@example.org", "current_password": PASSWORD}, headers=ann_auth)
    assert done.status_code == 200 and done.json["data"]["email"] == "new@example.org"


@pytest.mark.parametrize("email", ["bob@example.org", "Bob@Example.org"])
def test_email_taken_by_another_account(client: Client, ann_auth, make_user, email: str) -> None:
    make_user("bob")
    response = client.patch(ME, json={"email": email, "current_password": PASSWORD}, headers=ann_auth)
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_email_exists"


def test_changing_the_case_of_ones_own_email(client: Client, ann_auth) -> None:
    response = client.patch(ME, json={"email": "Ann@Example.org", "current_password": PASSWORD}, headers=ann_auth)
    assert response.status_code == 200 and response.json["data"]["email"] == "Ann@Example.org"


@pytest.mark.parametrize("body", [{"display_name": ""}, {"email": "nope"}, {"url": "not a url"}])
def test_bad_profile_input(client: Client, ann_auth, body: dict) -> None:
    assert client.patch(ME, json=body, headers=ann_auth).status_code == 400


def test_password_change_revokes_earlier_tokens(client: Client, ann: int) -> None:
    first, second = login(client, "ann"), login(client, "ann")
    response = client.post(f"{ME}/password", json={"current_password": PASSWORD, "new_password": "another secret"},
                           headers=bearer(first))
    assert response.status_code == 200
    fresh = response.json["data"]
    assert fresh["changed"] is True and fresh["access_token"]
    for old in (first, second):
        assert client.get(ME, headers=bearer(old)).status_code == 401
        assert client.post(f"{API}/auth/token/refresh", json={"refresh_token": old["refresh_token"]}).status_code == 401
    assert client.get(ME, headers=bearer(fresh)).status_code == 200
    login(client, "ann", "another secret")


@pytest.mark.parametrize("body, status", [
    ({"current_password": "wrong", "new_password": "another secret"}, 400),
    ({"current_password": PASSWORD, "new_password": "short"}, 400),
    ({"new_password": "another secret"}, 400),
])
def test_password_change_bad_input(client: Client, ann_auth, body: dict, status: int) -> None:
    assert client.post(f"{ME}/password", json=body, headers=ann_auth).status_code == status
    login(client, "ann")


def test_dashboard_counts_merge_plugins_answers(client: Client, ann_auth) -> None:
    data = client.get(f"{ME}/dashboard", headers=ann_auth).json["data"]
    assert data == {"enrolled": 0, "in_progress": 0, "completed": 0, "certificates": 0,
                    "unread_notifications": 0, "mailbox_messages": 0}


def test_apply_to_teach_once(client: Client, ann: int, ann_auth) -> None:
    response = client.post(f"{API}/instructor-applications", json={"message": "I teach maths."}, headers=ann_auth)
    assert response.status_code == 201
    data = response.json["data"]
    assert data["status"] == "pending" and data["user_id"] == ann and data["message"] == "I teach maths."
    again = client.post(f"{API}/instructor-applications", json={}, headers=ann_auth)
    assert again.status_code == 409 and again.json["error"]["code"] == "learnomy_application_pending"


def test_instructors_need_not_apply(client: Client, make_user) -> None:
    make_user("ivy", "lrn_instructor")
    response = client.post(f"{API}/instructor-applications", json={}, headers=bearer(login(client, "ivy")))
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_already_instructor"


def test_application_message_is_bounded(client: Client, ann_auth) -> None:
    response = client.post(f"{API}/instructor-applications", json={"message": "x" * 2001}, headers=ann_auth)
    assert response.status_code == 400
