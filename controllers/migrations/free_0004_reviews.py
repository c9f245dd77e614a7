"""Free: course reviews.

Creates the tables declared below: a frozen copy of what ``controllers/reviews.py``
declared at this revision. Later changes come with new revisions; this one is
never edited.

Revision ID: free_0004
Revises: free_0003
Create Date: 2026-11-26
"""

import sqlalchemy as sa

from learnomy_core.migrations import create_tables, declared_tables, drop_tables
from learnomy_core.storage import ID, TEXT_TABLE

revision = "free_0004"
down_revision = "free_0003"
branch_labels = None
depends_on = None


def _declare(metadata: sa.MetaData, prefix: str) -> sa.Table:
    """The tables exactly as this revision creates them (a frozen copy)."""
    return sa.Table(
        f"{prefix}lrn_reviews", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("course_id", "user_id", name=f"{prefix}lrn_reviews_one_per_student"),
        **TEXT_TABLE,
    )


def _tables() -> list:
    return declared_tables(_declare, ["reviews"])


def upgrade() -> None:
    create_tables(_tables())


def downgrade() -> None:
    drop_tables(_tables())
