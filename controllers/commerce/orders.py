"""Checkout, orders, completing them and refunding them.

Prices come from the database when the order is made, never from the request.
Completing an order is one guarded transition (``pending`` → ``completed``) and
everything it causes happens in the same transaction: enrollments, the
subscription, the coupon's use, the instructors' earnings and the events; a
second completion finds the order completed and changes nothing.
"""

from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core.openapi import route_schema
from learnomy_core import ADMIN, CREATABLE, LOGGED_IN, READABLE, RestRequest, created
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import AlreadyOwned, Conflict, NotFound, OrderStateConflict
from learnomy_core.events import emit
from learnomy_core.openapi.schemas import ID, INT, STR, TIME, array_of, nullable, obj
from learnomy_core.permissions import Policy
from learnomy_core.storage import inserted_id

from ..catalog import ID_ARG, live_enrollment
from ..learning import enroll
from . import coupons as coupon_rules
from . import earnings
from .common import NAMESPACE, bad_param, now, tables
from .coupons import ITEMS_ARG, Line
from .plans import end_subscription, load_plan, membership_grants, open_gateway_subscription, start_or_renew

ORDER_STATUSES = ["pending", "completed", "failed", "cancelled", "refunded", "partially_refunded"]


def course_price(row: Any) -> int:
    """A course's price now: its sale price when it has a lower one."""
    if row.sale_price is not None and 0 <= int(row.sale_price) < int(row.price):
        return int(row.sale_price)
    return int(row.price)


def owns(request: RestRequest, user_id: int, course: Any) -> bool:
    """Whether the user has access to the course already (a live enrollment, unexpired)."""
    enrollment = live_enrollment(request.db, tables(request), user_id, int(course.id))
    if enrollment is None or enrollment.status not in ("active", "completed"):
        return False
    return enrollment.expires_at is None or enrollment.expires_at > now()


def price_lines(request: RestRequest, items: list[dict[str, Any]], *, check_owned: bool) -> tuple[list[Line], str]:
    """The cart's lines priced from the database, and their one currency.

    :raises InvalidParams: an unknown or unbuyable item, two plans, mixed currencies.
    :raises AlreadyOwned: (``check_owned``) a course the buyer has access to.
    """
    seen: set[tuple[str, int]] = set()
    wanted = []
    for item in items:
        key = (item["type"], int(item["id"]))
        if key in seen:
            raise bad_param("items", f"The {key[0]} {key[1]} is listed twice.")
        seen.add(key)
        wanted.append(key)
    if sum(1 for kind, _ in wanted if kind == "plan") > 1:
        raise bad_param("items", "An order holds at most one plan.")
    course_ids = [i for kind, i in wanted if kind == "course"]
    courses = tables(request)("courses")
    rows = {int(r.id): r for r in request.db.execute(sa.select(courses).where(courses.c.id.in_(course_ids)))}
    lines = []
    for kind, item_id in wanted:
        if kind == "course":
            row = rows.get(item_id)
            if row is None or row.status != "publish":
                raise bad_param("items", f"No course {item_id} is for sale.")
            if row.price_type != "paid":
                raise bad_param("items", f"The course {item_id} is not sold on its own ({row.price_type}).")
            if check_owned and (owns(request, request.user.id, row) or membership_grants(request, request.user.id, row)):
                raise AlreadyOwned(f"You already have access to the course {item_id}.")
            lines.append(Line("course", item_id, row.title, course_price(row), row.currency.upper(), row))
        else:
            try:
                plan = load_plan(request, item_id, active_only=True)
            except NotFound:
                raise bad_param("items", f"No plan {item_id} is for sale.") from None
            if check_owned and open_gateway_subscription(request, request.user.id, item_id):
                raise AlreadyOwned("You have a running subscription to this plan; it renews by itself.")
            lines.append(Line("plan", item_id, plan.name, int(plan.price), plan.currency.upper(), plan))
    currencies = {line.currency for line in lines}
    if len(currencies) > 1:
        raise bad_param("items", "The items are priced in different currencies; buy them in separate orders.")
    return lines, currencies.pop()


# -- resources -----------------------------------------------------------------------

def render_order(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "user_id": int(row.user_id), "status": row.status, "items": list(row.items),
            "subtotal": int(row.subtotal), "discount": int(row.discount), "total": int(row.total),
            "refunded_total": int(row.refunded_total), "currency": row.currency, "coupon_code": row.coupon_code,
            "gateway": row.gateway, "gateway_reference": row.gateway_reference, "payment_url": row.payment_url,
            "created_at": row.created_at, "completed_at": row.completed_at}


def order_row(request: RestRequest, order_id: int) -> Any:
    orders = tables(request)("orders")
    return request.db.execute(sa.select(orders).where(orders.c.id == order_id)).first()


class OrderContext:
    """The order a policy loaded."""

    def __init__(self, row: Any) -> None:
        self.row = row


def order_policy(name: str, *, admin_only: bool = False) -> Policy:
    """The order's buyer (unless ``admin_only``) or an administrator; others 404."""

    def check(request: RestRequest) -> bool:
        row = order_row(request, request.params["id"])
        if row is None or not (request.user.is_admin or int(row.user_id) == request.user.id):
            raise NotFound("Order not found.")
        request.context = OrderContext(row)
        return request.user.is_admin or not admin_only

    return Policy(name, check)


# -- checkout ------------------------------------------------------------------------------

def checkout(request: RestRequest) -> Any:
    from .gateways import enabled_gateways

    params = request.params
    lines, currency = price_lines(request, params["items"], check_owned=True)
    coupon = None
    if params.get("coupon_code"):
        coupon = coupon_rules.find_coupon(request, params["coupon_code"])
        verdict = coupon_rules.evaluate(request, coupon, request.user.id, lines, currency)
        if verdict.reason is not None:
            raise bad_param("coupon_code", coupon_rules.REASON_TEXT[verdict.reason], f"learnomy_coupon_{verdict.reason}")
        for line, discount in zip(lines, verdict.discounts):
            line.discount = discount
    subtotal = sum(line.price for line in lines)
    discount = sum(line.discount for line in lines)
    total = subtotal - discount
    gateways = enabled_gateways(request)
    gateway_id = "free" if total == 0 else params.get("gateway")
    if gateway_id is None:
        raise bad_param("gateway", "A gateway is needed to pay this order.", "rest_missing_callback_param")
    gateway = gateways.get(gateway_id)
    if gateway is None or (gateway_id == "free" and total != 0):
        raise bad_param("gateway", f"gateway is not one of {', '.join(g for g in gateways if g != 'free')}.",
                        "rest_not_in_enum")
    if any(line.type == "plan" for line in lines) and "subscriptions" not in gateway.supports:
        raise bad_param("gateway", f"The {gateway_id} gateway does not sell plans.")
    orders = tables(request)("orders")
    stamp = now()
    order_id = inserted_id(request.db.execute(sa.insert(orders).values(
        user_id=request.user.id, status="pending", items=[line.item() for line in lines], subtotal=subtotal,
        discount=discount, total=total, refunded_total=0, currency=currency,
        coupon_id=int(coupon.id) if coupon is not None else None,
        coupon_code=coupon.code if coupon is not None else None, gateway=gateway_id, created_at=stamp)))
    row = order_row(request, order_id)
    emit(request, "order.created", render_order(row))
    if total == 0:
        complete_order(request, order_id)
    else:
        payment_url, reference = gateway.begin(request, row, lines)
        request.db.execute(sa.update(orders).where(orders.c.id == order_id).values(
            payment_url=payment_url, gateway_reference=reference))
    return created(render_order(order_row(request, order_id)), location=f"/{NAMESPACE}/orders/{order_id}")


# -- completion ------------------------------------------------------------------------

def _grant_course(request: RestRequest, user_id: int, course_id: int) -> None:
    courses = tables(request)("courses")
    course = request.db.execute(sa.select(courses).where(courses.c.id == course_id)).first()
    if course is None or owns(request, user_id, course):
        return  # deleted since, or granted meanwhile: nothing to add
    current = live_enrollment(request.db, tables(request), user_id, course_id)
    if current is not None:  # a suspended or lapsed place: the purchase reopens it
        enrollments = tables(request)("enrollments")
        request.db.execute(sa.update(enrollments).where(enrollments.c.id == current.id).values(
            status="active", source="purchase", expires_at=None))
        return
    # A paid seat is given even when the course is full.
    enroll(request, user_id, course, source="purchase", enforce_limit=False)


def complete_order(request: RestRequest, order_id: int, *, reference: Optional[str] = None,
                   payment: Optional[str] = None, subscription_reference: Optional[str] = None) -> dict[str, Any]:
    """Complete a pending order and everything it buys, in the caller's transaction.

    A completed order is answered as it is (completing twice changes nothing).

    :raises OrderStateConflict: the order is failed, cancelled or refunded.
    :raises CouponUsedUp: its coupon has no use left (nothing is completed).
    """
    orders = tables(request)("orders")
    before = order_row(request, order_id)
    if before is not None and before.status == "pending" and before.coupon_id is not None:
        coupon_rules.reserve(request, int(before.coupon_id), int(before.user_id))
    values: dict[str, Any] = {"status": "completed", "completed_at": now()}
    if reference:
        values["gateway_reference"] = reference
    if payment:
        values["gateway_payment"] = payment
    changed = request.db.execute(sa.update(orders).where(orders.c.id == order_id, orders.c.status == "pending")
                                 .values(**values)).rowcount
    row = order_row(request, order_id)
    if changed != 1:
        if row is not None and row.status == "completed":
            return render_order(row)
        raise OrderStateConflict(f"The order is {row.status if row else 'gone'}; it cannot be completed.")
    user_id = int(row.user_id)
    if row.coupon_id is not None:
        coupon_rules.redeem(request, int(row.coupon_id), user_id, order_id)
    for item in row.items:
        if item["type"] == "course":
            _grant_course(request, user_id, int(item["id"]))
        else:
            plans = tables(request)("membership_plans")
            plan = request.db.execute(sa.select(plans).where(plans.c.id == item["id"])).one()
            start_or_renew(request, user_id, plan, gateway=row.gateway, order_id=order_id,
                           reference=subscription_reference)
    earnings.write(request, row)
    order = render_order(row)
    emit(request, "order.completed", order)
    return order


def _end_access(request: RestRequest, row: Any) -> None:
    """A fully refunded order takes back what it bought."""
    table = tables(request)
    enrollments, courses, subs = table("enrollments"), table("courses"), table("subscriptions")
    for item in row.items:
        if item["type"] == "course":
            current = live_enrollment(request.db, table, int(row.user_id), int(item["id"]))
            if current is not None and current.source == "purchase":
                request.db.execute(sa.update(enrollments).where(enrollments.c.id == current.id)
                                   .values(status="cancelled", live_key=None))
                request.db.execute(sa.update(courses).where(courses.c.id == current.course_id,
                                                            courses.c.student_count > 0)
                                   .values(student_count=courses.c.student_count - 1))
        else:
            sub = request.db.execute(sa.select(subs).where(subs.c.order_id == row.id)).first()
            if sub is not None and sub.status not in ("expired", "cancelled"):
                end_subscription(request, sub, "cancelled")


def refund_order(request: RestRequest, order_id: int, amount: Optional[int], reason: str, *,
                 through_gateway: bool = True) -> dict[str, Any]:
    """Refund ``amount`` (None: the rest) of a completed order, in the caller's transaction.

    Earnings are reversed in proportion; a full refund ends the access bought.
    With ``through_gateway`` the gateway is asked to pay the money back (not when
    the gateway itself reported the refund).

    :raises InvalidParams: an amount over what is left to refund.
    :raises OrderStateConflict: the order was not paid, or is refunded already.
    """
    row = order_row(request, order_id)
    if row is None or row.status not in ("completed", "partially_refunded") or row.total == row.refunded_total:
        raise OrderStateConflict("Only a paid order with something left to refund can be refunded.")
    left = int(row.total) - int(row.refunded_total)
    amount = left if amount is None else amount
    if amount > left:
        raise bad_param("amount", f"At most {left} is left to refund.", "rest_out_of_bounds")
    orders = tables(request)("orders")
    refunded = int(row.refunded_total) + amount
    status = "refunded" if refunded == int(row.total) else "partially_refunded"
    # Guarded on what we read: two refunds at once cannot both pass the check above.
    changed = request.db.execute(sa.update(orders).where(
        orders.c.id == order_id, orders.c.refunded_total == row.refunded_total).values(
        refunded_total=refunded, status=status)).rowcount
    if changed != 1:
        raise Conflict("The order changed meanwhile; try again.")
    # Dated now: revenue reports net a refund in the period it happened.
    request.db.execute(sa.insert(tables(request)("refunds")).values(
        order_id=order_id, amount=amount, currency=row.currency, reason=reason[:2000], created_at=now()))
    if through_gateway:
        from .gateways import gateway_of

        gateway = gateway_of(request, row.gateway)
        if gateway is not None:
            gateway.refund(request, row, amount)
    earnings.reverse(request, row, refunded)
    if status == "refunded":
        _end_access(request, row)
        if row.coupon_id is not None:
            coupon_rules.release(request, int(row.coupon_id), order_id)
    order = render_order(order_row(request, order_id))
    emit(request, "order.refunded", {**order, "amount": amount, "reason": reason})
    return order


# -- routes ----------------------------------------------------------------------------

def list_orders(request: RestRequest) -> Any:
    orders = tables(request)("orders")
    query = sa.select(orders)
    user = request.params.get("user") if request.user.is_admin else request.user.id
    if user:
        query = query.where(orders.c.user_id == user)
    if request.params.get("status"):
        query = query.where(orders.c.status == request.params["status"])
    return paginate(request, query, [(orders.c.id, True)], lambda rows: [render_order(r) for r in rows],
                    bound_to=[user, request.params.get("status")])


def get_order(request: RestRequest) -> Any:
    return render_order(request.context_as(OrderContext).row)


def complete_route(request: RestRequest) -> Any:
    row = request.context_as(OrderContext).row
    if row.gateway != "manual":
        raise OrderStateConflict("Only orders paid by manual payment are completed by hand.")
    return complete_order(request, int(row.id), reference=request.params.get("reference"))


def refund_route(request: RestRequest) -> Any:
    row = request.context_as(OrderContext).row
    return refund_order(request, int(row.id), request.params.get("amount"), request.params.get("reason", ""))


ORDER_SCHEMA = route_schema("order", {
    "id": ID, "user_id": INT, "status": {"type": "string", "enum": ORDER_STATUSES},
    "items": array_of(obj({"type": {"type": "string", "enum": ["course", "plan"]}, "id": INT, "title": STR,
                           "price": INT, "discount": INT}, required=["type", "id", "title", "price"])),
    "subtotal": INT, "discount": INT, "total": INT, "refunded_total": INT, "currency": STR,
    "coupon_code": nullable(STR), "gateway": STR, "gateway_reference": nullable(STR), "payment_url": nullable(STR),
    "created_at": TIME, "completed_at": nullable(TIME)})


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, "/checkout", {
        "methods": CREATABLE, "callback": checkout, "permission_callback": LOGGED_IN, "sensitive": True,
        "idempotent": True,
        "args": {"items": {**ITEMS_ARG, "required": True},
                 "coupon_code": {"type": ["string", "null"], "maxLength": 100},
                 "gateway": {"type": "string", "pattern": "^[a-z0-9_-]{1,40}$"}},
        "answers": "created"}, schema=ORDER_SCHEMA)
    register(NAMESPACE, "/orders", {
        "methods": READABLE, "callback": list_orders, "permission_callback": LOGGED_IN,
        "args": {**LIST_ARGS, "user": {"type": "integer", "minimum": 1},
                 "status": {"type": "string", "enum": ORDER_STATUSES}}}, schema=ORDER_SCHEMA)
    register(NAMESPACE, r"/orders/(?P<id>[\d]+)", {
        "methods": READABLE, "callback": get_order, "permission_callback": order_policy("order_owner"),
        "args": ID_ARG}, schema=ORDER_SCHEMA)
    register(NAMESPACE, r"/orders/(?P<id>[\d]+)/complete", {
        "methods": CREATABLE, "callback": complete_route,
        "permission_callback": order_policy("order_admin", admin_only=True),
        "args": {**ID_ARG, "reference": {"type": "string", "maxLength": 191}}}, schema=ORDER_SCHEMA)
    register(NAMESPACE, r"/orders/(?P<id>[\d]+)/refund", {
        "methods": CREATABLE, "callback": refund_route,
        "permission_callback": order_policy("order_admin", admin_only=True),
        "args": {**ID_ARG, "amount": {"type": "integer", "minimum": 1, "maximum": 10**12},
                 "reason": {"type": "string", "maxLength": 2000, "default": ""}}}, schema=ORDER_SCHEMA)
