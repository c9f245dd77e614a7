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

__all__ = ["table", "declared_tables", "create_tables", "drop_tables", "rebuild_with_autoincrement", "widen_text",
           "add_version", "version_trigger", "bump_version_on", "drop_version_triggers",
           "count_changes", "drop_change_counting"]


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


def add_version(name: str) -> None:
    """Give table ``name`` (unprefixed) a ``version`` column that every UPDATE of a
    row raises by one, by a trigger: the row version cheap validators read (see
    ``validator`` in ``docs/plugins.md``). A trigger, not application code, so every
    writer keeps it: other plugins, WordPress's own PHP, an administrator's SQL.

    On SQLite a later migration that rebuilds the table (Alembic batch mode) drops
    its triggers: such a migration makes them again (:func:`version_trigger`,
    :func:`bump_version_on`).
    """
    op.add_column(table(name), sa.Column("version", sa.Integer, nullable=False, server_default="0"))
    version_trigger(name)


def version_trigger(name: str) -> None:
    """The trigger that raises ``version`` on every UPDATE of a row of ``name`` (unprefixed)."""
    full = table(name)
    if op.get_bind().dialect.name in ("mysql", "mariadb"):
        op.execute(f"CREATE TRIGGER {full}_v_self BEFORE UPDATE ON {full} FOR EACH ROW "
                   f"SET NEW.version = OLD.version + 1")
    else:
        # AFTER (SQLite cannot assign NEW); the WHEN stops the trigger's own update.
        op.execute(f"CREATE TRIGGER {full}_v_self AFTER UPDATE ON {full} FOR EACH ROW "
                   f"WHEN NEW.version = OLD.version BEGIN "
                   f"UPDATE {full} SET version = OLD.version + 1 WHERE rowid = NEW.rowid; END")


def bump_version_on(source: str, target: str, match: str, events: Iterable[str] = ("INSERT", "UPDATE", "DELETE")) -> None:
    """After each of ``events`` on table ``source``, raise ``target.version`` (both
    unprefixed) of the rows ``match`` names: an SQL condition on ``target``'s columns
    with ``{row}`` standing for the changed row (``"id = {row}.course_id"``). An
    UPDATE bumps the rows its old and its new values name.
    """
    src, dst = table(source), table(target)
    mysql = op.get_bind().dialect.name in ("mysql", "mariadb")
    for event in events:
        rows = {"INSERT": ["NEW"], "DELETE": ["OLD"], "UPDATE": ["OLD", "NEW"]}[event]
        where = " OR ".join(f"({match.format(row=row)})" for row in rows)
        statement = f"UPDATE {dst} SET version = version + 1 WHERE {where}"
        name = f"{src}_v_{event[:3].lower()}"
        if mysql:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {src} FOR EACH ROW {statement}")
        else:
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {src} FOR EACH ROW BEGIN {statement}; END")


def drop_version_triggers(source: str, events: Iterable[str] = ("INSERT", "UPDATE", "DELETE")) -> None:
    """Drop the triggers :func:`add_version` or :func:`bump_version_on` made on ``source``."""
    for suffix in [event[:3].lower() for event in events] + ["self"]:
        op.execute(f"DROP TRIGGER IF EXISTS {table(source)}_v_{suffix}")


def count_changes(source: str, columns: Iterable[str] = ()) -> None:
    """Watch table ``source`` (unprefixed) in ``lrn_table_versions``: its version
    (:func:`learnomy_core.table_versions.table_version`) rises on every INSERT and
    DELETE of a row, and on every UPDATE that changes one of ``columns`` (those a
    list filters its rows on, such as ``status``). Needs the core revision
    ``core_0009_table_versions`` (``depends_on``).

    Other updates leave it alone, so frequent writes (a counter column) do not all
    queue on its one row; a validator that reads it covers the rows' own changes
    with their row versions.
    """
    versions, src = table("lrn_table_versions"), table(source)
    op.execute(sa.text(f"INSERT INTO {versions} (name, version) VALUES (:name, 0)").bindparams(name=source))
    bump = f"UPDATE {versions} SET version = version + 1 WHERE name = '{source}'"
    mysql = op.get_bind().dialect.name in ("mysql", "mariadb")
    for event in ("INSERT", "DELETE"):
        body = bump if mysql else f"BEGIN {bump}; END"
        op.execute(f"CREATE TRIGGER {src}_tv_{event[:3].lower()} AFTER {event} ON {src} FOR EACH ROW {body}")
    watched = list(columns)
    if not watched:
        return
    if mysql:
        changed = " OR ".join(f"NOT (OLD.{column} <=> NEW.{column})" for column in watched)
        op.execute(f"CREATE TRIGGER {src}_tv_upd AFTER UPDATE ON {src} FOR EACH ROW "
                   f"IF {changed} THEN {bump}; END IF")
    else:
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in watched)
        op.execute(f"CREATE TRIGGER {src}_tv_upd AFTER UPDATE OF {', '.join(watched)} ON {src} FOR EACH ROW "
                   f"WHEN {changed} BEGIN {bump}; END")


def drop_change_counting(source: str) -> None:
    """Undo :func:`count_changes` on ``source`` (its triggers and its row)."""
    for suffix in ("ins", "del", "upd"):
        op.execute(f"DROP TRIGGER IF EXISTS {table(source)}_tv_{suffix}")
    op.execute(sa.text(f"DELETE FROM {table('lrn_table_versions')} WHERE name = :name").bindparams(name=source))
