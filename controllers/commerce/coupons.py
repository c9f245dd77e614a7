"""Coupons: administration, the discount they give, and ``POST /coupons/validate``.

A coupon applies once per line (a course or a plan it is not restricted from):
a percent coupon takes its share of each line, rounded half up at the line; a
fixed one takes its amount from each line, never more than the line. Codes are
unique and compared case-insensitively (``code_key`` holds the folded code).
Usage is counted when an order completes, under a lock on the coupon's row, so
the last use of a coupon cannot be taken twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core.openapi import route_schema
from learnomy_core import ADMIN, CREATABLE, DELETABLE, EDITABLE, LOGGED_IN, READABLE, RestRequest, created, deleted
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, CouponUsedUp, NotFound
from learnomy_core.events import emit
from learnomy_core.locks import lock_rows
from learnomy_core.openapi.schemas import BOOL, ID, INT, STR, TIME, array_of, nullable
from learnomy_core.storage import insert_ignore, inserted_id

from ..catalog import ID_ARG
from .common import CURRENCY_ARG, MONEY_ARG, NAMESPACE, bad_param, now, parse_time, percent_of, tables

REASONS = ("not_found", "expired", "not_started", "used_up", "not_applicable", "below_minimum", "currency_mismatch")
REASON_TEXT = {
    "not_found": "No coupon has this code.",
    "expired": "This coupon has expired.",
    "not_started": "This coupon is not valid yet.",
    "used_up": "This coupon has been used up.",
    "not_applicable": "This coupon does not apply to these items.",
    "below_minimum": "The order total is below this coupon's minimum.",
    "currency_mismatch": "This coupon is for another currency.",
}


@dataclass
class Line:
    """One priced line of a cart: ``type`` ``course`` or ``plan``."""

    type: str
    id: int
    title: str
    price: int
    currency: str
    row: Any = None
    discount: int = 0

    def item(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id, "title": self.title, "price": self.price,
                "discount": self.discount}


@dataclass
class Verdict:
    """A coupon's answer for a cart: ``reason`` is None when it applies."""

    coupon: Any
    reason: Optional[str]
    discounts: list[int] = field(default_factory=list)


def render_coupon(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "code": row.code, "type": row.type, "amount": int(row.amount),
            "currency": row.currency, "course_ids": list(row.course_ids or []), "plan_ids": list(row.plan_ids or []),
            "min_total": int(row.min_total), "starts_at": row.starts_at, "expires_at": row.expires_at,
            "usage_limit": row.usage_limit, "usage_limit_per_user": row.usage_limit_per_user,
            "used_count": row.used_count, "status": row.status, "created_at": row.created_at}


def find_coupon(request: RestRequest, code: str) -> Any:
    coupons = tables(request)("coupons")
    return request.db.execute(sa.select(coupons).where(coupons.c.code_key == code.strip().lower())).first()


def _uses_by(request: RestRequest, coupon_id: int, user_id: int) -> int:
    redemptions = tables(request)("coupon_redemptions")
    return int(request.db.execute(sa.select(sa.func.count()).select_from(redemptions).where(
        redemptions.c.coupon_id == coupon_id, redemptions.c.user_id == user_id)).scalar_one())


def evaluate(request: RestRequest, coupon: Any, user_id: int, lines: list[Line], currency: str) -> Verdict:
    """Whether ``coupon`` applies to ``lines`` for the user, and its discount per line."""
    if coupon is None or coupon.status != "active":
        return Verdict(coupon, "not_found")
    stamp = now()
    if coupon.starts_at is not None and coupon.starts_at > stamp:
        return Verdict(coupon, "not_started")
    if coupon.expires_at is not None and coupon.expires_at <= stamp:
        return Verdict(coupon, "expired")
    if coupon.usage_limit is not None and coupon.used_count >= coupon.usage_limit:
        return Verdict(coupon, "used_up")
    if coupon.usage_limit_per_user is not None and _uses_by(request, int(coupon.id), user_id) >= coupon.usage_limit_per_user:
        return Verdict(coupon, "used_up")
    if coupon.type == "fixed" and coupon.currency and coupon.currency != currency:
        return Verdict(coupon, "currency_mismatch")
    if sum(line.price for line in lines) < coupon.min_total:
        return Verdict(coupon, "below_minimum")
    courses, plans = [int(c) for c in coupon.course_ids or []], [int(p) for p in coupon.plan_ids or []]
    unrestricted = not courses and not plans
    discounts = []
    for line in lines:
        applies = unrestricted or line.id in (courses if line.type == "course" else plans)
        if not applies or line.price == 0:
            discounts.append(0)
        elif coupon.type == "percent":
            discounts.append(min(line.price, percent_of(line.price, coupon.amount)))
        else:
            discounts.append(min(line.price, int(coupon.amount)))
    if not any(discounts):
        return Verdict(coupon, "not_applicable")
    return Verdict(coupon, None, discounts)


def reserve(request: RestRequest, coupon_id: int, user_id: int) -> None:
    """Lock the coupon's row and check a use is left, before the order changes at all.

    The lock holds until the transaction ends, so two orders completing at once
    count one after the other and the limits hold; raising here leaves nothing
    written, so a gateway's event can still mark its order failed.

    :raises CouponUsedUp: no use is left (overall or for this user).
    """
    coupons = tables(request)("coupons")
    rows = lock_rows(request.db, sa.select(coupons).where(coupons.c.id == coupon_id))
    if not rows:
        raise CouponUsedUp("The coupon no longer exists.")
    coupon = rows[0]
    if coupon.usage_limit is not None and coupon.used_count >= coupon.usage_limit:
        raise CouponUsedUp()
    if coupon.usage_limit_per_user is not None and _uses_by(request, coupon_id, user_id) >= coupon.usage_limit_per_user:
        raise CouponUsedUp()


def redeem(request: RestRequest, coupon_id: int, user_id: int, order_id: int) -> None:
    """Count the use :func:`reserve` checked, for a completing order, in its transaction."""
    coupons, redemptions = tables(request)("coupons"), tables(request)("coupon_redemptions")
    coupon = request.db.execute(sa.select(coupons).where(coupons.c.id == coupon_id)).one()
    guarded = sa.update(coupons).where(coupons.c.id == coupon_id)
    if coupon.usage_limit is not None:
        guarded = guarded.where(coupons.c.used_count < coupons.c.usage_limit)
    if request.db.execute(guarded.values(used_count=coupons.c.used_count + 1)).rowcount != 1:
        raise CouponUsedUp()
    if not insert_ignore(request.db, redemptions, {"coupon_id": coupon_id, "user_id": user_id,
                                                  "order_id": order_id, "created_at": now()}):
        raise CouponUsedUp("This order used the coupon already.")
    emit(request, "coupon.redeemed", {"coupon_id": coupon_id, "code": coupon.code, "user_id": user_id,
                                      "order_id": order_id})


def release(request: RestRequest, coupon_id: int, order_id: int) -> None:
    """Give back the use a fully refunded order took."""
    coupons, redemptions = tables(request)("coupons"), tables(request)("coupon_redemptions")
    if request.db.execute(sa.delete(redemptions).where(redemptions.c.order_id == order_id)).rowcount:
        request.db.execute(sa.update(coupons).where(coupons.c.id == coupon_id, coupons.c.used_count > 0)
                           .values(used_count=coupons.c.used_count - 1))


# -- routes --------------------------------------------------------------------------

def _load(request: RestRequest) -> Any:
    coupons = tables(request)("coupons")
    row = request.db.execute(sa.select(coupons).where(coupons.c.id == request.params["id"])).first()
    if row is None:
        raise NotFound("Coupon not found.")
    return row


def _values(request: RestRequest, current: Optional[Any] = None) -> dict[str, Any]:
    params = request.params
    values: dict[str, Any] = {}
    for name in ("type", "amount", "course_ids", "plan_ids", "min_total", "usage_limit", "usage_limit_per_user",
                 "status"):
        if name in params:
            values[name] = params[name]
    for name in ("starts_at", "expires_at"):
        if name in params:
            values[name] = parse_time(params[name])
    if "currency" in params:
        values["currency"] = params["currency"].upper() if params["currency"] else None
    if "code" in params:
        values["code"], values["code_key"] = params["code"].strip(), params["code"].strip().lower()
    merged = {**(render_coupon(current) if current is not None else {}), **values}
    if merged.get("type") == "percent" and not 1 <= int(merged.get("amount", 0)) <= 100:
        raise bad_param("amount", "A percent coupon's amount is 1 to 100.", "rest_out_of_bounds")
    if merged.get("type") == "fixed" and not merged.get("currency"):
        raise bad_param("currency", "A fixed coupon needs its currency.")
    start, end = _as_time(merged.get("starts_at")), _as_time(merged.get("expires_at"))
    if start is not None and end is not None and end <= start:
        raise bad_param("expires_at", "expires_at must be after starts_at.")
    return values


def _as_time(value: Any) -> Optional[datetime]:
    """A stored time (a datetime) or a sent one (RFC 3339 text)."""
    if value is None or isinstance(value, datetime):
        return value
    return parse_time(str(value))


def _store(request: RestRequest, statement: Any) -> Any:
    try:
        return request.db.execute(statement)
    except sa.exc.IntegrityError:
        raise Conflict("A coupon with this code exists.", code="learnomy_coupon_code_taken") from None


def list_coupons(request: RestRequest) -> Any:
    coupons = tables(request)("coupons")
    query = sa.select(coupons)
    if request.params.get("status"):
        query = query.where(coupons.c.status == request.params["status"])
    return paginate(request, query, [(coupons.c.id, True)], lambda rows: [render_coupon(r) for r in rows],
                    bound_to=[request.params.get("status")])


def create_coupon(request: RestRequest) -> Any:
    coupons = tables(request)("coupons")
    values = _values(request)
    new_id = inserted_id(_store(request, sa.insert(coupons).values(
        **{"course_ids": [], "plan_ids": [], "min_total": 0, "status": "active", **values},
        used_count=0, created_at=now())))
    row = request.db.execute(sa.select(coupons).where(coupons.c.id == new_id)).one()
    return created(render_coupon(row), location=f"/{NAMESPACE}/coupons/{new_id}")


def get_coupon(request: RestRequest) -> Any:
    return render_coupon(_load(request))


def update_coupon(request: RestRequest) -> Any:
    row = _load(request)
    values = _values(request, row)
    coupons = tables(request)("coupons")
    if values:
        _store(request, sa.update(coupons).where(coupons.c.id == row.id).values(**values))
    return render_coupon(_load(request))


def delete_coupon(request: RestRequest) -> Any:
    row = _load(request)
    coupons = tables(request)("coupons")
    request.db.execute(sa.delete(coupons).where(coupons.c.id == row.id))
    return deleted(render_coupon(row))


def validate_coupon(request: RestRequest) -> Any:
    from .orders import price_lines

    lines, currency = price_lines(request, request.params["items"], check_owned=False)
    verdict = evaluate(request, find_coupon(request, request.params["code"]), request.user.id, lines, currency)
    subtotal = sum(line.price for line in lines)
    discount = sum(verdict.discounts)
    answer: dict[str, Any] = {"valid": verdict.reason is None, "code": request.params["code"],
                              "discount": discount, "subtotal": subtotal, "total": subtotal - discount,
                              "currency": currency}
    if verdict.reason is not None:
        answer.update(reason=verdict.reason, message=REASON_TEXT[verdict.reason])
    return answer


ITEMS_ARG = {"type": "array", "minItems": 1, "maxItems": 50, "items": {
    "type": "object", "additionalProperties": False, "required": ["type", "id"],
    "properties": {"type": {"type": "string", "enum": ["course", "plan"]}, "id": {"type": "integer", "minimum": 1}}}}
CODE_ARG = {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"^\S(.*\S)?$"}
# The limits are INT columns: above what one holds, MySQL/MariaDB refuse the write (a 500).
USAGE_LIMIT_ARG = {"type": ["integer", "null"], "minimum": 1, "maximum": 2**31 - 1}


def _coupon_args(create: bool) -> dict[str, Any]:
    def req(schema: dict[str, Any]) -> dict[str, Any]:
        return {**schema, "required": True} if create else schema

    ids = {"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 500, "uniqueItems": True}
    return {
        "code": req(CODE_ARG), "type": req({"type": "string", "enum": ["percent", "fixed"]}),
        "amount": req({"type": "integer", "minimum": 1, "maximum": 10**12}),
        "currency": {"type": ["string", "null"], "pattern": CURRENCY_ARG["pattern"]},
        "course_ids": ids, "plan_ids": ids, "min_total": MONEY_ARG,
        "starts_at": {"type": ["string", "null"], "format": "date-time"},
        "expires_at": {"type": ["string", "null"], "format": "date-time"},
        "usage_limit": USAGE_LIMIT_ARG,
        "usage_limit_per_user": USAGE_LIMIT_ARG,
        "status": {"type": "string", "enum": ["active", "disabled"]},
        "used_count": {"readonly": True},
    }


COUPON_SCHEMA = route_schema("coupon", {
    "id": ID, "code": STR, "type": {"type": "string", "enum": ["percent", "fixed"]}, "amount": INT,
    "currency": nullable(STR), "course_ids": array_of(INT), "plan_ids": array_of(INT), "min_total": INT,
    "starts_at": nullable(TIME), "expires_at": nullable(TIME), "usage_limit": nullable(INT),
    "usage_limit_per_user": nullable(INT), "used_count": INT, "status": {"type": "string", "enum": ["active", "disabled"]},
    "created_at": TIME})
VALIDATION_SCHEMA = route_schema("coupon-validation", {
    "valid": BOOL, "code": STR, "reason": {"type": "string", "enum": list(REASON_TEXT)}, "message": STR,
    "discount": INT, "subtotal": INT, "total": INT, "currency": STR},
    # the reason and its message only when the coupon does not apply
    required=["valid", "code", "discount", "subtotal", "total", "currency"])


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, "/coupons", [
        {"methods": READABLE, "callback": list_coupons, "permission_callback": ADMIN,
         "args": {**LIST_ARGS, "status": {"type": "string", "enum": ["active", "disabled"]}}},
        {"methods": CREATABLE, "callback": create_coupon, "permission_callback": ADMIN, "args": _coupon_args(True)},
    ], schema=COUPON_SCHEMA)
    register(NAMESPACE, "/coupons/validate", {
        "methods": CREATABLE, "callback": validate_coupon, "permission_callback": LOGGED_IN, "sensitive": True,
        "args": {"code": {**CODE_ARG, "required": True}, "items": {**ITEMS_ARG, "required": True}}}, schema=VALIDATION_SCHEMA)
    register(NAMESPACE, r"/coupons/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_coupon, "permission_callback": ADMIN, "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_coupon, "permission_callback": ADMIN,
         "args": {**ID_ARG, **_coupon_args(False)}},
        {"methods": DELETABLE, "callback": delete_coupon, "permission_callback": ADMIN, "args": ID_ARG},
    ], schema=COUPON_SCHEMA)
