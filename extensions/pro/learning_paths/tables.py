"""The learning paths' tables (made by the revision ``pro_learning_paths_0001``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core import RestRequest
from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE

NAMES = ("pro_learning_paths", "pro_learning_path_steps", "pro_learning_path_enrollments")


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    """Paths, their ordered steps, and who follows them."""
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


def tables(request: RestRequest) -> dict[str, sa.Table]:
    """``{"paths": ..., "steps": ..., "enrollments": ...}`` of the app."""
    found = request.app.tables
    return {"paths": found["lrn_pro_learning_paths"], "steps": found["lrn_pro_learning_path_steps"],
            "enrollments": found["lrn_pro_learning_path_enrollments"]}
