"""Permission callbacks of every form keep API.md's contract (section 4): a returned
error refuses with that error, a false answer refuses, and an anonymous caller of a
protected endpoint gets 401 whatever its parameters."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from learnomy_core.errors import NotFound
from learnomy_core.permissions import PUBLIC, Policy, any_of
from tests.conftest import ALICE
from tests.plugins import acme, guards

GUARDS = "/wp-json/guards/v1"


@pytest.fixture
def client(make_app: Any) -> Client:
    return Client(make_app(plugins=[acme, guards]))


@pytest.mark.parametrize("path, status, code", [
    ("/callable-error", 403, "guards_not_you"),
    ("/policy-error", 404, "learnomy_not_found"),
    ("/any-of-error", 404, "learnomy_not_found"),
])
@pytest.mark.parametrize("who", [ALICE, {}], ids=["user", "anonymous"])
def test_a_returned_error_refuses_with_that_error(client: Client, path: str, status: int, code: str,
                                                   who: dict) -> None:
    response = client.get(f"{GUARDS}{path}?n=1", headers=who)
    assert response.status_code == status
    assert response.json["error"]["code"] == code


@pytest.mark.parametrize("answer", sorted(guards.FALSY))
def test_a_false_answer_refuses(client: Client, answer: str) -> None:
    assert client.get(f"{GUARDS}/falsy-{answer}", headers=ALICE).status_code == 403
    assert client.get(f"{GUARDS}/falsy-{answer}").status_code == 401


@pytest.mark.parametrize("n", ["0", "x", None], ids=["out-of-bounds", "not-an-integer", "missing"])
def test_a_plain_callable_refusing_anonymous_callers_answers_401_whatever_the_params(client: Client, n: Any) -> None:
    query = "" if n is None else f"?n={n}"
    response = client.get(f"{GUARDS}/callable-login{query}")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "rest_not_logged_in"
    assert client.get(f"{GUARDS}/callable-login{query}", headers=ALICE).status_code == 400


def test_a_public_plain_callable_still_serves_and_validates_anonymous_callers(client: Client) -> None:
    assert client.get(f"{GUARDS}/callable-public?n=3").json["data"]["params"] == {"n": 3}
    assert client.get(f"{GUARDS}/callable-public?n=0").status_code == 400


@pytest.mark.parametrize("n, status", [("0", 400), ("1", 401), ("2", 200)])
def test_a_plain_callable_that_reads_params_decides_once_they_are_valid(client: Client, n: str, status: int) -> None:
    assert client.get(f"{GUARDS}/callable-params?n={n}").status_code == status


def test_policies_read_a_returned_error_as_a_refusal_not_a_grant() -> None:
    refusing = Policy("refusing", lambda request: NotFound(), requires_login=False)
    with pytest.raises(NotFound):
        refusing(object())  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        any_of(refusing, PUBLIC)(object())  # type: ignore[arg-type]
