"""Core: WordPress's options table.

Revision ID: core_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table
from learnomy_core.storage import ID, LONGTEXT

revision = "core_0001"
down_revision = None
branch_labels = ("learnomy_core",)
depends_on = None


def upgrade() -> None:
    name = table("options")
    inspector = sa.inspect(op.get_bind())
    # Sharing a WordPress database: its options table is already there.
    if inspector.has_table(name):
        return
    op.create_table(
        name,
        sa.Column("option_id", ID, primary_key=True, autoincrement=True),
        sa.Column("option_name", sa.String(191), nullable=False, server_default=""),
        sa.Column("option_value", LONGTEXT, nullable=False),
        sa.Column("autoload", sa.String(20), nullable=False, server_default="yes"),
        sa.UniqueConstraint("option_name", name="option_name"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_520_ci",
    )
    op.create_index(f"{name}_autoload", name, ["autoload"])


def downgrade() -> None:
    op.drop_table(table("options"))
