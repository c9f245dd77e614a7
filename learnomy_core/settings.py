"""Settings groups: declared by plugins with a schema, stored in the options table.

Each group is one option row, ``learnomy_settings_{group}``, holding JSON. Reads
merge the stored values over the schema's defaults; writes are validated against
the group's schema (unknown groups and keys refused) before anything is stored.
Nothing is cached in process memory: several workers share one database.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from sqlalchemy.engine import Connection
import sqlalchemy as sa

from .errors import InvalidParams
from .options import get_option, get_options, update_option
from .schema import sanitize, validate

__all__ = ["Settings", "MASK"]

_OPTION = "learnomy_settings_{}"


class Settings:
    """The app's settings groups.

    :param groups: ``{"group": {"type": "object", "properties": {...}}}`` from the
        ``learnomy_settings_groups`` hook.
    :param table: the options table.
    """

    def __init__(self, groups: Mapping[str, Mapping[str, Any]], table: sa.Table) -> None:
        self.groups = {
            name: {**schema, "type": "object", "additionalProperties": False}
            for name, schema in groups.items()
        }
        self.table = table

    def defaults(self, group: str) -> dict[str, Any]:
        """The schema defaults of ``group``."""
        properties = self.groups[group].get("properties", {})
        return {key: sub.get("default") for key, sub in properties.items()}

    def group(self, connection: Connection, group: str) -> dict[str, Any]:
        """One group's values, stored over defaults."""
        stored = get_option(connection, self.table, _OPTION.format(group))
        return {**self.defaults(group), **_decode(stored)}

    def group_of(self, dotted: str) -> "str | None":
        """The group a dotted key starts with, the longest that fits (group names may
        hold dots: ``pro.extensions.drip`` is key ``drip`` of ``pro.extensions``)."""
        fits = [g for g in self.groups if dotted == g or dotted.startswith(g + ".")]
        return max(fits, key=len) if fits else None

    def get(self, connection: Connection, key: str) -> Any:
        """One value by dotted key: ``settings.get(db, "api.rate_limit_per_minute")``."""
        group = self.group_of(key)
        if group is None:
            raise KeyError(key)
        return self.group(connection, group)[key[len(group) + 1:]]

    def all(self, connection: Connection) -> dict[str, dict[str, Any]]:
        """Every group, in one query."""
        stored = get_options(connection, self.table, [_OPTION.format(g) for g in self.groups])
        return {
            group: {**self.defaults(group), **_decode(stored.get(_OPTION.format(group)))}
            for group in self.groups
        }

    def masked(self, group: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """``values`` of ``group`` fit to show: each ``writeOnly`` key (a secret, at
        any depth) reads ``"********"`` when set and ``""`` when not."""
        return _mask(values, self.groups[group])

    def update(self, connection: Connection, changes: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
        """Validate ``{"group": {"key": value}}`` whole, then store it.

        :raises InvalidParams: listing every unknown group, unknown key or bad value;
            nothing is stored then.
        """
        problems = []
        clean: dict[str, dict[str, Any]] = {}
        for group, values in changes.items():
            schema = self.groups.get(group)
            if schema is None:
                problems.append({"param": group, "code": "rest_additional_properties_forbidden",
                                 "message": f"{group} is not a settings group."})
                continue
            problem = validate(values, schema, group)
            if problem:
                problems.append(problem)
                continue
            clean[group] = sanitize(values, schema)
        if problems:
            raise InvalidParams(details=problems)
        for group, values in clean.items():
            merged = {**_decode(get_option(connection, self.table, _OPTION.format(group))), **values}
            update_option(connection, self.table, _OPTION.format(group), json.dumps(merged))
        return self.all(connection)


MASK = "********"


def _mask(value: Any, schema: Mapping[str, Any]) -> Any:
    if schema.get("writeOnly"):
        return MASK if value else ""
    properties = schema.get("properties") or {}
    if isinstance(value, Mapping) and properties:
        return {key: _mask(sub, properties.get(key, {})) for key, sub in value.items()}
    return value


def _decode(stored: Any) -> dict[str, Any]:
    if not stored:
        return {}
    try:
        value = json.loads(stored)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
