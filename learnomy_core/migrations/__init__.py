"""Alembic migrations of the core, and helpers for every plugin's revision files.

A plugin's revision names its tables through :func:`table` so the configured
prefix applies::

    from alembic import op
    from learnomy_core.migrations import table

    def upgrade():
        op.create_table(table("lrn_widgets"), ...)
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

import sqlalchemy as sa
from alembic import context, op

__all__ = ["table", "declared_tables", "create_tables", "drop_tables", "rebuild_with_autoincrement", "widen_text"]


def table(name: str) -> str:
    """``name`` with the configured table prefix (``wp_`` + ``options``)."""
    return context.config.attributes["table_prefix"] + name


def declared_tables(declare: Callable[[sa.MetaData, str], Any], names: Iterable[str]) -> list[sa.Table]:
    """The tables ``declare(metadata, prefix)`` defines, by unprefixed ``lrn_`` name.

    For revisions that create a plugin's tables as its module declares them.
    """
    prefix = context.config.attributes["table_prefix"]
    metadata = sa.MetaData()
    declare(metadata, prefix)
    return [metadata.tables[f"{prefix}lrn_{name}"] for name in names]


def create_tables(tables: list[sa.Table]) -> None:
    """Create ``tables`` in order, with their indexes and unique keys."""
    for table in tables:
        table.create(op.get_bind())


def drop_tables(tables: list[sa.Table]) -> None:
    """Drop ``tables`` in reverse order."""
    for table in reversed(tables):
        table.drop(op.get_bind())


def rebuild_with_autoincrement(names: Iterable[str]) -> None:
    """On SQLite, rebuild each named table (prefix included) whose id may be reused.

    Tables made before :func:`learnomy_core.storage.never_reuse_ids` lack
    ``AUTOINCREMENT``, which SQLite cannot add in place: the table is copied
    into a new one that has it (rows, indexes and unique keys kept). A table that
    already has it, or does not exist, is left alone; MySQL and MariaDB need
    nothing (their counters never go back).
    """
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    for name in names:
        created_as = bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
                                  {"name": name}).scalar()
        if created_as is None or "AUTOINCREMENT" in created_as.upper():
            continue
        with op.batch_alter_table(name, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass


def widen_text(columns: dict[str, dict[str, bool]]) -> None:
    """On MySQL and MariaDB, make ``TEXT`` columns ``LONGTEXT`` (``{table: {column: nullable}}``).

    ``TEXT`` holds 65,535 bytes there, less than the args of several routes allow
    (a lesson's content, 500,000 characters): a valid request failed with "Data
    too long". SQLite's ``TEXT`` has no such limit, so nothing changes there.
    Table names are unprefixed (``lrn_lessons``).
    """
    from learnomy_core.storage import LONGTEXT

    if op.get_bind().dialect.name not in ("mysql", "mariadb"):
        return
    for name, wanted in columns.items():
        for column, nullable in wanted.items():
            op.alter_column(table(name), column, type_=LONGTEXT, existing_type=sa.Text(),
                            existing_nullable=nullable)
