"""Core: API keys (API.md section 12; learnomy_core.identity.api_keys).

Only a SHA-256 of each key is stored, beside its first characters (``prefix``),
which find the row and name the key in lists.

Revision ID: core_0008_api_keys
Revises: core_0007_sessions
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table
from learnomy_core.storage import ID, TEXT_TABLE

revision = "core_0008_api_keys"
down_revision = "core_0007_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    keys = table("lrn_api_keys")
    op.create_table(
        keys,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.String(32), nullable=False),
        sa.Column("created_by", ID, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=True),
        sa.Column("last_used_at", sa.DateTime, nullable=True),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
        **TEXT_TABLE,
    )
    op.create_index(f"{keys}_prefix", keys, ["prefix"])
    op.create_index(f"{keys}_user_id", keys, ["user_id"])


def downgrade() -> None:
    op.drop_table(table("lrn_api_keys"))
