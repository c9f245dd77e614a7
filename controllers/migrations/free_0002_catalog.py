"""Free: the catalog (courses, taxonomy, curriculum, enrollments, completions).

Creates the tables declared below, with their indexes and unique keys: a frozen
copy of what ``controllers/catalog.py`` declared at this revision. Later changes
come with new revisions; this one is never edited.

Revision ID: free_0002
Revises: free_0001
Create Date: 2026-11-26
"""
from typing import Any

import sqlalchemy as sa

from learnomy_core.migrations import create_tables, declared_tables, drop_tables
from learnomy_core.storage import ID, TEXT_TABLE

revision = "free_0002"
down_revision = "free_0001"
branch_labels = None
depends_on = None

NAMES = (
    "courses", "course_instructors", "course_categories", "course_tags", "course_category_links",
    "course_tag_links", "course_prerequisites", "sections", "lessons", "topics", "enrollments",
    "completions",
)


def _declare(metadata: sa.MetaData, prefix: str) -> None:
    """The tables exactly as this revision creates them (a frozen copy)."""
    def table(name: str, *columns: Any) -> sa.Table:
        return sa.Table(f"{prefix}lrn_{name}", metadata, *columns, **TEXT_TABLE)

    table(
        "courses",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("slug", sa.String(191), nullable=False, unique=True),
        sa.Column("excerpt", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("language", sa.String(20), nullable=False),
        sa.Column("price_type", sa.String(20), nullable=False),
        sa.Column("price", sa.Integer, nullable=False),
        sa.Column("sale_price", sa.Integer, nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("thumbnail_url", sa.String(500), nullable=False),
        sa.Column("requirements", sa.JSON, nullable=False),
        sa.Column("outcomes", sa.JSON, nullable=False),
        sa.Column("max_students", sa.Integer, nullable=False),
        sa.Column("access_days", sa.Integer, nullable=False),
        sa.Column("drip_mode", sa.String(20), nullable=False),
        sa.Column("certificate_template_id", ID, nullable=True),
        sa.Column("student_count", sa.Integer, nullable=False),
        sa.Column("rating_count", sa.Integer, nullable=False),
        sa.Column("rating_sum", sa.Integer, nullable=False),
        sa.Column("rating_average", sa.Integer, nullable=False),  # hundredths, for keyset order
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("published_at", sa.DateTime, nullable=True),
    )
    table(
        "course_instructors",
        sa.Column("course_id", ID, primary_key=True),
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("added_at", sa.DateTime, nullable=False),
    )
    table(
        "course_categories",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(191), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("parent_id", ID, nullable=True),
    )
    table(
        "course_tags",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(191), nullable=False, unique=True),
    )
    for name, column in (("course_category_links", "category_id"), ("course_tag_links", "tag_id"),
                         ("course_prerequisites", "prerequisite_id")):
        table(
            name,
            sa.Column("course_id", ID, primary_key=True),
            sa.Column(column, ID, primary_key=True),
        )
    table(
        "sections",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    table(
        "lessons",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("section_id", ID, nullable=False, index=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("slug", sa.String(191), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("excerpt", sa.Text, nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("video", sa.JSON, nullable=True),
        sa.Column("attachments", sa.JSON, nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("is_preview", sa.Boolean, nullable=False),
        sa.Column("drip_days", sa.Integer, nullable=False),
        sa.Column("available_at", sa.DateTime, nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    table(
        "topics",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("lesson_id", ID, nullable=False, index=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    table(
        "enrollments",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("enrolled_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=True),
        sa.Column("completed_at", sa.DateTime, nullable=True),
        sa.Column("progress_percent", sa.Integer, nullable=False),
        sa.Column("live_key", sa.String(64), nullable=True, unique=True),
    )
    table(
        "completions",
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("item_type", sa.String(20), primary_key=True),
        sa.Column("item_id", ID, primary_key=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("completed_at", sa.DateTime, nullable=False),
    )


def _tables() -> list:
    return declared_tables(_declare, NAMES)


def upgrade() -> None:
    create_tables(_tables())


def downgrade() -> None:
    drop_tables(_tables())
