"""Free: quizzes, questions, question versions and attempts.

Creates the tables as ``controllers/assessment.py`` declares them at this
revision; later changes come with new revisions.

Revision ID: free_0006
Revises: free_0005
Create Date: 2026-11-26
"""
from learnomy_core.migrations import create_tables, declared_tables, drop_tables

revision = "free_0006"
down_revision = "free_0005"
branch_labels = None
depends_on = None

NAMES = ("quizzes", "questions", "question_versions", "attempts")


def _tables() -> list:
    from learnomy.controllers.assessment import assessment_tables

    return declared_tables(assessment_tables, NAMES)


def upgrade() -> None:
    create_tables(_tables())


def downgrade() -> None:
    drop_tables(_tables())
