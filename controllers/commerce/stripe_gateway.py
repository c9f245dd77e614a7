"""The Stripe gateway, on the official ``stripe`` library.

Checkout makes a Stripe Checkout Session (``payment`` mode, or ``subscription``
mode for a recurring plan) and answers its URL as the order's ``payment_url``.
``POST /payments/stripe/webhook`` verifies ``Stripe-Signature`` with the
library's own ``Webhook.construct_event`` and applies the event: completes the
order, renews or ends the subscription, records a refund. Each event id is kept
(``lrn_stripe_events``) in the same transaction as what it changed, so a replayed
event changes nothing.

The keys are the ``payments`` settings ``stripe.secret_key`` and
``stripe.webhook_secret``. The library's ``stripe.api_base`` is honoured, so tests
point it at a fake server on the loopback.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any, Optional

import sqlalchemy as sa
import stripe

from learnomy_core.openapi import route_schema
from learnomy_core import CREATABLE, RestRequest
from learnomy_core.errors import CouponUsedUp, InvalidParams, NotFound, Unavailable
from learnomy_core.openapi.schemas import BOOL
from learnomy_core.permissions import Policy
from learnomy_core.storage import insert_ignore

from .common import NAMESPACE, add_interval, now, payments, tables
from .gateways import Gateway

logger = logging.getLogger("learnomy.commerce.stripe")


def _keys(request: RestRequest) -> dict[str, Any]:
    return dict(payments(request).get("stripe") or {})


def _stamp(unix: Any) -> Optional[datetime]:
    return datetime.fromtimestamp(int(unix), timezone.utc).replace(tzinfo=None) if unix else None


class StripeGateway(Gateway):
    id, title = "stripe", "Card (Stripe)"
    description = "Pay by card on Stripe's checkout page."
    supports = ("one_time", "subscriptions", "refunds")

    def configured(self, request: RestRequest) -> bool:
        keys = _keys(request)
        return bool(keys.get("secret_key") and keys.get("webhook_secret"))

    def _client(self, request: RestRequest) -> stripe.StripeClient:
        return stripe.StripeClient(_keys(request)["secret_key"], base_addresses={"api": stripe.api_base},
                                   max_network_retries=0)

    def _call(self, what: str, call: Any) -> Any:
        try:
            return call()
        except stripe.StripeError as exc:
            logger.warning("stripe %s failed: %s", what, exc)
            raise Unavailable("The payment provider could not be reached; try again.",
                              headers={"Retry-After": "5"}) from None

    def begin(self, request: RestRequest, order: Any, lines: list[Any]) -> tuple[Optional[str], Optional[str]]:
        keys = _keys(request)
        plan = next((line.row for line in lines if line.type == "plan"), None)
        recurring = plan is not None and plan.interval != "lifetime"
        plan_row: Any = plan
        items = []
        for line in lines:
            price_data: dict[str, Any] = {"currency": line.currency.lower(), "unit_amount": line.price - line.discount,
                                          "product_data": {"name": line.title}}
            if recurring and line.type == "plan":
                price_data["recurring"] = {"interval": plan_row.interval, "interval_count": plan_row.interval_count}
            items.append({"price_data": price_data, "quantity": 1})
        metadata = {"order_id": str(order.id)}
        back = request.host_url.rstrip("/") + f"/?learnomy_order={order.id}"
        params: dict[str, Any] = {
            "mode": "subscription" if recurring else "payment", "line_items": items,
            "success_url": keys.get("success_url") or back, "cancel_url": keys.get("cancel_url") or back,
            "client_reference_id": str(order.id), "metadata": metadata}
        if recurring:
            params["subscription_data"] = {"metadata": metadata,
                                           **({"trial_period_days": plan_row.trial_days} if plan_row.trial_days else {})}
        else:
            params["payment_intent_data"] = {"metadata": metadata}
        client = self._client(request)
        session = self._call("checkout", lambda: client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"learnomy-order-{order.id}"}))  # type: ignore[arg-type]
        return session.url, session.id

    def refund(self, request: RestRequest, order: Any, amount: int) -> None:
        client = self._client(request)
        self._call("refund", lambda: client.v1.refunds.create(params={
            "payment_intent": order.gateway_payment, "amount": amount}))

    def set_cancel_at_period_end(self, request: RestRequest, subscription: Any, cancel: bool) -> None:
        if subscription.gateway_reference:
            client = self._client(request)
            self._call("subscription update", lambda: client.v1.subscriptions.update(
                subscription.gateway_reference, params={"cancel_at_period_end": cancel}))


# -- the webhook -------------------------------------------------------------------------

class StripeEvent:
    """The verified event the signature policy loaded."""

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event


def _verify(request: RestRequest) -> bool:
    secret = _keys(request).get("webhook_secret")
    if not secret:
        raise NotFound("Stripe is not configured.")
    payload = request.get_data()
    try:
        stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature", ""), secret)
    except (stripe.SignatureVerificationError, ValueError):
        raise InvalidParams("The Stripe signature does not verify.", details=[{
            "param": "Stripe-Signature", "code": "learnomy_invalid_signature",
            "message": "The Stripe-Signature header does not match the body."}]) from None
    request.context = StripeEvent(json.loads(payload))
    return True


STRIPE_SIGNATURE = Policy("stripe_signature", _verify, requires_login=False)


def _subscription_by_reference(request: RestRequest, reference: Optional[str]) -> Any:
    if not reference:
        return None
    subs = tables(request)("subscriptions")
    return request.db.execute(sa.select(subs).where(subs.c.gateway_reference == reference)).first()


def _invoice_subscription(invoice: dict[str, Any]) -> Optional[str]:
    if invoice.get("subscription"):
        return str(invoice["subscription"])
    details = ((invoice.get("parent") or {}).get("subscription_details") or {})
    return details.get("subscription")


def _renew(request: RestRequest, invoice: dict[str, Any]) -> None:
    from .plans import render_subscription, subscription_row

    sub = _subscription_by_reference(request, _invoice_subscription(invoice))
    if sub is None or invoice.get("billing_reason") == "subscription_create":
        return
    plans, subs = tables(request)("membership_plans"), tables(request)("subscriptions")
    plan = request.db.execute(sa.select(plans).where(plans.c.id == sub.plan_id)).one()
    period = ((invoice.get("lines") or {}).get("data") or [{}])[0].get("period") or {}
    start = _stamp(period.get("start")) or max(now(), sub.current_period_end or now())
    end = _stamp(period.get("end")) or add_interval(start, plan.interval, plan.interval_count)
    request.db.execute(sa.update(subs).where(subs.c.id == sub.id).values(
        status="active", current_period_start=start, current_period_end=end))
    from learnomy_core.events import emit

    emit(request, "subscription.renewed", render_subscription(subscription_row(request, int(sub.id))))


def _apply(request: RestRequest, kind: str, obj: dict[str, Any]) -> None:
    from .orders import complete_order, refund_order
    from .plans import end_subscription

    orders, subs = tables(request)("orders"), tables(request)("subscriptions")
    if kind == "checkout.session.completed" and obj.get("payment_status") in ("paid", "no_payment_required"):
        order_id = (obj.get("metadata") or {}).get("order_id") or obj.get("client_reference_id")
        if order_id:
            try:
                complete_order(request, int(order_id), reference=obj.get("id"), payment=obj.get("payment_intent"),
                               subscription_reference=obj.get("subscription"))
            except CouponUsedUp:
                _fail_paid_order(request, int(order_id), obj)
    elif kind == "checkout.session.expired":
        order_id = (obj.get("metadata") or {}).get("order_id") or obj.get("client_reference_id")
        if order_id:  # the buyer never paid: the pending order is cancelled
            request.db.execute(sa.update(orders).where(orders.c.id == int(order_id), orders.c.status == "pending")
                               .values(status="cancelled"))
    elif kind in ("invoice.paid", "invoice.payment_succeeded"):
        _renew(request, obj)
    elif kind == "invoice.payment_failed":
        sub = _subscription_by_reference(request, _invoice_subscription(obj))
        if sub is not None:
            request.db.execute(sa.update(subs).where(subs.c.id == sub.id).values(status="past_due"))
    elif kind == "customer.subscription.deleted":
        sub = _subscription_by_reference(request, obj.get("id"))
        if sub is not None and sub.status not in ("expired", "cancelled"):
            end_subscription(request, sub, "expired")
    elif kind == "customer.subscription.updated":
        sub = _subscription_by_reference(request, obj.get("id"))
        if sub is not None and "cancel_at_period_end" in obj:
            request.db.execute(sa.update(subs).where(subs.c.id == sub.id).values(
                cancel_at_period_end=bool(obj["cancel_at_period_end"])))
    elif kind == "charge.refunded":
        payment = obj.get("payment_intent")
        row = request.db.execute(sa.select(orders).where(orders.c.gateway_payment == payment)).first() if payment else None
        if row is not None:
            more = int(obj.get("amount_refunded", 0)) - int(row.refunded_total)
            if more > 0:
                refund_order(request, int(row.id), min(more, int(row.total) - int(row.refunded_total)),
                             "Refunded on Stripe.", through_gateway=False)


def _fail_paid_order(request: RestRequest, order_id: int, session: dict[str, Any]) -> None:
    """The buyer paid, but the order's coupon was used up meanwhile (its last use went
    to another order): the order fails and the money goes back, nothing is granted."""
    orders = tables(request)("orders")
    failed = request.db.execute(sa.update(orders).where(orders.c.id == order_id, orders.c.status == "pending").values(
        status="failed", gateway_reference=session.get("id"), gateway_payment=session.get("payment_intent")))
    row = request.db.execute(sa.select(orders).where(orders.c.id == order_id)).first()
    if failed.rowcount == 1 and row is not None and session.get("payment_intent"):
        StripeGateway().refund(request, row, int(row.total))
    logger.warning("order %s paid on Stripe but its coupon was used up: failed and refunded", order_id)


def webhook(request: RestRequest) -> Any:
    event = request.context_as(StripeEvent).event
    events = tables(request)("stripe_events")
    if not insert_ignore(request.db, events, {"id": str(event.get("id")), "type": str(event.get("type"))[:100],
                                              "received_at": now()}):
        return {"received": True, "replayed": True}
    _apply(request, str(event.get("type")), (event.get("data") or {}).get("object") or {})
    return {"received": True, "replayed": False}


# What the webhook answers Stripe: received, and whether the event was seen before.
RECEIPT_SCHEMA = route_schema("stripe-webhook-receipt", {"received": BOOL, "replayed": BOOL})


def register_routes(registry: Any) -> None:
    registry.register_rest_route(NAMESPACE, "/payments/stripe/webhook", {
        "methods": CREATABLE, "callback": webhook, "permission_callback": STRIPE_SIGNATURE, "args": {}},
        schema=RECEIPT_SCHEMA)
