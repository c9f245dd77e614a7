"""Core: background jobs (learnomy_core.jobs).

Revision ID: core_0005_jobs
Revises: core_0004
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table
from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE

revision = "core_0005_jobs"
down_revision = "core_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    jobs = table("lrn_jobs")
    op.create_table(
        jobs,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("run_at", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime, nullable=True),
        sa.Column("locked_by", sa.String(32), nullable=True),
        sa.Column("last_error", LONGTEXT, nullable=True),
        sa.Column("dedupe_key", sa.String(191), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        **TEXT_TABLE,
    )
    op.create_index(f"{jobs}_due", jobs, ["status", "run_at"])
    op.create_index(f"{jobs}_dedupe", jobs, ["dedupe_key"], unique=True)


def downgrade() -> None:
    op.drop_table(table("lrn_jobs"))
