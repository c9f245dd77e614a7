"""Roles and their capabilities, shared with the WordPress that owns the database.

WordPress keeps its role registry in the ``{prefix}user_roles`` option: a
PHP-serialized array ``role => {name, capabilities: {cap => bool}}``. When that
option exists it is the registry here too: a role defined by WordPress or by
another plugin (``shop_manager``, a role editor's custom role) carries exactly the
capabilities WordPress gives it, and a capability the site owner removes in
WordPress is gone here too. Without it (no WordPress), the built-in definitions
below stand in.

What this project adds to WordPress's registry (:meth:`Roles.sync`, run by ``db
upgrade`` and once when an app starts serving), as a WordPress plugin would on
activation:

- its own roles, with ``add_role()``'s semantics (added when missing, never
  changed when present): ``lrn_instructor`` (Instructor) and ``lrn_student``
  (Student), and any role a plugin defines through ``learnomy_role_capabilities``;
- with ``add_cap()``'s semantics, Learnomy's capabilities to WordPress's roles as
  the LMS reads them (:data:`LMS_GRANTS`): administrators manage, teach and learn;
  editors and authors teach and learn (they publish in WordPress, they publish
  courses here: their own); contributors and subscribers learn. Plugins' grants
  through the hook are added the same way.

Each grant is made once: the ``learnomy_role_grants`` option records what was
granted, so a capability the owner later removes in WordPress stays removed (a
missing Learnomy role is added again: registration hands it out).

Reading the registry is cached per process and re-read when older than
:data:`REFRESH_SECONDS` (one small query a minute per process), and at once after
this project changes it; WordPress's own role edits are seen here within a minute.
The authentication path never reads it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ..locks import lock_rows
from ..options import get_option, update_option
from .php import serialize_php, unserialize_php

__all__ = [
    "LEARN",
    "TEACH",
    "MANAGE",
    "LEARNOMY_ROLES",
    "LMS_GRANTS",
    "BASE_ROLES",
    "REFRESH_SECONDS",
    "RoleTable",
    "Roles",
    "php_truthy",
]

logger = logging.getLogger("learnomy.roles")

LEARN, TEACH, MANAGE = "learnomy_learn", "learnomy_teach", "learnomy_manage"
REFRESH_SECONDS = 60.0
GRANTS_OPTION = "learnomy_role_grants"

# The roles this project registers in WordPress: slug -> (display name, capabilities).
LEARNOMY_ROLES: dict[str, tuple[str, list[str]]] = {
    "lrn_instructor": ("Instructor", ["read", "upload_files", TEACH, LEARN]),
    "lrn_student": ("Student", ["read", LEARN]),
}
# What WordPress's own roles may do in the LMS (granted in WordPress's registry).
LMS_GRANTS: dict[str, list[str]] = {
    "administrator": [MANAGE, TEACH, LEARN],
    "editor": [TEACH, LEARN],
    "author": [TEACH, LEARN],
    "contributor": [LEARN],
    "subscriber": [LEARN],
}
_WORDPRESS_NAMES = {"administrator": "Administrator", "editor": "Editor", "author": "Author",
                    "contributor": "Contributor", "subscriber": "Subscriber"}
# Without WordPress: its default roles as far as this project uses them, plus the grants.
_WORDPRESS_ROLES: dict[str, list[str]] = {
    "administrator": ["read", "manage_options", "list_users", "create_users", "edit_users", "delete_users",
                      "promote_users", "remove_users", "upload_files"],
    "editor": ["read", "upload_files"],
    "author": ["read", "upload_files"],
    "contributor": ["read"],
    "subscriber": ["read"],
}
BASE_ROLES: dict[str, list[str]] = {
    **{role: caps + LMS_GRANTS[role] for role, caps in _WORDPRESS_ROLES.items()},
    **{role: list(caps) for role, (_, caps) in LEARNOMY_ROLES.items()},
}
# {prefix}user_level when a role has no level_N capabilities (WordPress's roles have them).
_USER_LEVELS = {"administrator": 10, "editor": 7, "author": 2, "contributor": 1, "lrn_instructor": 2}
_LEVEL = re.compile(r"level_(\d+)")


def php_truthy(value: Any) -> bool:
    """PHP's truth (``! empty( $value )``): ``"0"`` and ``""`` are false, as are empty arrays."""
    return value not in (None, False, 0, "", "0") and value != {} and value != []


@dataclass(frozen=True)
class RoleTable:
    """Role definitions at one moment.

    :ivar roles: role -> ``{capability: granted}``, in WordPress's order.
    :ivar names: role -> display name.
    :ivar from_wordpress: read from ``{prefix}user_roles`` (else built in).
    """

    roles: dict[str, dict[str, Any]]
    names: dict[str, str]
    from_wordpress: bool = False
    caps: dict[str, set[str]] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "caps", {
            role: {str(cap) for cap, on in definition.items() if php_truthy(on)}
            for role, definition in self.roles.items()
        })


class Roles:
    """The role registry: WordPress's when the database has one, else built in.

    :param extra: answers of the ``learnomy_role_capabilities`` hook.
    :param engine: where ``{prefix}user_roles`` lives (None: built-in only).
    :param options: the options table; :param prefix: the table prefix.
    """

    def __init__(
        self, extra: Iterable[Mapping[str, Iterable[str]]] = (), *, engine: Optional[Engine] = None,
        options: Optional[sa.Table] = None, prefix: str = "wp_",
    ) -> None:
        self.extra: dict[str, list[str]] = {}
        for answer in extra:
            for role, caps in (answer or {}).items():
                listed = self.extra.setdefault(role, [])
                listed += [cap for cap in caps if cap not in listed]
        builtin: dict[str, dict[str, Any]] = {role: dict.fromkeys(caps, True) for role, caps in BASE_ROLES.items()}
        for role, caps in self.extra.items():
            builtin.setdefault(role, {}).update(dict.fromkeys(caps, True))
        names = {**_WORDPRESS_NAMES, **{role: name for role, (name, _) in LEARNOMY_ROLES.items()}}
        self.builtin = RoleTable(builtin, {role: names.get(role) or _display_name(role) for role in builtin})
        self.engine = engine
        self.options = options
        self.option_name = f"{prefix}user_roles"
        self._table = self.builtin
        self._read_at: Optional[float] = None
        self._lock = threading.Lock()

    # -- reading ---------------------------------------------------------------

    def table(self) -> RoleTable:
        """The current definitions (re-read when stale, see the module docstring)."""
        if self.engine is not None and (self._read_at is None or time.monotonic() - self._read_at > REFRESH_SECONDS):
            self.refresh()
        return self._table

    @property
    def caps(self) -> dict[str, set[str]]:
        """role -> granted capabilities."""
        return self.table().caps

    def refresh(self, db: Optional[Connection] = None) -> RoleTable:
        """Read ``{prefix}user_roles`` now (on ``db``, else a connection of its own)."""
        if self.engine is None or self.options is None:
            return self._table
        with self._lock:
            if db is None and self._read_at is not None and time.monotonic() - self._read_at <= REFRESH_SECONDS:
                return self._table  # another thread just read it
            try:
                if db is not None:
                    raw = get_option(db, self.options, self.option_name)
                else:
                    with self.engine.connect() as own:
                        raw = get_option(own, self.options, self.option_name)
            except sa.exc.DBAPIError:
                # Unreachable, or not migrated yet: keep what we have, try again soon.
                logger.debug("cannot read %s", self.option_name, exc_info=True)
                self._read_at = time.monotonic() - REFRESH_SECONDS + 1
                return self._table
            self._table = self._from_wordpress(raw)
            self._read_at = time.monotonic()
        return self._table

    def in_wordpress(self, db: Connection) -> Optional[list[str]]:
        """The roles WordPress's registry holds, in its order (None: no registry)."""
        if self.options is None:
            return None
        registry = _parse_registry(get_option(db, self.options, self.option_name))
        return None if registry is None else list(registry)

    def invalidate(self) -> None:
        """Read the registry again on next use."""
        self._read_at = None

    def _from_wordpress(self, raw: Optional[str]) -> RoleTable:
        registry = _parse_registry(raw)
        if registry is None:
            if raw is not None:
                logger.warning("%s is not a PHP array of roles; using the built-in roles", self.option_name)
            return self.builtin
        roles: dict[str, dict[str, Any]] = {}
        names: dict[str, str] = {}
        for role, entry in registry.items():
            caps = entry.get("capabilities")
            roles[role] = {str(cap): on for cap, on in caps.items()} if isinstance(caps, dict) else {}
            names[role] = str(entry.get("name") or _display_name(role))
        # Roles this project needs that WordPress lacks (before the first sync).
        for role, definition in self.builtin.roles.items():
            if role not in roles and role not in _WORDPRESS_NAMES:
                roles[role], names[role] = dict(definition), self.builtin.names[role]
        return RoleTable(roles, names, from_wordpress=True)

    # -- users' capabilities ----------------------------------------------------

    def allcaps(self, granted: Mapping[str, Any]) -> tuple[list[str], dict[str, Any]]:
        """``(roles, allcaps)`` of a decoded ``{prefix}capabilities`` array, as
        ``WP_User::get_role_caps`` builds them: the keys that name a role, then
        each role's capabilities, then the array itself over them."""
        table = self.table()
        roles = [str(name) for name in granted if str(name) in table.roles]
        allcaps: dict[str, Any] = {}
        for role in roles:
            allcaps.update(table.roles[role])
        allcaps.update({str(name): on for name, on in granted.items()})
        return roles, allcaps

    def capabilities(self, granted: Mapping[str, Any]) -> tuple[list[str], set[str]]:
        """``(roles, capabilities)`` from a decoded capabilities meta array."""
        roles, allcaps = self.allcaps(granted)
        return roles, {cap for cap, on in allcaps.items() if php_truthy(on)}

    def level(self, role: str) -> int:
        """``{prefix}user_level`` for a user of ``role``: its highest ``level_N``."""
        levels = [int(m.group(1)) for cap in self.caps.get(role, ()) if (m := _LEVEL.fullmatch(cap))]
        return max(levels) if levels else _USER_LEVELS.get(role, 0)

    # -- registering in WordPress -------------------------------------------------

    def registrations(self) -> dict[str, tuple[str, list[str]]]:
        """Roles to add to WordPress when missing: Learnomy's and plugins' new ones."""
        wanted = {role: (name, list(caps)) for role, (name, caps) in LEARNOMY_ROLES.items()}
        for role, caps in self.extra.items():
            if role in wanted:
                wanted[role][1].extend(cap for cap in caps if cap not in wanted[role][1])
            elif role not in _WORDPRESS_NAMES:
                wanted[role] = (_display_name(role), list(caps))
        return wanted

    def grants(self) -> dict[str, list[str]]:
        """Capabilities to grant once to roles WordPress has (``add_cap``)."""
        wanted = {role: list(caps) for role, caps in LMS_GRANTS.items()}
        for role, (_, caps) in self.registrations().items():
            wanted.setdefault(role, []).extend(cap for cap in caps if cap not in wanted[role])
        for role, caps in self.extra.items():
            listed = wanted.setdefault(role, [])
            listed += [cap for cap in caps if cap not in listed]
        return wanted

    def sync(self, db: Connection, *, write: bool = True) -> list[str]:
        """Register this project's roles and grants in ``{prefix}user_roles``.

        Idempotent; writes only what is missing, under a lock on the option row
        (two workers starting together cannot lose each other's changes). Without
        the option (no WordPress) nothing is written.

        :param write: False to only say what would change.
        :returns: what changed (or would), as sentences (for ``learnomy doctor``).
        """
        if self.options is None:
            return []
        options = self.options
        query = sa.select(options.c.option_value).where(options.c.option_name == self.option_name)
        found = db.execute(query).all()
        if found and write:  # no registry, no lock; else lock it and read it again
            found = lock_rows(db, query)
        if not found:
            return []
        registry = _parse_registry(found[0][0])
        if registry is None:
            logger.warning("%s is not a PHP array of roles; not changing it", self.option_name)
            return []
        record = _decode_record(get_option(db, options, GRANTS_OPTION))
        recorded = json.dumps(record, sort_keys=True)
        changes: list[str] = []
        for role, (name, caps) in self.registrations().items():
            if role not in registry:
                registry[role] = {"name": name, "capabilities": dict.fromkeys(caps, True)}
                record[role] = list(caps)
                changes.append(f"added the role {role} ({name})")
        for role, caps in self.grants().items():
            entry = registry.get(role)
            if entry is None:
                continue
            if not isinstance(entry.get("capabilities"), dict):
                entry["capabilities"] = {}
            granted = record.setdefault(role, [])
            for cap in caps:
                if cap in granted:
                    continue
                granted.append(cap)
                if cap not in entry["capabilities"]:
                    entry["capabilities"][cap] = True
                    changes.append(f"granted {cap} to {role}")
        if not write:
            return changes
        if changes:
            update_option(db, options, self.option_name, serialize_php(registry))
        if json.dumps(record, sort_keys=True) != recorded:
            update_option(db, options, GRANTS_OPTION, json.dumps(record, sort_keys=True))
        self.invalidate()
        return changes


def _parse_registry(raw: Optional[str]) -> Optional[dict[str, dict[str, Any]]]:
    """``{prefix}user_roles`` decoded, or None when absent or unreadable."""
    decoded = unserialize_php(raw)
    if not isinstance(decoded, dict):
        return None
    return {str(role): entry for role, entry in decoded.items() if isinstance(entry, dict)}


def _decode_record(raw: Optional[str]) -> dict[str, list[str]]:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(role): [str(cap) for cap in caps] for role, caps in value.items() if isinstance(caps, list)}


def _display_name(role: str) -> str:
    """``acme_reviewer`` -> ``Acme Reviewer``."""
    return " ".join(part.capitalize() for part in role.replace("-", "_").split("_") if part) or role
