"""``learnomy doctor``: what the database says about the WordPress beside us, and
what to set.

It reads (never writes, unless asked to fix): WordPress's ``db_version`` and
site options, its role registry (``{prefix}user_roles``) and what this project
would still register there, whether application passwords are enabled for
WordPress (``using_application_passwords``), the hash formats stored, and
sessions or tokens left behind by users deleted in WordPress. It recommends the
``wordpress.compat`` setting. ``--fix`` registers the roles, enables application
passwords for WordPress when some exist, and deletes the orphaned sessions and
tokens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .identity.php import unserialize_php
from .identity.wordpress import (
    APP_PASSWORDS_IN_USE,
    LAST_AMBIGUOUS_DB_VERSION,
    mark_application_passwords_used,
)
from .options import get_options

if TYPE_CHECKING:  # pragma: no cover
    from .app import LearnomyApp

__all__ = ["Diagnosis", "diagnose", "fix", "recommend"]


@dataclass
class Diagnosis:
    """What ``learnomy doctor`` found."""

    wordpress_present: bool
    db_version: Optional[int]
    compat_setting: str
    compat_mode: str
    recommended: str
    reason: str
    site_url: Optional[str] = None
    roles: list[str] = field(default_factory=list)
    roles_to_register: list[str] = field(default_factory=list)
    application_passwords_enabled: Optional[bool] = None
    application_passwords: int = 0
    registration_open: bool = True
    registration_role: str = "lrn_student"
    wordpress_default_role: Optional[str] = None
    hashes: dict[str, int] = field(default_factory=dict)
    unreadable_app_passwords: int = 0
    orphaned_sessions: int = 0
    orphaned_refresh_tokens: int = 0
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """The report as a person reads it."""
        out = []
        if self.wordpress_present:
            out.append(f"WordPress: present (db_version {self.db_version}"
                       + (f", {self.site_url}" if self.site_url else "") + ")")
        else:
            out.append("WordPress: not found in this database (no db_version option)")
        out.append(f"wordpress.compat: {self.compat_setting} (writing {self.compat_mode} formats); "
                   f"recommended: {self.recommended} - {self.reason}")
        if self.roles:
            out.append(f"Roles in WordPress's registry: {', '.join(self.roles)}")
        else:
            out.append("Roles: built in (WordPress's role registry, {prefix}user_roles, is absent)")
        if self.roles_to_register:
            out.append("Not yet registered in WordPress: " + "; ".join(self.roles_to_register)
                       + " (done by 'learnomy db upgrade', at start-up, or --fix)")
        if self.application_passwords_enabled is not None:
            out.append(f"Application passwords enabled for WordPress ({APP_PASSWORDS_IN_USE}): "
                       f"{'yes' if self.application_passwords_enabled else 'no'}"
                       f"; {self.application_passwords} stored")
        out.append(f"Registration: {'open' if self.registration_open else 'closed'}, new users get "
                   f"{self.registration_role}"
                   + (f" (WordPress's default_role: {self.wordpress_default_role})"
                      if self.wordpress_default_role else ""))
        if self.hashes:
            out.append("Password hashes: " + ", ".join(f"{kind} {count}" for kind, count in sorted(self.hashes.items())))
        out.append(f"Sessions and refresh tokens of deleted users: {self.orphaned_sessions} sessions, "
                   f"{self.orphaned_refresh_tokens} refresh tokens")
        out += [f"Warning: {warning}" for warning in self.warnings]
        return out


def recommend(db_version: Optional[int]) -> tuple[str, str]:
    """The ``wordpress.compat`` value for a ``db_version`` (None: no WordPress), and why."""
    if db_version is None:
        return "6.8", "no WordPress shares this database"
    if db_version > LAST_AMBIGUOUS_DB_VERSION:
        return "6.8", f"db_version {db_version} is WordPress 6.8.3 or later"
    if db_version == LAST_AMBIGUOUS_DB_VERSION:
        return "legacy", (f"db_version {db_version} is WordPress 6.7 or 6.8.0-6.8.2; set 6.8 if Dashboard > "
                          "Updates shows 6.8, else keep legacy")
    return "legacy", f"db_version {db_version} is WordPress 6.6 or earlier, which cannot read 6.8's hashes"


def _hash_kind(hashed: str) -> str:
    if len(hashed) <= 32:
        return "md5"
    if hashed.startswith("$P$") or hashed.startswith("$H$"):
        return "phpass"
    if hashed.startswith("$wp"):
        return "wp-bcrypt"
    if hashed.startswith("$2"):
        return "bcrypt"
    return "other"


def diagnose(app: "LearnomyApp", db: Connection) -> Diagnosis:
    """Read everything ``learnomy doctor`` reports (writes nothing)."""
    identity = app.identity
    compat = identity.compat(db)
    recommended, reason = recommend(compat.db_version)
    options = get_options(db, app.tables["options"], ["siteurl", APP_PASSWORDS_IN_USE])
    in_wordpress = identity.roles.in_wordpress(db)
    registration = identity.registration(db)
    found = Diagnosis(
        wordpress_present=compat.wordpress_present, db_version=compat.db_version,
        compat_setting=compat.setting, compat_mode=compat.mode, recommended=recommended, reason=reason,
        site_url=options.get("siteurl"), roles=sorted(in_wordpress or []),
        registration_open=registration.open, registration_role=registration.role,
        wordpress_default_role=registration.wordpress_role,
    )
    found.roles_to_register = identity.roles.sync(db, write=False)
    store = identity.store
    users, meta = store.users, store.usermeta
    for (hashed,) in db.execute(sa.select(users.c.user_pass)):
        kind = _hash_kind(hashed or "")
        found.hashes[kind] = found.hashes.get(kind, 0) + 1
    items = 0
    for (raw,) in db.execute(sa.select(meta.c.meta_value).where(meta.c.meta_key == store.APP_PASSWORDS)):
        for item in _items(raw):
            items += 1
            if str(item.get("password", "")).startswith("$generic$"):
                found.unreadable_app_passwords += 1
    found.application_passwords = items
    if compat.wordpress_present:
        found.application_passwords_enabled = bool(options.get(APP_PASSWORDS_IN_USE)) and options.get(
            APP_PASSWORDS_IN_USE) != "0"
    found.orphaned_sessions, found.orphaned_refresh_tokens = identity.tokens.count_orphans(db)
    _warn(found, compat.legacy, registration)
    return found


def _items(raw: Optional[str]) -> list[dict[str, Any]]:
    decoded = unserialize_php(raw)
    values = decoded.values() if isinstance(decoded, dict) else []
    return [item for item in values if isinstance(item, dict)]


def _warn(found: Diagnosis, legacy: bool, registration: Any) -> None:
    if found.compat_mode != found.recommended and found.compat_setting != "auto":
        found.warnings.append(f"wordpress.compat is {found.compat_setting}; {found.recommended} is recommended "
                              f"({found.reason})")
    certain = found.compat_setting != "auto" or found.db_version != LAST_AMBIGUOUS_DB_VERSION
    if legacy and found.hashes.get("wp-bcrypt"):
        found.warnings.append(
            f"{found.hashes['wp-bcrypt']} user(s) have a WordPress 6.8 hash ($wp$) "
            + ("this WordPress cannot verify: each is rewritten as phpass at the user's next login here "
               "(or a password reset)" if certain else
               "that WordPress 6.7 cannot verify: set wordpress.compat to legacy if the site runs 6.7 (each is "
               "then rewritten as phpass at the user's next login here), to 6.8 if it runs 6.8"))
    if legacy and found.unreadable_app_passwords:
        found.warnings.append(
            f"{found.unreadable_app_passwords} application password(s) are hashed the WordPress 6.8 way "
            "($generic$), which WordPress 6.7 and earlier cannot verify: "
            + ("each is rehashed at its next use here (recorded at most daily), or recreate it" if certain else
               "set wordpress.compat to legacy or 6.8 as for passwords"))
    if found.application_passwords and found.application_passwords_enabled is False:
        found.warnings.append("application passwords exist but WordPress ignores them until "
                              f"{APP_PASSWORDS_IN_USE} is set (--fix sets it)")
    role = registration.wordpress_role
    if role and role != registration.role:
        found.warnings.append(f"WordPress's default_role {role!r} is unknown here or may administer the site; "
                              f"registrations here get {registration.role}")
    if found.orphaned_sessions or found.orphaned_refresh_tokens:
        found.warnings.append("sessions or tokens of deleted users remain (--fix deletes them)")


def fix(app: "LearnomyApp", db: Connection) -> list[str]:
    """Repair what can be repaired; what was done, as sentences."""
    identity = app.identity
    done = [f"registry: {change}" for change in identity.roles.sync(db)]
    meta = identity.store.usermeta
    has_items = any(_items(raw) for (raw,) in db.execute(
        sa.select(meta.c.meta_value).where(meta.c.meta_key == identity.store.APP_PASSWORDS)))
    if has_items and identity.compat(db).wordpress_present:
        before = get_options(db, app.tables["options"], [APP_PASSWORDS_IN_USE]).get(APP_PASSWORDS_IN_USE)
        mark_application_passwords_used(db, app.tables["options"])
        if not before or before == "0":
            done.append(f"set {APP_PASSWORDS_IN_USE}")
    sessions, tokens = identity.tokens.purge_orphans(db)
    if sessions or tokens:
        done.append(f"deleted {sessions} session(s) and {tokens} refresh token(s) of deleted users")
    return done

