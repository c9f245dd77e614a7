"""Free: course reviews.

Creates the table as ``controllers/reviews.py`` declares it at this revision;
later changes come with new revisions.

Revision ID: free_0004
Revises: free_0003
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import context, op

revision = "free_0004"
down_revision = "free_0003"
branch_labels = None
depends_on = None


def _table() -> sa.Table:
    from learnomy.controllers.reviews import review_table

    return review_table(sa.MetaData(), context.config.attributes["table_prefix"])


def upgrade() -> None:
    _table().create(op.get_bind())


def downgrade() -> None:
    _table().drop(op.get_bind())
