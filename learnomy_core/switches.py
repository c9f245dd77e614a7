"""Plugins switched on and off by a setting (``learnomy_plugin_switches``).

A plugin declares which loaded plugins it switches and by which boolean key of a
settings group it declares; Pro switches its extensions by the ``pro.extensions``
group. ``create_app`` reads those settings once, before tables and routes are
collected, and a plugin switched off never boots (see
:func:`learnomy_core.plugins.build_plugin_manager`). The settings are read from the
options table; a fresh database, where it does not exist yet, gives the schema's
defaults. A change takes effect when the app (each worker process) next starts:
the choice of plugins is fixed for the life of the process, as its routes are.

Tests and tools override the stored values: ``create_app(switches={"pro.drip":
False})`` (by plugin name; the rest read from the database), ``switches=True``
(every switch on, nothing read: what ``learnomy audit`` uses) or ``False``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import pluggy
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from .options import options_table
from .plugins import plugin_switches
from .settings import Settings

__all__ = ["SwitchOverrides", "switched_off_plugins"]

logger = logging.getLogger("learnomy")

SwitchOverrides = Union[bool, Mapping[str, bool], None]


def switched_off_plugins(manager: pluggy.PluginManager, engine: Engine, prefix: str,
                         overrides: SwitchOverrides = None) -> set[str]:
    """The names of the loaded plugins whose switch is off.

    :param overrides: True or False for every switch, or ``{plugin: bool}`` over
        the stored settings; None reads every switch from the database.
    :raises ValueError: for a switch naming a settings group or key nobody declares.
    """
    switches = plugin_switches(manager)
    if not switches:
        return set()
    if isinstance(overrides, bool):
        return set() if overrides else set(switches)
    forced = dict(overrides or {})
    groups: dict[str, Any] = {}
    for answer in reversed(manager.hook.learnomy_settings_groups()):
        groups.update(answer or {})
    for target, (owner, group, key) in switches.items():
        if key not in (groups.get(group) or {}).get("properties", {}):
            raise ValueError(f"{owner!r} switches {target!r} by {group}.{key}, which no settings group declares")
    wanted = {group for target, (_, group, _) in switches.items() if target not in forced}
    stored = _read_groups(Settings({g: groups[g] for g in wanted}, options_table(sa.MetaData(), prefix)), engine)
    off = set()
    for target, (_, group, key) in switches.items():
        on = forced[target] if target in forced else stored[group].get(key)
        if not on:
            off.add(target)
    return off


def _read_groups(settings: Settings, engine: Engine) -> dict[str, dict[str, Any]]:
    """Every group's values, or the defaults when the options cannot be read."""
    defaults = {group: settings.defaults(group) for group in settings.groups}
    url = engine.url
    if not settings.groups or (url.get_backend_name() == "sqlite" and url.database
                               and url.database != ":memory:" and not Path(url.database).exists()):
        return defaults  # nothing stored yet, and no empty SQLite file made by asking
    # A connection of its own, closed after: none stays in the app's pool for a
    # process that forks its workers after building the app (gunicorn --preload).
    sqlite = url.get_backend_name() == "sqlite"
    reader = sa.create_engine(url, poolclass=NullPool, connect_args={"timeout": 30} if sqlite else {})
    try:
        with reader.connect() as connection:
            return settings.all(connection)
    except sa.exc.DBAPIError as exc:
        # A fresh database (no options table yet) is expected: the defaults apply.
        # An unreachable one boots with the defaults too rather than not at all: every
        # request answers 503 until it is back, and a restart reads the switches again.
        logger.info("plugin switches take their defaults (the options cannot be read: %s)", exc.orig)
        return defaults
    finally:
        reader.dispose()
