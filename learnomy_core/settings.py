"""Settings groups: declared by plugins with a schema, stored in the options table.

Each group is one option row, ``learnomy_settings_{group}``, holding JSON. Reads
merge the stored values over the schema's defaults; writes are validated against
the group's schema (unknown groups and keys refused) before anything is stored.
Nothing is cached in process memory: several workers share one database.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Optional

from sqlalchemy.engine import Connection
import sqlalchemy as sa

from .errors import InvalidParams
from .locks import lock_name, lock_rows
from .options import get_option, get_options, update_option
from .params import joined_problems
from .schema import sanitize, validate

if TYPE_CHECKING:  # pragma: no cover
    from .app import LearnomyApp
    from .request import RestRequest

__all__ = ["Settings", "MASK", "SettingsCheck", "plugin_checks"]

SettingsCheck = Callable[[str, dict[str, Any], list[str]], Iterable[dict[str, Any]]]
"""``check(group, values, changed)``: the problems of a group's write (see :meth:`Settings.update`)."""

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

    def group(self, connection: Connection, group: str, *, lock: bool = False) -> dict[str, Any]:
        """One group's values, stored over defaults.

        :param lock: for a read-modify-write (read, then :meth:`update` with what
            was read): take the settings lock :meth:`update` takes, and read what
            others committed while waiting for it, so that no concurrent update
            is undone. Held to the end of the transaction.
        """
        if not lock:
            stored = get_option(connection, self.table, _OPTION.format(group))
        else:
            lock_name(connection, self.table, "settings")
            table = self.table
            stored = next(iter(lock_rows(connection, sa.select(table.c.option_value).where(
                table.c.option_name == _OPTION.format(group)))), (None,))[0]
        return {**self.defaults(group), **_decode(stored)}

    def group_of(self, dotted: str) -> "str | None":
        """The group a dotted key starts with, the longest that fits (group names may
        hold dots: ``pro.extensions.drip`` is key ``drip`` of ``pro.extensions``)."""
        fits = [g for g in self.groups if dotted == g or dotted.startswith(g + ".")]
        return max(fits, key=len) if fits else None

    def get(self, connection: Connection, key: str, *, lock: bool = False) -> Any:
        """One value by dotted key: ``settings.get(db, "api.rate_limit_per_minute")``.

        :param lock: as for :meth:`group`: read to write back, under the settings lock.
        """
        group = self.group_of(key)
        if group is None:
            raise KeyError(key)
        return self.group(connection, group, lock=lock)[key[len(group) + 1:]]

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

    def update(self, connection: Connection, changes: Mapping[str, Any], *,
               check: Optional[SettingsCheck] = None) -> dict[str, dict[str, Any]]:
        """Validate ``{"group": {"key": value}}`` whole, then store it: all or nothing.

        A secret (a ``writeOnly`` key, at any depth) sent back as :data:`MASK`
        stays as it is, so a client may send back what it read. An object
        setting with declared ``properties`` (a record, such as
        ``payments.stripe``) changes only the members sent; any other value
        (a scalar, a list, a free-form map) is replaced whole.

        :param check: run once the schemas pass, for each changed group, under the
            settings lock and before anything is written: ``check(group, values,
            changed)`` with the group's values as they would be after the write and
            the keys written; it answers problems (error details). Writes an
            administrator asks for pass :func:`plugin_checks` (every plugin's
            ``learnomy_check_settings``); a plugin's own writes pass none.
        :raises InvalidParams: listing every unknown group, unknown key or bad
            value (``param`` is ``group.key``), or every problem ``check``
            answers; nothing is stored then.
        """
        problems: list[dict[str, Any]] = []
        clean: dict[str, dict[str, Any]] = {}
        for group, values in changes.items():
            schema = self.groups.get(group)
            if schema is None:
                problems.append({"param": group, "code": "rest_additional_properties_forbidden",
                                 "message": f"{group} is not a settings group."})
                continue
            if not isinstance(values, Mapping):
                problem = validate(values, schema, group)
                problems.append(problem or {"param": group, "code": "rest_invalid_type",
                                            "message": f"{group} is not of type object."})
                continue
            properties = schema.get("properties") or {}
            kept: dict[str, Any] = {}
            for key, value in _unmasked(values, schema).items():
                param = f"{group}.{key}"
                if key not in properties:
                    problems.append({"param": param, "code": "rest_additional_properties_forbidden",
                                     "message": f"{key} is not a setting of {group}."})
                    continue
                problem = validate(value, properties[key], param)
                if problem:
                    problems.append(problem)
                    continue
                kept[key] = sanitize(value, properties[key])
            clean[group] = kept
        if problems:
            raise InvalidParams(f"Invalid setting(s): {', '.join(p['param'] for p in problems)}", details=problems)
        names = [_OPTION.format(group) for group, values in clean.items() if values]
        if names:
            # Read, merge and write under a lock: two administrators changing
            # different keys of one group at once must not undo each other.
            # The read locks too: on MySQL a locking read sees what others
            # committed while we waited, where a plain one sees an older snapshot.
            lock_name(connection, self.table, "settings")
            table = self.table
            stored = {name: value for name, value in lock_rows(connection, sa.select(
                table.c.option_name, table.c.option_value).where(table.c.option_name.in_(names)))}
            merged = {group: _merge(_decode(stored.get(_OPTION.format(group))), values, self.groups[group])
                      for group, values in clean.items() if values}
            if check is not None:
                for group, values in merged.items():
                    problems.extend(check(group, {**self.defaults(group), **values}, list(clean[group])))
                if problems:
                    raise InvalidParams(f"Invalid setting(s): {', '.join(p['param'] for p in problems)}",
                                        details=problems)
            for group, values in merged.items():
                update_option(connection, self.table, _OPTION.format(group), json.dumps(values))
        return self.all(connection)

    def secrets(self, group: str) -> list[str]:
        """Dotted paths of the group's secrets (``writeOnly`` keys): ``["stripe.secret_key"]``."""
        return _secret_paths(self.groups[group], "")


def plugin_checks(app: "LearnomyApp", db: Connection, request: "Optional[RestRequest]" = None) -> SettingsCheck:
    """The ``check`` of :meth:`Settings.update` for a write an administrator asks
    for (``PATCH /admin/settings``, ``learnomy settings set``): every plugin's
    ``learnomy_check_settings`` answer, joined.

    :param request: the request, or None outside one (the command line).
    """
    def check(group: str, values: dict[str, Any], changed: list[str]) -> list[dict[str, Any]]:
        return joined_problems(app.plugins.hook.learnomy_check_settings(app=app, db=db, request=request, group=group,
                                                                       values=values, changed=changed))
    return check


MASK = "********"
"""What a set secret reads as (an unset one reads ``""``); sent back, it changes nothing."""


def _mask(value: Any, schema: Mapping[str, Any]) -> Any:
    if schema.get("writeOnly"):
        return MASK if value else ""
    properties = schema.get("properties") or {}
    if isinstance(value, Mapping) and properties:
        return {key: _mask(sub, properties.get(key, {})) for key, sub in value.items()}
    return value


def _unmasked(values: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` without the secrets sent back as :data:`MASK` (at any depth)."""
    properties = schema.get("properties") or {}
    kept: dict[str, Any] = {}
    for key, value in values.items():
        sub = properties.get(key) or {}
        if sub.get("writeOnly") and value == MASK:
            continue
        if isinstance(value, Mapping) and sub.get("properties"):
            value = _unmasked(value, sub)
        kept[key] = value
    return kept


def _merge(stored: Any, change: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """``change`` over ``stored``, member by member inside records."""
    merged = dict(stored) if isinstance(stored, Mapping) else {}
    properties = schema.get("properties") or {}
    for key, value in change.items():
        sub = properties.get(key) or {}
        if isinstance(value, Mapping) and sub.get("properties"):
            merged[key] = _merge(merged.get(key), value, sub)
        else:
            merged[key] = value
    return merged


def _secret_paths(schema: Mapping[str, Any], prefix: str) -> list[str]:
    found: list[str] = []
    for key, sub in (schema.get("properties") or {}).items():
        if sub.get("writeOnly"):
            found.append(prefix + key)
        elif sub.get("properties"):
            found += _secret_paths(sub, f"{prefix}{key}.")
    return found


def _decode(stored: Any) -> dict[str, Any]:
    if not stored:
        return {}
    try:
        value = json.loads(stored)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
