"""Webhooks Pro: no three-endpoint limit (or the one set in ``pro.webhooks``), and Pro's events."""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy.extensions.pro.webhooks_pro import EVENTS

API = "/wp-json/learnomy/v1"
URL = "http://127.0.0.1:9/in"  # never called: no event is emitted here


@pytest.fixture(autouse=True)
def allow_loopback(app: LearnomyApp) -> None:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"webhooks": {"allowed_hosts": ["127.0.0.1"]}})


def create(client: Client, people: Any) -> int:
    return client.post(f"{API}/webhooks", json={"url": URL, "events": ["course.created"]},
                       headers=people["admin"]).status_code


def test_pro_lifts_the_limit_of_three(client: Client, people: Any) -> None:
    assert [create(client, people) for _ in range(5)] == [201] * 5


def test_a_limit_set_in_the_settings_applies(app: LearnomyApp, client: Client, people: Any) -> None:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"pro.webhooks": {"limit": 4}})
    assert [create(client, people) for _ in range(5)] == [201] * 4 + [409]


@pytest.mark.parametrize("limit", [-1, 1.5, "many", 10**7])
def test_the_limit_setting_is_validated(app: LearnomyApp, limit: Any) -> None:
    from learnomy_core.errors import InvalidParams

    with pytest.raises(InvalidParams), app.storage.engine.begin() as db:
        app.settings.update(db, {"pro.webhooks": {"limit": limit}})


def test_switched_off_free_keeps_its_limit(make_app: Callable[..., LearnomyApp], people: Any) -> None:
    client = Client(make_app(switches={"pro.webhooks_pro": False}))
    assert [create(client, people) for _ in range(4)] == [201] * 3 + [409]


def test_pros_events_are_in_the_catalog_and_may_be_subscribed(client: Client, people: Any) -> None:
    catalog = {e["event"]: e for e in client.get(f"{API}/webhook-events", headers=people["admin"]).json["data"]}
    for event in ("cohort.member_added", "cohort.member_removed", "path.enrolled", "path.completed",
                  "assignment.submitted", "assignment.graded", "space.member_joined", "space.member_removed"):
        assert catalog[event]["plugin"] == "pro.webhooks_pro" and catalog[event]["example"]
    assert len(EVENTS) == 8
    created = client.post(f"{API}/webhooks", json={"url": URL, "events": ["path.completed"]}, headers=people["admin"])
    assert created.status_code == 201


def test_switched_off_pros_events_are_unknown(make_app: Callable[..., LearnomyApp], people: Any) -> None:
    client = Client(make_app(switches={"pro.webhooks_pro": False}))
    catalog = {e["event"] for e in client.get(f"{API}/webhook-events", headers=people["admin"]).json["data"]}
    assert "path.completed" not in catalog
    refused = client.post(f"{API}/webhooks", json={"url": URL, "events": ["path.completed"]}, headers=people["admin"])
    assert refused.status_code == 400 and refused.json["error"]["details"][0]["param"] == "events"
