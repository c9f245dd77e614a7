"""Core: ids are never reused on SQLite (options, users, usermeta, refresh tokens).

Tables created before this revision number a new row max(id) + 1, so the id of
a deleted newest row came back. Rebuilt with ``AUTOINCREMENT``; a no-op on
MySQL and MariaDB.

Revision ID: core_0004
Revises: core_0003_rate_buckets
Create Date: 2026-11-27
"""
from learnomy_core.migrations import rebuild_with_autoincrement, table

revision = "core_0004"
down_revision = "core_0003_rate_buckets"
branch_labels = None
depends_on = None

NAMES = ("options", "users", "usermeta", "lrn_refresh_tokens")


def upgrade() -> None:
    rebuild_with_autoincrement([table(name) for name in NAMES])


def downgrade() -> None:
    pass  # AUTOINCREMENT stays: ids handed out must not come back
