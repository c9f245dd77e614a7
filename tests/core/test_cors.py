"""CORS: web apps on other origins may call the API (WordPress's default: any origin)."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from learnomy_core.cors import origin_allowed
from learnomy_core.errors import InvalidParams

WIDGETS = "/wp-json/acme/v1/widgets"
APP = "https://app.example.org"


def allow_origins(app: Any, origins: list[str]) -> None:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"cors_origins": origins}})


def test_any_origin_is_granted_by_default(client: Client) -> None:
    response = client.get(WIDGETS, headers={"Origin": APP})
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == APP
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert set(headers["Access-Control-Allow-Methods"].split(", ")) == {"OPTIONS", "GET", "POST", "PUT", "PATCH", "DELETE"}
    assert {"Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key", "X-WP-Nonce",
            "X-HTTP-Method-Override"} <= set(headers["Access-Control-Allow-Headers"].split(", "))
    assert {"X-WP-Total", "X-WP-TotalPages", "Link", "ETag", "X-Request-Id", "RateLimit-Limit",
            "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"} <= set(headers["Access-Control-Expose-Headers"].split(", "))
    assert "Origin" in headers["Vary"]


def test_a_preflight_is_answered(client: Client) -> None:
    response = client.options(WIDGETS, headers={"Origin": APP, "Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Max-Age"]


def test_a_preflight_to_an_unknown_path_is_answered_too(client: Client) -> None:
    response = client.options("/wp-json/acme/v1/nothing", headers={"Origin": APP, "Access-Control-Request-Method": "GET"})
    assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == APP


def test_errors_carry_the_grant_so_the_app_can_read_them(client: Client) -> None:
    response = client.post(WIDGETS, json={"name": "x"}, headers={"Origin": APP})
    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == APP


def test_only_listed_origins_when_the_settings_say_so(app: Any, client: Client) -> None:
    allow_origins(app, ["https://ok.example.org"])
    refused = client.get(WIDGETS, headers={"Origin": APP})
    assert refused.status_code == 200  # the server answers; the browser withholds it
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Origin" in refused.headers["Vary"]
    granted = client.get(WIDGETS, headers={"Origin": "https://OK.example.org"})
    assert granted.headers["Access-Control-Allow-Origin"] == "https://OK.example.org"


def test_no_origin_no_grant(client: Client) -> None:
    response = client.get(WIDGETS)
    assert not any(name.startswith("Access-Control-") for name in response.headers.keys())
    assert "Origin" in response.headers["Vary"]


@pytest.mark.parametrize("origins", [["app.example.org"], ["https://app.example.org/path"], ["*.example.org"]])
def test_the_setting_takes_origins_only(app: Any, origins: list[str]) -> None:
    with app.storage.engine.begin() as db:
        with pytest.raises(InvalidParams):
            app.settings.update(db, {"api": {"cors_origins": origins}})


@pytest.mark.parametrize("origin, allowed, expected", [
    ("https://a.example", ["*"], True),
    ("https://a.example", ["https://a.example"], True),
    ("https://A.example", ["https://a.example/"], True),
    ("https://a.example:8443", ["https://a.example"], False),
    ("http://a.example", ["https://a.example"], False),
    ("null", ["https://a.example"], False),
])
def test_origin_matching(origin: str, allowed: list[str], expected: bool) -> None:
    assert origin_allowed(origin, allowed) is expected
