"""Communication: notifications and preferences, announcements, webhooks and deliveries.

Revision ID: communication_0001
Revises: free_0009
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table
from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE

revision = "communication_0001"
down_revision = "free_0009"
branch_labels = ("communication",)
depends_on = ("catalog_0001",)


def upgrade() -> None:
    notifications = table("lrn_notifications")
    op.create_table(
        notifications,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("body", LONGTEXT, nullable=False),
        sa.Column("link", sa.String(255), nullable=True),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("read_at", sa.DateTime, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        **TEXT_TABLE,
    )
    op.create_index(f"{notifications}_user_id", notifications, ["user_id", "id"])
    op.create_index(f"{notifications}_user_unread", notifications, ["user_id", "read_at"])
    op.create_table(
        table("lrn_notification_prefs"),
        sa.Column("user_id", ID, primary_key=True, autoincrement=False),
        sa.Column("event", sa.String(100), primary_key=True),
        sa.Column("in_app", sa.Boolean, nullable=False),
        sa.Column("email", sa.Boolean, nullable=False),
        **TEXT_TABLE,
    )
    announcements = table("lrn_announcements")
    op.create_table(
        announcements,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("content", LONGTEXT, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        **TEXT_TABLE,
    )
    op.create_index(f"{announcements}_course", announcements, ["course_id", "created_at", "id"])
    op.create_table(
        table("lrn_webhooks"),
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
        **TEXT_TABLE,
    )
    deliveries = table("lrn_webhook_deliveries")
    op.create_table(
        deliveries,
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
        **TEXT_TABLE,
    )
    op.create_index(f"{deliveries}_webhook", deliveries, ["webhook_id", "id"])
    attempts = table("lrn_webhook_attempts")
    op.create_table(
        attempts,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("response_excerpt", sa.Text, nullable=True),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("error", sa.String(1000), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        **TEXT_TABLE,
    )
    op.create_index(f"{attempts}_delivery", attempts, ["delivery_id", "id"])


def downgrade() -> None:
    for name in ("webhook_attempts", "webhook_deliveries", "webhooks", "announcements", "notification_prefs",
                 "notifications"):
        op.drop_table(table(f"lrn_{name}"))
