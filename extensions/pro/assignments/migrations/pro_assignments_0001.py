"""Pro assignments: assignments and their submissions (the start of its own branch).

Creates the tables declared below: a frozen copy of what
``extensions/pro/assignments/tables.py`` declared at this revision. Later changes
come with new revisions; this one is never edited.

Revision ID: pro_assignments_0001
Revises:
Create Date: 2026-11-27
"""

from typing import Any

import sqlalchemy as sa

from learnomy_core.migrations import create_tables, declared_tables, drop_tables
from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE

revision = "pro_assignments_0001"
down_revision = None
branch_labels = ("pro_assignments",)
# Assignments belong to the catalog's sections; completions are the learning area's.
depends_on = ("catalog_0001", "learning_0001")

NAMES = ("pro_assignments", "pro_submissions")


def _declare(metadata: sa.MetaData, prefix: str) -> None:
    """The tables exactly as this revision creates them (a frozen copy)."""
    def table(name: str, *columns: Any) -> sa.Table:
        return sa.Table(f"{prefix}lrn_{name}", metadata, *columns, **TEXT_TABLE)

    assignments = table(
        "pro_assignments",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("section_id", ID, nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("instructions", LONGTEXT, nullable=False),
        sa.Column("due_at", sa.DateTime, nullable=True),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("passing_points", sa.Integer, nullable=False),
        sa.Column("allowed_file_types", sa.JSON, nullable=False),
        sa.Column("max_files", sa.Integer, nullable=False),
        sa.Column("resubmissions_allowed", sa.Integer, nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    sa.Index(f"{assignments.name}_course", assignments.c.course_id, assignments.c.section_id)
    submissions = table(
        "pro_submissions",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("assignment_id", ID, nullable=False),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("content", LONGTEXT, nullable=False),
        sa.Column("file_urls", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("points", sa.Integer, nullable=True),
        sa.Column("feedback", LONGTEXT, nullable=True),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("graded_at", sa.DateTime, nullable=True),
        sa.Column("graded_by", ID, nullable=True),
        # One row per attempt: two submissions at once cannot both be attempt 2.
        sa.UniqueConstraint("assignment_id", "user_id", "attempt", name=f"{prefix}lrn_pro_submissions_attempt"),
    )
    sa.Index(f"{submissions.name}_assignment", submissions.c.assignment_id, submissions.c.id)


def upgrade() -> None:
    create_tables(declared_tables(_declare, NAMES))


def downgrade() -> None:
    drop_tables(declared_tables(_declare, NAMES))
