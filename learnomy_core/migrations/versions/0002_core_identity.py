"""Core: WordPress users and usermeta, token sessions, rate-limit counters.

Revision ID: core_0002
Revises: core_0001
Create Date: 2026-11-26
"""
from typing import Any

import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table
from learnomy_core.storage import ID, LONGTEXT

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None

_TEXT_TABLE: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_520_ci"}


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    users, usermeta = table("users"), table("usermeta")
    # Sharing a WordPress database: its user tables are already there.
    if users not in existing:
        op.create_table(
            users,
            sa.Column("ID", ID, primary_key=True, autoincrement=True),
            sa.Column("user_login", sa.String(60), nullable=False, server_default=""),
            sa.Column("user_pass", sa.String(255), nullable=False, server_default=""),
            sa.Column("user_nicename", sa.String(50), nullable=False, server_default=""),
            sa.Column("user_email", sa.String(100), nullable=False, server_default=""),
            sa.Column("user_url", sa.String(100), nullable=False, server_default=""),
            sa.Column("user_registered", sa.DateTime, nullable=False),
            sa.Column("user_activation_key", sa.String(255), nullable=False, server_default=""),
            sa.Column("user_status", sa.Integer, nullable=False, server_default="0"),
            sa.Column("display_name", sa.String(250), nullable=False, server_default=""),
            **_TEXT_TABLE,
        )
        op.create_index(f"{users}_user_login_key", users, ["user_login"])
        op.create_index(f"{users}_user_nicename", users, ["user_nicename"])
        op.create_index(f"{users}_user_email", users, ["user_email"])
    if usermeta not in existing:
        op.create_table(
            usermeta,
            sa.Column("umeta_id", ID, primary_key=True, autoincrement=True),
            sa.Column("user_id", ID, nullable=False, server_default="0"),
            sa.Column("meta_key", sa.String(255), nullable=True),
            sa.Column("meta_value", LONGTEXT, nullable=True),
            **_TEXT_TABLE,
        )
        op.create_index(f"{usermeta}_user_id", usermeta, ["user_id"])
        op.create_index(f"{usermeta}_meta_key", usermeta, [sa.text("meta_key(191)")] if op.get_bind().dialect.name in ("mysql", "mariadb") else ["meta_key"])
    op.create_table(
        table("lrn_auth_sessions"),
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_used_at", sa.DateTime, nullable=False),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
        sa.Column("ip", sa.String(45), nullable=False, server_default=""),
        sa.Column("user_agent", sa.String(255), nullable=False, server_default=""),
        **_TEXT_TABLE,
    )
    op.create_table(
        table("lrn_refresh_tokens"),
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(32), nullable=False, index=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("issued_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("used_at", sa.DateTime, nullable=True),
        **_TEXT_TABLE,
    )
    op.create_table(
        table("lrn_rate_limits"),
        sa.Column("bucket", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hits", sa.Integer, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    for name in ("lrn_rate_limits", "lrn_refresh_tokens", "lrn_auth_sessions"):
        op.drop_table(table(name))
