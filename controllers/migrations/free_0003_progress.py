"""Free: resume positions, the progress reset history and the offline sync log.

Creates the tables as ``controllers/progress.py`` declares them at this revision;
later changes come with new revisions.

Revision ID: free_0003
Revises: free_0002
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import context, op

revision = "free_0003"
down_revision = "free_0002"
branch_labels = None
depends_on = None

NAMES = ("positions", "progress_resets", "sync_log")


def _tables() -> list:
    from learnomy.controllers.progress import progress_tables

    prefix = context.config.attributes["table_prefix"]
    metadata = sa.MetaData()
    progress_tables(metadata, prefix)
    return [metadata.tables[f"{prefix}lrn_{name}"] for name in NAMES]


def upgrade() -> None:
    for table in _tables():
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(_tables()):
        table.drop(op.get_bind())
