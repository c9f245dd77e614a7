"""Table versions: one number per watched table that rises whenever the table's
set of rows may change as a list counts them (a row added or removed, a watched
column changed), kept by triggers (:func:`learnomy_core.migrations.count_changes`).

A list's validator must cover the list's total (see ``validator`` in
``docs/plugins.md``); counting the rows costs what the list's page costs many
times over (10,000 published courses: a third of a millisecond on SQLite). When
the total can change only as the table version does, the validator reads the
version instead, one primary-key lookup.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

import sqlalchemy as sa

from .locks import lock_rows
from .storage import TEXT_TABLE

__all__ = ["table_versions_table", "table_version", "lock_table_version"]


def table_versions_table(metadata: sa.MetaData, prefix: str) -> sa.Table:
    """Declare ``{prefix}lrn_table_versions`` (made by ``core_0009_table_versions``):
    a row per watched table, by its unprefixed name (``lrn_courses``)."""
    return sa.Table(
        f"{prefix}lrn_table_versions", metadata,
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
        **TEXT_TABLE,
    )


def table_version(versions: sa.Table, name: str) -> Any:
    """The version of the watched table ``name`` (unprefixed) as a scalar subquery
    (NULL when nothing watches it), to read in the validator's own query.
    ``versions`` is ``request.app.tables["lrn_table_versions"]``."""
    return sa.select(versions.c.version).where(versions.c.name == name).scalar_subquery()


def lock_table_version(db: Connection, versions: sa.Table, name: str) -> None:
    """Take the watched table ``name``'s version row now, as a write of a watched
    row would later: for a transaction that deletes (or adds) many rows hanging on
    such a row before the row itself. Its triggers write the version row, one for
    the whole table: taken last, after locks on the ranges others insert into (on
    MySQL/MariaDB a deletion locks the gap after the rows it deletes), it closes a
    cycle with a creation, which writes the version row first (its row's insert),
    then inserts there."""
    lock_rows(db, sa.select(versions.c.name).where(versions.c.name == name))
