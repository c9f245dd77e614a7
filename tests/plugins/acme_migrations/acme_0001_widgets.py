"""acme: widgets table.

Revision ID: acme_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table
from learnomy_core.storage import ID

revision = "acme_0001"
down_revision = None
branch_labels = ("acme",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        table("lrn_acme_widgets"),
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("color", sa.String(7), nullable=False),
        sa.Column("owner_id", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table(table("lrn_acme_widgets"))
