"""Core: rate limits become token buckets, one row per bucket.

The fixed one-minute windows (a row per bucket and window) let twice the limit
through around a window boundary. A bucket now keeps the moment it is full
again; the counters are short-lived, so the table is replaced rather than
converted.

Revision ID: core_0003_rate_buckets
Revises: core_0002
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table

revision = "core_0003_rate_buckets"
down_revision = "core_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table(table("lrn_rate_limits"))
    op.create_table(
        table("lrn_rate_limits"),
        sa.Column("bucket", sa.String(64), primary_key=True),
        sa.Column("full_at", sa.BigInteger, nullable=False),
        sa.Column("refused", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table(table("lrn_rate_limits"))
    op.create_table(
        table("lrn_rate_limits"),
        sa.Column("bucket", sa.String(64), primary_key=True),
        sa.Column("window_start", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hits", sa.Integer, nullable=False, server_default="0"),
    )
