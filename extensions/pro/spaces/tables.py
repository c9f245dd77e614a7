"""The spaces extension's tables (made by ``pro_spaces_0001``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE

NAMES = ("pro_spaces", "pro_space_members", "pro_posts", "pro_comments")


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    """Spaces, their explicit members, posts and comments.

    A course-linked space has no member rows: its members are the course's
    students, read from the enrollments whenever asked.
    """
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
    # "Spaces I belong to": one index range per user.
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
    # A space's feed: pinned first, newest first.
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
