"""Learning: a resume position saved or removed raises the version of the
student's enrollment (``catalog_0002``), which the progress view's validator reads.

Revision ID: learning_0002
Revises: learning_0001
Create Date: 2026-11-27
"""
from learnomy_core.migrations import bump_version_on, drop_version_triggers

revision = "learning_0002"
down_revision = "learning_0001"
branch_labels = None
depends_on = ("catalog_0002",)


def upgrade() -> None:
    bump_version_on("lrn_positions", "lrn_enrollments", "user_id = {row}.user_id AND course_id = {row}.course_id")


def downgrade() -> None:
    drop_version_triggers("lrn_positions")
