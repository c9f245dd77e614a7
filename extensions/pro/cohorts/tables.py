"""The cohorts' tables (made by the revision ``pro_cohorts_0001``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core import RestRequest
from learnomy_core.storage import ID, TEXT_TABLE

NAMES = ("pro_cohorts", "pro_cohort_members", "pro_cohort_schedule")


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    """Cohorts, their members and their schedules."""
    def table(name: str, *columns: Any) -> sa.Table:
        return sa.Table(f"{prefix}lrn_{name}", metadata, *columns, **TEXT_TABLE)

    cohorts = table(
        "pro_cohorts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("max_members", sa.Integer, nullable=False),  # 0: no limit
        # Taken by a guarded UPDATE (member_count < max_members), so two editors
        # adding the last seat's member at once cannot both succeed.
        sa.Column("member_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    sa.Index(f"{cohorts.name}_course", cohorts.c.course_id, cohorts.c.id)
    members = table(
        "pro_cohort_members",
        sa.Column("cohort_id", ID, primary_key=True, autoincrement=False),
        sa.Column("user_id", ID, primary_key=True, autoincrement=False),
        sa.Column("course_id", ID, nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
        # A student belongs to one cohort of a course at most: one schedule applies.
        sa.UniqueConstraint("course_id", "user_id", name=f"{prefix}lrn_pro_cohort_members_course_user"),
    )
    sa.Index(f"{members.name}_user", members.c.user_id, members.c.cohort_id)  # a member's own cohorts
    table(
        "pro_cohort_schedule",
        sa.Column("cohort_id", ID, primary_key=True, autoincrement=False),
        sa.Column("section_id", ID, primary_key=True, autoincrement=False),
        sa.Column("unlocks_at", sa.DateTime, nullable=False),
    )


def tables(request: RestRequest) -> dict[str, sa.Table]:
    """``{"cohorts": ..., "members": ..., "schedule": ...}`` of the app."""
    found = request.app.tables
    return {"cohorts": found["lrn_pro_cohorts"], "members": found["lrn_pro_cohort_members"],
            "schedule": found["lrn_pro_cohort_schedule"]}
