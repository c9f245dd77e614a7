"""The commerce tables: plans, subscriptions, orders, coupons, earnings, withdrawals.

Money columns hold integers in minor units beside a ``currency``. The migration
``commerce_0001`` creates these tables as declared here.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE

NAMES = ("membership_plans", "subscriptions", "orders", "coupons", "coupon_redemptions", "earnings",
         "withdrawals", "withdrawal_methods", "stripe_events", "refunds")


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    """Declare every commerce table."""
    def table(name: str, *columns: Any) -> sa.Table:
        return sa.Table(f"{prefix}lrn_{name}", metadata, *columns, **TEXT_TABLE)

    table(
        "membership_plans",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(191), nullable=False, unique=True),
        sa.Column("description", LONGTEXT, nullable=False),
        sa.Column("price", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("interval", sa.String(10), nullable=False),
        sa.Column("interval_count", sa.Integer, nullable=False),
        sa.Column("trial_days", sa.Integer, nullable=False),
        sa.Column("all_courses", sa.Boolean, nullable=False),
        sa.Column("course_ids", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    table(
        "subscriptions",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("plan_id", ID, nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("current_period_start", sa.DateTime, nullable=True),
        sa.Column("current_period_end", sa.DateTime, nullable=True),
        sa.Column("trial_ends_at", sa.DateTime, nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean, nullable=False),
        sa.Column("cancelled_at", sa.DateTime, nullable=True),
        sa.Column("gateway", sa.String(40), nullable=False),
        sa.Column("gateway_reference", sa.String(191), nullable=True, index=True),
        sa.Column("order_id", ID, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    table(
        "orders",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("subtotal", sa.BigInteger, nullable=False),
        sa.Column("discount", sa.BigInteger, nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("refunded_total", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("coupon_id", ID, nullable=True),
        sa.Column("coupon_code", sa.String(100), nullable=True),
        sa.Column("gateway", sa.String(40), nullable=False),
        sa.Column("gateway_reference", sa.String(191), nullable=True, index=True),
        sa.Column("gateway_payment", sa.String(191), nullable=True, index=True),
        sa.Column("payment_url", sa.String(2000), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("completed_at", sa.DateTime, nullable=True),
    )
    table(
        "coupons",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(100), nullable=False),
        # The code folded to lower case: the database keeps codes unique case-insensitively.
        sa.Column("code_key", sa.String(100), nullable=False, unique=True),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("course_ids", sa.JSON, nullable=False),
        sa.Column("plan_ids", sa.JSON, nullable=False),
        sa.Column("min_total", sa.BigInteger, nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=True),
        sa.Column("expires_at", sa.DateTime, nullable=True),
        sa.Column("usage_limit", sa.Integer, nullable=True),
        sa.Column("usage_limit_per_user", sa.Integer, nullable=True),
        sa.Column("used_count", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    table(
        "coupon_redemptions",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("coupon_id", ID, nullable=False, index=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    table(
        "earnings",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("instructor_id", ID, nullable=False, index=True),
        sa.Column("order_id", ID, nullable=False, index=True),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("gross", sa.BigInteger, nullable=False),
        sa.Column("platform_fee", sa.BigInteger, nullable=False),
        sa.Column("net", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        # "earned", or "reversal" (negative amounts written by a refund).
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("available_at", sa.DateTime, nullable=False),
    )
    table(
        "withdrawals",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("instructor_id", ID, nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("method", sa.JSON, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", LONGTEXT, nullable=False),
        # The instructor's id while pending, NULL after: one pending withdrawal each.
        sa.Column("pending_key", ID, nullable=True, unique=True),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("processed_at", sa.DateTime, nullable=True),
    )
    table(
        "withdrawal_methods",
        sa.Column("user_id", ID, primary_key=True, autoincrement=False),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    table(
        "stripe_events",
        sa.Column("id", sa.String(191), primary_key=True),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
    )
    # One row per refund, dated when it happened (commerce_0002): reports net
    # refunds in their own period, not in the order's.
    table(
        "refunds",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("order_id", ID, nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("reason", sa.String(2000), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    )
