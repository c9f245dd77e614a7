"""``/admin/students``: every account, searched and filtered; one in detail;
blocking, roles, and deleting an account with its personal data.

An account's learning records outlive it, anonymised: enrollments, completions,
positions, quiz attempts and progress resets keep the deleted account's id,
which no account will ever hold again (ids are never reused) and which leads to
no name, address or login any more; so do orders, earnings and subscriptions,
which the accounts need. What only identifies the person goes: the account and
its meta, sessions, rate-limit buckets, certificates (they carry the name),
notifications and preferences, mail jobs to its address, applications to teach,
payout details, co-instructor links, the text of reviews (their ratings stay in
the course's figures). Plugins drop their own in the same transaction, on the
``user.deleted`` event (communication blanks the person's fields in webhook
deliveries, made or not).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable, Optional

import sqlalchemy as sa

from learnomy_core import ADMIN, DELETABLE, EDITABLE, READABLE, RestRequest, deleted
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, InvalidParams, NotFound
from learnomy_core.events import emit
from learnomy_core.identity.users import unserialize_php
from learnomy_core.jobs import RUNNING
from learnomy_core.locks import lock_name, lock_rows
from learnomy_core.mail import MAIL_JOB
from learnomy_core.openapi import route_schema
from learnomy_core.openapi.schemas import INT, STR, TIME, array_of, nullable, obj

from ..catalog import ID_ARG, NAMESPACE, now, parse_time, tables
from ..learning import progress_views

STATUSES = ["active", "blocked"]
# Orders whose money was taken (part of it may have been given back since).
PAID = ("completed", "refunded", "partially_refunded")
# Subscriptions that still run, or may: an account holding one is not deleted
# behind its gateway's back.
LIVE_SUBSCRIPTIONS = ("pending", "trialing", "active", "past_due")

USER_FIELDS: dict[str, Any] = {
    "id": INT, "username": STR, "email": STR, "display_name": STR, "roles": array_of(STR),
    "avatar_url": STR, "registered_at": TIME,
}
SPENT = array_of(obj({"currency": STR, "amount": INT}, required=("currency", "amount"), additional=False))
STUDENT_FIELDS: dict[str, Any] = {
    **USER_FIELDS,
    "status": {"type": "string", "enum": STATUSES},
    "enrollment_count": INT, "completed_count": INT, "last_activity_at": nullable(TIME), "total_spent": SPENT,
}
ENROLLMENT = obj({
    "id": INT, "user_id": INT, "course_id": INT, "course": nullable(obj({"id": INT, "title": STR})), "status": STR,
    "source": STR, "enrolled_at": TIME, "expires_at": nullable(TIME), "completed_at": nullable(TIME), "progress_percent": INT,
})
# RESOURCES.md's Progress, Order and Certificate, as their own routes answer them.
PROGRESS = obj({
    "course_id": INT, "user_id": INT, "percent": INT,
    "completed_items": array_of(obj({"type": STR, "id": INT, "completed_at": TIME})), "total_items": INT,
    "last_activity_at": nullable(TIME), "completed_at": nullable(TIME), "status": STR,
})
ORDER = obj({
    "id": INT, "user_id": INT, "status": STR, "items": array_of(obj({})), "subtotal": INT, "discount": INT,
    "total": INT, "refunded_total": INT, "currency": STR, "coupon_code": nullable(STR), "gateway": STR,
    "gateway_reference": nullable(STR), "payment_url": nullable(STR), "created_at": TIME,
    "completed_at": nullable(TIME),
})
CERTIFICATE = obj({
    "id": INT, "user_id": INT, "course_id": INT, "template_id": nullable(INT), "verification_code": STR,
    "issued_at": TIME, "revoked_at": nullable(TIME), "download_url": STR,
})

LIST_SCHEMA = route_schema("admin_student", STUDENT_FIELDS)
DETAIL_SCHEMA = route_schema("admin_student_detail", {
    **STUDENT_FIELDS, "enrollments": array_of(ENROLLMENT), "progress": array_of(PROGRESS),
    "orders": array_of(ORDER), "certificates": array_of(CERTIFICATE),
})


# -- reading ------------------------------------------------------------------------

def _blocked(store: Any) -> Any:
    """Whether the user row's account is blocked (an ``EXISTS`` on its meta)."""
    meta = store.usermeta
    return sa.exists(sa.select(meta.c.umeta_id).where(
        meta.c.user_id == store.users.c.ID, meta.c.meta_key == store.BLOCKED, meta.c.meta_value == "1"))


def _escaped(text: str) -> str:
    """``text`` with ``LIKE``'s wildcards and escape character taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(text: str) -> str:
    return "%" + _escaped(text) + "%"


# The columns a student search looks in, as ``WP_User_Query``'s default
# ``search_columns`` for a term that is not an id or a URL.
SEARCH_COLUMNS = ("user_login", "user_email", "display_name")


def search_condition(users: sa.Table, typed: str) -> Optional[Any]:
    """The condition of an administrator's student search, as ``WP_User_Query``
    reads its ``search`` wildcards: ``term`` (or ``term*``) matches logins,
    e-mail addresses and display names that START with ``term``; ``*term`` (or
    ``*term*``) asks for the slower contains-search. Case is ignored.

    A prefix search walks an index on each column: plain ``LIKE 'term%'`` (MySQL's
    ``_ci`` collations ignore case already, and SQLite's ``LIKE`` does for ASCII,
    using the ``NOCASE`` indexes of the admin package's migration ``admin_0001``),
    never ``lower()`` or ``ILIKE``, which no index serves. None when nothing but
    wildcards was typed.
    """
    contains = typed.startswith("*")
    term = typed.strip("*").strip()
    if not term:
        return None
    pattern = ("%" if contains else "") + _escaped(term) + "%"
    return sa.or_(*[users.c[name].like(pattern, escape="\\") for name in SEARCH_COLUMNS])


def _summaries(request: RestRequest, user_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Enrollment counts, last activity and money spent of several accounts: three queries."""
    table = tables(request)
    enrollments, completions, positions, orders = (
        table("enrollments"), table("completions"), table("positions"), table("orders"))
    found: dict[int, dict[str, Any]] = {
        uid: {"enrollment_count": 0, "completed_count": 0, "last_activity_at": None, "total_spent": []}
        for uid in user_ids}
    if not user_ids:
        return found
    db = request.db
    for row in db.execute(sa.select(
            enrollments.c.user_id, sa.func.count().label("enrolled"),
            sa.func.count(enrollments.c.completed_at).label("completed"))
            .where(enrollments.c.user_id.in_(user_ids)).group_by(enrollments.c.user_id)):
        found[int(row.user_id)].update(enrollment_count=int(row.enrolled), completed_count=int(row.completed))
    moments = sa.union_all(
        sa.select(enrollments.c.user_id.label("user_id"), enrollments.c.enrolled_at.label("moment"))
        .where(enrollments.c.user_id.in_(user_ids)),
        sa.select(completions.c.user_id, completions.c.completed_at).where(completions.c.user_id.in_(user_ids)),
        sa.select(positions.c.user_id, positions.c.updated_at).where(positions.c.user_id.in_(user_ids)),
    ).subquery()
    for row in db.execute(sa.select(moments.c.user_id, sa.func.max(moments.c.moment).label("last"))
                          .group_by(moments.c.user_id)):
        found[int(row.user_id)]["last_activity_at"] = row.last
    for row in db.execute(
            sa.select(orders.c.user_id, orders.c.currency,
                      sa.func.sum(orders.c.total - orders.c.refunded_total).label("amount"))
            .where(orders.c.user_id.in_(user_ids), orders.c.status.in_(PAID))
            .group_by(orders.c.user_id, orders.c.currency).order_by(orders.c.user_id, orders.c.currency)):
        found[int(row.user_id)]["total_spent"].append({"currency": row.currency, "amount": int(row.amount or 0)})
    return found


def _student(request: RestRequest, row: Any, summary: dict[str, Any]) -> dict[str, Any]:
    user = request.app.identity.store.from_row(row)
    status = "blocked" if row.blocked == "1" else "active"
    return {**user.public(private=True), "status": status, **summary}


def list_students(request: RestRequest) -> Any:
    params = request.params
    store = request.app.identity.store
    users = store.users
    query = store.select()
    search = (params.get("search") or "").strip()
    matching = search_condition(users, search) if search else None
    if matching is not None:
        query = query.where(matching)
    if params.get("status"):
        query = query.where(_blocked(store) if params["status"] == "blocked" else ~_blocked(store))
    since = parse_time(params.get("enrolled_since"))
    if params.get("course") or since is not None:
        enrollments = tables(request)("enrollments")
        wanted = [enrollments.c.user_id == users.c.ID]
        if params.get("course"):
            wanted.append(enrollments.c.course_id == params["course"])
        if since is not None:
            wanted.append(enrollments.c.enrolled_at >= since)
        query = query.where(sa.exists(sa.select(enrollments.c.id).where(*wanted)))

    def render(rows: list[Any]) -> list[dict[str, Any]]:
        summaries = _summaries(request, [int(r.ID) for r in rows])
        return [_student(request, r, summaries[int(r.ID)]) for r in rows]

    return paginate(request, query, [(users.c.ID, True)], render,
                    bound_to=[search, params.get("status"), params.get("course"), since])


def _load(request: RestRequest) -> Any:
    row = request.app.identity.store.get(request.db, request.params["id"])
    if row is None:
        raise NotFound("No account has this id.")
    return row


def _load_to_change(request: RestRequest) -> Any:
    """The account the path names, held and read as it is now, to decide a change from.

    Locks are taken in one order: the account's row (a role change queues behind
    an approval to teach adding its role, and the other way round), then the
    administrators' lock (:func:`guard_administrators`), then the account's meta
    with the locking read. Its meta is locked only under the administrators' lock,
    as the other administrators' meta are read there: a change waiting for that
    lock holds nothing another one may need.
    """
    store = request.app.identity.store
    if not store.lock(request.db, request.params["id"]):
        raise NotFound("No account has this id.")
    lock_name(request.db, request.app.tables["options"], "administrators")
    row = store.get(request.db, request.params["id"], lock=True)
    if row is None:
        raise NotFound("No account has this id.")
    return row


def detail(request: RestRequest, row: Any) -> dict[str, Any]:
    """The Admin student with its enrollments, progress, orders and certificates
    (each in its resource's fields): a constant number of queries, whatever the
    account holds."""
    user_id = int(row.ID)
    table = tables(request)
    enrollments, courses, orders, certificates = (
        table("enrollments"), table("courses"), table("orders"), table("certificates"))
    db = request.db
    enrolled = db.execute(
        sa.select(enrollments, courses.c.title.label("course_title"))
        .select_from(enrollments.outerjoin(courses, courses.c.id == enrollments.c.course_id))
        .where(enrollments.c.user_id == user_id).order_by(enrollments.c.id.desc())).all()
    progress = progress_views(request, user_id, list(enrolled))
    order_rows = db.execute(sa.select(orders).where(orders.c.user_id == user_id).order_by(orders.c.id.desc())).all()
    certificate_rows = db.execute(sa.select(certificates).where(certificates.c.user_id == user_id)
                                  .order_by(certificates.c.id.desc())).all()

    moments = [m for e, p in zip(enrolled, progress) for m in (e.enrolled_at, p["last_activity_at"]) if m is not None]
    spent: dict[str, int] = defaultdict(int)
    for o in order_rows:
        if o.status in PAID:
            spent[o.currency] += int(o.total) - int(o.refunded_total or 0)
    summary = {
        "enrollment_count": len(enrolled),
        "completed_count": sum(1 for e in enrolled if e.completed_at is not None),
        "last_activity_at": max(moments, default=None),
        "total_spent": [{"currency": c, "amount": spent[c]} for c in sorted(spent)],
    }
    return {
        **_student(request, row, summary),
        "enrollments": [{
            "id": int(e.id), "user_id": user_id, "course_id": int(e.course_id),
            "course": {"id": int(e.course_id), "title": e.course_title} if e.course_title is not None else None,
            "status": e.status, "source": e.source, "enrolled_at": e.enrolled_at, "expires_at": e.expires_at,
            "completed_at": e.completed_at, "progress_percent": int(e.progress_percent or 0),
        } for e in enrolled],
        "progress": [{**p, "percent": int(p["percent"] or 0)} for p in progress],
        "orders": [{
            "id": int(o.id), "user_id": user_id, "status": o.status, "items": list(o.items or []),
            "subtotal": int(o.subtotal), "discount": int(o.discount), "total": int(o.total),
            "refunded_total": int(o.refunded_total or 0), "currency": o.currency, "coupon_code": o.coupon_code,
            "gateway": o.gateway, "gateway_reference": o.gateway_reference, "payment_url": o.payment_url,
            "created_at": o.created_at, "completed_at": o.completed_at,
        } for o in order_rows],
        "certificates": [{
            "id": int(c.id), "user_id": user_id, "course_id": int(c.course_id),
            "template_id": int(c.template_id) if c.template_id else None, "verification_code": c.verification_code,
            "issued_at": c.issued_at, "revoked_at": c.revoked_at,
            "download_url": f"/{NAMESPACE}/certificates/{int(c.id)}/download",
        } for c in certificate_rows],
    }


def get_student(request: RestRequest) -> Any:
    return detail(request, _load(request))


# -- administrators, who must not all go ------------------------------------------------

def administrator_roles(request: RestRequest) -> list[str]:
    """The roles that make an administrator (``manage_options``)."""
    return sorted(role for role, caps in request.app.identity.roles.caps.items() if "manage_options" in caps)


def _other_administrators(request: RestRequest, user_id: int) -> int:
    """How many unblocked administrators there are besides ``user_id``.

    The candidates are the accounts whose capabilities name an administrator's
    role in quotes (as WordPress's user queries find roles); their capabilities
    and block flags are then read with a locking read, which sees what
    transactions committed while this one waited for the lock (a plain read on
    MariaDB would see the snapshot from before), and decoded properly. An
    account made administrator meanwhile is missed: that errs on refusing.
    """
    store = request.app.identity.store
    meta = store.usermeta
    names = [*administrator_roles(request), "manage_options"]
    candidates = sorted({int(uid) for uid in request.db.execute(sa.select(meta.c.user_id).where(
        meta.c.meta_key == store.caps_key, meta.c.user_id != user_id,
        sa.or_(*[meta.c.meta_value.like(f'%"{name}"%') for name in names]))).scalars()})
    if not candidates:
        return 0
    rows = lock_rows(request.db, sa.select(meta.c.umeta_id, meta.c.user_id, meta.c.meta_key, meta.c.meta_value).where(
        meta.c.user_id.in_(candidates), meta.c.meta_key.in_([store.caps_key, store.BLOCKED])))
    blocked = {int(r.user_id) for r in rows if r.meta_key == store.BLOCKED and r.meta_value == "1"}
    admins = set()
    for r in rows:
        if r.meta_key != store.caps_key:
            continue
        decoded = unserialize_php(r.meta_value)
        granted = {str(k): v for k, v in decoded.items()} if isinstance(decoded, dict) else {}
        if "manage_options" in store.roles.capabilities(granted)[1]:
            admins.add(int(r.user_id))
    return len(admins - blocked)


def guard_administrators(request: RestRequest, row: Any, action: str) -> None:
    """Refuse to let an administrator ``action`` (block, delete, demote) their own
    account or the last administrator's.

    Administrators' changes queue behind one lock, so two of them blocking each
    other at the same moment cannot leave the site with none.

    :raises Conflict: ``learnomy_own_account`` or ``learnomy_last_administrator``.
    """
    user_id = int(row.ID)
    if user_id == request.user.id:
        raise Conflict(f"You cannot {action} your own account.", code="learnomy_own_account")
    if not request.app.identity.store.from_row(row).is_admin:
        return
    lock_name(request.db, request.app.tables["options"], "administrators")
    if not _other_administrators(request, user_id):
        raise Conflict(f"You cannot {action} the last administrator.", code="learnomy_last_administrator")


# -- changing -----------------------------------------------------------------------

def _role_problem(request: RestRequest, role: str) -> Optional[InvalidParams]:
    if role in request.app.identity.roles.caps:
        return None
    known = ", ".join(sorted(request.app.identity.roles.caps))
    return InvalidParams(details=[{"param": "role", "code": "rest_invalid_param",
                                   "message": f"role is not one of: {known}."}])


def update_student(request: RestRequest) -> Any:
    params = request.params
    identity = request.app.identity
    # Locked before any write, and read under the lock: whether this blocks, and
    # whether it demotes an administrator, are decided from the account as it is
    # now, not as it was before a change that committed while this one waited.
    row = _load_to_change(request)
    role = params.get("role")
    if role is not None:
        problem = _role_problem(request, role)
        if problem is not None:
            raise problem
    blocking = params.get("status") == "blocked" and row.blocked != "1"
    demoting = role is not None and "manage_options" not in identity.roles.caps[role]
    if blocking:
        guard_administrators(request, row, "block")
    elif demoting:
        guard_administrators(request, row, "demote")
    user_id = int(row.ID)
    if blocking:
        identity.block(request.db, user_id)
        emit(request, "user.blocked", {"id": user_id})
    elif params.get("status") == "active" and row.blocked == "1":
        identity.unblock(request.db, user_id)
        emit(request, "user.unblocked", {"id": user_id})
    if role is not None:
        identity.store.set_role(request.db, user_id, role)
    return detail(request, _load(request))


def _refuse_deletion(request: RestRequest, user_id: int) -> None:
    """What must be settled before an account goes: courses it owns, live subscriptions."""
    table = tables(request)
    courses, subscriptions = table("courses"), table("subscriptions")
    db = request.db
    if db.execute(sa.select(courses.c.id).where(courses.c.author_id == user_id).limit(1)).first():
        raise Conflict("This account owns courses: give them to another instructor first.",
                       code="learnomy_owns_courses")
    # A locking read (the account's subscriptions, by their index): it sees one
    # that started since this transaction's first read.
    if lock_rows(db, sa.select(subscriptions.c.id).where(
            subscriptions.c.user_id == user_id, subscriptions.c.status.in_(LIVE_SUBSCRIPTIONS)).limit(1)):
        raise Conflict("This account has a running subscription: cancel it first.",
                       code="learnomy_subscription_running")


# Rows that only identify the person, by table (without the prefix) and user column.
PERSONAL_ROWS: tuple[tuple[str, str], ...] = (
    ("lrn_certificates", "user_id"), ("lrn_notifications", "user_id"), ("lrn_notification_prefs", "user_id"),
    ("lrn_sync_log", "user_id"), ("lrn_idempotency_keys", "user_id"), ("lrn_instructor_applications", "user_id"),
    ("lrn_withdrawal_methods", "user_id"), ("lrn_course_instructors", "user_id"),
)


def delete_account(request: RestRequest, row: Any) -> None:
    """Delete an account (its user row) and its personal data, anonymising its
    learning records, in the caller's transaction (see the module's docstring)."""
    db, app_tables = request.db, request.app.tables
    user_id = int(row.ID)
    for name, column in PERSONAL_ROWS:
        table = app_tables[name]
        db.execute(sa.delete(table).where(table.c[column] == user_id))
    _drop_mail_to(request, row.user_email)
    reviews = app_tables["lrn_reviews"]
    db.execute(sa.update(reviews).where(reviews.c.user_id == user_id).values(content=""))
    request.app.identity.delete_user(db, user_id)
    emit(request, "user.deleted", {"id": user_id, "deleted_at": now()})


def _drop_mail_to(request: RestRequest, address: str) -> None:
    """Delete the mail jobs to ``address``, sent or not: their payload holds the
    address and the message. A running one is its worker's (it is sent already)."""
    if not address:
        return
    jobs = request.app.tables["lrn_jobs"]
    candidates = request.db.execute(sa.select(jobs.c.id, jobs.c.payload).where(
        jobs.c.kind == MAIL_JOB, jobs.c.status != RUNNING,
        sa.cast(jobs.c.payload, sa.Text).like(_like(address), escape="\\"))).all()
    ids = [int(r.id) for r in candidates if isinstance(r.payload, dict) and r.payload.get("to") == address]
    if ids:
        request.db.execute(sa.delete(jobs).where(jobs.c.id.in_(ids), jobs.c.status != RUNNING))


def delete_student(request: RestRequest) -> Any:
    # Held and read under the lock, as a change is: two deletions queue (the
    # second finds nothing), and whether it is an administrator's account, and
    # the address its mail went to, are what they are now.
    row = _load_to_change(request)
    guard_administrators(request, row, "delete")
    user_id = int(row.ID)
    _refuse_deletion(request, user_id)
    previous = detail(request, row)
    delete_account(request, row)
    return deleted(previous)


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, "/admin/students", {
        "methods": READABLE, "callback": list_students, "permission_callback": ADMIN,
        "args": {
            **LIST_ARGS,
            "search": {"type": "string", "maxLength": 100},
            "status": {"type": "string", "enum": STATUSES},
            "course": {"type": "integer", "minimum": 1},
            "enrolled_since": {"type": "string", "format": "date-time"},
        },
    }, schema=LIST_SCHEMA)
    register(NAMESPACE, r"/admin/students/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_student, "permission_callback": ADMIN, "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_student, "permission_callback": ADMIN,
         "args": {**ID_ARG, "status": {"type": "string", "enum": STATUSES},
                  "role": {"type": "string", "minLength": 1, "maxLength": 64}}},
        {"methods": DELETABLE, "callback": delete_student, "permission_callback": ADMIN, "args": ID_ARG},
    ], schema=DETAIL_SCHEMA)


def users_of(request: RestRequest, user_ids: Iterable[int]) -> dict[int, Any]:
    """User rows (with their meta columns) by id, one query."""
    ids = sorted(set(user_ids))
    store = request.app.identity.store
    return {int(r.ID): r for r in request.db.execute(store.select().where(store.users.c.ID.in_(ids)))} if ids else {}
