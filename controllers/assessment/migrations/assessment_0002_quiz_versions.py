"""Assessment: a quiz added, changed or removed raises its course's version
(``catalog_0002``): a required graded quiz counts among the course's required
items, which the progress view shows.

Revision ID: assessment_0002
Revises: assessment_0001
Create Date: 2026-11-27
"""
from learnomy_core.migrations import bump_version_on, drop_version_triggers

revision = "assessment_0002"
down_revision = "assessment_0001"
branch_labels = None
depends_on = ("catalog_0002",)


def upgrade() -> None:
    bump_version_on("lrn_quizzes", "lrn_courses", "id = {row}.course_id")


def downgrade() -> None:
    drop_version_triggers("lrn_quizzes")
