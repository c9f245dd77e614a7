"""Free: resume positions, the progress reset history and the offline sync log.

Creates the tables declared below: a frozen copy of what ``controllers/progress.py``
declared at this revision. Later changes come with new revisions; this one is
never edited.

Revision ID: free_0003
Revises: free_0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa

from learnomy_core.migrations import create_tables, declared_tables, drop_tables
from learnomy_core.storage import ID, TEXT_TABLE

revision = "free_0003"
down_revision = "free_0002"
branch_labels = None
depends_on = None

NAMES = ("positions", "progress_resets", "sync_log")


def _declare(metadata: sa.MetaData, prefix: str) -> None:
    """The tables exactly as this revision creates them (a frozen copy)."""
    sa.Table(
        f"{prefix}lrn_positions", metadata,
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("lesson_id", ID, primary_key=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("position", sa.Float, nullable=False),
        sa.Column("percent", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        # When the client says the position was reached (offline sync: latest wins).
        sa.Column("occurred_at", sa.DateTime, nullable=True),
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_sync_log", metadata,
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("client_id", sa.String(36), primary_key=True),
        sa.Column("outcome", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_progress_resets", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("reset_by", ID, nullable=False),
        sa.Column("reset_at", sa.DateTime, nullable=False),
        sa.Column("completed_items", sa.JSON, nullable=False),
        sa.Column("previous_status", sa.String(20), nullable=False),
        sa.Column("previous_percent", sa.Integer, nullable=False),
        **TEXT_TABLE,
    )


def _tables() -> list:
    return declared_tables(_declare, NAMES)


def upgrade() -> None:
    create_tables(_tables())


def downgrade() -> None:
    drop_tables(_tables())
