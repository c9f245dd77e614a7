"""The WordPress the database belongs to, if any: which version's hashes it reads
(the ``wordpress.compat`` setting), and the site options this project honours
(``users_can_register``, ``default_role``, ``using_application_passwords``).

WordPress is *present* when its ``db_version`` option is (every WordPress install
writes it). ``db_version`` tells WordPress 6.8.3 and later (60421 and up) from
older releases, but 6.7 and 6.8.0-6.8.2 all write 58975, and only 6.8 reads the
``$wp$2y$`` password hashes and ``$generic$`` application password hashes that
this project writes by default. So ``compat`` is, by setting:

- ``6.8``: write WordPress 6.8's formats, upgrade older hashes on login;
- ``legacy``: write phpass ``$P$`` hashes, as WordPress 6.7 and earlier do, for
  passwords, application passwords and reset keys; never upgrade a hash to a
  format the site cannot read (a ``$wp$`` hash made earlier is rewritten as
  ``$P$`` at the user's next login here); every format still verifies;
- ``auto`` (the default): ``6.8`` without WordPress or above ``db_version``
  58975, ``legacy`` otherwise (the safe side: WordPress 6.8 reads ``$P$`` and
  upgrades it itself). At exactly 58975 the site may be 6.8.0-6.8.2, which writes
  ``$wp$`` hashes itself: ``auto`` then writes phpass but rewrites no ``$wp$``
  hash (rewriting would undo WordPress's own upgrade at every login, each side
  ending the other's sessions). ``learnomy doctor`` says what it found and what
  to set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..options import get_option, get_options, update_option
from .passwords import fast_hash, hash_password, hash_phpass, needs_rehash

__all__ = [
    "SETTINGS_GROUP",
    "COMPAT_MODES",
    "LAST_AMBIGUOUS_DB_VERSION",
    "Compat",
    "read_compat",
    "mark_application_passwords_used",
    "APP_PASSWORDS_IN_USE",
]

COMPAT_MODES = ("auto", "6.8", "legacy")
# db_version of WordPress 6.7.x and of 6.8.0-6.8.2 alike; 6.8.3 wrote 60421.
LAST_AMBIGUOUS_DB_VERSION = 58975
APP_PASSWORDS_IN_USE = "using_application_passwords"
_SETTINGS_OPTION = "learnomy_settings_wordpress"

SETTINGS_GROUP: dict[str, Any] = {
    "type": "object",
    "properties": {
        "compat": {
            "type": "string",
            "enum": list(COMPAT_MODES),
            "default": "auto",
            "description": "The WordPress whose hash formats to write: 6.8 (6.8 and later), legacy "
                           "(phpass, for WordPress 6.7 and earlier), auto (from WordPress's db_version; "
                           "legacy when it cannot tell). See `learnomy doctor`.",
        },
    },
}


@dataclass(frozen=True)
class Compat:
    """What the site's WordPress reads, decided once per use.

    :ivar setting: the ``wordpress.compat`` value (``auto``, ``6.8``, ``legacy``).
    :ivar db_version: WordPress's ``db_version`` option, or None without WordPress.
    """

    setting: str
    db_version: Optional[int]

    @property
    def wordpress_present(self) -> bool:
        return self.db_version is not None

    @property
    def legacy(self) -> bool:
        """Whether to write the formats WordPress 6.7 and earlier read."""
        if self.setting == "legacy":
            return True
        if self.setting == "6.8":
            return False
        return self.db_version is not None and self.db_version <= LAST_AMBIGUOUS_DB_VERSION

    @property
    def certain(self) -> bool:
        """Whether the mode is known rather than guessed (``auto`` at ``db_version``
        58975 guesses: WordPress 6.7, or 6.8.0-6.8.2)."""
        return self.setting != "auto" or self.db_version != LAST_AMBIGUOUS_DB_VERSION

    @property
    def mode(self) -> str:
        """``6.8`` or ``legacy``: the setting, or what ``auto`` decided."""
        return "legacy" if self.legacy else "6.8"

    def hash_password(self, password: str, cost: int) -> str:
        """A new account password hash the site can read."""
        return hash_phpass(password) if self.legacy else hash_password(password, cost)

    def hash_secret(self, secret: str) -> str:
        """A new application password or reset key hash the site can read."""
        return hash_phpass(secret) if self.legacy else fast_hash(secret)

    def needs_rehash(self, hashed: str, cost: int) -> bool:
        """Whether a hash that just verified should be rewritten.

        6.8: anything but ``$wp$`` bcrypt at our cost or more (WordPress 6.8's own
        rule). Legacy: WordPress's unsalted MD5 (WordPress 6.7 upgrades it too) and,
        when the mode is :attr:`certain`, the ``$wp$`` format the site cannot read;
        phpass and plain bcrypt stay.
        """
        if self.legacy:
            return len(hashed) <= 32 or (self.certain and hashed.startswith("$wp"))
        return needs_rehash(hashed, cost)

    def reads_fast_hashes(self) -> bool:
        """Whether an application password hashed ``$generic$`` may stay so."""
        return not (self.legacy and self.certain)


def read_compat(db: Connection, options: sa.Table) -> Compat:
    """The compat decision from the options table, in one query."""
    found = get_options(db, options, [_SETTINGS_OPTION, "db_version"])
    try:
        stored = json.loads(found.get(_SETTINGS_OPTION) or "{}")
    except ValueError:
        stored = {}
    setting = stored.get("compat") if isinstance(stored, dict) else None
    return Compat(setting if setting in COMPAT_MODES else "auto", _db_version(found.get("db_version")))


def _db_version(raw: Optional[str]) -> Optional[int]:
    if raw is None:
        return None
    try:
        return int(str(raw).strip())
    except ValueError:
        return 0  # present but unreadable: WordPress is there, its version unknown


def mark_application_passwords_used(db: Connection, options: sa.Table) -> None:
    """Set ``using_application_passwords`` as WordPress does on its first one:
    WordPress checks application passwords only once it is set."""
    if not get_option(db, options, APP_PASSWORDS_IN_USE):
        update_option(db, options, APP_PASSWORDS_IN_USE, "1")
