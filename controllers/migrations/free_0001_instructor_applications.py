"""Free: instructor applications.

Revision ID: free_0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table
from learnomy_core.storage import ID

revision = "free_0001"
down_revision = None
branch_labels = ("learnomy_free",)
depends_on = "core_0002"


def upgrade() -> None:
    name = table("lrn_instructor_applications")
    op.create_table(
        name,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        # Holds the user id while pending, NULL after: one pending application per
        # user, guaranteed by the unique index rather than a check-then-insert.
        sa.Column("pending_user_id", ID, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("decided_by", ID, nullable=True),
        sa.UniqueConstraint("pending_user_id", name=f"{name}_one_pending"),
        mysql_charset="utf8mb4",
        mysql_collate="utf8mb4_unicode_520_ci",
    )


def downgrade() -> None:
    op.drop_table(table("lrn_instructor_applications"))
