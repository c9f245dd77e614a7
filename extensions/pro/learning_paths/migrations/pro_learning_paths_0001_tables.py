"""Pro learning paths: the start of this extension's own branch: paths, steps, path enrollments.

Creates the tables declared below: a frozen copy of what
``extensions/pro/learning_paths/tables.py`` declared at this revision. Later
changes come with new revisions; this one is never edited.

Revision ID: pro_learning_paths_0001
Revises:
Create Date: 2026-11-27
"""

from typing import Any

import sqlalchemy as sa

from learnomy_core.migrations import create_tables, declared_tables, drop_tables
from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE

revision = "pro_learning_paths_0001"
down_revision = None
branch_labels = ("pro_learning_paths",)
# The courses and enrollments it refers to.
depends_on = ("catalog_0001", "learning_0001")

NAMES = ("pro_learning_paths", "pro_learning_path_steps", "pro_learning_path_enrollments")


def _declare(metadata: sa.MetaData, prefix: str) -> None:
    """The tables exactly as this revision creates them (a frozen copy)."""
    def table(name: str, *columns: Any) -> sa.Table:
        return sa.Table(f"{prefix}lrn_{name}", metadata, *columns, **TEXT_TABLE)

    paths = table(
        "pro_learning_paths",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("slug", sa.String(191), nullable=False, unique=True),
        sa.Column("description", LONGTEXT, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    # The public list: published paths, newest first.
    sa.Index(f"{paths.name}_status", paths.c.status, paths.c.id)
    steps = table(
        "pro_learning_path_steps",
        sa.Column("path_id", ID, primary_key=True, autoincrement=False),
        sa.Column("course_id", ID, primary_key=True, autoincrement=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("optional", sa.Boolean, nullable=False),
    )
    # A course's paths, when the course is completed or deleted.
    sa.Index(f"{steps.name}_course", steps.c.course_id)
    enrollments = table(
        "pro_learning_path_enrollments",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("path_id", ID, nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("enrolled_at", sa.DateTime, nullable=False),
        sa.Column("completed_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("path_id", "user_id", name=f"{prefix}lrn_pro_learning_path_enrollments_path_user"),
    )
    sa.Index(f"{enrollments.name}_user", enrollments.c.user_id)


def upgrade() -> None:
    create_tables(declared_tables(_declare, NAMES))


def downgrade() -> None:
    drop_tables(declared_tables(_declare, NAMES))
