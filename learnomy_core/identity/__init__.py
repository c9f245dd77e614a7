"""Identity and access: WordPress users, passwords, tokens, application passwords
and rate limits, gathered behind :class:`Identity` (``app.identity``)."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Optional

from ..errors import ApiError, InvalidCredentials, RateLimited
from ..request import RestRequest
from .app_passwords import AppPasswords
from .passwords import (
    MAX_PASSWORD_BYTES,
    check_password,
    dummy_check,
    hash_password,
    needs_rehash,
    verifies_cheaper,
)
from .ratelimit import RateLimiter
from .tokens import TokenService
from .users import Roles, User, UserStore

__all__ = ["Identity", "User", "Roles", "AccountBlocked"]

_PLAIN_HTTP_ENVIRONMENTS = ("local", "development")


class AccountBlocked(ApiError):
    status = 403
    code = "learnomy_account_blocked"
    message = "This account has been blocked."


class Identity:
    """Everything about who the caller is, for one app."""

    def __init__(self, app: Any, roles: Roles) -> None:
        tables = app.tables
        self.app = app
        self.roles = roles
        self.store = UserStore(tables["users"], tables["usermeta"], app.config["table_prefix"], roles)
        self.tokens = TokenService(app, self.store, tables["lrn_auth_sessions"], tables["lrn_refresh_tokens"])
        self.app_passwords = AppPasswords(self.store)
        self.rate_limiter = RateLimiter(app.storage.engine, tables["lrn_rate_limits"])

    @property
    def cost(self) -> int:
        return self.app.config["bcrypt_cost"]

    # -- authentication --------------------------------------------------------

    def authenticate(self, request: RestRequest) -> Optional[User]:
        """The caller from ``Authorization: Bearer`` or ``Basic``; None without credentials."""
        header = request.environ.get("HTTP_AUTHORIZATION", "")
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            return self.tokens.authenticate(request, value.strip())
        if scheme == "basic":
            return self._basic(request, value.strip())
        return None

    def _basic(self, request: RestRequest, value: str) -> User:
        """An application password over Basic auth (never the account password)."""
        if request.scheme != "https" and self.app.config["environment"] not in _PLAIN_HTTP_ENVIRONMENTS:
            raise InvalidCredentials("Application passwords require HTTPS.")
        try:
            login, _, secret = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidCredentials() from None
        row = self.store.find_login(request.db, login) if login else None
        item = self.app_passwords.verify(request.db, int(row.ID), secret) if row is not None else None
        if row is None or item is None or row.blocked == "1":
            raise InvalidCredentials()
        # Deferred: a write now would hold SQLite's lock while the rate limiter
        # counts on a connection of its own.
        user_id, ip = int(row.ID), request.remote_addr or ""
        request.before_commit.append(lambda db: self.app_passwords.record_usage(db, user_id, item["uuid"], ip))
        user = self.store.from_row(row)
        user.auth = {"method": "application-password", "uuid": item["uuid"], "item": item}
        return user

    def login(self, request: RestRequest, username: str, password: str) -> Any:
        """The user row for a correct login; the same cost and answer otherwise.

        :raises InvalidCredentials: unknown user or wrong password (indistinguishable).
        :raises AccountBlocked: a correct password for a blocked account.
        """
        row = self.store.find_login(request.db, username) if username else None
        if row is None or len(password.encode()) > MAX_PASSWORD_BYTES:
            dummy_check(self.cost)
            raise InvalidCredentials("The username or password is incorrect.")
        if not check_password(password, row.user_pass):
            # A legacy hash (phpass, MD5, cheaper bcrypt) fails faster than ours,
            # which would tell its accounts apart from unknown names: pay ours too.
            if verifies_cheaper(row.user_pass, self.cost):
                dummy_check(self.cost)
            raise InvalidCredentials("The username or password is incorrect.")
        if row.blocked == "1":
            raise AccountBlocked()
        if needs_rehash(row.user_pass, self.cost):
            self.store.set_password_hash(request.db, int(row.ID), hash_password(password, self.cost))
        return row

    def set_password(self, db: Any, user_id: int, password: str) -> None:
        """Store a new password and invalidate every token issued before."""
        self.store.set_password_hash(db, user_id, hash_password(password, self.cost))
        self.tokens.invalidate_user(db, user_id)

    # -- rate limits -----------------------------------------------------------

    def rate_limit(self, request: RestRequest, limit: int) -> dict[str, str]:
        """Count a request to a sensitive route; its headers, or 429.

        Administrators and instructors are exempt (no headers then).
        """
        user = request.user
        if user is not None and user.has_cap("learnomy_teach"):
            return {}
        who = f"u{user.id}" if user is not None else f"ip{request.remote_addr or ''}"
        route = request.route.pattern if request.route else ""
        verdict = self.rate_limiter.hit(f"{request.rest_method} {route}|{who}", limit)
        if not verdict.allowed:
            raise RateLimited(headers={**verdict.headers, "Retry-After": str(verdict.retry_after)})
        return verdict.headers
