"""Payment gateways: the ``learnomy_payment_gateways`` seam and the built-in three.

A gateway is an object with ``id``, ``title``, ``description``, ``supports``
(``one_time``, ``subscriptions``, ``refunds``) and these methods:

- ``configured(request) -> bool``: listed and usable only when True;
- ``begin(request, order, lines) -> (payment_url, reference)``: start paying a
  pending order (may call out to the payment provider);
- ``refund(request, order, amount)``: pay ``amount`` back through the provider;
- ``set_cancel_at_period_end(request, subscription, cancel)``: tell the provider.

Built in: ``free`` (zero totals, completed at once), ``manual`` (bank transfer or
cash: an administrator completes the order) and ``stripe`` (Stripe Checkout, see
:mod:`.stripe_gateway`).
"""

from __future__ import annotations

from typing import Any, Optional

from learnomy_core.openapi import route_schema
from learnomy_core import PUBLIC, READABLE, RestRequest

from learnomy_core.openapi.schemas import STR, array_of

from .common import NAMESPACE, payments


class Gateway:
    """The base of a gateway: override what differs."""

    id = ""
    title = ""
    description = ""
    supports: tuple[str, ...] = ("one_time",)

    def configured(self, request: RestRequest) -> bool:
        return True

    def begin(self, request: RestRequest, order: Any, lines: list[Any]) -> tuple[Optional[str], Optional[str]]:
        return None, None

    def refund(self, request: RestRequest, order: Any, amount: int) -> None:
        """Nothing to call: the money goes back outside the API (manual)."""

    def set_cancel_at_period_end(self, request: RestRequest, subscription: Any, cancel: bool) -> None:
        """Nothing to tell: renewals are made by hand (manual)."""

    def resource(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "description": self.description, "supports": list(self.supports)}


class FreeGateway(Gateway):
    id, title = "free", "Free"
    description = "Orders with nothing to pay complete at once."
    supports = ("one_time", "subscriptions")


class ManualGateway(Gateway):
    id, title = "manual", "Bank transfer or cash"
    supports = ("one_time", "subscriptions", "refunds")

    @property
    def description(self) -> str:  # type: ignore[override]
        return "Pay by bank transfer or in cash; an administrator completes the order once paid."

    def configured(self, request: RestRequest) -> bool:
        return bool(payments(request)["manual"].get("enabled", True))


def all_gateways(request: RestRequest) -> dict[str, Gateway]:
    """Every gateway plugins offer, by id (the first plugin to name an id wins)."""
    found: dict[str, Gateway] = {}
    for offered in request.app.plugins.hook.learnomy_payment_gateways():
        for gateway in offered or []:
            found.setdefault(gateway.id, gateway)
    return found


def enabled_gateways(request: RestRequest) -> dict[str, Gateway]:
    """The configured gateways, by id."""
    return {key: g for key, g in all_gateways(request).items() if g.configured(request)}


def gateway_of(request: RestRequest, gateway_id: str) -> Optional[Gateway]:
    return all_gateways(request).get(gateway_id)


def builtin_gateways() -> list[Gateway]:
    from .stripe_gateway import StripeGateway

    return [FreeGateway(), ManualGateway(), StripeGateway()]


def list_gateways(request: RestRequest) -> Any:
    return [g.resource() for key, g in enabled_gateways(request).items() if key != "free"]


GATEWAY_SCHEMA = route_schema("payment-gateway", {
    "id": STR, "title": STR, "description": STR, "supports": array_of(STR)})


def register_routes(registry: Any) -> None:
    from .stripe_gateway import register_routes as stripe_routes

    registry.register_rest_route(NAMESPACE, "/payment-gateways", {
        "methods": READABLE, "callback": list_gateways, "permission_callback": PUBLIC, "args": {},
        "answers": "items"}, schema=GATEWAY_SCHEMA)
    stripe_routes(registry)
