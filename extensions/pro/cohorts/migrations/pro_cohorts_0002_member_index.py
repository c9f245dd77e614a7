"""Pro cohorts: a member's own cohorts are found by an index.

``GET /me/cohorts`` lists the cohorts a student belongs to; the members' keys lead
with the cohort or the course, so this adds ``(user_id, cohort_id)``.

Revision ID: pro_cohorts_0002
Revises: pro_cohorts_0001
Create Date: 2026-11-27
"""
from alembic import op

from learnomy_core.migrations import table

revision = "pro_cohorts_0002"
down_revision = "pro_cohorts_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    members = table("lrn_pro_cohort_members")
    op.create_index(f"{members}_user", members, ["user_id", "cohort_id"])


def downgrade() -> None:
    members = table("lrn_pro_cohort_members")
    op.drop_index(f"{members}_user", table_name=members)
