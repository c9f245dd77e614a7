"""WordPress's options table: ``get_option``, ``add_option``, ``update_option``.

Values are strings, as WordPress stores them; callers encode structured values
(Learnomy's settings groups are JSON).
"""

from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .storage import ID, LONGTEXT, insert_ignore

__all__ = ["options_table", "get_option", "add_option", "update_option", "get_options"]


def options_table(metadata: sa.MetaData, prefix: str) -> sa.Table:
    """Declare ``{prefix}options`` with WordPress's columns."""
    options = sa.Table(
        f"{prefix}options",
        metadata,
        sa.Column("option_id", ID, primary_key=True, autoincrement=True),
        sa.Column("option_name", sa.String(191), nullable=False, unique=True),
        sa.Column("option_value", LONGTEXT, nullable=False),
        sa.Column("autoload", sa.String(20), nullable=False, default="yes"),
    )
    sa.Index(f"{options.name}_autoload", options.c.autoload)
    return options


def get_option(connection: Connection, table: sa.Table, name: str) -> Optional[str]:
    """The option's value, or None when absent."""
    return connection.execute(
        sa.select(table.c.option_value).where(table.c.option_name == name)
    ).scalar()


def get_options(connection: Connection, table: sa.Table, names: list[str]) -> dict[str, str]:
    """Several options in one query."""
    rows = connection.execute(
        sa.select(table.c.option_name, table.c.option_value).where(table.c.option_name.in_(names))
    )
    return {name: value for name, value in rows}


def add_option(connection: Connection, table: sa.Table, name: str, value: str) -> bool:
    """Add the option unless it exists (atomically); whether it was added."""
    return insert_ignore(connection, table, {"option_name": name, "option_value": value, "autoload": "yes"})


def update_option(connection: Connection, table: sa.Table, name: str, value: str) -> None:
    """Set the option, creating it if needed."""
    if add_option(connection, table, name, value):
        return
    connection.execute(
        sa.update(table).where(table.c.option_name == name).values(option_value=value)
    )
