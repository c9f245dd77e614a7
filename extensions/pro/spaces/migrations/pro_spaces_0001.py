"""Pro spaces: spaces, their members, posts and comments (the start of its own branch).

Creates the tables declared below: a frozen copy of what
``extensions/pro/spaces/tables.py`` declared at this revision. Later changes come
with new revisions; this one is never edited.

Revision ID: pro_spaces_0001
Revises:
Create Date: 2026-11-27
"""

from typing import Any

import sqlalchemy as sa

from learnomy_core.migrations import create_tables, declared_tables, drop_tables
from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE

revision = "pro_spaces_0001"
down_revision = None
branch_labels = ("pro_spaces",)
# Course-linked spaces read the catalog's courses and enrollments.
depends_on = ("catalog_0001",)

NAMES = ("pro_spaces", "pro_space_members", "pro_posts", "pro_comments")


def _declare(metadata: sa.MetaData, prefix: str) -> None:
    """The tables exactly as this revision creates them (a frozen copy)."""
    def table(name: str, *columns: Any) -> sa.Table:
        return sa.Table(f"{prefix}lrn_{name}", metadata, *columns, **TEXT_TABLE)

    spaces = table(
        "pro_spaces",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", LONGTEXT, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("course_id", ID, nullable=True),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    sa.Index(f"{spaces.name}_course", spaces.c.course_id)
    members = table(
        "pro_space_members",
        sa.Column("space_id", ID, primary_key=True, autoincrement=False),
        sa.Column("user_id", ID, primary_key=True, autoincrement=False),
        sa.Column("added_by", ID, nullable=False),
        sa.Column("joined_at", sa.DateTime, nullable=False),
    )
    sa.Index(f"{members.name}_user", members.c.user_id, members.c.space_id)
    posts = table(
        "pro_posts",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("space_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("content", LONGTEXT, nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False),
        sa.Column("comment_count", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    sa.Index(f"{posts.name}_space", posts.c.space_id, posts.c.pinned, posts.c.id)
    comments = table(
        "pro_comments",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("post_id", ID, nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("content", LONGTEXT, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    sa.Index(f"{comments.name}_post", comments.c.post_id, comments.c.id)


def upgrade() -> None:
    create_tables(declared_tables(_declare, NAMES))


def downgrade() -> None:
    drop_tables(declared_tables(_declare, NAMES))
