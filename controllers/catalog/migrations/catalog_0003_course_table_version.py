"""Catalog: the courses' table version, for the course list's cheap validator.

The list answers its ``total``, so its validator must change whenever the number
of courses it counts may: a course added or removed, or its status changed
(``learnomy_core.migrations.count_changes``). Reading that version replaces
counting the published courses in every revalidation.

Revision ID: catalog_0003
Revises: catalog_0002
Create Date: 2026-11-27
"""
from learnomy_core.migrations import count_changes, drop_change_counting

revision = "catalog_0003"
down_revision = "catalog_0002"
branch_labels = None
depends_on = ("core_0009_table_versions",)


def upgrade() -> None:
    count_changes("lrn_courses", ["status"])


def downgrade() -> None:
    drop_change_counting("lrn_courses")
