"""The caller's own account: ``/me``, profile, password, dashboard, and applying
to teach (``/instructor-applications``)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from learnomy_core import CREATABLE, EDITABLE, LOGGED_IN, READABLE, RestRequest, created, hookimpl
from learnomy_core.errors import Conflict, InvalidParams
from learnomy_core.identity.names import email_problems
from learnomy_core.identity.passwords import MAX_PASSWORD_BYTES, check_password
from learnomy_core.openapi import BOOL, INT, STR, TIME, array_of, nullable, resource_schema
from learnomy_core.storage import ID, LONGTEXT, insert_ignore

from .auth import PASSWORD_ARG, TOKEN, USER, token_answer

NAMESPACE = "learnomy/v1"
DASHBOARD_KEYS = ("enrolled", "in_progress", "completed", "certificates", "unread_notifications")
# Fields nobody sets through /me: refused with 400, never silently ignored.
NOT_WRITABLE = {name: {"readonly": True} for name in ("roles", "role", "capabilities", "username", "id")}


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def _wrong_password() -> InvalidParams:
    return InvalidParams(details=[{"param": "current_password", "code": "learnomy_incorrect_password",
                                   "message": "current_password is incorrect."}])


def me_schema() -> dict[str, Any]:
    """The caller's own User resource, with its capabilities."""
    return resource_schema("me", {**USER, "capabilities": array_of(STR)})


def password_changed_schema() -> dict[str, Any]:
    """A changed password: a fresh token pair (every other session ends)."""
    return resource_schema("password_changed", {"changed": BOOL, **TOKEN})


def dashboard_schema() -> dict[str, Any]:
    """The caller's dashboard counts; each plugin adds its own (``learnomy_dashboard``)."""
    return resource_schema("dashboard", {}, additional=INT)


def application_schema() -> dict[str, Any]:
    """An application to become an instructor."""
    return resource_schema("instructor_application", {
        "id": INT, "user_id": INT, "status": STR, "message": STR, "reason": nullable(STR),
        "created_at": TIME, "decided_at": nullable(TIME),
    })


def _me(request: RestRequest) -> dict[str, Any]:
    user = request.user
    return {**user.public(private=True), "capabilities": sorted(user.caps)}


def get_me(request: RestRequest) -> Any:
    return _me(request)


def update_me(request: RestRequest) -> Any:
    params = request.params
    store = request.app.identity.store
    changes: dict[str, Any] = {}
    if "display_name" in params:
        changes["display_name"] = params["display_name"]
    if "url" in params:
        changes["user_url"] = params["url"]
    if "email" in params and params["email"] != request.user.email:
        problems = email_problems(params["email"])
        if problems:
            raise InvalidParams(details=problems)
        row = store.get(request.db, request.user.id)
        if row is None or not check_password(params.get("current_password", ""), row.user_pass):
            raise _wrong_password()
        if store.exists(request.db, email=params["email"], except_id=request.user.id):
            raise Conflict("Another account uses this email address.", code="learnomy_email_exists")
        changes["user_email"] = params["email"]
    if changes:
        request.db.execute(sa.update(store.users).where(store.users.c.ID == request.user.id).values(**changes))
    request.user = store.from_row(store.get(request.db, request.user.id))
    return _me(request)


def change_password(request: RestRequest) -> Any:
    identity = request.app.identity
    row = identity.store.get(request.db, request.user.id)
    if row is None or not check_password(request.params["current_password"], row.user_pass):
        raise _wrong_password()
    identity.set_password(request.db, request.user.id, request.params["new_password"])
    # Every earlier token is dead now; this client gets a fresh session.
    row = identity.store.get(request.db, request.user.id)
    pair = identity.tokens.issue(request.db, request, row)
    return {"changed": True, **token_answer(request, row, pair)}


def dashboard(request: RestRequest) -> Any:
    counts = dict.fromkeys(DASHBOARD_KEYS, 0)
    for answer in request.app.plugins.hook.learnomy_dashboard_counts(request=request, user=request.user):
        counts.update(answer or {})
    return counts


def _application(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "user_id": int(row.user_id), "status": row.status, "message": row.message,
            "reason": row.reason, "created_at": row.created_at, "decided_at": row.decided_at}


def apply_to_teach(request: RestRequest) -> Any:
    user = request.user
    if user.is_instructor:
        raise Conflict("You can already teach.", code="learnomy_already_instructor")
    table = request.app.tables["lrn_instructor_applications"]
    inserted = insert_ignore(request.db, table, {
        "user_id": user.id, "status": "pending", "message": request.params["message"],
        "pending_user_id": user.id, "created_at": _now(),
    })
    if not inserted:
        raise Conflict("Your application is already pending.", code="learnomy_application_pending")
    row = request.db.execute(sa.select(table).where(table.c.pending_user_id == user.id)).one()
    return created(_application(row), location=f"/{NAMESPACE}/instructor-applications/{row.id}")


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    sa.Table(
        f"{prefix}lrn_instructor_applications", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("message", LONGTEXT, nullable=False),
        sa.Column("pending_user_id", ID, nullable=True, unique=True),
        sa.Column("reason", LONGTEXT, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("decided_by", ID, nullable=True),
    )


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, "/me", [
        {"methods": READABLE, "callback": get_me, "permission_callback": LOGGED_IN},
        {"methods": EDITABLE, "callback": update_me, "permission_callback": LOGGED_IN,
         "args": {
             "display_name": {"type": "string", "minLength": 1, "maxLength": 250},
             "email": {"type": "string", "format": "email", "maxLength": 100},
             "url": {"type": "string", "format": "uri", "maxLength": 100},
             "current_password": {"type": "string", "maxLength": MAX_PASSWORD_BYTES},
             **NOT_WRITABLE,
         }},
    ], schema=me_schema)
    register(NAMESPACE, "/me/password", {
        "methods": CREATABLE, "callback": change_password, "permission_callback": LOGGED_IN, "sensitive": True,
        "args": {
            "current_password": {"type": "string", "minLength": 1, "maxLength": MAX_PASSWORD_BYTES, "required": True},
            "new_password": {**PASSWORD_ARG, "required": True},
        },
    }, schema=password_changed_schema)
    register(NAMESPACE, "/me/dashboard", {
        "methods": READABLE, "callback": dashboard, "permission_callback": LOGGED_IN,
    }, schema=dashboard_schema)
    register(NAMESPACE, "/instructor-applications", {
        "methods": CREATABLE, "callback": apply_to_teach, "permission_callback": LOGGED_IN, "answers": "created",
        "args": {"message": {"type": "string", "maxLength": 2000, "default": ""}},
    }, schema=application_schema)
