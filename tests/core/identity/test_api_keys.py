"""API keys in the core: hashed at rest, one query to check, scopes narrow methods."""

from __future__ import annotations

import hashlib
import string
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy_core.errors import InsufficientScope
from learnomy_core.identity.api_keys import PREFIX_LENGTH, check_scope, looks_like_key


def _create(app: LearnomyApp, user_id: int, scopes: list[str], expires_at: Any = None) -> tuple[Any, str]:
    with app.storage.engine.begin() as db:
        return app.identity.api_keys.create(db, user_id=user_id, name="k", scopes=scopes, expires_at=expires_at,
                                            created_by=user_id)


def test_only_a_hash_and_a_prefix_are_stored(app: LearnomyApp, make_user: Callable[..., int]) -> None:
    ann = make_user("ann")
    row, key = _create(app, ann, ["write", "read", "read"])
    assert row.prefix == key[:PREFIX_LENGTH] and row.scopes == "read write"
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in [str(value) for value in row]
    assert looks_like_key(key) and not looks_like_key("eyJhbGciOiJIUzI1NiJ9.x.y")
    _, other = _create(app, ann, ["read"])
    assert other != key


def test_what_is_never_shown_is_32_random_bytes(app: LearnomyApp, make_user: Callable[..., int]) -> None:
    """API.md section 12: at least 32 random bytes. The prefix is shown in every
    list and stored in the clear, so the 32 bytes are what comes after it."""
    _, key = _create(app, make_user("ann"), ["read"])
    hidden = key[PREFIX_LENGTH:]
    assert len(hidden) >= 43 and set(hidden) <= set(string.ascii_letters + string.digits + "-_")


def test_a_key_is_checked_in_one_query(app: LearnomyApp, make_user: Callable[..., int]) -> None:
    ann = make_user("ann")
    _, key = _create(app, ann, ["read"])
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    client = Client(app)
    client.get("/wp-json/learnomy/v1/me", headers={"X-Learnomy-Key": key})  # warm-up: roles read, usage written
    sa.event.listen(app.storage.engine, "before_cursor_execute", record)
    try:
        response = client.get("/wp-json/learnomy/v1/me", headers={"X-Learnomy-Key": key})
    finally:
        sa.event.remove(app.storage.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert len([s for s in statements if "lrn_api_keys" in s]) == 1


@pytest.mark.parametrize("method, scopes, allowed", [
    ("GET", ["read"], True), ("HEAD", ["read"], True), ("OPTIONS", ["read"], True),
    ("POST", ["read"], False), ("PUT", ["read"], False), ("PATCH", ["read"], False), ("DELETE", ["read"], False),
    ("POST", ["write"], True), ("DELETE", ["read", "write"], True),
])
def test_scopes_narrow_the_methods(method: str, scopes: list[str], allowed: bool) -> None:
    request: Any = SimpleNamespace(rest_method=method, endpoint=None,
                                   user=SimpleNamespace(auth={"method": "api-key", "scopes": scopes}))
    if allowed:
        check_scope(request)
    else:
        with pytest.raises(InsufficientScope):
            check_scope(request)


def test_other_credentials_have_no_scopes() -> None:
    for user in (None, SimpleNamespace(auth={"method": "jwt", "sid": "x"})):
        check_scope(SimpleNamespace(rest_method="DELETE", user=user))  # type: ignore[arg-type]


def test_revoke_is_once(app: LearnomyApp, make_user: Callable[..., int]) -> None:
    row, _ = _create(app, make_user("ann"), ["read"],
                     expires_at=datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=1))
    with app.storage.engine.begin() as db:
        assert app.identity.api_keys.revoke(db, int(row.id)) is True
        assert app.identity.api_keys.revoke(db, int(row.id)) is False
