"""``/admin/instructors``: the instructors and the people asking to become one;
approving an application (the ``lrn_instructor`` role) or rejecting it with a
reason. Either way the applicant hears of it: the decision is emitted as
``instructor_application.decided``, which communication turns into a
notification (and a webhook delivery for subscribers)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core import ADMIN, CREATABLE, READABLE, RestRequest
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, InvalidParams, NotFound
from learnomy_core.events import emit
from learnomy_core.openapi import route_schema
from learnomy_core.openapi.schemas import BOOL, INT, STR, TIME, nullable, obj

from ..catalog import ID_ARG, NAMESPACE, now, tables
from .students import USER_FIELDS

INSTRUCTOR_ROLE = "lrn_instructor"
TEACH = "learnomy_teach"
STATUSES = ["pending", "instructor", "rejected", "none"]
APPLICATION = obj({
    "id": INT, "status": STR, "message": STR, "reason": nullable(STR), "created_at": TIME,
    "decided_at": nullable(TIME),
})
SCHEMA = route_schema("admin_instructor", {
    **USER_FIELDS, "status": {"type": "string", "enum": STATUSES}, "is_instructor": BOOL,
    "course_count": INT, "application": nullable(APPLICATION),
})


def teaching_roles(request: RestRequest) -> list[str]:
    """Roles that teach without administering: the instructors' roles."""
    return sorted(role for role, caps in request.app.identity.roles.caps.items()
                  if TEACH in caps and "manage_options" not in caps)


def _applications(request: RestRequest) -> sa.Table:
    return request.app.tables["lrn_instructor_applications"]


def _render(request: RestRequest, rows: list[Any]) -> list[dict[str, Any]]:
    """Instructor items of user rows: two queries (applications, course counts)."""
    ids = [int(r.ID) for r in rows]
    if not ids:
        return []
    applications = _applications(request)
    links = tables(request)("course_instructors")
    latest: dict[int, Any] = {}
    for a in request.db.execute(sa.select(applications).where(applications.c.user_id.in_(ids))
                                .order_by(applications.c.id)):
        held = latest.get(int(a.user_id))
        if held is None or held.status != "pending" or a.status == "pending":
            latest[int(a.user_id)] = a  # a pending one wins; else the newest
    counts: dict[Any, Any] = dict(request.db.execute(
        sa.select(links.c.user_id, sa.func.count()).where(links.c.user_id.in_(ids)).group_by(links.c.user_id)).all())
    store = request.app.identity.store
    items = []
    for row in rows:
        user = store.from_row(row)
        application = latest.get(user.id)
        teaching = INSTRUCTOR_ROLE in user.roles or (user.is_instructor and not user.is_admin)
        if application is not None and application.status == "pending":
            status = "pending"
        elif teaching:
            status = "instructor"
        else:
            status = application.status if application is not None and application.status == "rejected" else "none"
        items.append({
            **user.public(private=True), "status": status, "is_instructor": teaching,
            "course_count": int(counts.get(user.id, 0)),
            "application": None if application is None else {
                "id": int(application.id), "status": application.status, "message": application.message,
                "reason": application.reason, "created_at": application.created_at,
                "decided_at": application.decided_at,
            },
        })
    return items


def list_instructors(request: RestRequest) -> Any:
    store = request.app.identity.store
    users, meta = store.users, store.usermeta
    applications = _applications(request)
    roles = teaching_roles(request)
    # As WordPress's user queries find a role: its name in quotes in the serialized array.
    teaching = sa.exists(sa.select(meta.c.umeta_id).where(
        meta.c.user_id == users.c.ID, meta.c.meta_key == store.caps_key,
        sa.or_(*[meta.c.meta_value.like(f'%"{role}"%') for role in roles]) if roles else sa.false()))
    pending = sa.exists(sa.select(applications.c.id).where(
        applications.c.pending_user_id == users.c.ID))
    wanted = request.params.get("status")
    condition = {"pending": pending, "instructor": teaching}.get(wanted or "", sa.or_(teaching, pending))
    return paginate(request, store.select().where(condition), [(users.c.ID, True)],
                    lambda rows: _render(request, rows), bound_to=[wanted])


def _decide(request: RestRequest, status: str, reason: Any) -> Any:
    store = request.app.identity.store
    user_id = request.params["id"]
    # The account's row first, as every change of an account takes it (roles,
    # block, deletion), so that none waits for this one in the other order.
    if not store.lock(request.db, user_id):
        raise NotFound("No account has this id.")
    applications = _applications(request)
    pending = request.db.execute(sa.select(applications).where(applications.c.pending_user_id == user_id)).first()
    stamp = now()
    # Guarded by the pending key: of two decisions at once, one changes the row.
    if pending is None or request.db.execute(sa.update(applications).where(
            applications.c.id == pending.id, applications.c.pending_user_id == user_id).values(
            status=status, pending_user_id=None, reason=reason, decided_at=stamp,
            decided_by=request.user.id)).rowcount != 1:
        raise Conflict("This person has no pending application to teach.", code="learnomy_no_pending_application")
    if status == "approved":
        store.add_role(request.db, user_id, INSTRUCTOR_ROLE)
    emit(request, "instructor_application.decided", {
        "id": int(pending.id), "user_id": user_id, "status": status, "reason": reason, "decided_at": stamp})
    return _render(request, [store.get(request.db, user_id)])[0]


def approve(request: RestRequest) -> Any:
    return _decide(request, "approved", None)


def reject(request: RestRequest) -> Any:
    reason = request.params["reason"].strip()
    if not reason:
        raise InvalidParams(details=[{"param": "reason", "code": "rest_invalid_param",
                                      "message": "reason must say why."}])
    return _decide(request, "rejected", reason)


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, "/admin/instructors", {
        "methods": READABLE, "callback": list_instructors, "permission_callback": ADMIN,
        "args": {**LIST_ARGS, "status": {"type": "string", "enum": ["pending", "instructor"]}},
    }, schema=SCHEMA)
    register(NAMESPACE, r"/admin/instructors/(?P<id>[\d]+)/approve", {
        "methods": CREATABLE, "callback": approve, "permission_callback": ADMIN, "args": ID_ARG,
    }, schema=SCHEMA)
    register(NAMESPACE, r"/admin/instructors/(?P<id>[\d]+)/reject", {
        "methods": CREATABLE, "callback": reject, "permission_callback": ADMIN,
        "args": {**ID_ARG, "reason": {"type": "string", "minLength": 1, "maxLength": 2000, "required": True}},
    }, schema=SCHEMA)
