"""API keys (API.md section 12): long-lived credentials for server-to-server use.

A key is ``lrn_`` and 51 URL-safe characters (38 random bytes). Only its
SHA-256 is stored, beside its first characters (:data:`PREFIX_LENGTH`, shown in
lists and used to find the row): a database reader learns nothing that can be
presented. What is never shown, after the prefix, still holds the 32 random
bytes API.md asks for; 256 random bits need no slow hash; comparing digests is
constant time.

A key carries the rights of its user, narrowed by its scopes: ``read`` allows the
safe methods only (``GET``, ``HEAD``, ``OPTIONS``), ``write`` everything. It is
presented as ``Authorization: Bearer lrn_...`` or ``X-Learnomy-Key: lrn_...``::

    curl -H "Authorization: Bearer lrn_Xb3..." https://lms.example.org/wp-json/learnomy/v1/courses

It stops working when revoked, when it expires, and while its user is blocked
(the same flag the bearer tokens check) or once the user is deleted. Like
WordPress's application passwords, it survives a change of its user's password.

``last_used_at`` is written at most once a minute per key (:data:`USAGE_INTERVAL`),
by requests that succeed, just before they commit: most requests write nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import InsufficientScope, InvalidCredentials, KeyCannotMint
from ..storage import ID, TEXT_TABLE, inserted_id

if TYPE_CHECKING:  # pragma: no cover
    from ..request import RestRequest
    from .users import User, UserStore

__all__ = ["api_keys_table", "ApiKeys", "KEY_PREFIX", "PREFIX_LENGTH", "SCOPES", "USAGE_INTERVAL",
           "SAFE_METHODS", "looks_like_key", "check_scope", "refuse_api_key"]

KEY_PREFIX = "lrn_"
PREFIX_LENGTH = len(KEY_PREFIX) + 8  # "lrn_" and 48 random bits: recognisable, and finds the row
SCOPES = ("read", "write")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
USAGE_INTERVAL = timedelta(minutes=1)
# 32 bytes after the prefix's 48 shown bits (6 bytes), which lists and the table hold in the clear.
_RANDOM_BYTES = 32 + 6
_LONGEST = 200  # a presented key longer than this is no key of ours


def api_keys_table(metadata: sa.MetaData, prefix: str) -> sa.Table:
    """Declare ``{prefix}lrn_api_keys``."""
    table = sa.Table(
        f"{prefix}lrn_api_keys", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.String(32), nullable=False),  # space-separated, as OAuth writes scopes
        sa.Column("created_by", ID, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=True),
        sa.Column("last_used_at", sa.DateTime, nullable=True),
        sa.Column("revoked_at", sa.DateTime, nullable=True),
        **TEXT_TABLE,
    )
    sa.Index(f"{table.name}_prefix", table.c.prefix)
    sa.Index(f"{table.name}_user_id", table.c.user_id)
    return table


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def looks_like_key(value: str) -> bool:
    """Whether a bearer credential is an API key rather than a JWT."""
    return value.startswith(KEY_PREFIX)


def check_scope(request: "RestRequest") -> None:
    """Refuse a write made with a ``read`` key.

    :raises InsufficientScope: (403) when the caller authenticated with an API
        key whose scopes do not allow the request's method.
    """
    user = request.user
    auth = getattr(user, "auth", None) or {}
    if auth.get("method") != "api-key" or request.rest_method in SAFE_METHODS:
        return
    if request.endpoint is not None and request.endpoint.read_only:
        return  # writes nothing itself (a batch checks each sub-request)
    if "write" not in auth.get("scopes", ()):
        raise InsufficientScope("This API key may only read: its scopes are "
                                f"{', '.join(auth.get('scopes', ())) or 'none'}.")


def refuse_api_key(request: "RestRequest", what: str) -> None:
    """Refuse to mint a lasting credential for a caller that presented an API key.

    A credential made with a key (another key, an application password) would
    keep its holder in after the key is revoked, which is what revoking a
    leaked key must end. Routes that mint one call this first: an API key, an
    application password. Those that need the account password as well (log
    in, change the password) need no such check: the key alone gets nowhere.

    :param what: what the route makes, for the message (``"API keys"``).
    :raises KeyCannotMint: (403) when the caller authenticated with an API key,
        whatever its scopes.
    """
    auth = getattr(request.user, "auth", None) or {}
    if auth.get("method") == "api-key":
        raise KeyCannotMint(f"An API key cannot create {what}: they would outlive the key's revocation. "
                            "Sign in as the user to create them.")


class ApiKeys:
    """Creates, lists, revokes and checks API keys for one app."""

    def __init__(self, table: sa.Table, store: "UserStore") -> None:
        self.table = table
        self.store = store

    def create(self, db: Connection, *, user_id: int, name: str, scopes: Iterable[str],
               expires_at: Optional[datetime], created_by: int) -> tuple[Any, str]:
        """A new key: ``(row, plain key)``; the plain key exists only in this answer.

        :param scopes: some of :data:`SCOPES`.
        :param expires_at: naive UTC, or None for a key that does not expire.
        """
        wanted = [scope for scope in SCOPES if scope in set(scopes)]
        key = KEY_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)
        new_id = inserted_id(db.execute(sa.insert(self.table).values(
            user_id=user_id, name=name, prefix=key[:PREFIX_LENGTH], key_hash=_digest(key),
            scopes=" ".join(wanted), created_by=created_by, created_at=_now(), expires_at=expires_at,
            last_used_at=None, revoked_at=None,
        )))
        return self.get(db, int(new_id)), key

    def get(self, db: Connection, key_id: int) -> Any:
        """One key's row (revoked ones included), or None."""
        return db.execute(sa.select(self.table).where(self.table.c.id == key_id)).first()

    def revoke(self, db: Connection, key_id: int) -> bool:
        """Revoke a key now; whether this call revoked it (False: already revoked)."""
        table = self.table
        return db.execute(sa.update(table).where(table.c.id == key_id, table.c.revoked_at.is_(None))
                          .values(revoked_at=_now())).rowcount == 1

    def revoke_user(self, db: Connection, user_id: int) -> None:
        """Revoke every key of one user now (the account was blocked)."""
        table = self.table
        db.execute(sa.update(table).where(table.c.user_id == user_id, table.c.revoked_at.is_(None))
                   .values(revoked_at=_now()))

    def authenticate(self, request: "RestRequest", presented: str) -> "User":
        """The user of a presented key, in one query.

        :raises InvalidCredentials: (401) for an unknown, revoked or expired key,
            or one whose user is blocked or gone; the message says which.
        """
        if not looks_like_key(presented) or len(presented) > _LONGEST:
            raise InvalidCredentials("The API key is not valid.")
        table, store = self.table, self.store
        users = store.users
        rows = request.db.execute(
            store.select().add_columns(
                table.c.id.label("key_id"), table.c.key_hash, table.c.scopes, table.c.expires_at,
                table.c.revoked_at, table.c.last_used_at,
            ).select_from(table.outerjoin(users, users.c.ID == table.c.user_id))
            .where(table.c.prefix == presented[:PREFIX_LENGTH])
        ).all()
        digest = _digest(presented)
        row = next((r for r in rows if hmac.compare_digest(r.key_hash, digest)), None)
        now = _now()
        if row is None:
            raise InvalidCredentials("The API key is not valid.")
        if row.revoked_at is not None:
            raise InvalidCredentials("This API key has been revoked.")
        if row.expires_at is not None and row.expires_at <= now:
            raise InvalidCredentials("This API key has expired.")
        if row.ID is None:
            raise InvalidCredentials("This API key's user no longer exists.")
        if row.blocked == "1":
            raise InvalidCredentials("This API key's user is blocked.")
        key_id = int(row.key_id)
        if row.last_used_at is None or row.last_used_at <= now - USAGE_INTERVAL:
            # Deferred to the commit, as application passwords' usage: a write now
            # would hold SQLite's lock while the rate limiter counts on a
            # connection of its own. Guarded, so concurrent requests write once.
            request.before_commit.append(lambda db: self.record_usage(db, key_id, now))
        user = store.from_row(row)
        user.auth = {"method": "api-key", "key_id": key_id, "scopes": row.scopes.split()}
        return user

    def record_usage(self, db: Connection, key_id: int, when: datetime) -> bool:
        """Set ``last_used_at`` unless it was set less than a minute before ``when``."""
        table = self.table
        stale = sa.or_(table.c.last_used_at.is_(None), table.c.last_used_at <= when - USAGE_INTERVAL)
        return db.execute(sa.update(table).where(table.c.id == key_id, stale)
                          .values(last_used_at=when)).rowcount == 1
