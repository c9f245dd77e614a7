"""Free: quizzes, questions, question versions and attempts.

Creates the tables declared below: a frozen copy of what ``controllers/assessment.py``
declared at this revision. Later changes come with new revisions; this one is
never edited.

Revision ID: free_0006
Revises: free_0005
Create Date: 2026-11-26
"""

import sqlalchemy as sa

from learnomy_core.migrations import create_tables, declared_tables, drop_tables
from learnomy_core.storage import ID, TEXT_TABLE

revision = "free_0006"
down_revision = "free_0005"
branch_labels = None
depends_on = None

NAMES = ("quizzes", "questions", "question_versions", "attempts")


def _declare(metadata: sa.MetaData, prefix: str) -> None:
    """The tables exactly as this revision creates them (a frozen copy)."""
    sa.Table(
        f"{prefix}lrn_quizzes", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("section_id", ID, nullable=False, index=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("time_limit_minutes", sa.Integer, nullable=False),
        sa.Column("passing_grade", sa.Integer, nullable=False),
        sa.Column("attempts_allowed", sa.Integer, nullable=False),
        sa.Column("randomize_questions", sa.Boolean, nullable=False),
        sa.Column("randomize_answers", sa.Boolean, nullable=False),
        sa.Column("questions_per_attempt", sa.Integer, nullable=False),
        sa.Column("feedback_mode", sa.String(30), nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_questions", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("quiz_id", ID, nullable=False, index=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),  # title, description, points, options, answer, explanation, settings
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_question_versions", metadata,
        sa.Column("question_id", ID, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_attempts", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("quiz_id", ID, nullable=False, index=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("deadline_at", sa.DateTime, nullable=True),
        sa.Column("submitted_at", sa.DateTime, nullable=True),
        sa.Column("questions", sa.JSON, nullable=False),  # [{id, version, option_order}]
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("grades", sa.JSON, nullable=False),  # {question id: {points, fraction, status, feedback}}
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("max_score", sa.Float, nullable=True),
        sa.Column("percent", sa.Float, nullable=True),
        sa.Column("passed", sa.Boolean, nullable=True),
        # user:quiz while in progress, NULL after: one attempt in progress at a time.
        sa.Column("in_progress_key", sa.String(64), nullable=True, unique=True),
        **TEXT_TABLE,
    )


def _tables() -> list:
    return declared_tables(_declare, NAMES)


def upgrade() -> None:
    create_tables(_tables())


def downgrade() -> None:
    drop_tables(_tables())
