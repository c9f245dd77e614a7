"""Core: stored answers of idempotent writes (API.md section 11, ``Idempotency-Key``).

Revision ID: core_0006_idempotency
Revises: core_0005_jobs
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table
from learnomy_core.storage import LONGTEXT, TEXT_TABLE

revision = "core_0006_idempotency"
down_revision = "core_0005_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        table("lrn_idempotency_keys"),
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("response_body", LONGTEXT, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        **TEXT_TABLE,
    )
    op.create_index(table("lrn_idempotency_created"), table("lrn_idempotency_keys"), ["created_at"])


def downgrade() -> None:
    op.drop_table(table("lrn_idempotency_keys"))
