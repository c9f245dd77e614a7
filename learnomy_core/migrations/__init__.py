"""Alembic migrations of the core, and helpers for every plugin's revision files.

A plugin's revision names its tables through :func:`table` so the configured
prefix applies::

    from alembic import op
    from learnomy_core.migrations import table

    def upgrade():
        op.create_table(table("lrn_widgets"), ...)
"""

from __future__ import annotations

from alembic import context

__all__ = ["table"]


def table(name: str) -> str:
    """``name`` with the configured table prefix (``wp_`` + ``options``)."""
    return context.config.attributes["table_prefix"] + name
