"""Instructors' earnings, the commission settings, withdrawals and payout details.

Each paid course line of a completed order earns the course's instructors: the
line's price after discount is split equally (the remainder to the course's
owner) and each keeps their rate of their part (a course override, else a
plugin's per-instructor rate through ``learnomy_instructor_rate``, else the
global ``instructor_rate``); the platform keeps the rest. An earning is pending
for ``holding_days``, then available: decided by its ``available_at`` when read,
so no job has to clear it. A refund writes reversal entries (negative amounts,
available at once), so an earning already withdrawn leaves a negative balance
that later earnings pay off.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from learnomy_core.openapi import route_schema
from learnomy_core import ADMIN, CREATABLE, EDITABLE, INSTRUCTOR, READABLE, RestRequest, created
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import InsufficientBalance, NotFound, OrderStateConflict, WithdrawalPending
from learnomy_core.events import emit
from learnomy_core.locks import lock_rows
from learnomy_core.openapi.schemas import ID, INT, NUM, STR, TIME, array_of, map_of, nullable, obj
from learnomy_core.permissions import Policy
from learnomy_core.storage import insert_ignore

from ..catalog import ID_ARG
from .common import CURRENCY_ARG, NAMESPACE, bad_param, commissions, mask_details, now, percent_of, ratio, split, tables


def _rate(request: RestRequest, settings: dict[str, Any], instructor_id: int, course_id: int) -> Any:
    for override in settings["course_overrides"]:
        if int(override["course_id"]) == course_id:
            return override["instructor_rate"]
    hooked = request.app.plugins.hook.learnomy_instructor_rate(
        request=request, instructor_id=instructor_id, course_id=course_id)
    return settings["instructor_rate"] if hooked is None else hooked


def _teachers(request: RestRequest, course_ids: list[int]) -> dict[int, list[int]]:
    """Each course's instructors, its owner first."""
    table = tables(request)
    courses, instructors = table("courses"), table("course_instructors")
    owners = {int(r.id): int(r.author_id) for r in request.db.execute(
        sa.select(courses.c.id, courses.c.author_id).where(courses.c.id.in_(course_ids)))}
    found: dict[int, list[int]] = {c: [] for c in owners}
    for course_id, user_id in request.db.execute(
            sa.select(instructors.c.course_id, instructors.c.user_id).where(instructors.c.course_id.in_(course_ids))
            .order_by(instructors.c.added_at, instructors.c.user_id)):
        found[int(course_id)].append(int(user_id))
    for course_id, owner in owners.items():
        others = [u for u in found[course_id] if u != owner]
        found[course_id] = [owner, *others]
    return found


def write(request: RestRequest, order: Any) -> None:
    """The earnings of a completing order's paid course lines."""
    lines = [i for i in order.items if i["type"] == "course" and i["price"] - i.get("discount", 0) > 0]
    if not lines:
        return
    settings = commissions(request)
    teachers = _teachers(request, [int(i["id"]) for i in lines])
    stamp = now()
    available = stamp + timedelta(days=int(settings["holding_days"]))
    rows = []
    for item in lines:
        course_id = int(item["id"])
        people = teachers.get(course_id) or []
        if not people:
            continue
        for instructor_id, gross in zip(people, split(item["price"] - item.get("discount", 0), len(people))):
            net = percent_of(gross, _rate(request, settings, instructor_id, course_id))
            rows.append({"instructor_id": instructor_id, "order_id": int(order.id), "course_id": course_id,
                         "gross": gross, "platform_fee": gross - net, "net": net, "currency": order.currency,
                         "kind": "earned", "created_at": stamp, "available_at": available})
    if rows:
        request.db.execute(sa.insert(tables(request)("earnings")), rows)


def reverse(request: RestRequest, order: Any, refunded_total: int) -> None:
    """Bring the order's reversals to ``refunded_total / total`` of each earning.

    Figured on the refunded total so far, not on this refund alone, so that
    partial refunds adding up to the whole reverse each earning exactly.
    """
    earnings = tables(request)("earnings")
    rows = request.db.execute(sa.select(earnings).where(earnings.c.order_id == order.id)).all()
    reversed_so_far: dict[tuple[int, int], tuple[int, int]] = {}
    for r in rows:
        if r.kind == "reversal":
            key = (int(r.instructor_id), int(r.course_id))
            gross, net = reversed_so_far.get(key, (0, 0))
            reversed_so_far[key] = (gross - int(r.gross), net - int(r.net))
    stamp = now()
    new = []
    total = int(order.total)
    for r in rows:
        if r.kind != "earned":
            continue
        gross_target = ratio(int(r.gross) * refunded_total, total)
        net_target = ratio(int(r.net) * refunded_total, total)
        done_gross, done_net = reversed_so_far.get((int(r.instructor_id), int(r.course_id)), (0, 0))
        gross, net = gross_target - done_gross, net_target - done_net
        if gross or net:
            new.append({"instructor_id": r.instructor_id, "order_id": r.order_id, "course_id": r.course_id,
                        "gross": -gross, "platform_fee": -(gross - net), "net": -net, "currency": r.currency,
                        "kind": "reversal", "created_at": stamp, "available_at": stamp})
    if new:
        request.db.execute(sa.insert(earnings), new)


# -- reading earnings --------------------------------------------------------------------

def render_earning(row: Any) -> dict[str, Any]:
    status = "reversed" if row.kind == "reversal" else ("available" if row.available_at <= now() else "pending")
    return {"id": int(row.id), "instructor_id": int(row.instructor_id), "order_id": int(row.order_id),
            "course_id": int(row.course_id), "gross": int(row.gross), "platform_fee": int(row.platform_fee),
            "net": int(row.net), "currency": row.currency, "status": status, "created_at": row.created_at,
            "available_at": row.available_at}


def list_earnings(request: RestRequest) -> Any:
    earnings = tables(request)("earnings")
    query = sa.select(earnings)
    instructor = request.params.get("instructor") if request.user.is_admin else request.user.id
    if instructor:
        query = query.where(earnings.c.instructor_id == instructor)
    if request.params.get("course"):
        query = query.where(earnings.c.course_id == request.params["course"])
    return paginate(request, query, [(earnings.c.id, True)], lambda rows: [render_earning(r) for r in rows],
                    bound_to=[instructor, request.params.get("course")])


def summaries(request: RestRequest, instructor_id: int) -> dict[str, dict[str, int]]:
    """Per currency: gross, platform_fee, net, pending, available, withdrawn, withdrawal_pending.

    ``available`` is what may be withdrawn now: cleared earnings less what was
    withdrawn or is waiting to be (negative after a refund of withdrawn money).
    """
    table = tables(request)
    earnings, withdrawals = table("earnings"), table("withdrawals")
    stamp = now()
    cleared = sa.case((earnings.c.available_at <= stamp, earnings.c.net), else_=0)
    waiting = sa.case((earnings.c.available_at > stamp, earnings.c.net), else_=0)
    result: dict[str, dict[str, int]] = {}

    def entry(currency: str) -> dict[str, int]:
        return result.setdefault(currency, {"gross": 0, "platform_fee": 0, "net": 0, "pending": 0, "available": 0,
                                            "withdrawn": 0, "withdrawal_pending": 0})

    for r in request.db.execute(
            sa.select(earnings.c.currency, sa.func.sum(earnings.c.gross), sa.func.sum(earnings.c.platform_fee),
                      sa.func.sum(earnings.c.net), sa.func.sum(cleared), sa.func.sum(waiting))
            .where(earnings.c.instructor_id == instructor_id).group_by(earnings.c.currency)):
        e = entry(r[0])
        e.update(gross=int(r[1] or 0), platform_fee=int(r[2] or 0), net=int(r[3] or 0), available=int(r[4] or 0),
                 pending=int(r[5] or 0))
    for currency, status, amount in request.db.execute(
            sa.select(withdrawals.c.currency, withdrawals.c.status, sa.func.sum(withdrawals.c.amount))
            .where(withdrawals.c.instructor_id == instructor_id, withdrawals.c.status.in_(("approved", "pending")))
            .group_by(withdrawals.c.currency, withdrawals.c.status)):
        entry(currency)["withdrawn" if status == "approved" else "withdrawal_pending"] = int(amount or 0)
    for e in result.values():
        e["available"] -= e["withdrawn"] + e["withdrawal_pending"]
    return result


def summary(request: RestRequest) -> Any:
    instructor = request.params.get("instructor") if request.user.is_admin else None
    figures = summaries(request, int(instructor or request.user.id))
    return [{"currency": c, **f} for c, f in sorted(figures.items())]


# -- commission settings --------------------------------------------------------------

# Other plugins add attributes to this resource (register_rest_field on
# "commission-settings": Pro's instructor_overrides); the core writes and answers
# them after these callbacks, in this request's transaction, so a refused one
# leaves the commissions unchanged too.

def get_settings(request: RestRequest) -> Any:
    return commissions(request)


def put_settings(request: RestRequest) -> Any:
    values = {k: request.params[k] for k in ("instructor_rate", "holding_days", "minimum_withdrawal",
                                             "course_overrides") if k in request.params}
    if "minimum_withdrawal" in values:
        values["minimum_withdrawal"] = {k.upper(): v for k, v in values["minimum_withdrawal"].items()}
    return request.app.settings.update(request.db, {"commissions": values})["commissions"]


# -- withdrawal method ------------------------------------------------------------------

def _method_row(request: RestRequest, user_id: int) -> Any:
    methods = tables(request)("withdrawal_methods")
    return request.db.execute(sa.select(methods).where(methods.c.user_id == user_id)).first()


def render_method(row: Any) -> dict[str, Any]:
    if row is None:
        return {"type": None, "details": {}, "updated_at": None}
    return {"type": row.type, "details": mask_details(row.details), "updated_at": row.updated_at}


def get_method(request: RestRequest) -> Any:
    return render_method(_method_row(request, request.user.id))


def put_method(request: RestRequest) -> Any:
    methods = tables(request)("withdrawal_methods")
    values = {"type": request.params["type"], "details": request.params["details"], "updated_at": now()}
    # The user's own row serialises their saves: two at once would otherwise both wait
    # on the first insert with a shared lock and deadlock upgrading it to update.
    request.app.identity.store.lock(request.db, request.user.id)
    if not insert_ignore(request.db, methods, {"user_id": request.user.id, **values}):
        request.db.execute(sa.update(methods).where(methods.c.user_id == request.user.id).values(**values))
    # A locking read: a plain one on MySQL/MariaDB would show the transaction's older
    # snapshot when the update above changed nothing (the same values, the same second).
    return render_method(next(iter(lock_rows(request.db, sa.select(methods).where(
        methods.c.user_id == request.user.id))), None))


# -- withdrawals ---------------------------------------------------------------------------

def render_withdrawal(row: Any) -> dict[str, Any]:
    method = dict(row.method or {})
    return {"id": int(row.id), "instructor_id": int(row.instructor_id), "amount": int(row.amount),
            "currency": row.currency, "method": {"type": method.get("type"),
                                                "details": mask_details(method.get("details"))},
            "status": row.status, "reason": row.reason, "requested_at": row.requested_at,
            "processed_at": row.processed_at}


class WithdrawalContext:
    """The withdrawal a policy loaded."""

    def __init__(self, row: Any) -> None:
        self.row = row


def withdrawal_policy(name: str, *, admin_only: bool = False, owner_only: bool = False) -> Policy:
    def check(request: RestRequest) -> bool:
        withdrawals = tables(request)("withdrawals")
        row = request.db.execute(sa.select(withdrawals).where(withdrawals.c.id == request.params["id"])).first()
        own = row is not None and int(row.instructor_id) == request.user.id
        if row is None or not (request.user.is_admin or own):
            raise NotFound("Withdrawal not found.")
        request.context = WithdrawalContext(row)
        if admin_only:
            return bool(request.user.is_admin)
        if owner_only:
            return own
        return request.user.has_cap("learnomy_teach") or request.user.is_admin

    return Policy(name, check)


def list_withdrawals(request: RestRequest) -> Any:
    withdrawals = tables(request)("withdrawals")
    query = sa.select(withdrawals)
    instructor = request.params.get("instructor") if request.user.is_admin else request.user.id
    if instructor:
        query = query.where(withdrawals.c.instructor_id == instructor)
    if request.params.get("status"):
        query = query.where(withdrawals.c.status == request.params["status"])
    return paginate(request, query, [(withdrawals.c.id, True)], lambda rows: [render_withdrawal(r) for r in rows],
                    bound_to=[instructor, request.params.get("status")])


def request_withdrawal(request: RestRequest) -> Any:
    params = request.params
    currency = params["currency"].upper()
    method = _method_row(request, request.user.id)
    if method is None:
        raise bad_param("method", "Set your payout details first (PUT /me/withdrawal-method).")
    minimum = int(commissions(request)["minimum_withdrawal"].get(currency, 0))
    if params["amount"] < minimum:
        raise bad_param("amount", f"The minimum withdrawal is {minimum} {currency}.", "rest_out_of_bounds")
    withdrawals = tables(request)("withdrawals")
    # The pending_key takes the instructor's one pending place first: of two
    # requests at once, one holds it and the other answers 409.
    stamp = now()
    if not insert_ignore(request.db, withdrawals, {
            "instructor_id": request.user.id, "amount": params["amount"], "currency": currency,
            "method": {"type": method.type, "details": method.details}, "status": "pending", "reason": "",
            "pending_key": request.user.id, "requested_at": stamp}):
        raise WithdrawalPending()
    new = request.db.execute(sa.select(withdrawals).where(withdrawals.c.pending_key == request.user.id)).one()
    balance = summaries(request, request.user.id).get(currency, {}).get("available", 0)
    if balance < 0:  # the new request counts as pending in the balance already
        raise InsufficientBalance(f"The available balance is {balance + params['amount']} {currency}.")
    withdrawal = render_withdrawal(new)
    emit(request, "withdrawal.requested", withdrawal)
    return created(withdrawal, location=f"/{NAMESPACE}/withdrawals/{new.id}")


def _decide(request: RestRequest, status: str, event: str | None) -> Any:
    row = request.context_as(WithdrawalContext).row
    withdrawals = tables(request)("withdrawals")
    changed = request.db.execute(sa.update(withdrawals).where(
        withdrawals.c.id == row.id, withdrawals.c.status == "pending").values(
        status=status, pending_key=None, processed_at=now(), reason=request.params.get("reason", row.reason))).rowcount
    if changed != 1:
        raise OrderStateConflict(f"The withdrawal is {row.status}, no longer pending.")
    withdrawal = render_withdrawal(request.db.execute(sa.select(withdrawals).where(withdrawals.c.id == row.id)).one())
    if event:
        emit(request, event, withdrawal)
    return withdrawal


def get_withdrawal(request: RestRequest) -> Any:
    return render_withdrawal(request.context_as(WithdrawalContext).row)


def approve(request: RestRequest) -> Any:
    return _decide(request, "approved", "withdrawal.approved")


def reject(request: RestRequest) -> Any:
    return _decide(request, "rejected", "withdrawal.rejected")


def cancel(request: RestRequest) -> Any:
    return _decide(request, "cancelled", None)


EARNING_SCHEMA = route_schema("earning", {
    "id": ID, "instructor_id": INT, "order_id": INT, "course_id": INT, "gross": INT, "platform_fee": INT,
    "net": INT, "currency": STR, "status": {"type": "string", "enum": ["pending", "available", "reversed"]},
    "created_at": TIME, "available_at": TIME})
SUMMARY_SCHEMA = route_schema("earnings-summary", {
    "currency": STR, "gross": INT, "platform_fee": INT, "net": INT, "pending": INT, "available": INT,
    "withdrawn": INT, "withdrawal_pending": INT})
SETTINGS_SCHEMA = route_schema("commission-settings", {
    "instructor_rate": NUM, "holding_days": INT, "minimum_withdrawal": map_of(INT),
    "course_overrides": array_of(obj({"course_id": INT, "instructor_rate": NUM}))})
# Plugins add attributes with registry.register_rest_field("commission-settings", ...).
_MASKED = {"type": "object", "additionalProperties": STR}
METHOD_TYPES = ["bank_transfer", "paypal", "other"]
WITHDRAWAL_SCHEMA = route_schema("withdrawal", {
    "id": ID, "instructor_id": INT, "amount": INT, "currency": STR,
    "method": obj({"type": nullable({"type": "string", "enum": METHOD_TYPES}), "details": _MASKED},
                  required=["type", "details"]),
    "status": {"type": "string", "enum": ["pending", "approved", "rejected", "cancelled"]}, "reason": nullable(STR), "requested_at": TIME,
    "processed_at": nullable(TIME)})
METHOD_SCHEMA = route_schema("withdrawal-method", {
    "type": nullable({"type": "string", "enum": METHOD_TYPES}), "details": _MASKED,
    "updated_at": nullable(TIME)})


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    ids = {"type": "integer", "minimum": 1}
    register(NAMESPACE, "/earnings", {
        "methods": READABLE, "callback": list_earnings, "permission_callback": INSTRUCTOR,
        "args": {**LIST_ARGS, "instructor": ids, "course": ids}}, schema=EARNING_SCHEMA)
    register(NAMESPACE, "/earnings/summary", {
        "methods": READABLE, "callback": summary, "permission_callback": INSTRUCTOR, "args": {"instructor": ids},
        "answers": "items"}, schema=SUMMARY_SCHEMA)
    rate = {"type": "number", "minimum": 0, "maximum": 100}
    register(NAMESPACE, "/commissions/settings", [
        {"methods": READABLE, "callback": get_settings, "permission_callback": ADMIN, "args": {}},
        {"methods": "PUT", "callback": put_settings, "permission_callback": ADMIN, "args": {
            "instructor_rate": rate, "holding_days": {"type": "integer", "minimum": 0, "maximum": 365},
            "minimum_withdrawal": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}},
            "course_overrides": {"type": "array", "maxItems": 1000, "items": {
                "type": "object", "additionalProperties": False, "required": ["course_id", "instructor_rate"],
                "properties": {"course_id": ids, "instructor_rate": rate}}}}},
    ], schema=SETTINGS_SCHEMA)
    register(NAMESPACE, "/withdrawals", [
        {"methods": READABLE, "callback": list_withdrawals, "permission_callback": INSTRUCTOR,
         "args": {**LIST_ARGS, "instructor": ids,
                  "status": {"type": "string", "enum": ["pending", "approved", "rejected", "cancelled"]}}},
        {"methods": CREATABLE, "callback": request_withdrawal, "permission_callback": INSTRUCTOR, "sensitive": True,
         "idempotent": True, "args": {"amount": {"type": "integer", "minimum": 1, "maximum": 10**12, "required": True},
                  "currency": {**CURRENCY_ARG, "required": True}}},
    ], schema=WITHDRAWAL_SCHEMA)
    register(NAMESPACE, r"/withdrawals/(?P<id>[\d]+)", {
        "methods": READABLE, "callback": get_withdrawal, "permission_callback": withdrawal_policy("withdrawal_owner"),
        "args": ID_ARG}, schema=WITHDRAWAL_SCHEMA)
    reason = {"type": "string", "maxLength": 2000}
    register(NAMESPACE, r"/withdrawals/(?P<id>[\d]+)/approve", {
        "methods": CREATABLE, "callback": approve,
        "permission_callback": withdrawal_policy("withdrawal_admin", admin_only=True), "args": ID_ARG},
        schema=WITHDRAWAL_SCHEMA)
    register(NAMESPACE, r"/withdrawals/(?P<id>[\d]+)/reject", {
        "methods": CREATABLE, "callback": reject,
        "permission_callback": withdrawal_policy("withdrawal_admin", admin_only=True),
        "args": {**ID_ARG, "reason": {**reason, "minLength": 1, "required": True}}},
        schema=WITHDRAWAL_SCHEMA)
    register(NAMESPACE, r"/withdrawals/(?P<id>[\d]+)/cancel", {
        "methods": CREATABLE, "callback": cancel,
        "permission_callback": withdrawal_policy("withdrawal_owner_only", owner_only=True), "args": ID_ARG},
        schema=WITHDRAWAL_SCHEMA)
    register(NAMESPACE, "/me/withdrawal-method", [
        {"methods": READABLE, "callback": get_method, "permission_callback": INSTRUCTOR, "args": {}},
        {"methods": "PUT", "callback": put_method, "permission_callback": INSTRUCTOR, "args": {
            "type": {"type": "string", "enum": ["bank_transfer", "paypal", "other"], "required": True},
            "details": {"type": "object", "required": True, "maxProperties": 20,
                        "additionalProperties": {"type": "string", "maxLength": 200}}}},
    ], schema=METHOD_SCHEMA)
