"""Identity and access: WordPress users, passwords, tokens, application passwords
and rate limits, gathered behind :class:`Identity` (``app.identity``).

Everything here shares the database with WordPress and keeps its formats: see
:mod:`.wordpress` (which version's hashes to write), :mod:`.roles` (the role
registry), :mod:`.names` (logins and addresses), :mod:`.wp_sessions` (sessions
WordPress can end).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import AccountBlocked, ApiError, InvalidCredentials, RateLimited, Unavailable
from ..locks import lock_rows
from ..options import get_options
from ..registry import Sensitivity
from ..request import RestRequest
from ..storage import RETRY_AFTER_SECONDS
from .api_keys import ApiKeys, looks_like_key
from .app_passwords import AppPasswords
from .passwords import (
    MAX_PASSWORD_BYTES,
    check_password,
    dummy_check,
    trim_password,
    verifies_cheaper,
)
from .ratelimit import RateLimiter, client_address
from .roles import MANAGE, Roles
from .tokens import TokenService
from .users import User, UserStore
from .wordpress import Compat, mark_application_passwords_used, read_compat
from .wp_sessions import SESSION_TOKENS

__all__ = ["Identity", "User", "Roles", "AccountBlocked", "Registration"]

_PLAIN_HTTP_ENVIRONMENTS = ("local", "development")
# No WordPress login or email address is longer (user_email is VARCHAR(100)).
_LONGEST_ACCOUNT_NAME = 100
# A WordPress default_role granting any of these is not handed to strangers.
_PRIVILEGED = {"manage_options", "promote_users", "edit_users", "create_users", "delete_users",
               "activate_plugins", "install_plugins", "edit_plugins", MANAGE}
_DEFAULT_ROLE = "lrn_student"


@dataclass(frozen=True)
class Registration:
    """Whether strangers may register, and the role they get.

    :ivar wordpress_open: WordPress's ``users_can_register`` (None: not set).
    :ivar wordpress_role: WordPress's ``default_role`` (None: not set).
    """

    open: bool
    role: str
    wordpress_open: Optional[bool] = None
    wordpress_role: Optional[str] = None


class Identity:
    """Everything about who the caller is, for one app."""

    def __init__(self, app: Any, roles: Roles) -> None:
        tables = app.tables
        self.app = app
        self.roles = roles
        self.store = UserStore(tables["users"], tables["usermeta"], app.config["table_prefix"], roles)
        self.tokens = TokenService(app, self.store, tables["lrn_auth_sessions"], tables["lrn_refresh_tokens"])
        self.app_passwords = AppPasswords(self.store)
        self.api_keys = ApiKeys(tables["lrn_api_keys"], self.store)
        self.rate_limiter = RateLimiter(app.storage.engine, tables["lrn_rate_limits"])
        self.options = tables["options"]
        self.ready = False

    def get_ready(self) -> None:
        """Once per process, before the first request's transaction: register
        this project's roles in WordPress's registry and read it (a transaction
        of its own, like the site secret's).

        :raises Unavailable: when the database cannot be reached.
        """
        try:
            with self.app.storage.engine.begin() as db:
                self.roles.sync(db)
                self.roles.refresh(db)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise Unavailable(headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from exc
        self.ready = True

    # -- what the site's WordPress reads -------------------------------------------

    def compat(self, db: Connection) -> Compat:
        """Which WordPress's formats to write (the ``wordpress.compat`` setting)."""
        return read_compat(db, self.options)

    def hash_new_password(self, db: Connection, password: str) -> str:
        """A hash of a new account password in a format the site reads."""
        return self.compat(db).hash_password(password, self.cost)

    def registration(self, db: Connection) -> Registration:
        """Who may register, and as what: Learnomy's ``general.registration_open``
        and, when WordPress set them, its ``users_can_register`` (both must
        allow) and ``default_role`` (used unless unknown here or privileged)."""
        settings = self.app.settings
        ours = bool(settings.get(db, "general.registration_open")) if "general" in settings.groups else True
        found = get_options(db, self.options, ["users_can_register", "default_role"])
        raw_open, wp_role = found.get("users_can_register"), found.get("default_role")
        wp_open = None if raw_open is None else raw_open.strip() not in ("", "0")
        role = _DEFAULT_ROLE
        if wp_role and wp_role in self.roles.caps and not self.roles.caps[wp_role] & _PRIVILEGED:
            role = wp_role
        return Registration(ours and wp_open is not False, role, wp_open, wp_role)

    def create_application_password(self, db: Connection, user_id: int, name: str,
                                    app_id: str = "") -> tuple[dict[str, Any], str]:
        """A new application password (``(item, plain secret)``) in a format the
        site reads; sets ``using_application_passwords`` as WordPress does.

        :raises ValueError: when the user already has one with that name.
        """
        item, secret = self.app_passwords.create(db, user_id, name, app_id, hash_secret=self.compat(db).hash_secret)
        mark_application_passwords_used(db, self.options)
        return item, secret

    @property
    def cost(self) -> int:
        return self.app.config["bcrypt_cost"]

    # -- authentication --------------------------------------------------------

    def authenticate(self, request: RestRequest) -> Optional[User]:
        """The caller from ``Authorization: Bearer`` (an access token or an API
        key), ``Basic`` (an application password) or ``X-Learnomy-Key`` (an API
        key); None without credentials.

        :raises InvalidCredentials: for ``X-Learnomy-Key`` beside ``Authorization``:
            one request, one identity.
        """
        header = request.environ.get("HTTP_AUTHORIZATION", "")
        key = request.environ.get("HTTP_X_LEARNOMY_KEY")
        if key is not None:
            if header:
                raise InvalidCredentials("Send either Authorization or X-Learnomy-Key, not both.")
            return self.api_keys.authenticate(request, key.strip())
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            if looks_like_key(value.strip()):
                return self.api_keys.authenticate(request, value.strip())
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
        except ValueError:  # bad base64 or UTF-8, and a header byte past ASCII
            # (b64decode refuses a non-ASCII str with a bare ValueError)
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
        request.before_commit.append(lambda db: self.app_passwords.record_usage(
            db, user_id, item["uuid"], ip, secret=secret, compat=lambda: self.compat(db)))
        user = self.store.from_row(row)
        user.auth = {"method": "application-password", "uuid": item["uuid"], "item": item}
        return user

    def login(self, request: RestRequest, username: str, password: str) -> Any:
        """The user row for a correct login; the same cost and answer otherwise.

        As ``wp_authenticate``: the name is tried as a login, then as an email
        address (both when both exist, each with its own password), and the
        password without surrounding whitespace (the form WordPress hashes).
        A hash the site's WordPress cannot read, or an older format, is
        rewritten (see :mod:`.wordpress`); the user's sessions carry over.

        :raises InvalidCredentials: unknown user or wrong password (indistinguishable).
        :raises AccountBlocked: a correct password for a blocked account.
        """
        db = request.db
        rows = self.store.candidates(db, username) if username else []
        if not rows or len(password.encode()) > MAX_PASSWORD_BYTES:
            dummy_check(self.cost)
            raise InvalidCredentials("The username or password is incorrect.")
        trimmed = trim_password(password)
        row, untrimmed = None, False
        for candidate in rows:
            if check_password(trimmed, candidate.user_pass):
                row = candidate
            elif trimmed != password and check_password(password, candidate.user_pass):
                row, untrimmed = candidate, True  # hashed here before hashes were of the trimmed form
            if row is not None:
                break
        if row is None:
            # A legacy hash (phpass, MD5, cheaper bcrypt) fails faster than ours,
            # which would tell its accounts apart from unknown names: pay ours too.
            if all(verifies_cheaper(candidate.user_pass, self.cost) for candidate in rows):
                dummy_check(self.cost)
            raise InvalidCredentials("The username or password is incorrect.")
        if row.blocked == "1":
            raise AccountBlocked()
        compat = self.compat(db)
        if untrimmed or compat.needs_rehash(row.user_pass, self.cost):
            user_id, new_hash = int(row.ID), compat.hash_password(trimmed, self.cost)
            self.store.set_password_hash(db, user_id, new_hash)
            self.tokens.carry_over(db, user_id, row.user_pass, new_hash)
            row = self.store.get(db, user_id)
        return row

    def set_password(self, db: Any, user_id: int, password: str) -> None:
        """Store a new password and invalidate every token issued before."""
        self.store.set_password_hash(db, user_id, self.hash_new_password(db, password))
        self.tokens.invalidate_user(db, user_id)

    # -- what administrators do to accounts --------------------------------------

    def block(self, db: Connection, user_id: int) -> None:
        """Block the account: every credential it holds stops working at once.

        In one transaction: the block flag (login answers
        :class:`~learnomy_core.errors.AccountBlocked`, application passwords
        and refresh tokens are refused while it is set), a new token version
        with every session revoked (access and refresh tokens issued so far are
        dead, and stay dead after unblocking), the application passwords
        deleted, its API keys revoked, and WordPress's own login sessions
        (``session_tokens``) ended.
        """
        self.store.set_meta(db, user_id, self.store.BLOCKED, "1")
        self.tokens.invalidate_user(db, user_id)
        self.api_keys.revoke_user(db, user_id)
        self.store.delete_meta(db, user_id, self.store.APP_PASSWORDS)
        self.store.delete_meta(db, user_id, SESSION_TOKENS)

    def unblock(self, db: Connection, user_id: int) -> None:
        """Lift a block: the account may log in again (nothing revoked comes back)."""
        self.store.delete_meta(db, user_id, self.store.BLOCKED)

    def delete_user(self, db: Connection, user_id: int) -> None:
        """Delete the account and everything identity keeps about it: its row,
        every meta row (roles, application passwords, WordPress's sessions),
        its sessions, refresh tokens and API keys, and the rate-limit buckets
        that name it. Records other areas keep are theirs to anonymise, in the
        same transaction."""
        store = self.store
        # A locking read: the names as they are now (a plain read on MySQL could
        # see them from before a change committed while this transaction ran).
        names = lock_rows(db, sa.select(store.users.c.user_login, store.users.c.user_email)
                          .where(store.users.c.ID == user_id))
        self.forget_rate_limits(db, user_id, list(names[0]) if names else [])
        self.tokens.invalidate_user(db, user_id)
        for table in (self.tokens.refresh_tokens, self.tokens.sessions, self.api_keys.table):
            db.execute(sa.delete(table).where(table.c.user_id == user_id))
        db.execute(sa.delete(store.usermeta).where(store.usermeta.c.user_id == user_id))
        db.execute(sa.delete(store.users).where(store.users.c.ID == user_id))

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
            callers = [_user_caller(user.id) if user is not None else client]
        route = f"{request.rest_method} {request.route.pattern if request.route else request.path}"
        verdict = self.rate_limiter.hit([_limit_key(route, caller) for caller in callers], limit)
        if not verdict.allowed:
            raise RateLimited(headers={**verdict.headers, "Retry-After": str(verdict.retry_after)})
        return verdict.headers

    def forget_rate_limits(self, db: Connection, user_id: int, names: Iterable[str]) -> None:
        """Delete the rate-limit buckets that name an account, in ``db``'s transaction.

        Those are the keys :meth:`rate_limit` makes for it on every sensitive
        route: ``u<id>`` (per user), and on the routes counted per account named,
        ``user:<id>`` and ``name:`` with each of ``names`` (its login and email
        address) as :meth:`_accounts` folds them. A bucket of another spelling a
        client typed (one MariaDB's collation matched) stays: its key is what was
        typed, which the account no longer leads to.
        """
        keys: list[str] = []
        for route in self.app.registry.routes.values():
            for method, endpoint in route.by_method.items():
                rule = endpoint.sensitive
                if rule is None:
                    continue
                where = f"{method} {route.pattern}"
                if rule.per != "client":
                    keys.append(_limit_key(where, _user_caller(user_id)))
                elif rule.accounts:
                    keys += [_limit_key(where, caller)
                             for caller in (_account_caller(user_id), *(_name_caller(n) for n in names if n))]
        self.rate_limiter.forget(db, keys)

    def _accounts(self, request: RestRequest, names: Iterable[str]) -> list[str]:
        """The accounts a request names, as limiter keys.

        Each name counts case-folded (``ANN`` is ``ann``), and, when it finds an
        account, as that account too (its login and its email are one account,
        and MariaDB's collation matches more spellings than case-folding does).
        """
        keys: list[str] = []
        for value in _sent_values(request, names):
            found = [_name_caller(value)]
            rows = self.store.candidates(request.db, value) if len(value) <= _LONGEST_ACCOUNT_NAME else []
            found += [_account_caller(int(row.ID)) for row in rows]
            keys += [key for key in found if key not in keys]
        return keys


# The rate limiter's keys, made here only: counting (rate_limit) and forgetting an
# account's buckets (forget_rate_limits) must spell them alike.
def _limit_key(route: str, caller: str) -> str:
    """A bucket's key: ``"METHOD pattern"`` and who is counted."""
    return f"{route}|{caller}"


def _user_caller(user_id: int) -> str:
    """The signed-in caller, on routes counted per user."""
    return f"u{user_id}"


def _account_caller(user_id: int) -> str:
    """An account a request names, found (routes counted per client)."""
    return f"user:{user_id}"


def _name_caller(name: str) -> str:
    """A name a request sends, as typed but case-folded (routes counted per client)."""
    return f"name:{name.strip().casefold()}"


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
