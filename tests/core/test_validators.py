"""Endpoint validators: the cheap ETag a read route computes before its policy and
callback run (``"validator"`` in the registry, used by the core's dispatch)."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import PUBLIC, READABLE, EDITABLE, hookimpl
from learnomy_core.errors import RegistrationError
from learnomy_core.permissions import Policy
from tests.conftest import ALICE, BOB
from tests.plugins import acme

API = "/wp-json/val/v1"


class Thing:
    """A plugin whose one thing has a version; counts callback and policy runs."""

    PLUGIN_NAME = "val"

    def __init__(self) -> None:
        self.version = 1
        self.name = "gear"
        self.calls = {"callback": 0, "policy": 0, "validator": 0}

    def validator(self, request: Any) -> Any:
        self.calls["validator"] += 1
        return None if request.params["id"] == 2 else f"v{self.version}"

    def read(self, request: Any) -> Any:
        self.calls["callback"] += 1
        return {"id": request.params["id"], "name": self.name, "version": self.version}

    def write(self, request: Any) -> Any:
        self.name = request.params["name"]
        self.version += 1
        return self.read(request)

    def allowed(self, request: Any) -> bool:
        self.calls["policy"] += 1
        return request.user is not None

    @hookimpl
    def learnomy_register_routes(self, registry: Any) -> None:
        registry.register_rest_route("val/v1", r"/things/(?P<id>[\d]+)", [
            {"methods": READABLE, "callback": self.read, "validator": self.validator,
             "permission_callback": Policy("val_reader", self.allowed), "args": {"id": {"type": "integer"}}},
            {"methods": EDITABLE, "callback": self.write, "permission_callback": PUBLIC,
             "args": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        ])


@pytest.fixture
def thing() -> Thing:
    return Thing()


@pytest.fixture
def val(make_app: Callable[..., Any], thing: Thing) -> Client:
    return Client(make_app(plugins=["system", acme, thing]))


def test_a_matching_if_none_match_is_answered_before_the_policy_and_callback(val: Client, thing: Thing) -> None:
    full = val.get(f"{API}/things/1", headers=ALICE)
    etag = full.headers["ETag"]
    assert full.status_code == 200 and etag.startswith('"') and len(etag) == 34
    thing.calls.update(callback=0, policy=0)
    again = val.get(f"{API}/things/1", headers={**ALICE, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache" and "Allow" not in again.headers
    assert thing.calls == {"callback": 0, "policy": 0, "validator": 2}
    assert val.head(f"{API}/things/1", headers={**ALICE, "If-None-Match": f"W/{etag}"}).status_code == 304


def test_the_etag_covers_the_token_the_caller_and_the_query(val: Client, thing: Thing) -> None:
    etag = val.get(f"{API}/things/1", headers=ALICE).headers["ETag"]
    assert val.get(f"{API}/things/1", headers=BOB).headers["ETag"] != etag
    assert val.get(f"{API}/things/1?_fields=id", headers=ALICE).headers["ETag"] != etag
    assert val.get(f"{API}/things/3", headers=ALICE).headers["ETag"] != etag
    assert val.get(f"{API}/things/1", headers=ALICE).headers["ETag"] == etag
    assert val.patch(f"{API}/things/1", json={"name": "cog"}).status_code == 200
    changed = val.get(f"{API}/things/1", headers={**ALICE, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and changed.json["data"]["name"] == "cog"


def test_a_validator_does_not_let_a_refused_caller_through(val: Client) -> None:
    etag = val.get(f"{API}/things/1", headers=ALICE).headers["ETag"]
    assert val.get(f"{API}/things/1", headers={"If-None-Match": etag}).status_code == 401


def test_without_a_token_the_route_runs_and_hashes_its_body(val: Client, thing: Thing) -> None:
    first = val.get(f"{API}/things/2", headers=ALICE)
    thing.calls["callback"] = 0
    again = val.get(f"{API}/things/2", headers={**ALICE, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and thing.calls["callback"] == 1


def test_if_match_takes_the_validators_etag(val: Client) -> None:
    assert val.get(f"{API}/things/1").headers.get("ETag") is None  # anonymous: refused, no ETag given
    etag = val.get(f"{API}/things/1", headers=ALICE).headers["ETag"]
    assert val.patch(f"{API}/things/1", json={"name": "late"}, headers={**ALICE, "If-Match": '"0"'}).status_code == 412
    # The probe reads as the writer does: Alice's ETag is Alice's.
    assert val.patch(f"{API}/things/1", json={"name": "cog"}, headers={**ALICE, "If-Match": etag}).status_code == 200
    assert val.patch(f"{API}/things/1", json={"name": "gear"}, headers={**ALICE, "If-Match": etag}).status_code == 412


@pytest.mark.parametrize("spec", [
    {"methods": "POST", "validator": lambda request: "x"},
    {"methods": "GET", "validator": "not callable"},
])
def test_registration_refuses_a_misplaced_validator(make_app: Callable[..., Any], spec: dict[str, Any]) -> None:
    class Bad:
        PLUGIN_NAME = "bad"

        @staticmethod
        @hookimpl
        def learnomy_register_routes(registry: Any) -> None:
            registry.register_rest_route("bad/v1", "/x", {"callback": lambda request: {}, "permission_callback": PUBLIC,
                                                         **spec})

    with pytest.raises(RegistrationError, match="validator"):
        make_app(plugins=["system", Bad()])
