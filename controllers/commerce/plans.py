"""Membership plans and subscriptions, and the access a subscription opens.

A subscription opens the courses priced ``membership`` that its plan grants
while it is live: ``trialing`` or ``active`` (or ``cancelled`` at period end, or
``past_due``) with its period not over (a lifetime one has no end). Whether a
period is over is decided by the clock when access is asked, so no job has to
run for access to end on time; the stored status catches up when a job or the
gateway's event writes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional

import sqlalchemy as sa

import re

from learnomy_core.openapi import route_schema
from learnomy_core import ADMIN, CREATABLE, DELETABLE, EDITABLE, LOGGED_IN, PUBLIC, READABLE, RestRequest, created, deleted
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, NotFound, OrderStateConflict
from learnomy_core.events import emit
from learnomy_core.jobs import JobContext, enqueue
from learnomy_core.openapi.schemas import BOOL, ID, INT, STR, TIME, array_of, nullable, obj
from learnomy_core.permissions import Policy
from learnomy_core.storage import insert_ignore, inserted_id

from ..catalog import ID_ARG
from .common import CURRENCY_ARG, MONEY_ARG, NAMESPACE, add_interval, bad_param, now, parse_time, tables

INTERVALS = ["day", "week", "month", "year", "lifetime"]
SUB_STATUSES = ["pending", "trialing", "active", "past_due", "cancelled", "expired"]
# Statuses whose period still opens the plan's courses.
OPENING = ("trialing", "active", "past_due")


def slugify_title(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:180] or "plan"


# -- plans -----------------------------------------------------------------------------

def render_plan(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "name": row.name, "slug": row.slug, "description": row.description,
            "price": int(row.price), "currency": row.currency, "interval": row.interval,
            "interval_count": row.interval_count, "trial_days": row.trial_days, "all_courses": bool(row.all_courses),
            "course_ids": list(row.course_ids or []), "status": row.status, "created_at": row.created_at}


def load_plan(request: RestRequest, plan_id: int, *, active_only: bool = False) -> Any:
    plans = tables(request)("membership_plans")
    row = request.db.execute(sa.select(plans).where(plans.c.id == plan_id)).first()
    admin = request.user is not None and request.user.is_admin
    if row is None or (row.status != "active" and (active_only or not admin)):
        raise NotFound("Plan not found.")
    return row


def _check_courses(request: RestRequest, course_ids: list[int]) -> None:
    courses = tables(request)("courses")
    found = {int(r[0]) for r in request.db.execute(sa.select(courses.c.id).where(courses.c.id.in_(course_ids)))}
    missing = [c for c in course_ids if c not in found]
    if missing:
        raise bad_param("course_ids", f"No course has id {missing[0]}.")


def list_plans(request: RestRequest) -> Any:
    plans = tables(request)("membership_plans")
    query = sa.select(plans)
    admin = request.user is not None and request.user.is_admin
    status = request.params.get("status") if admin else "active"
    if status:
        query = query.where(plans.c.status == status)
    return paginate(request, query, [(plans.c.id, False)], lambda rows: [render_plan(r) for r in rows],
                    bound_to=[status])


def create_plan(request: RestRequest) -> Any:
    params = request.params
    plans = tables(request)("membership_plans")
    _check_courses(request, params["course_ids"])
    slug = params.get("slug") or slugify_title(params["name"])
    # The unique slug decides between two racing creations: the loser inserts nothing.
    if not insert_ignore(request.db, plans, {
            "name": params["name"], "slug": slug, "description": params["description"], "price": params["price"],
            "currency": params["currency"].upper(), "interval": params["interval"],
            "interval_count": params["interval_count"], "trial_days": params["trial_days"],
            "all_courses": params["all_courses"], "course_ids": params["course_ids"], "status": "active",
            "created_at": now()}):
        raise Conflict("A plan with this slug exists.", code="learnomy_slug_taken")
    new_id = int(request.db.execute(sa.select(plans.c.id).where(plans.c.slug == slug)).scalar_one())
    plan = render_plan(load_plan(request, new_id))
    return created(plan, location=f"/{NAMESPACE}/membership-plans/{new_id}")


def get_plan(request: RestRequest) -> Any:
    return render_plan(load_plan(request, request.params["id"]))


def update_plan(request: RestRequest) -> Any:
    row = load_plan(request, request.params["id"])
    params = request.params
    changes: dict[str, Any] = {k: params[k] for k in ("name", "description", "price", "interval", "interval_count", "trial_days",
                                      "all_courses", "course_ids", "status") if k in params}
    if "currency" in params:
        changes["currency"] = params["currency"].upper()
    if "course_ids" in changes:
        _check_courses(request, changes["course_ids"])
    if changes:
        plans = tables(request)("membership_plans")
        request.db.execute(sa.update(plans).where(plans.c.id == row.id).values(**changes))
    return render_plan(load_plan(request, int(row.id)))


def retire_plan(request: RestRequest) -> Any:
    row = load_plan(request, request.params["id"])
    plans = tables(request)("membership_plans")
    # Retired, not erased: existing subscriptions run on and keep their plan.
    request.db.execute(sa.update(plans).where(plans.c.id == row.id).values(status="retired"))
    return deleted(render_plan(row))


# -- subscriptions -------------------------------------------------------------------------

def effective_status(row: Any) -> str:
    """The status as of now: a period that ran out ends the subscription."""
    stamp = now()
    if row.status in OPENING + ("cancelled",) and row.current_period_end is not None and row.current_period_end <= stamp:
        return "cancelled" if (row.cancel_at_period_end or row.status == "cancelled") else "expired"
    if row.status == "trialing" and row.trial_ends_at is not None and row.trial_ends_at <= stamp:
        return "active"
    return str(row.status)


def is_open(row: Any) -> bool:
    """Whether the subscription opens its plan's courses now."""
    status = effective_status(row)
    return status in OPENING or (status == "cancelled" and row.current_period_end is not None
                                 and row.current_period_end > now())


def render_subscription(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "user_id": int(row.user_id), "plan_id": int(row.plan_id),
            "status": effective_status(row), "current_period_start": row.current_period_start,
            "current_period_end": row.current_period_end, "cancel_at_period_end": bool(row.cancel_at_period_end),
            "cancelled_at": row.cancelled_at, "gateway": row.gateway, "created_at": row.created_at}


def subscription_row(request: RestRequest, subscription_id: int) -> Any:
    subs = tables(request)("subscriptions")
    return request.db.execute(sa.select(subs).where(subs.c.id == subscription_id)).first()


def start_or_renew(request: RestRequest, user_id: int, plan: Any, *, gateway: str, order_id: Optional[int],
                   reference: Optional[str] = None) -> dict[str, Any]:
    """The plan's subscription for the user after a paid order: a new one, or the
    user's subscription to that plan renewed from the end of its period."""
    subs = tables(request)("subscriptions")
    stamp = now()
    existing = request.db.execute(sa.select(subs).where(
        subs.c.user_id == user_id, subs.c.plan_id == plan.id,
        subs.c.status.in_(OPENING + ("cancelled", "expired"))).order_by(subs.c.id.desc()).limit(1)).first()
    # Renewed by hand (manual: a new order per period); a gateway's own renewals come as its events.
    if existing is not None and existing.current_period_end is not None and reference is None \
            and gateway == existing.gateway:
        start = max(stamp, existing.current_period_end)
        end = add_interval(start, plan.interval, plan.interval_count)
        request.db.execute(sa.update(subs).where(subs.c.id == existing.id).values(
            status="active", current_period_start=start, current_period_end=end, cancel_at_period_end=False,
            cancelled_at=None, order_id=order_id))
        subscription = render_subscription(subscription_row(request, int(existing.id)))
        schedule_period_end(request, int(existing.id), end)
        emit(request, "subscription.renewed", subscription)
        return subscription
    trial_end = stamp + timedelta(days=plan.trial_days) if plan.trial_days and existing is None else None
    end = add_interval(trial_end or stamp, plan.interval, plan.interval_count)
    new_id = inserted_id(request.db.execute(sa.insert(subs).values(
        user_id=user_id, plan_id=plan.id, status="trialing" if trial_end else "active",
        current_period_start=stamp, current_period_end=end, trial_ends_at=trial_end, cancel_at_period_end=False,
        gateway=gateway, gateway_reference=reference, order_id=order_id, created_at=stamp)))
    subscription = render_subscription(subscription_row(request, new_id))
    schedule_period_end(request, new_id, end)
    emit(request, "subscription.created", subscription)
    return subscription


# -- the end of a period (a job) --------------------------------------------------------------

PERIOD_END_JOB = "commerce.subscription_period_end"


def schedule_period_end(request: RestRequest, subscription_id: int, end: Optional[datetime]) -> None:
    """Have a worker look at the subscription when its period ends (in the request's transaction)."""
    if end is None:
        return
    stamp = end.isoformat()
    enqueue(request.db, PERIOD_END_JOB, {"subscription_id": subscription_id, "period_end": stamp}, run_at=end,
            dedupe_key=f"{PERIOD_END_JOB}:{subscription_id}:{stamp}")


class JobRequest:
    """What the commerce rules and ``emit`` need of a request, for a job's transaction."""

    def __init__(self, job: JobContext) -> None:
        self.app, self.db, self.user = job.app, job.db, None
        self.events: list[tuple[str, Any]] = []


def period_end_job(job: JobContext) -> None:
    """A period ended: a subscription nobody renewed ends (``expired``, or ``cancelled``
    when it was cancelled at period end). Access already closed by the clock; this
    writes the status and emits ``subscription.expired``. A renewal since moved the
    period end, which makes this job a no-op; so does a gateway that renews by
    itself (its events say what happened)."""
    request: Any = JobRequest(job)
    row = subscription_row(request, int(job.payload["subscription_id"]))
    if row is None or row.current_period_end is None or row.current_period_end.isoformat() != job.payload["period_end"]:
        return
    if row.status not in OPENING or (row.gateway_reference and not row.cancel_at_period_end):
        return
    subs = tables(request)("subscriptions")
    status = "cancelled" if row.cancel_at_period_end else "expired"
    if job.db.execute(sa.update(subs).where(subs.c.id == row.id, subs.c.status == row.status)
                      .values(status=status)).rowcount == 1:
        emit(request, "subscription.expired", render_subscription(subscription_row(request, int(row.id))))


def end_subscription(request: RestRequest, row: Any, status: str = "expired") -> dict[str, Any]:
    """End a subscription now (refund, the gateway ended it)."""
    subs = tables(request)("subscriptions")
    stamp = now()
    request.db.execute(sa.update(subs).where(subs.c.id == row.id).values(
        status=status, current_period_end=stamp, cancelled_at=row.cancelled_at or stamp))
    subscription = render_subscription(subscription_row(request, int(row.id)))
    emit(request, f"subscription.{'expired' if status == 'expired' else 'cancelled'}", subscription)
    return subscription


class SubscriptionContext:
    """The subscription a policy loaded."""

    def __init__(self, row: Any) -> None:
        self.row = row


def _subscription_policy(name: str, *, admin_only: bool = False) -> Policy:
    def check(request: RestRequest) -> bool:
        row = subscription_row(request, request.params["id"])
        if row is None or not (request.user.is_admin or int(row.user_id) == request.user.id):
            raise NotFound("Subscription not found.")
        request.context = SubscriptionContext(row)
        return request.user.is_admin or not admin_only

    return Policy(name, check)


def list_subscriptions(request: RestRequest) -> Any:
    subs = tables(request)("subscriptions")
    query = sa.select(subs)
    user = request.params.get("user") if request.user.is_admin else request.user.id
    if user:
        query = query.where(subs.c.user_id == user)
    if request.params.get("plan"):
        query = query.where(subs.c.plan_id == request.params["plan"])
    return paginate(request, query, [(subs.c.id, True)], lambda rows: [render_subscription(r) for r in rows],
                    bound_to=[user, request.params.get("plan")])


def get_subscription(request: RestRequest) -> Any:
    return render_subscription(request.context_as(SubscriptionContext).row)


def update_subscription(request: RestRequest) -> Any:
    row = request.context_as(SubscriptionContext).row
    changes: dict[str, Any] = {}
    if "status" in request.params:
        changes["status"] = request.params["status"]
    if "current_period_end" in request.params:
        changes["current_period_end"] = parse_time(request.params["current_period_end"])
    subs = tables(request)("subscriptions")
    if changes:
        request.db.execute(sa.update(subs).where(subs.c.id == row.id).values(**changes))
    if changes.get("current_period_end") is not None:
        schedule_period_end(request, int(row.id), changes["current_period_end"])
    subscription = render_subscription(subscription_row(request, int(row.id)))
    if changes.get("status") in ("cancelled", "expired") and row.status != changes["status"]:
        emit(request, f"subscription.{changes['status']}", subscription)
    return subscription


def _set_cancel(request: RestRequest, cancel: bool) -> Any:
    from .gateways import gateway_of

    row = request.context_as(SubscriptionContext).row
    status = effective_status(row)
    if status not in OPENING or row.current_period_end is None:
        raise OrderStateConflict("Only a running subscription with a period end can be cancelled or resumed.")
    if bool(row.cancel_at_period_end) == cancel:
        raise OrderStateConflict("The subscription is already set this way.")
    subs = tables(request)("subscriptions")
    # Guarded: two racing calls make one change.
    done = request.db.execute(sa.update(subs).where(subs.c.id == row.id, subs.c.cancel_at_period_end == (not cancel))
                              .values(cancel_at_period_end=cancel, cancelled_at=now() if cancel else None)).rowcount
    if done != 1:
        raise OrderStateConflict("The subscription is already set this way.")
    gateway = gateway_of(request, row.gateway)
    if gateway is not None:
        gateway.set_cancel_at_period_end(request, row, cancel)
    subscription = render_subscription(subscription_row(request, int(row.id)))
    if cancel:
        emit(request, "subscription.cancelled", subscription)
    return subscription


def cancel_subscription(request: RestRequest) -> Any:
    return _set_cancel(request, True)


def resume_subscription(request: RestRequest) -> Any:
    return _set_cancel(request, False)


def open_gateway_subscription(request: RestRequest, user_id: int, plan_id: int) -> bool:
    """Whether the user has an open subscription to the plan that its gateway renews
    by itself (buying the plan again would pay twice)."""
    subs = tables(request)("subscriptions")
    rows = request.db.execute(sa.select(subs).where(
        subs.c.user_id == user_id, subs.c.plan_id == plan_id, subs.c.gateway_reference.is_not(None),
        subs.c.status.in_(OPENING))).all()
    return any(is_open(r) for r in rows)


# -- access ------------------------------------------------------------------------------

def membership_grants(request: RestRequest, user_id: int, course: Any) -> bool:
    """Whether one of the user's open subscriptions grants ``course`` (priced ``membership``)."""
    if course.price_type != "membership":
        return False
    table = tables(request)
    subs, plans = table("subscriptions"), table("membership_plans")
    rows = request.db.execute(
        sa.select(subs, plans.c.all_courses, plans.c.course_ids.label("plan_courses"))
        .join(plans, plans.c.id == subs.c.plan_id)
        .where(subs.c.user_id == user_id, subs.c.status.in_(OPENING + ("cancelled",)))).all()
    return any(is_open(r) and (r.all_courses or int(course.id) in [int(c) for c in (r.plan_courses or [])])
               for r in rows)


# -- routes ----------------------------------------------------------------------------------

def _plan_args(create: bool) -> dict[str, Any]:
    def req(schema: dict[str, Any], default: Any = None) -> dict[str, Any]:
        if create:
            return {**schema, "required": True} if default is None else {**schema, "default": default}
        return schema

    return {
        "name": req({"type": "string", "minLength": 1, "maxLength": 200}),
        "slug": {"type": "string", "pattern": "^[a-z0-9-]{1,180}$"},
        "description": req({"type": "string", "maxLength": 20000}, ""),
        "price": req(MONEY_ARG),
        "currency": req(CURRENCY_ARG),
        "interval": req({"type": "string", "enum": INTERVALS}, "month"),
        "interval_count": req({"type": "integer", "minimum": 1, "maximum": 36}, 1),
        "trial_days": req({"type": "integer", "minimum": 0, "maximum": 365}, 0),
        "all_courses": req({"type": "boolean"}, False),
        "course_ids": req({"type": "array", "items": {"type": "integer", "minimum": 1}, "maxItems": 500,
                           "uniqueItems": True}, []),
        **({} if create else {"status": {"type": "string", "enum": ["active", "retired"]}}),
    }


PLAN_SCHEMA = route_schema("membership-plan", {
    "id": ID, "name": STR, "slug": STR, "description": STR, "price": INT, "currency": STR,
    "interval": {"type": "string", "enum": ["day", "week", "month", "year", "lifetime"]},
    "interval_count": INT, "trial_days": INT, "all_courses": BOOL, "course_ids": array_of(INT),
    "status": {"type": "string", "enum": ["active", "retired"]}, "created_at": TIME})
SUBSCRIPTION_SCHEMA = route_schema("subscription", {
    "id": ID, "user_id": INT, "plan_id": INT, "status": {"type": "string", "enum": SUB_STATUSES},
    "current_period_start": nullable(TIME), "current_period_end": nullable(TIME), "cancel_at_period_end": BOOL,
    "cancelled_at": nullable(TIME), "gateway": STR, "created_at": TIME})


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, "/membership-plans", [
        {"methods": READABLE, "callback": list_plans, "permission_callback": PUBLIC,
         "args": {**LIST_ARGS, "status": {"type": "string", "enum": ["active", "retired"]}}},
        {"methods": CREATABLE, "callback": create_plan, "permission_callback": ADMIN, "args": _plan_args(True)},
    ], schema=PLAN_SCHEMA)
    register(NAMESPACE, r"/membership-plans/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_plan, "permission_callback": PUBLIC, "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_plan, "permission_callback": ADMIN,
         "args": {**ID_ARG, **_plan_args(False)}},
        {"methods": DELETABLE, "callback": retire_plan, "permission_callback": ADMIN, "args": ID_ARG},
    ], schema=PLAN_SCHEMA)
    register(NAMESPACE, "/subscriptions", {
        "methods": READABLE, "callback": list_subscriptions, "permission_callback": LOGGED_IN,
        "args": {**LIST_ARGS, "user": {"type": "integer", "minimum": 1}, "plan": {"type": "integer", "minimum": 1}},
    }, schema=SUBSCRIPTION_SCHEMA)
    register(NAMESPACE, r"/subscriptions/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_subscription,
         "permission_callback": _subscription_policy("subscription_owner"), "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_subscription,
         "permission_callback": _subscription_policy("subscription_admin", admin_only=True),
         "args": {**ID_ARG, "status": {"type": "string", "enum": SUB_STATUSES},
                  "current_period_end": {"type": "string", "format": "date-time"}}},
    ], schema=SUBSCRIPTION_SCHEMA)
    register(NAMESPACE, r"/subscriptions/(?P<id>[\d]+)/cancel", {
        "methods": CREATABLE, "callback": cancel_subscription,
        "permission_callback": _subscription_policy("subscription_owner"), "args": ID_ARG}, schema=SUBSCRIPTION_SCHEMA)
    register(NAMESPACE, r"/subscriptions/(?P<id>[\d]+)/resume", {
        "methods": CREATABLE, "callback": resume_subscription,
        "permission_callback": _subscription_policy("subscription_owner"), "args": ID_ARG}, schema=SUBSCRIPTION_SCHEMA)
