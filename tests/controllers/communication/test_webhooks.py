"""Webhooks: endpoints, the catalog, signed deliveries to a loopback server, retries."""

from __future__ import annotations

import http.server
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa
from standardwebhooks.webhooks import Webhook
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy_core.jobs import run_due_jobs
from tests.controllers.conftest import API, People


class Receiver:
    """A loopback HTTP server that records what arrives and answers as told."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: list[Any] = []  # status codes, or "hang" to time out
        self.echo = False  # answer with the payload received, as some receivers do
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                          "body": body, "path": self.path})
                answer = receiver.answers.pop(0) if receiver.answers else 200
                if answer == "hang":
                    time.sleep(1.5)
                    return
                self.send_response(answer)
                self.send_header("Location", "http://169.254.169.254/")
                self.end_headers()
                self.wfile.write(body if receiver.echo else b"ok" if answer < 300 else b"nope" * 400)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def allow_loopback(app: LearnomyApp) -> None:
    """The development setting: webhooks may reach 127.0.0.1 over plain http."""
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"webhooks": {"allowed_hosts": ["127.0.0.1"]}})


def _create(client: Client, people: People, url: str, events: list[str] | None = None) -> dict[str, Any]:
    response = client.post(f"{API}/webhooks", json={"url": url, "events": events or ["course.created"]},
                           headers=people["admin"])
    assert response.status_code == 201, response.json
    return response.json["data"]


def _later(**delta: float) -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(**delta)


def test_a_delivery_is_signed_the_standard_webhooks_way(client: Client, app: LearnomyApp, people: People,
                                                      receiver: Receiver, allow_loopback: None) -> None:
    hook = _create(client, people, receiver.url)
    assert hook["secret"].startswith("whsec_") and hook["status"] == "active"
    made = client.post(f"{API}/courses", json={"title": "Signed"}, headers=people["ivy"])
    assert made.status_code == 201
    assert receiver.received == []  # not during the request
    assert run_due_jobs(app) == 1
    [got] = receiver.received
    payload = Webhook(hook["secret"]).verify(got["body"], got["headers"])  # the reference library
    assert payload["type"] == "course.created" and payload["data"]["id"] == made.json["data"]["id"]
    assert payload["data"]["title"] == "Signed" and payload["timestamp"].endswith("Z")
    deliveries = client.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=people["admin"]).json["data"]
    [delivery] = deliveries
    assert delivery["status"] == "succeeded" and delivery["response_status"] == 200
    assert delivery["message_id"] == got["headers"]["webhook-id"] and delivery["attempt"] == 1
    assert delivery["duration_ms"] >= 0 and delivery["response_excerpt"] == "ok"
    # A forged signature fails the same library.
    with pytest.raises(Exception):
        Webhook("whsec_" + "QUJD" * 8).verify(got["body"], got["headers"])


def test_retries_after_a_500_and_a_timeout_then_succeeds(client: Client, app: LearnomyApp, people: People,
                                                        receiver: Receiver, allow_loopback: None,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from learnomy.controllers.communication import ssrf

    monkeypatch.setattr(ssrf, "READ_TIMEOUT", 0.5)  # the receiver hangs for 1.5 s
    hook = _create(client, people, receiver.url)
    receiver.answers = [500, "hang", 204]
    client.post(f"{API}/courses", json={"title": "Retry"}, headers=people["ivy"])
    assert run_due_jobs(app) == 1
    [delivery] = client.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=people["admin"]).json["data"]
    assert (delivery["status"], delivery["attempt"], delivery["response_status"]) == ("pending", 1, 500)
    assert delivery["error"] == "HTTP 500" and len(delivery["response_excerpt"]) <= 1024
    assert delivery["next_attempt_at"] is not None
    assert run_due_jobs(app) == 0  # about 5 s later, not now
    assert run_due_jobs(app, now=_later(seconds=10)) == 1
    [delivery] = client.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=people["admin"]).json["data"]
    assert (delivery["status"], delivery["attempt"], delivery["response_status"]) == ("pending", 2, None)
    assert "timed out" in delivery["error"]
    assert client.get(f"{API}/webhooks/{hook['id']}", headers=people["admin"]).json["data"]["consecutive_failures"] == 2
    assert run_due_jobs(app, now=_later(minutes=10)) == 1
    [delivery] = client.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=people["admin"]).json["data"]
    assert (delivery["status"], delivery["attempt"], delivery["response_status"]) == ("succeeded", 3, 204)
    assert len(receiver.received) == 3
    assert len({r["headers"]["webhook-id"] for r in receiver.received}) == 1  # one message, three tries
    attempts = app.tables["lrn_webhook_attempts"]
    with app.storage.engine.connect() as db:
        logged = db.execute(sa.select(attempts.c.attempt, attempts.c.response_status)
                            .order_by(attempts.c.id)).all()
    assert [tuple(r) for r in logged] == [(1, 500), (2, None), (3, 204)]
    assert client.get(f"{API}/webhooks/{hook['id']}", headers=people["admin"]).json["data"]["consecutive_failures"] == 0


def test_an_endpoint_that_keeps_failing_is_disabled_and_admins_told(client: Client, app: LearnomyApp,
                                                                   people: People, receiver: Receiver,
                                                                   allow_loopback: None) -> None:
    hook = _create(client, people, receiver.url)
    receiver.answers = [500] * 20
    client.post(f"{API}/courses", json={"title": "Failing"}, headers=people["ivy"])
    for _ in range(10):  # one attempt per run: each run queues the next, at most 26 h later
        run_due_jobs(app, now=_later(days=2))
    one = client.get(f"{API}/webhooks/{hook['id']}", headers=people["admin"]).json["data"]
    assert one["status"] == "disabled" and "failed attempts" in one["disabled_reason"]
    [delivery] = client.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=people["admin"]).json["data"]
    assert (delivery["status"], delivery["attempt"]) == ("failed", 10)
    told = client.get(f"{API}/notifications", headers=people["admin"]).json["data"]
    assert [n["type"] for n in told] == ["webhook.disabled"]
    # Disabled: new events are not queued; making it active again clears the failure.
    client.post(f"{API}/courses", json={"title": "Ignored"}, headers=people["ivy"])
    assert len(client.get(f"{API}/webhooks/{hook['id']}/deliveries", headers=people["admin"]).json["data"]) == 1
    from tests.plugins import mailbox

    run_due_jobs(app)  # the administrators' e-mail
    assert [m["subject"] for m in mailbox.SENT] == ["Webhook disabled"]
    back = client.patch(f"{API}/webhooks/{hook['id']}", json={"status": "active"}, headers=people["admin"])
    assert back.json["data"]["status"] == "active" and back.json["data"]["disabled_reason"] is None


def test_paused_endpoints_keep_their_outbox(client: Client, app: LearnomyApp, people: People,
                                            receiver: Receiver, allow_loopback: None) -> None:
    hook = _create(client, people, receiver.url)
    paused = client.patch(f"{API}/webhooks/{hook['id']}", json={"status": "paused"}, headers=people["admin"])
    assert paused.json["data"]["status"] == "paused" and "secret" not in paused.json["data"]
    client.post(f"{API}/courses", json={"title": "One"}, headers=people["ivy"])
    client.post(f"{API}/courses", json={"title": "Two"}, headers=people["ivy"])
    run_due_jobs(app)
    assert receiver.received == []
    client.patch(f"{API}/webhooks/{hook['id']}", json={"status": "active"}, headers=people["admin"])
    assert run_due_jobs(app) == 2
    titles = sorted(json.loads(r["body"])["data"]["title"] for r in receiver.received)
    assert titles == ["One", "Two"]


def test_test_ping_redeliver_and_rotate(client: Client, app: LearnomyApp, people: People, receiver: Receiver,
                                        allow_loopback: None) -> None:
    hook = _create(client, people, receiver.url)
    ping = client.post(f"{API}/webhooks/{hook['id']}/test", headers=people["admin"])
    assert ping.status_code == 200, ping.json
    assert ping.json["data"]["event"] == "ping" and ping.json["data"]["status"] == "succeeded"
    [got] = receiver.received
    assert Webhook(hook["secret"]).verify(got["body"], got["headers"])["type"] == "ping"
    again = client.post(f"{API}/webhooks/{hook['id']}/deliveries/{ping.json['data']['id']}/redeliver",
                        headers=people["admin"])
    assert again.status_code == 202 and again.json["data"]["message_id"] == ping.json["data"]["message_id"]
    run_due_jobs(app)
    assert receiver.received[1]["headers"]["webhook-id"] == got["headers"]["webhook-id"]
    rotated = client.patch(f"{API}/webhooks/{hook['id']}", json={"rotate_secret": True}, headers=people["admin"])
    new_secret = rotated.json["data"]["secret"]
    assert new_secret != hook["secret"] and new_secret.startswith("whsec_")
    listed = client.get(f"{API}/webhooks", headers=people["admin"]).json["data"]
    assert all("secret" not in item for item in listed)
    assert "secret" not in client.get(f"{API}/webhooks/{hook['id']}", headers=people["admin"]).json["data"]
    client.post(f"{API}/webhooks/{hook['id']}/test", headers=people["admin"])
    Webhook(new_secret).verify(receiver.received[2]["body"], receiver.received[2]["headers"])
    assert client.post(f"{API}/webhooks/{hook['id']}/deliveries/999999/redeliver",
                       headers=people["admin"]).status_code == 404


def test_at_most_three_endpoints_on_free(make_app: Callable[..., LearnomyApp], people: People, receiver: Receiver,
                                         allow_loopback: None) -> None:
    client = Client(make_app(switches={"pro.webhooks_pro": False}))  # Pro lifts the limit
    for _ in range(3):
        _create(client, people, receiver.url)
    fourth = client.post(f"{API}/webhooks", json={"url": receiver.url, "events": ["course.created"]},
                         headers=people["admin"])
    assert fourth.status_code == 409 and fourth.json["error"]["code"] == "learnomy_webhook_limit"


def test_a_plugin_lifts_the_limit(make_app: Callable[..., LearnomyApp], people: People, receiver: Receiver,
                                  allow_loopback: None) -> None:
    from learnomy_core import hookimpl
    from tests.conftest import ALL_PLUGINS

    class Unlimited:
        @hookimpl
        def learnomy_webhook_limit(self, request: Any) -> int:
            return -1

    client = Client(make_app(plugins=[*ALL_PLUGINS, Unlimited()]))
    for _ in range(4):
        _create(client, people, receiver.url)


def test_the_event_catalog_lists_plugins_events(make_app: Callable[..., LearnomyApp], people: People) -> None:
    from learnomy_core import hookimpl
    from tests.conftest import ALL_PLUGINS

    class Widgets:
        @hookimpl
        def learnomy_webhook_events(self) -> list[dict[str, Any]]:
            return [{"event": "widget.created", "description": "A widget.", "example": {"id": 1}}]

    client = Client(make_app(plugins=[*ALL_PLUGINS, Widgets()]))
    response = client.get(f"{API}/webhook-events", headers=people["admin"])
    assert response.status_code == 200
    events = {e["event"]: e for e in response.json["data"]}
    assert events["course.created"]["plugin"] == "communication" and events["course.created"]["example"]
    assert events["widget.created"]["example"] == {"id": 1}
    assert events["widget.created"]["plugin"] not in ("communication", "")
    assert client.get(f"{API}/webhook-events").status_code == 401
    assert client.get(f"{API}/webhook-events", headers=people["ann"]).status_code == 403


@pytest.mark.parametrize("method,path", [
    ("GET", "/webhooks"), ("POST", "/webhooks"), ("GET", "/webhooks/1"), ("PATCH", "/webhooks/1"),
    ("DELETE", "/webhooks/1"), ("POST", "/webhooks/1/test"), ("GET", "/webhooks/1/deliveries"),
    ("POST", "/webhooks/1/deliveries/1/redeliver"),
])
def test_webhooks_are_for_administrators(client: Client, people: People, method: str, path: str) -> None:
    body = {"url": "https://example.org/hook", "events": ["course.created"]} if path == "/webhooks" else {}
    assert client.open(f"{API}{path}", method=method, json=body).status_code == 401
    assert client.open(f"{API}{path}", method=method, json=body, headers=people["ivy"]).status_code == 403


def test_bad_input_is_400(client: Client, people: People, receiver: Receiver, allow_loopback: None) -> None:
    admin = people["admin"]
    for body, param in (({"url": "ftp://example.org/x", "events": ["course.created"]}, "url"),
                        ({"url": "http://example.org/x", "events": ["course.created"]}, "url"),
                        ({"url": receiver.url, "events": ["no.such.event"]}, "events"),
                        ({"url": receiver.url, "events": []}, "events"),
                        ({"events": ["course.created"]}, "url")):
        response = client.post(f"{API}/webhooks", json=body, headers=admin)
        assert response.status_code == 400, (body, response.json)
        assert response.json["error"]["details"][0]["param"] == param
    hook = _create(client, people, receiver.url)
    assert client.patch(f"{API}/webhooks/{hook['id']}", json={"status": "disabled"}, headers=admin).status_code == 400
    assert client.patch(f"{API}/webhooks/{hook['id']}", json={"url": "https://10.0.0.1/"},
                        headers=admin).status_code == 400
    assert client.get(f"{API}/webhooks/999999", headers=admin).status_code == 404
    gone = client.delete(f"{API}/webhooks/{hook['id']}", headers=admin)
    assert gone.status_code == 200 and "secret" not in gone.json["data"]["previous"]
    assert client.get(f"{API}/webhooks/{hook['id']}", headers=admin).status_code == 404


def test_racing_creations_never_pass_the_limit(make_app: Callable[..., LearnomyApp], people: People,
                                              receiver: Receiver, allow_loopback: None) -> None:
    from tests.racing import race

    clients = [Client(make_app(switches={"pro.webhooks_pro": False})) for _ in range(5)]
    body = {"url": receiver.url, "events": ["course.created"]}
    statuses = race([lambda c=c: c.post(f"{API}/webhooks", json=body, headers=people["admin"]).status_code
                     for c in clients])
    assert sorted(statuses) == [201, 201, 201, 409, 409]
    listed = clients[0].get(f"{API}/webhooks", headers=people["admin"]).json["meta"]["total"]
    assert listed == 3


def test_failing_for_days_disables_the_endpoint(client: Client, app: LearnomyApp, people: People,
                                                receiver: Receiver, allow_loopback: None) -> None:
    hook = _create(client, people, receiver.url)
    webhooks = app.tables["lrn_webhooks"]
    with app.storage.engine.begin() as db:  # every delivery failed for six days, each within its own retries
        db.execute(sa.update(webhooks).values(consecutive_failures=40, failing_since=_later(days=-6)))
    receiver.answers = [503]
    client.post(f"{API}/courses", json={"title": "Still failing"}, headers=people["ivy"])
    run_due_jobs(app)
    one = client.get(f"{API}/webhooks/{hook['id']}", headers=people["admin"]).json["data"]
    assert one["status"] == "disabled" and one["disabled_reason"].startswith("failing since")
    assert one["consecutive_failures"] == 41
