"""Free: resume positions, the progress reset history and the offline sync log.

Creates the tables as ``controllers/progress.py`` declares them at this revision;
later changes come with new revisions.

Revision ID: free_0003
Revises: free_0002
Create Date: 2026-11-26
"""
from learnomy_core.migrations import create_tables, declared_tables, drop_tables

revision = "free_0003"
down_revision = "free_0002"
branch_labels = None
depends_on = None

NAMES = ("positions", "progress_resets", "sync_log")


def _tables() -> list:
    from learnomy.controllers.progress import progress_tables

    return declared_tables(progress_tables, NAMES)


def upgrade() -> None:
    create_tables(_tables())


def downgrade() -> None:
    drop_tables(_tables())
