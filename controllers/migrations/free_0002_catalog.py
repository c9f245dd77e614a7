"""Free: the catalog (courses, taxonomy, curriculum, enrollments, completions).

Creates the tables as ``controllers/catalog.py`` declares them at this revision,
with their indexes and unique keys. Any later change to those declarations comes
with a new revision that alters the tables; this one is never edited.

Revision ID: free_0002
Revises: free_0001
Create Date: 2026-11-26
"""
from learnomy_core.migrations import create_tables, declared_tables, drop_tables

revision = "free_0002"
down_revision = "free_0001"
branch_labels = None
depends_on = None

NAMES = (
    "courses", "course_instructors", "course_categories", "course_tags", "course_category_links",
    "course_tag_links", "course_prerequisites", "sections", "lessons", "topics", "enrollments",
    "completions",
)


def _tables() -> list:
    from learnomy.controllers.catalog import catalog_tables

    return declared_tables(catalog_tables, NAMES)


def upgrade() -> None:
    create_tables(_tables())


def downgrade() -> None:
    drop_tables(_tables())
