"""``Allow`` lists the methods this caller may use (WordPress's rest_send_allow_header)."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from tests.conftest import ADMIN, ALICE
from tests.plugins import wpcompat

NOTES = "/wp-json/compat/v1/notes"
EVERYTHING = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"


def allow(response: Any) -> str:
    return response.headers.get("Allow", "")


@pytest.mark.parametrize("headers, note, expected", [
    ({}, 4, "GET, HEAD, OPTIONS"),                              # anonymous: reading only
    (ALICE, 4, "GET, HEAD, POST, PUT, PATCH, OPTIONS"),         # she owns even notes
    (ALICE, 3, "GET, HEAD, OPTIONS"),                           # and no odd ones
    (ADMIN, 4, EVERYTHING),
    (ADMIN, 3, "GET, HEAD, DELETE, OPTIONS"),
    (ADMIN, 2000, "GET, HEAD, DELETE, OPTIONS"),                # the owner policy raised NotFound
])
def test_options_allow_is_per_caller(compat: Client, headers: dict, note: int, expected: str) -> None:
    response = compat.options(f"{NOTES}/{note}", headers=headers)
    assert response.status_code == 200
    assert allow(response) == expected


def test_options_runs_no_callback(compat: Client) -> None:
    response = compat.options(f"{NOTES}/4", headers=ALICE)
    assert response.json["namespace"] == "compat/v1"  # the route's description, not the callback's answer


def test_405_allow_is_per_caller(compat: Client) -> None:
    collection = "/wp-json/acme/v1/widgets"
    assert allow(compat.put(collection)) == "GET, HEAD, OPTIONS"
    assert allow(compat.put(collection, headers=ALICE)) == "GET, HEAD, POST, OPTIONS"


def test_every_answer_of_a_route_with_several_endpoints_carries_it(compat: Client) -> None:
    assert allow(compat.get(f"{NOTES}/4", headers=ALICE)) == "GET, HEAD, POST, PUT, PATCH, OPTIONS"
    assert allow(compat.get(f"{NOTES}/4")) == "GET, HEAD, OPTIONS"
    assert allow(compat.put(f"{NOTES}/4", headers=ALICE)) == "GET, HEAD, POST, PUT, PATCH, OPTIONS"
    refused = compat.put(f"{NOTES}/3", headers=ALICE)
    assert refused.status_code == 403 and allow(refused) == "GET, HEAD, OPTIONS"
    invalid = compat.get(f"{NOTES}/0", headers=ADMIN)  # below the id's minimum
    assert invalid.status_code == 400 and allow(invalid) == "GET, HEAD, OPTIONS"


def test_a_route_with_one_endpoint_sends_it_only_on_options_and_405(compat: Client) -> None:
    echo = "/wp-json/acme/v1/boom"
    assert "Allow" not in compat.get("/wp-json/compat/v1/zero", headers=ALICE).headers
    assert allow(compat.options(echo)) == "GET, HEAD, OPTIONS"
    assert allow(compat.delete(echo)) == "GET, HEAD, OPTIONS"


def test_a_policy_is_not_asked_again_for_the_endpoint_that_answered(compat: Client) -> None:
    wpcompat.ASKED.clear()
    compat.put(f"{NOTES}/4", headers=ALICE)
    assert wpcompat.ASKED == ["note_owner"]  # by the dispatch alone
    wpcompat.ASKED.clear()
    compat.get(f"{NOTES}/4", headers=ALICE)
    assert wpcompat.ASKED == ["note_owner"]  # asked once, for POST, PUT and PATCH together


def test_anonymous_callers_cost_no_policy_call(compat: Client) -> None:
    wpcompat.ASKED.clear()
    compat.get(f"{NOTES}/4")
    assert wpcompat.ASKED == []  # the owner policy needs a login: decided without running it


def test_refused_credentials_get_no_allow(client: Client) -> None:
    response = client.get("/wp-json/learnomy/v1/me", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401 and "Allow" not in response.headers
