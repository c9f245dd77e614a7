"""Pro drip rules: one row per rule on a section, lesson or quiz.

Revision ID: pro_drip_0001
Revises:
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

from learnomy_core.migrations import table
from learnomy_core.storage import ID, TEXT_TABLE

revision = "pro_drip_0001"
down_revision = None
branch_labels = ("pro_drip",)
depends_on = ("catalog_0001", "assessment_0001")


def upgrade() -> None:
    rules = table("lrn_pro_drip_rules")
    op.create_table(
        rules,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("target_type", sa.String(20), nullable=False),
        sa.Column("target_id", ID, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        **TEXT_TABLE,
    )
    op.create_index(f"{rules}_course", rules, ["course_id", "id"])


def downgrade() -> None:
    op.drop_table(table("lrn_pro_drip_rules"))
