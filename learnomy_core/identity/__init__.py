"""Identity and access: WordPress users, passwords, tokens, application passwords
and rate limits, gathered behind :class:`Identity` (``app.identity``)."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Iterable, Optional

from ..errors import AccountBlocked, ApiError, InvalidCredentials, RateLimited
from ..registry import Sensitivity
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
from .ratelimit import RateLimiter, client_address
from .tokens import TokenService
from .users import Roles, User, UserStore

__all__ = ["Identity", "User", "Roles", "AccountBlocked"]

_PLAIN_HTTP_ENVIRONMENTS = ("local", "development")
# No WordPress login or email address is longer (user_email is VARCHAR(100)).
_LONGEST_ACCOUNT_NAME = 100


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

    def _basic(self, request: RestRequest, value: str) -> Optional[User]:
        """An application password over Basic auth (never the account password).

        Credentials without a ``:`` are no login and password at all: as in
        WordPress, the request goes on anonymously.
        """
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidCredentials() from None
        if ":" not in decoded:
            return None
        if request.scheme != "https" and self.app.config["environment"] not in _PLAIN_HTTP_ENVIRONMENTS:
            raise InvalidCredentials("Application passwords require HTTPS.")
        login, _, secret = decoded.partition(":")
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

    def rate_limit(self, request: RestRequest, limit: int, rule: Optional[Sensitivity] = None) -> dict[str, str]:
        """Count a request to a sensitive route; its headers, or 429.

        ``rule`` (the endpoint's ``sensitive`` declaration by default) says what is
        counted. Per user: the caller, or the client address when anonymous;
        administrators and instructors are exempt (no headers then). Per client:
        the client address and every account the request names, whatever
        credentials it carries, nobody exempt.

        :raises RateLimited: when a bucket is empty, with ``Retry-After``.
        """
        if rule is None:
            rule = request.endpoint.sensitive if request.endpoint and request.endpoint.sensitive else Sensitivity()
        client = "ip" + client_address(request.remote_addr)
        if rule.per == "client":
            callers = [client, *self._accounts(request, rule.accounts)]
        else:
            user = request.user
            if user is not None and user.has_cap("learnomy_teach"):
                return {}
            callers = [f"u{user.id}" if user is not None else client]
        route = f"{request.rest_method} {request.route.pattern if request.route else request.path}"
        verdict = self.rate_limiter.hit([f"{route}|{caller}" for caller in callers], limit)
        if not verdict.allowed:
            raise RateLimited(headers={**verdict.headers, "Retry-After": str(verdict.retry_after)})
        return verdict.headers

    def _accounts(self, request: RestRequest, names: Iterable[str]) -> list[str]:
        """The accounts a request names, as limiter keys.

        Each name counts case-folded (``ANN`` is ``ann``), and, when it finds an
        account, as that account too (its login and its email are one account,
        and MariaDB's collation matches more spellings than case-folding does).
        """
        keys: list[str] = []
        for value in _sent_values(request, names):
            found = [f"name:{value.strip().casefold()}"]
            row = self.store.find_login(request.db, value) if len(value) <= _LONGEST_ACCOUNT_NAME else None
            if row is not None:
                found.append(f"user:{int(row.ID)}")
            keys += [key for key in found if key not in keys]
        return keys


def _sent_values(request: RestRequest, names: Iterable[str]) -> list[str]:
    """Every value the caller sent for ``names``: in the path, body or query.

    Parameters are read before they are validated, so that a request counts
    whatever its input. Every place is read rather than the one that wins the
    merge, so no placement escapes the count.
    """
    try:
        json_params, form_params = request.body_params()
    except ApiError:  # the request fails on its parameters anyway, after counting
        json_params, form_params = {}, {}
    values: list[str] = []
    for name in names:
        for source in (request.url_params, json_params, form_params, request.query_params):
            value = source.get(name)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                values.append(str(value))
    return values
