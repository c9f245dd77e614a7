"""Free: quizzes, questions, question versions and attempts.

Creates the tables as ``controllers/assessment.py`` declares them at this
revision; later changes come with new revisions.

Revision ID: free_0006
Revises: free_0005
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import context, op

revision = "free_0006"
down_revision = "free_0005"
branch_labels = None
depends_on = None

NAMES = ("quizzes", "questions", "question_versions", "attempts")


def _tables() -> list:
    from learnomy.controllers.assessment import assessment_tables

    prefix = context.config.attributes["table_prefix"]
    metadata = sa.MetaData()
    assessment_tables(metadata, prefix)
    return [metadata.tables[f"{prefix}lrn_{name}"] for name in NAMES]


def upgrade() -> None:
    for table in _tables():
        table.create(op.get_bind())


def downgrade() -> None:
    for table in reversed(_tables()):
        table.drop(op.get_bind())
