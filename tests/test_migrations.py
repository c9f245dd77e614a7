"""The migrations build exactly the tables the plugins declare: a declaration
changed without a migration (or the reverse) fails here."""

from __future__ import annotations

import sqlalchemy as sa

from learnomy_core import LearnomyApp


def test_every_declared_table_and_column_exists_after_upgrade(migrated: LearnomyApp) -> None:
    inspector = sa.inspect(migrated.storage.engine)
    present = set(inspector.get_table_names())
    for table in migrated.storage.metadata.sorted_tables:
        assert table.name in present, f"{table.name} is declared but no migration creates it"
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        assert columns == set(table.columns.keys()), f"{table.name}: migrated {sorted(columns)}"


def test_nothing_is_left_to_upgrade(migrated: LearnomyApp) -> None:
    assert migrated.storage.pending_revisions(migrated.migration_locations()) == set()
