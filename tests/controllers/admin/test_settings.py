"""Administrators read and change every settings group; secrets are write-only."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy_core.settings import MASK
from tests.controllers.conftest import API, People

URL = f"{API}/admin/settings"
STRIPE_KEY = "sk_live_51HxYzSecretValue0123456789abcd"


def _stored(app: LearnomyApp, key: str) -> Any:
    with app.storage.engine.connect() as db:
        return app.settings.get(db, key)


def test_every_group_is_answered_with_secrets_masked(client: Client, people: People, app: LearnomyApp) -> None:
    response = client.get(URL, headers=people["admin"])
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert set(data) == set(app.settings.groups)
    assert {"general", "api", "smtp", "payments", "commissions", "webhooks", "reviews"} <= set(data)
    assert data["general"]["site_name"] == "Learnomy"
    assert data["smtp"]["password"] == ""  # unset secrets read empty
    assert data["payments"]["stripe"] == {}


@pytest.mark.parametrize("who, status", [(None, 401), ("ann", 403), ("ivy", 403)])
@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_only_administrators(client: Client, people: People, who: Any, status: int, method: str) -> None:
    body = {"general": {"site_name": 5}} if method == "PATCH" else None  # bad input: still 401/403 first
    response = client.open(URL, method=method, json=body, headers=people[who] if who else {})
    assert response.status_code == status
    assert response.json["error"]["code"] == ("rest_not_logged_in" if status == 401 else "rest_forbidden")


def test_patch_changes_what_it_names_and_keeps_the_rest(client: Client, people: People, app: LearnomyApp) -> None:
    response = client.patch(URL, json={"general": {"site_name": "Acme Academy", "currency": "EUR"},
                                       "api": {"rate_limit_per_minute": 120}}, headers=people["admin"])
    assert response.status_code == 200, response.json
    data = response.json["data"]
    assert data["general"] == {"site_name": "Acme Academy", "currency": "EUR", "registration_open": True}
    assert data["api"]["rate_limit_per_minute"] == 120 and data["api"]["jsonp_enabled"] is True
    assert client.get(URL, headers=people["admin"]).json["data"]["general"]["site_name"] == "Acme Academy"
    # what the app uses changed with it
    assert client.get(f"{API}/settings/public").json["data"]["site_name"] == "Acme Academy"


def test_a_secret_is_write_only(client: Client, people: People, app: LearnomyApp) -> None:
    admin = people["admin"]
    response = client.patch(URL, json={"payments": {"stripe": {"secret_key": STRIPE_KEY, "publishable_key": "pk_1"}},
                                       "smtp": {"host": "mail.example.org", "password": "hunter2!"}}, headers=admin)
    assert response.status_code == 200, response.json
    for answer in (response, client.get(URL, headers=admin)):
        assert STRIPE_KEY.encode() not in answer.data and b"hunter2!" not in answer.data
        data = answer.json["data"]
        assert data["payments"]["stripe"] == {"secret_key": MASK, "publishable_key": "pk_1"}
        assert data["smtp"]["password"] == MASK and data["smtp"]["host"] == "mail.example.org"
    assert _stored(app, "payments.stripe")["secret_key"] == STRIPE_KEY
    assert _stored(app, "smtp.password") == "hunter2!"


def test_sending_the_mask_back_keeps_the_secret(client: Client, people: People, app: LearnomyApp) -> None:
    admin = people["admin"]
    client.patch(URL, json={"payments": {"stripe": {"secret_key": STRIPE_KEY, "webhook_secret": "whsec_1"}}},
                 headers=admin)
    read = client.get(URL, headers=admin).json["data"]
    read["payments"]["stripe"]["publishable_key"] = "pk_2"
    read["general"]["site_name"] = "Round trip"
    response = client.patch(URL, json=read, headers=admin)  # everything read, sent back
    assert response.status_code == 200, response.json
    stripe = _stored(app, "payments.stripe")
    assert stripe == {"secret_key": STRIPE_KEY, "webhook_secret": "whsec_1", "publishable_key": "pk_2"}
    assert _stored(app, "general.site_name") == "Round trip"
    # a record changes member by member: the secrets it does not name stay
    client.patch(URL, json={"payments": {"stripe": {"publishable_key": "pk_3"}}}, headers=admin)
    assert _stored(app, "payments.stripe")["secret_key"] == STRIPE_KEY
    # an empty value clears a secret
    cleared = client.patch(URL, json={"payments": {"stripe": {"webhook_secret": ""}}}, headers=admin)
    assert cleared.json["data"]["payments"]["stripe"]["webhook_secret"] == ""
    assert _stored(app, "payments.stripe")["webhook_secret"] == ""


@pytest.mark.parametrize("body, params", [
    ({"nope": {"x": 1}}, {"nope": "rest_additional_properties_forbidden"}),
    ({"general": {"colour": "red"}}, {"general.colour": "rest_additional_properties_forbidden"}),
    ({"general": {"currency": "euro"}}, {"general.currency": "rest_invalid_pattern"}),
    ({"general": "Acme"}, {"general": "rest_invalid_type"}),
    ({"api": {"rate_limit_per_minute": 0}, "smtp": {"port": 70000, "security": "ssl"}},
     {"api.rate_limit_per_minute": "rest_out_of_bounds", "smtp.port": "rest_out_of_bounds",
      "smtp.security": "rest_not_in_enum"}),
    ({"payments": {"stripe": {"secret_key": STRIPE_KEY, "colour": "red"}}},
     {"payments.stripe": "rest_additional_properties_forbidden"}),
    ({}, {"body": "rest_missing_callback_param"}),
])
def test_bad_changes_are_refused_whole(client: Client, people: People, app: LearnomyApp,
                                       body: dict[str, Any], params: dict[str, str]) -> None:
    response = client.patch(URL, json={**body, "reviews": {"require_approval": True}} if body else body,
                            headers=people["admin"])
    assert response.status_code == 400, response.json
    error = response.json["error"]
    assert error["code"] == "rest_invalid_param"
    assert {d["param"]: d["code"] for d in error["details"]} == params
    assert STRIPE_KEY not in response.text
    # nothing stored, the valid group included
    assert _stored(app, "reviews.require_approval") is False
    assert _stored(app, "payments.stripe") == {}


def test_a_stale_if_match_changes_nothing(client: Client, people: People, app: LearnomyApp) -> None:
    admin = people["admin"]
    etag = client.get(URL, headers=admin).headers["ETag"]
    assert client.patch(URL, json={"general": {"site_name": "First"}}, headers={**admin, "If-Match": etag}).status_code == 200
    stale = client.patch(URL, json={"general": {"site_name": "Second"}}, headers={**admin, "If-Match": etag})
    assert stale.status_code == 412
    assert _stored(app, "general.site_name") == "First"


def test_changing_only_a_secret_changes_the_etag(client: Client, people: People, app: LearnomyApp) -> None:
    admin = people["admin"]
    client.patch(URL, json={"payments": {"stripe": {"secret_key": STRIPE_KEY}}}, headers=admin)
    first = client.get(URL, headers=admin)
    # Another administrator changes the secret alone: the body reads the same...
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"payments": {"stripe": {"secret_key": STRIPE_KEY + "rotated"}}})
    second = client.get(URL, headers=admin)
    assert second.json == first.json
    # ... but the ETag says it changed, and names none of it.
    assert second.headers["ETag"] != first.headers["ETag"]
    assert STRIPE_KEY not in second.headers["ETag"] and "rotated" not in second.headers["ETag"]
    assert client.get(URL, headers={**admin, "If-None-Match": second.headers["ETag"]}).status_code == 304
    assert client.get(URL, headers={**admin, "If-None-Match": first.headers["ETag"]}).status_code == 200
    assert client.get(URL, headers={**people["ann"], "If-None-Match": second.headers["ETag"]}).status_code == 403
    stale = client.patch(URL, json={"payments": {"stripe": {"secret_key": "sk_live_mine"}}},
                         headers={**admin, "If-Match": first.headers["ETag"]})
    assert stale.status_code == 412
    assert _stored(app, "payments.stripe")["secret_key"] == STRIPE_KEY + "rotated"
    fresh = client.patch(URL, json={"payments": {"stripe": {"secret_key": "sk_live_mine"}}},
                         headers={**admin, "If-Match": second.headers["ETag"]})
    assert fresh.status_code == 200 and _stored(app, "payments.stripe")["secret_key"] == "sk_live_mine"


def test_administrators_changing_one_group_at_once_keep_each_change(make_app: Any, people: People,
                                                                    app: LearnomyApp) -> None:
    """Each write reads, merges and stores under a lock: none undoes another."""
    from tests.racing import race

    changes = [{"smtp": {"host": "mail.example.org"}}, {"smtp": {"port": 2525}}, {"smtp": {"username": "lms"}},
               {"smtp": {"password": "pw"}}, {"smtp": {"from": "lms@example.org"}}, {"smtp": {"timeout": 30}}]
    clients = [Client(make_app()) for _ in changes]
    answers = race([lambda c=c, body=body: c.patch(URL, json=body, headers=people["admin"])
                    for c, body in zip(clients, changes)])
    assert [a.status_code for a in answers] == [200] * len(changes)
    with app.storage.engine.connect() as db:
        smtp = app.settings.group(db, "smtp")
    assert smtp == {"host": "mail.example.org", "port": 2525, "security": "starttls", "username": "lms",
                    "password": "pw", "from": "lms@example.org", "timeout": 30}
