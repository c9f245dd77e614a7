"""WordPress users: ``{prefix}users``, ``{prefix}usermeta``, roles and capabilities.

Roles are stored as WordPress stores them: the ``{prefix}capabilities`` meta row
holds a PHP-serialized array (``a:1:{s:13:"administrator";b:1;}``), read and
written exactly so, so the project can share a user base with a WordPress site.
A key of that array that is not a role grants that single capability, as in
WordPress. Role definitions come from :class:`~learnomy_core.identity.roles.Roles`
(WordPress's ``{prefix}user_roles`` when there is one).

New users follow ``wp_insert_user``'s rules (:mod:`learnomy_core.identity.names`):
a login WordPress would accept unchanged, at most 60 characters, an address
``is_email`` accepts, a nicename made unique with ``-2``, ``-3``..., and the meta
rows WordPress writes for a new user. A name is looked up as
``wp_authenticate`` looks it up: as a login first, then as an email address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..locks import lock_name, lock_rows
from ..storage import ID, LONGTEXT, inserted_id
from .names import check_new_user, is_email, nicename_candidates, nicename_of, sanitize_user
from .php import serialize_php, unserialize_php
from .roles import BASE_ROLES, Roles

__all__ = [
    "BASE_ROLES",
    "User",
    "users_tables",
    "Roles",
    "serialize_php",
    "unserialize_php",
    "UserStore",
]

# What wp_insert_user writes for a new user, in its order (WordPress 6.8; 6.1
# writes the same keys, with use_ssl "0" alike).
_NEW_USER_META = (
    ("first_name", ""), ("last_name", ""), ("description", ""), ("rich_editing", "true"),
    ("syntax_highlighting", "true"), ("comment_shortcuts", "false"), ("admin_color", "fresh"),
    ("use_ssl", "0"), ("show_admin_bar_front", "true"), ("locale", ""),
)


def users_tables(metadata: sa.MetaData, prefix: str) -> tuple[sa.Table, sa.Table]:
    """Declare ``{prefix}users`` and ``{prefix}usermeta`` with WordPress's columns."""
    users = sa.Table(
        f"{prefix}users", metadata,
        sa.Column("ID", ID, primary_key=True, autoincrement=True),
        sa.Column("user_login", sa.String(60), nullable=False, default=""),
        sa.Column("user_pass", sa.String(255), nullable=False, default=""),
        sa.Column("user_nicename", sa.String(50), nullable=False, default=""),
        sa.Column("user_email", sa.String(100), nullable=False, default=""),
        sa.Column("user_url", sa.String(100), nullable=False, default=""),
        sa.Column("user_registered", sa.DateTime, nullable=False),
        sa.Column("user_activation_key", sa.String(255), nullable=False, default=""),
        sa.Column("user_status", sa.Integer, nullable=False, default=0),
        sa.Column("display_name", sa.String(250), nullable=False, default=""),
    )
    usermeta = sa.Table(
        f"{prefix}usermeta", metadata,
        sa.Column("umeta_id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False, default=0),
        sa.Column("meta_key", sa.String(255), nullable=True),
        sa.Column("meta_value", LONGTEXT, nullable=True),
    )
    # WordPress's own keys (wp-admin/includes/schema.php); meta_key is indexed on
    # its first 191 characters on MySQL, as WordPress does for utf8mb4.
    sa.Index(f"{users.name}_user_login_key", users.c.user_login)
    sa.Index(f"{users.name}_user_nicename", users.c.user_nicename)
    sa.Index(f"{users.name}_user_email", users.c.user_email)
    sa.Index(f"{usermeta.name}_user_id", usermeta.c.user_id)
    sa.Index(f"{usermeta.name}_meta_key", usermeta.c.meta_key, mysql_length=191)
    return users, usermeta


@dataclass
class User:
    """An authenticated (or looked-up) user.

    :ivar auth: how this request authenticated: ``{"method": "jwt", "sid": ...}``
        or ``{"method": "application-password", "uuid": ...}``.
    :ivar granted: the ``{prefix}capabilities`` array as stored (roles and grants).
    """

    id: int
    login: str
    email: str
    display_name: str
    registered_at: datetime
    roles: list[str]
    caps: set[str]
    url: str = ""
    nicename: str = ""
    auth: dict[str, Any] = field(default_factory=dict)
    granted: dict[str, Any] = field(default_factory=dict)

    def has_cap(self, capability: str) -> bool:
        """Whether a role (or a direct grant) gives ``capability``."""
        return capability in self.caps

    @property
    def is_admin(self) -> bool:
        return "manage_options" in self.caps

    @property
    def is_instructor(self) -> bool:
        """Instructors and administrators (both may teach)."""
        return "learnomy_teach" in self.caps

    @property
    def avatar_url(self) -> str:
        digest = hashlib.sha256(self.email.strip().lower().encode()).hexdigest()
        return f"https://secure.gravatar.com/avatar/{digest}?s=96&d=mm&r=g"

    def public(self, *, private: bool = False) -> dict[str, Any]:
        """The User resource; ``email`` only for the user and administrators."""
        body: dict[str, Any] = {
            "id": self.id,
            "username": self.login,
            "display_name": self.display_name,
            "roles": list(self.roles),
            "avatar_url": self.avatar_url,
            "registered_at": self.registered_at,
        }
        if private:
            body["email"] = self.email
        return body


class UserStore:
    """Reads and writes users and their meta for one app.

    :param users: the users table; :param usermeta: the usermeta table.
    :param prefix: the table prefix (the capabilities key is ``{prefix}capabilities``).
    :param roles: the app's :class:`Roles`.
    """

    TOKEN_VERSION = "learnomy_token_version"
    BLOCKED = "learnomy_blocked"
    APP_PASSWORDS = "_application_passwords"

    def __init__(self, users: sa.Table, usermeta: sa.Table, prefix: str, roles: Roles) -> None:
        self.users = users
        self.usermeta = usermeta
        self.prefix = prefix
        self.caps_key = f"{prefix}capabilities"
        self.level_key = f"{prefix}user_level"
        self.roles = roles

    # -- meta --------------------------------------------------------------

    def meta_value(self, user_id_column: Any, key: str, *, locking: bool = False) -> sa.ScalarSelect[Any]:
        """A scalar subquery for one meta value (to load a user in one query);
        with ``locking``, a locking read (see :meth:`get`)."""
        meta = self.usermeta
        query = (
            sa.select(meta.c.meta_value)
            .where(meta.c.user_id == user_id_column, meta.c.meta_key == key)
            .order_by(meta.c.umeta_id)
            .limit(1)
        )
        return (query.with_for_update() if locking else query).scalar_subquery()

    def get_meta(self, db: Connection, user_id: int, key: str) -> Optional[str]:
        meta = self.usermeta
        return db.execute(
            sa.select(meta.c.meta_value)
            .where(meta.c.user_id == user_id, meta.c.meta_key == key)
            .order_by(meta.c.umeta_id).limit(1)
        ).scalar()

    def set_meta(self, db: Connection, user_id: int, key: str, value: str) -> None:
        """``update_user_meta``: update the row if there is one, else add it."""
        meta = self.usermeta
        done = db.execute(
            sa.update(meta).where(meta.c.user_id == user_id, meta.c.meta_key == key).values(meta_value=value)
        ).rowcount
        if not done:
            db.execute(sa.insert(meta).values(user_id=user_id, meta_key=key, meta_value=value))

    def delete_meta(self, db: Connection, user_id: int, key: str) -> None:
        """``delete_user_meta``: every row of ``key`` for the user."""
        meta = self.usermeta
        db.execute(sa.delete(meta).where(meta.c.user_id == user_id, meta.c.meta_key == key))

    # -- users -------------------------------------------------------------

    def select(self, *, locking: bool = False) -> sa.Select:
        """Users with their capabilities, token version and block flag, one query
        (with ``locking``, the meta read by locking reads: see :meth:`get`)."""
        users = self.users
        return sa.select(
            users,
            self.meta_value(users.c.ID, self.caps_key, locking=locking).label("caps_meta"),
            self.meta_value(users.c.ID, self.TOKEN_VERSION, locking=locking).label("token_version"),
            self.meta_value(users.c.ID, self.BLOCKED, locking=locking).label("blocked"),
        )

    def from_row(self, row: Any) -> User:
        decoded = unserialize_php(row.caps_meta)
        granted = {str(key): value for key, value in decoded.items()} if isinstance(decoded, dict) else {}
        roles, caps = self.roles.capabilities(granted)
        return User(
            id=int(row.ID), login=row.user_login, email=row.user_email,
            display_name=row.display_name, registered_at=row.user_registered,
            roles=roles, caps=caps, url=row.user_url, nicename=row.user_nicename, granted=granted,
        )

    def get(self, db: Connection, user_id: int, *, lock: bool = False) -> Optional[Any]:
        """The user row (with meta columns) by id.

        With ``lock``, the row is held first (:meth:`lock`) and then read as it
        is now, to decide a change from: on MySQL a plain read sees the
        transaction's snapshot, which may predate a change committed while this
        one waited for the lock, and so would the meta subqueries of a locking
        read of the row unless they lock too.
        """
        if not lock:
            return db.execute(self.select().where(self.users.c.ID == user_id)).first()
        if not self.lock(db, user_id):
            return None
        return lock_rows(db, self.select(locking=True).where(self.users.c.ID == user_id))[0]

    def find_login(self, db: Connection, login_or_email: str) -> Optional[Any]:
        """The user row a name means: :meth:`candidates`' first."""
        found = self.candidates(db, login_or_email)
        return found[0] if found else None

    def candidates(self, db: Connection, login_or_email: str) -> list[Any]:
        """The users a name may mean, as ``wp_authenticate`` tries them: the user
        whose login it is (after ``sanitize_user``), then, when it is an email
        address, the user whose address it is (any case; one query). A login
        may hold an ``@``, and may even be another user's address: both count."""
        name = sanitize_user(login_or_email)
        if not name:
            return []
        users = self.users
        by_login = _same_text(db, users.c.user_login, name)
        match = sa.or_(by_login, _same_text(db, users.c.user_email, name)) if is_email(name) else by_login
        rows = db.execute(
            self.select().add_columns(sa.case((by_login, 1), else_=0).label("by_login"))
            .where(match).order_by(users.c.ID)
        ).all()
        logins = [row for row in rows if row.by_login]
        emails = [row for row in rows if not row.by_login]
        found = logins[:1] + [row for row in emails[:1] if not logins or row.ID != logins[0].ID]
        return found

    def exists(self, db: Connection, *, login: str = "", email: str = "", except_id: Optional[int] = None) -> bool:
        """Whether a user (other than ``except_id``) holds ``login`` or ``email``.

        Compared case-insensitively, as WordPress's ``username_exists`` and
        ``email_exists`` compare under MySQL's collation: ``Ann`` is taken once
        ``ann`` is. Takes the lock on every user's names first, so the insert or
        update the caller makes next, in this transaction, cannot race another
        registration or email change (two people registering ``Ann`` and ``ann``
        at the same moment: the second waits, then sees the first).
        """
        users = self.users
        taken = [_same_text(db, column, value)
                 for column, value in ((users.c.user_login, login), (users.c.user_email, email)) if value]
        if not taken:
            return False
        lock_name(db, users.metadata.tables[f"{self.prefix}options"], "user_names")
        query = sa.select(users.c.ID).where(sa.or_(*taken))
        if except_id is not None:
            query = query.where(users.c.ID != except_id)
        # A locking read: it sees registrations committed while we waited for the lock.
        return bool(lock_rows(db, query.limit(1)))

    def create(
        self, db: Connection, *, login: str, email: str, password_hash: str, role: str,
        display_name: str = "",
    ) -> int:
        """Insert a user as ``wp_insert_user`` does; the new id.

        Call :meth:`exists` first in the same transaction (it takes the lock on
        every user's names, which the nicename needs too).

        :raises InvalidParams: for a login or address WordPress would refuse.
        :raises ValueError: for an unknown role.
        """
        check_new_user(login, email)
        if role not in self.roles.caps:
            raise ValueError(f"unknown role {role!r}")
        users = self.users
        user_id = inserted_id(db.execute(sa.insert(users).values(
            user_login=login, user_pass=password_hash, user_nicename=self.free_nicename(db, login),
            user_email=email, user_url="", user_registered=_now(), user_activation_key="",
            user_status=0, display_name=display_name or login,
        )))
        for key, value in (("nickname", login), *_NEW_USER_META):
            db.execute(sa.insert(self.usermeta).values(user_id=user_id, meta_key=key, meta_value=value))
        self.set_role(db, int(user_id), role)
        return int(user_id)

    def free_nicename(self, db: Connection, login: str) -> str:
        """The login's nicename, or the first of ``-2``, ``-3``... no other user
        holds (``wp_insert_user``'s loop, in one query). Call it under the names
        lock :meth:`exists` takes."""
        users = self.users
        nicename = nicename_of(login)
        stem = nicename[:44].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        # A locking read: under the names lock exists() took, it sees users that
        # registered while this transaction waited (a plain read would not, on MySQL).
        taken = {str(value).lower() for (value,) in lock_rows(db, (
            sa.select(users.c.user_nicename).where(users.c.user_nicename.like(stem + "%", escape="\\"),
                                                   ~_same_text(db, users.c.user_login, login))))}
        return next(name for name in nicename_candidates(nicename, len(taken) + 1) if name.lower() not in taken)

    def lock(self, db: Connection, user_id: int) -> bool:
        """Hold the user's row until the transaction ends; whether it exists.

        Changes of an account's roles (a read-modify-write of its serialized
        capabilities) queue behind it, so none writes from a stale read.
        """
        return bool(lock_rows(db, sa.select(self.users.c.ID).where(self.users.c.ID == user_id)))

    def set_role(self, db: Connection, user_id: int, role: str) -> None:
        """Replace the user's roles with ``role`` (``WP_User::set_role``), after
        the role changes running (:meth:`lock`).

        :raises ValueError: for an unknown role.
        """
        if role not in self.roles.caps:
            raise ValueError(f"unknown role {role!r}")
        self.lock(db, user_id)
        self.set_meta(db, user_id, self.caps_key, serialize_php({role: True}))
        self.set_meta(db, user_id, self.level_key, str(self.roles.level(role)))

    def add_role(self, db: Connection, user_id: int, role: str) -> None:
        """Give the user ``role`` beside the roles they hold (``WP_User::add_role``).

        :raises ValueError: for an unknown role or user.
        """
        if role not in self.roles.caps:
            raise ValueError(f"unknown role {role!r}")
        # A locking read: on MySQL a plain one could see the roles from before a
        # change committed while this transaction ran, and write them back.
        row = self.get(db, user_id, lock=True)
        if row is None:
            raise ValueError(f"unknown user {user_id}")
        granted = dict(self.from_row(row).granted)
        granted[role] = True
        held = [name for name, on in granted.items() if name in self.roles.caps and on]
        self.set_meta(db, user_id, self.caps_key, serialize_php(granted))
        self.set_meta(db, user_id, self.level_key, str(max(self.roles.level(name) for name in held)))

    def set_password_hash(self, db: Connection, user_id: int, password_hash: str) -> None:
        db.execute(sa.update(self.users).where(self.users.c.ID == user_id).values(user_pass=password_hash))

    def bump_token_version(self, db: Connection, user_id: int, current: Optional[str]) -> int:
        """Invalidate every token issued to the user so far; the new version."""
        version = int(current or 0) + 1
        self.set_meta(db, user_id, self.TOKEN_VERSION, str(version))
        return version


def _same_text(db: Connection, column: Any, value: str) -> Any:
    """``column = value`` ignoring case, the same on every database.

    MySQL's collations (``utf8mb4_unicode_520_ci``, as WordPress creates its
    tables) already ignore case, and WordPress relies on it; SQLite compares
    bytes unless told ``NOCASE`` (which folds ASCII letters: logins are ASCII).
    """
    return column.collate("NOCASE") == value if db.dialect.name == "sqlite" else column == value


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
