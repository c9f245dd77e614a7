"""Idempotent writes (API.md section 11): the ``Idempotency-Key`` header.

A route declares ``"idempotent": True``; the dispatcher then claims the caller's
key before the route runs, in a short transaction of its own, so that a second
request with the same key sees the claim at once, whichever process serves it:

- the first request runs; its answer (status and body) is stored in the
  request's own transaction, so it exists exactly when what it answered does;
- the same key and body again: the stored answer, ``Idempotent-Replayed: true``;
- the same key and another body: 422 ``learnomy_idempotency_mismatch``;
- the same key while the first still runs: 409 ``learnomy_idempotency_in_progress``.

A request that fails (an error answer, a rollback) releases its claim, so the
client may retry it. A claim whose request died without releasing it is taken
over after :data:`STALE_SECONDS`; answers are kept for :data:`KEEP_HOURS`.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import sqlalchemy as sa

from .errors import IdempotencyInProgress, IdempotencyMismatch, InvalidParams
from .response import RestResponse
from .storage import LONGTEXT, TEXT_TABLE, insert_ignore

__all__ = ["idempotency_table", "Claim", "claim", "HEADER", "KEY_PATTERN", "KEEP_HOURS", "STALE_SECONDS"]

HEADER = "Idempotency-Key"
KEEP_HOURS = 24
STALE_SECONDS = 120
KEY_PATTERN = r"[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?"  # 1 to 255 printable, no edge spaces
_KEY = re.compile(KEY_PATTERN)


def idempotency_table(metadata: sa.MetaData, prefix: str) -> sa.Table:
    """``lrn_idempotency_keys``: one row per user and key (the key hashed: MySQL
    compares text case-insensitively, keys are case-sensitive)."""
    return sa.Table(
        f"{prefix}lrn_idempotency_keys", metadata,
        sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("body_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("response_body", LONGTEXT, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Index(f"{prefix}lrn_idempotency_created", "created_at"),
        **TEXT_TABLE,
    )


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Claim:
    """A request's hold on its key; :meth:`store` keeps the answer, :meth:`release` lets go."""

    def __init__(self, app: Any, user_id: int, key_hash: str) -> None:
        self.app, self.user_id, self.key_hash = app, user_id, key_hash

    def _where(self, table: sa.Table) -> Any:
        return sa.and_(table.c.user_id == self.user_id, table.c.key_hash == self.key_hash)

    def store(self, request: Any, rest: RestResponse) -> None:
        """Keep ``rest`` as the key's answer, in the request's transaction."""
        from .app import dumps  # the answer's own serialiser: a replay is byte for byte the same

        table = self.app.storage.tables["lrn_idempotency_keys"]
        body = dumps({"body": rest.body, "headers": {k: v for k, v in rest.headers.items()
                                                     if k == "Location"}}).decode()
        request.db.execute(sa.update(table).where(self._where(table)).values(
            status="done", response_status=rest.status, response_body=body))

    def settle(self, committed: bool) -> None:
        """After the request's transaction: keep the stored answer if it committed,
        else :meth:`release` (an error answer, a rollback, a failed commit)."""
        if not committed:
            self.release()

    def release(self) -> None:
        """Drop the claim (its own transaction): the request failed, a retry may run.
        Not while the request's transaction is open: on SQLite it would wait on it."""
        table = self.app.storage.tables["lrn_idempotency_keys"]
        with self.app.storage.engine.begin() as db:
            db.execute(sa.delete(table).where(self._where(table), table.c.status == "running"))


def _try_claim(app: Any, user_id: int, key_hash: str, body_hash: str) -> tuple[bool, Any]:
    """One attempt: ``(True, None)`` when the key is ours now, else ``(False, the row)``
    (``None`` when the row went away meanwhile, or the database chose us as a
    deadlock victim: try again)."""
    table = app.storage.tables["lrn_idempotency_keys"]
    stamp = _now()
    where = sa.and_(table.c.user_id == user_id, table.c.key_hash == key_hash)
    try:
        # Only statements on this one key: two claims of different keys never wait on each other.
        with app.storage.engine.begin() as db:
            if insert_ignore(db, table, {"user_id": user_id, "key_hash": key_hash, "body_hash": body_hash,
                                         "status": "running", "created_at": stamp}):
                return True, None
            row = db.execute(sa.select(table).where(where)).first()
            if row is not None and (row.created_at < stamp - timedelta(hours=KEEP_HOURS) or (
                    row.status == "running" and row.created_at < stamp - timedelta(seconds=STALE_SECONDS))):
                # Expired, or left by a request that died: the key is free again.
                db.execute(sa.delete(table).where(where, table.c.created_at == row.created_at))
                return False, None
            return False, row
    except sa.exc.OperationalError as exc:
        if not _contended(exc):
            raise
        return False, None


def _contended(exc: sa.exc.OperationalError) -> bool:
    """A deadlock or lock wait (worth trying again), not a database gone away."""
    code = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
    return code in (1205, 1213) or "locked" in str(exc.orig)


def _sweep(app: Any) -> None:
    """Forget answers older than :data:`KEEP_HOURS` (best effort, its own transaction)."""
    table = app.storage.tables["lrn_idempotency_keys"]
    try:
        with app.storage.engine.begin() as db:
            old = [tuple(r) for r in db.execute(sa.select(table.c.user_id, table.c.key_hash).where(
                table.c.created_at < _now() - timedelta(hours=KEEP_HOURS)).limit(100))]
            for user_id, key_hash in old:
                db.execute(sa.delete(table).where(table.c.user_id == user_id, table.c.key_hash == key_hash))
    except sa.exc.OperationalError as exc:
        if not _contended(exc):
            raise
        # another worker is sweeping; the rows go next time


def _body_text(request: Any) -> str:
    """The body as the key's fingerprint sees it: a JSON body by its value (keys
    sorted, no spacing), so the same request serialised otherwise (by a batch, by
    another JSON library on a retry) is the same request; anything else as sent."""
    text = request.get_data(as_text=True)
    mimetype = request.mimetype
    if text and (mimetype == "application/json" or mimetype.endswith("+json")):
        try:
            return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except (ValueError, RecursionError):
            pass  # refused later, when the parameters are read
    return text


def claim(request: Any) -> tuple[Optional[Claim], Optional[RestResponse]]:
    """Claim the request's key: ``(claim, None)`` to run it, ``(None, answer)`` to replay.

    Must run before the request's transaction writes anything (SQLite has one
    writer). Without the header: ``(None, None)``, the request runs as any other.

    :raises InvalidParams: for a malformed key.
    :raises IdempotencyMismatch: the key was used with another body.
    :raises IdempotencyInProgress: the key's first request is still running.
    """
    key = request.headers.get(HEADER)
    if key is None:
        return None, None
    if not _KEY.fullmatch(key):
        raise InvalidParams(details=[{"param": HEADER, "code": "rest_invalid_param",
                                      "message": "Idempotency-Key must be 1 to 255 printable characters."}])
    app = request.app
    user_id = int(request.user.id) if request.user is not None else 0
    key_hash = _digest(key)
    body_hash = _digest(f"{request.rest_method} {request.path}\n{_body_text(request)}")
    row = None
    for _ in range(3):
        inserted, row = _try_claim(app, user_id, key_hash, body_hash)
        if inserted:
            _sweep(app)
            return Claim(app, user_id, key_hash), None
        if row is not None:
            break
    if row is None:  # released between our insert and read: the client may simply retry
        raise IdempotencyInProgress()
    if row.body_hash != body_hash:
        raise IdempotencyMismatch()
    if row.status != "done":
        raise IdempotencyInProgress()
    stored = json.loads(row.response_body)
    return None, RestResponse(stored["body"], int(row.response_status),
                              {**stored["headers"], "Idempotent-Replayed": "true"})
