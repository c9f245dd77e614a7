"""The communication area's tables (made by ``communication_0001``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    """Notifications, preferences, announcements, webhooks and their deliveries."""
    def table(name: str, *columns: Any) -> sa.Table:
        return sa.Table(f"{prefix}lrn_{name}", metadata, *columns, **TEXT_TABLE)

    notifications = table(
        "notifications",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("body", LONGTEXT, nullable=False),
        sa.Column("link", sa.String(255), nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("read_at", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    # A user's list, newest first; and the unread count, one index range.
    sa.Index(f"{notifications.name}_user_id", notifications.c.user_id, notifications.c.id)
    sa.Index(f"{notifications.name}_user_unread", notifications.c.user_id, notifications.c.read_at)
    table(
        "notification_prefs",
        sa.Column("user_id", ID, primary_key=True, autoincrement=False),
        sa.Column("event", sa.String(100), primary_key=True),
        sa.Column("in_app", sa.Boolean, nullable=False),
        sa.Column("email", sa.Boolean, nullable=False),
    )
    announcements = table(
        "announcements",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("content", LONGTEXT, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    sa.Index(f"{announcements.name}_course", announcements.c.course_id, announcements.c.created_at,
             announcements.c.id)
    table(
        "webhooks",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("description", sa.String(1000), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("disabled_reason", sa.String(255), nullable=True),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("failing_since", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    deliveries = table(
        "webhook_deliveries",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("webhook_id", ID, nullable=False),
        sa.Column("event", sa.String(100), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("body", LONGTEXT, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("response_excerpt", sa.Text, nullable=True),
        sa.Column("duration_ms", sa.Integer, nullable=True),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=True),
    )
    sa.Index(f"{deliveries.name}_webhook", deliveries.c.webhook_id, deliveries.c.id)
    # The people a delivery's payload is about (an index of its body): a deleted
    # account's deliveries are found by its id, whatever the outbox holds.
    people = table(
        "webhook_delivery_people",
        sa.Column("user_id", ID, primary_key=True, autoincrement=False),
        sa.Column("delivery_id", ID, primary_key=True, autoincrement=False),
    )
    sa.Index(f"{people.name}_delivery", people.c.delivery_id)
    attempts = table(
        "webhook_attempts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("response_excerpt", sa.Text, nullable=True),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    sa.Index(f"{attempts.name}_delivery", attempts.c.delivery_id, attempts.c.id)
