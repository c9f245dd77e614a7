"""Core: table versions (``learnomy_core.table_versions``).

A row per watched table whose version triggers raise when the table's rows may
change as a list counts them; a list's validator reads it instead of counting.
Plugins watch their tables with ``learnomy_core.migrations.count_changes``.

Revision ID: core_0009_table_versions
Revises: core_0008_api_keys
Create Date: 2026-11-27
"""
from learnomy_core.migrations import create_tables, declared_tables, drop_tables
from learnomy_core.table_versions import table_versions_table

revision = "core_0009_table_versions"
down_revision = "core_0008_api_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_tables(declared_tables(table_versions_table, ["table_versions"]))


def downgrade() -> None:
    drop_tables(declared_tables(table_versions_table, ["table_versions"]))
