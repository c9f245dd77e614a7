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

__all__ = ["table", "declared_tables", "create_tables", "drop_tables"]


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
