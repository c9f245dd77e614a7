"""Auth routes: log in, refresh, revoke, register, lost and reset password.

Login answers the same, at the same cost, whether or not the account exists; the
lost-password answer is identical either way. Logging in, registering and resetting
a password are rate limited per client address and per account named, whatever
token comes along (``"per": "client"``): a token never buys more guesses. Reset keys are stored as WordPress
stores them (``time:wp_fast_hash(key)`` in ``user_activation_key``, or phpass on a
site on WordPress 6.7 or earlier), expire after a day and work once.

Registration follows the site's WordPress where it has one: closed when
``users_can_register`` is off, new accounts get its ``default_role``, and logins
and addresses follow WordPress's rules (``learnomy_core.identity.names``).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import sqlalchemy as sa

from learnomy_core import CREATABLE, LOGGED_IN, PUBLIC, RestRequest, created, hookimpl
from learnomy_core.errors import ApiError, Conflict, Forbidden, InvalidParams, InvalidResetKey
from learnomy_core.identity.names import MAX_LOGIN_LENGTH
from learnomy_core.identity.passwords import MAX_PASSWORD_BYTES, fast_hash, hash_password, verify_fast_hash
from learnomy_core.openapi import BOOL, ID, INT, STR, TIME, array_of, obj, resource_schema

NAMESPACE = "learnomy/v1"
RESET_KEY_SECONDS = 24 * 3600
PASSWORD_ARG = {"type": "string", "minLength": 8, "maxLength": MAX_PASSWORD_BYTES}
# validate_username for ASCII: WordPress's strict characters, single inner spaces.
USERNAME_PATTERN = r"^[A-Za-z0-9_.@\-]+(?: [A-Za-z0-9_.@\-]+)*$"


USER = {"id": ID, "username": STR, "display_name": STR, "roles": array_of(STR), "avatar_url": STR,
        "registered_at": TIME, "email": {"type": "string", "context": ["edit"]}}
"""The User resource (``User.public``); ``email`` for the user and administrators."""
TOKEN = {"access_token": STR, "refresh_token": STR, "token_type": {"type": "string", "enum": ["Bearer"]},
         "expires_in": INT, "refresh_expires_in": INT,
         "user": obj(USER, required=[n for n in USER if n != "email"], additional=False)}


def token_schema() -> dict[str, Any]:
    """A token pair and the user it belongs to."""
    return resource_schema("token", TOKEN)


def revoke_schema() -> dict[str, Any]:
    """What a revocation revoked."""
    return resource_schema("revocation", {"revoked": BOOL, "all": BOOL})


def lost_password_schema() -> dict[str, Any]:
    """A lost password request's answer (the same whether an account matched or not)."""
    return resource_schema("password_lost", {"sent": BOOL, "message": STR})


def reset_password_schema() -> dict[str, Any]:
    """A password reset's answer."""
    return resource_schema("password_reset", {"reset": BOOL})


def token_answer(request: RestRequest, user_row: Any, pair: dict[str, Any]) -> dict[str, Any]:
    """A token pair with the user it belongs to (login, refresh, register)."""
    user = request.app.identity.store.from_row(user_row)
    return {**pair, "user": user.public(private=True)}


def login(request: RestRequest) -> Any:
    identity = request.app.identity
    row = identity.login(request, request.params["username"], request.params["password"])
    pair = identity.tokens.issue(request.db, request, row)
    return token_answer(request, row, pair)


def refresh(request: RestRequest) -> Any:
    user_row, pair = request.app.identity.tokens.rotate(request, request.params["refresh_token"])
    return token_answer(request, user_row, pair)


def revoke(request: RestRequest) -> Any:
    tokens = request.app.identity.tokens
    user = request.user
    if request.params["all"]:
        tokens.revoke_all(request.db, user.id)
        return {"revoked": True, "all": True}
    token = request.params.get("refresh_token")
    if token:
        owner, session_id = tokens.session_of(request, token)
        if owner != user.id:
            raise InvalidParams(details=[{"param": "refresh_token", "code": "rest_invalid_param",
                                          "message": "refresh_token does not belong to you."}])
    else:
        session_id = user.auth.get("sid")
        if not session_id:
            raise InvalidParams(details=[{"param": "refresh_token", "code": "rest_missing_callback_param",
                                          "message": "refresh_token is required unless you use a bearer token."}])
    tokens.revoke_session(request.db, session_id)
    return {"revoked": True, "all": False}


def register_account(request: RestRequest) -> Any:
    identity = request.app.identity
    rules = identity.registration(request.db)
    if not rules.open:
        raise Forbidden("Registration is closed.", code="learnomy_registration_closed")
    params = request.params
    if identity.store.exists(request.db, login=params["username"], email=params["email"]):
        raise Conflict("An account with this username or email already exists.", code="learnomy_user_exists")
    user_id = identity.store.create(
        request.db, login=params["username"], email=params["email"],
        password_hash=identity.hash_new_password(request.db, params["password"]), role=rules.role,
        display_name=params.get("display_name") or params["username"],
    )
    row = identity.store.get(request.db, user_id)
    pair = identity.tokens.issue(request.db, request, row)
    return created(token_answer(request, row, pair), location=f"/{NAMESPACE}/me")


def lost_password(request: RestRequest) -> Any:
    identity = request.app.identity
    row = identity.store.find_login(request.db, request.params["username"])
    if row is not None and row.blocked != "1":
        key = secrets.token_urlsafe(24)
        users = identity.store.users
        hashed = identity.compat(request.db).hash_secret(key)
        request.db.execute(sa.update(users).where(users.c.ID == row.ID)
                           .values(user_activation_key=f"{int(time.time())}:{hashed}"))
        request.app.plugins.hook.learnomy_send_mail(
            request=request,
            to=row.user_email,
            subject="Password reset",
            body=(f"Someone asked to reset the password of the account {row.user_login}.\n"
                  f"Reset key: {key}\nIt works once, within 24 hours. If this was not you, ignore this message."),
        )
    # The same answer whether or not the account exists.
    return {"sent": True, "message": "If an account matches, a reset key has been sent to its email address."}


def reset_password(request: RestRequest) -> Any:
    identity = request.app.identity
    params = request.params
    row = identity.store.find_login(request.db, params["login"])
    stamp, _, hashed = (row.user_activation_key if row is not None else "").partition(":")
    fresh = stamp.isdigit() and int(stamp) + RESET_KEY_SECONDS >= time.time()
    if row is None or not fresh or not verify_fast_hash(params["key"], hashed):
        # Named on key alone, whichever failed: the answer must not tell who has an account.
        raise InvalidResetKey(details=[{"param": "key", "code": InvalidResetKey.code,
                                        "message": InvalidResetKey.message}])
    users = identity.store.users
    request.db.execute(sa.update(users).where(users.c.ID == row.ID).values(user_activation_key=""))
    identity.set_password(request.db, int(row.ID), params["password"])
    return {"reset": True}


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, "/auth/token", {
        "methods": CREATABLE, "callback": login, "permission_callback": PUBLIC,
        "sensitive": {"per": "client", "accounts": ["username"]},
        "args": {
            "username": {"type": "string", "minLength": 1, "maxLength": 100, "required": True,
                         "description": "Login or email address."},
            "password": {"type": "string", "minLength": 1, "maxLength": MAX_PASSWORD_BYTES, "required": True},
        },
    }, schema=token_schema)
    register(NAMESPACE, "/auth/token/refresh", {
        "methods": CREATABLE, "callback": refresh, "permission_callback": PUBLIC, "sensitive": True,
        "args": {"refresh_token": {"type": "string", "minLength": 1, "maxLength": 4096, "required": True}},
    }, schema=token_schema)
    register(NAMESPACE, "/auth/token/revoke", {
        "methods": CREATABLE, "callback": revoke, "permission_callback": LOGGED_IN,
        "args": {
            "refresh_token": {"type": "string", "minLength": 1, "maxLength": 4096},
            "all": {"type": "boolean", "default": False},
        },
    }, schema=revoke_schema)
    register(NAMESPACE, "/auth/register", {
        "methods": CREATABLE, "callback": register_account, "permission_callback": PUBLIC, "answers": "created",
        "sensitive": {"per": "client", "accounts": ["username", "email"]},
        "args": {
            "username": {"type": "string", "pattern": USERNAME_PATTERN, "minLength": 3,
                         "maxLength": MAX_LOGIN_LENGTH, "required": True,
                         "description": "A login WordPress accepts unchanged: letters, digits, space, _ . - @."},
            "email": {"type": "string", "format": "email", "maxLength": 100, "required": True},
            "password": {**PASSWORD_ARG, "required": True},
            "display_name": {"type": "string", "minLength": 1, "maxLength": 250},
        },
    }, schema=token_schema)
    register(NAMESPACE, "/auth/password/lost", {
        "methods": CREATABLE, "callback": lost_password, "permission_callback": PUBLIC,
        "sensitive": {"per": "client", "accounts": ["username"]},
        "args": {"username": {"type": "string", "minLength": 1, "maxLength": 100, "required": True,
                              "description": "Login or email address."}},
    }, schema=lost_password_schema)
    register(NAMESPACE, "/auth/password/reset", {
        "methods": CREATABLE, "callback": reset_password, "permission_callback": PUBLIC,
        "sensitive": {"per": "client", "accounts": ["login"]},
        "args": {
            "login": {"type": "string", "minLength": 1, "maxLength": 100, "required": True},
            "key": {"type": "string", "minLength": 1, "maxLength": 200, "required": True},
            "password": {**PASSWORD_ARG, "required": True},
        },
    }, schema=reset_password_schema)
