"""Pro cohorts: the start of this extension's own branch: cohorts, members, schedules.

Creates the tables declared below: a frozen copy of what
``extensions/pro/cohorts/tables.py`` declared at this revision. Later changes come
with new revisions; this one is never edited.

Revision ID: pro_cohorts_0001
Revises:
Create Date: 2026-11-27
"""

from typing import Any

import sqlalchemy as sa

from learnomy_core.migrations import create_tables, declared_tables, drop_tables
from learnomy_core.storage import ID, TEXT_TABLE

revision = "pro_cohorts_0001"
down_revision = None
branch_labels = ("pro_cohorts",)
# The courses, sections and enrollments it refers to.
depends_on = ("catalog_0001", "learning_0001")

NAMES = ("pro_cohorts", "pro_cohort_members", "pro_cohort_schedule")


def _declare(metadata: sa.MetaData, prefix: str) -> None:
    """The tables exactly as this revision creates them (a frozen copy)."""
    def table(name: str, *columns: Any) -> sa.Table:
        return sa.Table(f"{prefix}lrn_{name}", metadata, *columns, **TEXT_TABLE)

    cohorts = table(
        "pro_cohorts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("max_members", sa.Integer, nullable=False),
        sa.Column("member_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    sa.Index(f"{cohorts.name}_course", cohorts.c.course_id, cohorts.c.id)
    table(
        "pro_cohort_members",
        sa.Column("cohort_id", ID, primary_key=True, autoincrement=False),
        sa.Column("user_id", ID, primary_key=True, autoincrement=False),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("course_id", "user_id", name=f"{prefix}lrn_pro_cohort_members_course_user"),
    )
    table(
        "pro_cohort_schedule",
        sa.Column("cohort_id", ID, primary_key=True, autoincrement=False),
        sa.Column("section_id", ID, primary_key=True, autoincrement=False),
        sa.Column("unlocks_at", sa.DateTime, nullable=False),
    )


def upgrade() -> None:
    create_tables(declared_tables(_declare, NAMES))


def downgrade() -> None:
    drop_tables(declared_tables(_declare, NAMES))
