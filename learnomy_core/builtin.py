"""The core's own plugin, always loaded: its tables and its settings group."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from .hookspecs import hookimpl
from .options import options_table


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    options_table(metadata, prefix)


@hookimpl
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    return {
        "api": {
            "type": "object",
            "properties": {
                "rate_limit_per_minute": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": 100000,
                    "default": 60,
                    "description": "Requests per minute to sensitive routes, per user or client IP.",
                },
            },
        }
    }
