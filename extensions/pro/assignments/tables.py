"""The assignments extension's tables (made by ``pro_assignments_0001``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    """Assignments and their submissions (every attempt kept)."""
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
