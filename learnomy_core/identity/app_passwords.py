"""WordPress application passwords, stored exactly as WordPress stores them.

The ``_application_passwords`` user meta holds a PHP-serialized list of items
``{uuid, app_id, name, password, created, last_used, last_ip}`` where ``password``
is ``wp_fast_hash`` of the 24-character secret (WordPress 6.8), or its phpass
hash for a site on WordPress 6.7 or earlier, which cannot read the former (see
:mod:`learnomy_core.identity.wordpress`); both verify. On such a site, an item
hashed the 6.8 way (made here before) is rehashed when its use is next recorded.
The secret is shown once, chunked in fours as WordPress shows it; on input
everything but letters and digits is ignored.
"""

from __future__ import annotations

import re
import secrets
import string
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..locks import lock_rows
from .passwords import fast_hash, hash_phpass, verify_fast_hash
from .php import serialize_php, unserialize_php
from .users import UserStore

if TYPE_CHECKING:  # pragma: no cover
    from .wordpress import Compat

__all__ = ["AppPasswords", "generate", "chunk", "normalize"]

_ALPHABET = string.ascii_letters + string.digits
LENGTH = 24
_USAGE_INTERVAL = 24 * 3600  # WordPress records usage at most daily per IP


def generate() -> str:
    """A new 24-character secret (``wp_generate_password(24, false)``)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(LENGTH))


def chunk(password: str) -> str:
    """``abcd efgh ...``, as WordPress displays a new application password."""
    return " ".join(password[i:i + 4] for i in range(0, len(password), 4))


def normalize(presented: str) -> str:
    """Drop everything but letters and digits (spaces from the chunked form)."""
    return re.sub(r"[^a-z\d]", "", presented, flags=re.IGNORECASE)


class AppPasswords:
    """Application passwords of users, in their user meta."""

    def __init__(self, store: UserStore) -> None:
        self.store = store

    def items(self, db: Connection, user_id: int, *, for_update: bool = False) -> list[dict[str, Any]]:
        """The user's application passwords.

        :param for_update: the caller will write the list back: lock the user
            first, so that concurrent changes (six devices adding one each at the
            same moment) queue up instead of overwriting each other.
        """
        meta = self.store.usermeta
        query = sa.select(meta.c.meta_value).where(
            meta.c.user_id == user_id, meta.c.meta_key == UserStore.APP_PASSWORDS
        ).limit(1)
        if for_update:
            # The user's row always exists; the meta row may not yet (the first
            # password), and locking a missing row serialises nothing.
            self.store.lock(db, user_id)
            found = lock_rows(db, query)  # a locking read sees the latest list
            raw = found[0][0] if found else None
        else:
            raw = db.execute(query).scalar()
        decoded = unserialize_php(raw)
        if isinstance(decoded, dict):
            decoded = [decoded[k] for k in sorted(decoded)]
        return [dict(item) for item in (decoded or []) if isinstance(item, dict)]

    def _save(self, db: Connection, user_id: int, items: list[dict[str, Any]]) -> None:
        self.store.set_meta(db, user_id, UserStore.APP_PASSWORDS, serialize_php(items))

    def create(self, db: Connection, user_id: int, name: str, app_id: str = "", *,
               hash_secret: Callable[[str], str] = fast_hash) -> tuple[dict[str, Any], str]:
        """Add one; ``(item, plain_secret)``.

        :param hash_secret: how to store it (WordPress 6.8's ``wp_fast_hash``, or
            phpass for an older site).
        :raises ValueError: when the user already has one with that name.
        """
        items = self.items(db, user_id, for_update=True)
        if any(item.get("name") == name for item in items):
            raise ValueError("duplicate name")
        secret = generate()
        item = {
            "uuid": str(uuid.uuid4()), "app_id": app_id, "name": name,
            "password": hash_secret(secret), "created": int(time.time()),
            "last_used": None, "last_ip": None,
        }
        self._save(db, user_id, [*items, item])
        return item, secret

    def delete(self, db: Connection, user_id: int, item_uuid: str) -> Optional[dict[str, Any]]:
        """Remove one by uuid; the removed item, or None."""
        items = self.items(db, user_id, for_update=True)
        kept = [item for item in items if item.get("uuid") != item_uuid]
        if len(kept) == len(items):
            return None
        self._save(db, user_id, kept)
        return next(item for item in items if item.get("uuid") == item_uuid)

    def verify(self, db: Connection, user_id: int, presented: str) -> Optional[dict[str, Any]]:
        """The item whose secret ``presented`` is, or None."""
        secret = normalize(presented)
        if not secret:
            return None
        for item in self.items(db, user_id):
            if verify_fast_hash(secret, str(item.get("password", ""))):
                return item
        return None

    def record_usage(self, db: Connection, user_id: int, item_uuid: str, ip: str, *, secret: str = "",
                     compat: Optional[Callable[[], "Compat"]] = None) -> None:
        """Update ``last_used``/``last_ip`` (at most daily per IP, as WordPress does).

        Then, given the ``secret`` just presented and the site's ``compat``, an
        item hashed in a format the site cannot read is rehashed in one it can.
        """
        now = int(time.time())

        def due(items: list[dict[str, Any]]) -> Optional[dict[str, Any]]:
            item = next((i for i in items if i.get("uuid") == item_uuid), None)
            if item is None or (item.get("last_ip") == ip and int(item.get("last_used") or 0) + _USAGE_INTERVAL > now):
                return None
            return item

        # Most requests have nothing to record: look first, lock only to write.
        if due(self.items(db, user_id)) is None:
            return
        items = self.items(db, user_id, for_update=True)
        item = due(items)
        if item is not None:
            item["last_used"], item["last_ip"] = now, ip
            stored = str(item.get("password", ""))
            if secret and compat is not None and stored.startswith("$generic$") and not compat().reads_fast_hashes():
                item["password"] = hash_phpass(normalize(secret))
            self._save(db, user_id, items)
