"""This project's sessions, listed among WordPress's own in the ``session_tokens``
user meta, so that what WordPress does to a user's sessions it does to ours.

WordPress keeps a user's login sessions in ``session_tokens``: a PHP-serialized
array ``verifier => {expiration, ip, ua, login}`` (the verifier is the SHA-256 of
the cookie's token; ``WP_User_Meta_Session_Tokens``). Every session begun here
adds an entry of the same shape under a random verifier of its own, kept while
the session lives (its expiration follows the refresh token's). Then:

- "Log Out Everywhere" (``destroy_all``/``destroy_others``), an administrator
  ending a user's sessions, or a plugin dropping them all, removes our entries
  too, and the session here ends on its next request;
- a user logging out of one browser removes only that browser's entry;
- WordPress's profile screen counts sessions begun here among the user's.

WordPress writes the whole array at once, as we do; writes here lock the user's
row first, so two of ours never lose each other's entry.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..locks import lock_rows
from .php import serialize_php, unserialize_php

if TYPE_CHECKING:  # pragma: no cover
    from .users import UserStore

__all__ = ["SESSION_TOKENS", "WordPressSessions", "new_verifier", "holds"]

SESSION_TOKENS = "session_tokens"


def new_verifier() -> str:
    """A verifier as WordPress's are: 64 hexadecimal characters."""
    return secrets.token_hex(32)


def holds(raw: Optional[str], verifier: str) -> bool:
    """Whether the serialized ``session_tokens`` value lists ``verifier``.

    A substring test: the hot path reads this on every bearer request, and a
    64-hex key in quotes cannot appear in the value by accident.
    """
    return bool(raw) and f'"{verifier}"' in raw  # type: ignore[operator]


class WordPressSessions:
    """Entries of ``session_tokens`` for the sessions begun here."""

    def __init__(self, store: "UserStore") -> None:
        self.store = store

    def add(self, db: Connection, user_id: int, verifier: str, expiration: int, ip: str, user_agent: str) -> bool:
        """List a new session (as ``WP_Session_Tokens::create`` does); whether it was."""
        entry: dict[str, Any] = {"expiration": int(expiration)}
        if ip:
            entry["ip"] = ip
        if user_agent:
            entry["ua"] = user_agent
        entry["login"] = int(time.time())
        return self._edit(db, user_id, lambda sessions: sessions.__setitem__(verifier, entry))

    def extend(self, db: Connection, user_id: int, verifier: str, expiration: int) -> bool:
        """Move a listed session's expiration (its refresh token was rotated)."""

        def change(sessions: dict[str, Any]) -> None:
            if verifier in sessions:
                sessions[verifier]["expiration"] = int(expiration)

        return self._edit(db, user_id, change)

    def remove(self, db: Connection, user_id: int, verifiers: Iterable[str]) -> None:
        """Unlist sessions ended here."""
        gone = set(verifiers)
        if gone:
            self._edit(db, user_id, lambda sessions: [sessions.pop(v, None) for v in gone])

    def _edit(self, db: Connection, user_id: int, change: Callable[[dict[str, Any]], Any]) -> bool:
        """Read-modify-write under the user's lock, dropping expired entries as
        WordPress does on every write; an empty list deletes the row, as
        WordPress's does. A value that is not an array is left alone."""
        store = self.store
        store.lock(db, user_id)
        meta = store.usermeta
        found = lock_rows(db, sa.select(meta.c.meta_value).where(
            meta.c.user_id == user_id, meta.c.meta_key == SESSION_TOKENS).order_by(meta.c.umeta_id).limit(1))
        raw = found[0][0] if found else None
        decoded = unserialize_php(raw) if raw else {}
        if not isinstance(decoded, dict):
            return False
        now = time.time()
        sessions: dict[str, Any] = {}
        for key, value in decoded.items():
            session = {"expiration": value} if isinstance(value, int) else value  # prepare_session()
            if isinstance(session, dict) and int(session.get("expiration") or 0) >= now:
                sessions[str(key)] = session
        change(sessions)
        if sessions:
            store.set_meta(db, user_id, SESSION_TOKENS, serialize_php(sessions))
        elif raw is not None:
            store.delete_meta(db, user_id, SESSION_TOKENS)
        return True
