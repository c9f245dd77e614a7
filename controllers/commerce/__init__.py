"""Commerce: membership plans and subscriptions, checkout and orders, coupons,
payment gateways (free, manual, Stripe), instructors' earnings and withdrawals.

Builds on the catalog (courses, enrollments) and learning (enrolling). It opens
courses priced ``membership`` to subscribers through the catalog's entitlement
hooks (``learnomy_course_entitlement``, ``learnomy_enrollment_lapsed``) and
offers its gateways through ``learnomy_payment_gateways`` like any plugin would.

Other packages import what they need from here (``__all__``), never from the
modules inside.
"""

from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import RestRequest, RouteRegistry, hookimpl

from .. import migration_folders
from . import coupons, earnings, gateways, orders, plans
from .common import settings_groups
from .gateways import Gateway
from .orders import complete_order, refund_order
from .tables import declare_tables

PLUGIN_NAME = "commerce"

__all__ = ["Gateway", "complete_order", "refund_order"]

EVENTS = {
    "order.created": "An order was placed (pending payment).",
    "order.completed": "An order was paid; what it bought is granted.",
    "order.refunded": "An order was refunded, fully or in part.",
    "subscription.created": "A subscription started.",
    "subscription.renewed": "A subscription was renewed for another period.",
    "subscription.cancelled": "A subscription was cancelled (at period end, or at once).",
    "subscription.expired": "A subscription ended.",
    "withdrawal.requested": "An instructor asked for a payout.",
    "withdrawal.approved": "A payout was approved.",
    "withdrawal.rejected": "A payout was rejected; the funds returned to the balance.",
    "coupon.redeemed": "A coupon was used by a completed order.",
}


@hookimpl
def learnomy_requires() -> list[str]:
    return ["catalog", "learning"]


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    declare_tables(metadata, prefix)


@hookimpl
def learnomy_migration_locations() -> list[str]:
    return migration_folders(__file__)


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    for module in (plans, orders, coupons, gateways, earnings):
        module.register_routes(registry)


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return settings_groups()


@hookimpl
def learnomy_payment_gateways() -> list[Gateway]:
    return gateways.builtin_gateways()


@hookimpl
def learnomy_course_entitlement(request: RestRequest, user_id: int, course: Any) -> Optional[str]:
    return "membership" if plans.membership_grants(request, user_id, course) else None


@hookimpl
def learnomy_enrollment_lapsed(request: RestRequest, enrollment: Any, course: Any) -> Optional[bool]:
    if enrollment.source != "membership":
        return None
    return not plans.membership_grants(request, int(enrollment.user_id), course)


@hookimpl
def learnomy_job_kinds() -> dict[str, Any]:
    return {plans.PERIOD_END_JOB: plans.period_end_job}


@hookimpl
def learnomy_webhook_events() -> list[dict[str, Any]]:
    return [{"event": name, "description": text, "plugin": PLUGIN_NAME} for name, text in EVENTS.items()]
