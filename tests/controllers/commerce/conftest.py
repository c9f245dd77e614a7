"""Commerce fixtures: a shop with priced courses, payment settings, a fake Stripe."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from typing import Any, Callable, Iterator

import pytest
import stripe
from werkzeug.serving import make_server
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from learnomy_core import LearnomyApp

API = "/wp-json/learnomy/v1"
WEBHOOK_SECRET = "whsec_test_secret"


class FakeStripe:
    """Stripe's API as far as the gateway uses it, on the loopback; it records each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.fail = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        form = request.form.to_dict()
        self.calls.append((request.method, request.path, form))
        if self.fail:
            body, status = {"error": {"type": "api_error", "message": "down"}}, 500
        elif request.path == "/v1/checkout/sessions":
            number = len(self.calls)
            body, status = {"id": f"cs_test_{number}", "object": "checkout.session",
                            "url": f"https://checkout.stripe.test/c/pay/cs_test_{number}", "mode": form.get("mode")}, 200
        elif request.path == "/v1/refunds":
            body, status = {"id": f"re_{len(self.calls)}", "object": "refund", "amount": int(form["amount"])}, 200
        elif request.path.startswith("/v1/subscriptions/"):
            body, status = {"id": request.path.rsplit("/", 1)[1], "object": "subscription"}, 200
        else:
            body, status = {"error": {"type": "invalid_request_error", "message": "unknown"}}, 404
        return Response(json.dumps(body), status, mimetype="application/json")(environ, start_response)

    def posted(self, path: str) -> list[dict[str, Any]]:
        return [form for method, p, form in self.calls if method == "POST" and p == path]


@pytest.fixture
def fake_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    fake = FakeStripe()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(stripe, "api_base", f"http://127.0.0.1:{server.server_port}")
    yield fake
    server.shutdown()


def signed(payload: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    """A webhook body and its ``Stripe-Signature`` header, as Stripe signs them."""
    body = json.dumps(payload).encode()
    stamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"}


def stripe_event(event_id: str, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}


def configure(app: LearnomyApp, **groups: Any) -> None:
    with app.storage.engine.begin() as db:
        app.settings.update(db, groups)


@pytest.fixture
def stripe_on(app: LearnomyApp, fake_stripe: FakeStripe) -> FakeStripe:
    configure(app, payments={"stripe": {"secret_key": "sk_test_123", "webhook_secret": WEBHOOK_SECRET}})
    return fake_stripe


@pytest.fixture
def paid_course(make_course: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """A published course sold for ``price`` minor units."""

    def factory(price: int = 4999, owner: str = "ivy", currency: str = "USD", **fields: Any) -> dict[str, Any]:
        return make_course(owner, price_type="paid", price=price, currency=currency, **fields)

    return factory


def post(client: Client, path: str, auth: dict[str, str], **body: Any) -> Any:
    return client.post(f"{API}{path}", json=body, headers=auth)
