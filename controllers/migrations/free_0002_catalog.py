"""Free: the catalog (courses, taxonomy, curriculum, enrollments, completions).

Creates the tables as ``controllers/catalog.py`` declares them at this revision,
with their indexes and unique keys. Any later change to those declarations comes
with a new revision that alters the tables; this one is never edited.

Revision ID: free_0002
Revises: free_0001
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import context, op

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

    prefix = context.config.attributes["table_prefix"]
    metadata = sa.MetaData()
    catalog_tables(metadata, prefix)
    return [metadata.tables[f"{prefix}lrn_{name}"] for name in NAMES]


def upgrade() -> None:
    bind = op.get_bind()
    for table in _tables():
        table.create(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for table in reversed(_tables()):
        table.drop(bind)
