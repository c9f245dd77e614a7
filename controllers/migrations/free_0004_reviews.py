"""Free: course reviews.

Creates the table as ``controllers/reviews.py`` declares it at this revision;
later changes come with new revisions.

Revision ID: free_0004
Revises: free_0003
Create Date: 2026-11-26
"""
from learnomy_core.migrations import create_tables, declared_tables, drop_tables

revision = "free_0004"
down_revision = "free_0003"
branch_labels = None
depends_on = None


def _tables() -> list:
    from learnomy.controllers.reviews import review_table

    return declared_tables(review_table, ["reviews"])


def upgrade() -> None:
    create_tables(_tables())


def downgrade() -> None:
    drop_tables(_tables())
