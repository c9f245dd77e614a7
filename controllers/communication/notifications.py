"""In-app notifications and notification e-mail, per-user preferences.

Each kind of notification is a :class:`NotificationType` named after the event
that causes it (``enrollment.created``); plugins add theirs through the
``learnomy_notification_types`` hook. When an event is emitted, the recipients
it names get a notification row in the same transaction, and an e-mail job where
their preference says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from learnomy_core import ALLOW_BATCH, CREATABLE, DELETABLE, EDITABLE, LOGGED_IN, READABLE, Policy, RestRequest, deleted
from learnomy_core.app import dumps
from learnomy_core.openapi.schemas import route_schema
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import InvalidParams, NotFound
from learnomy_core.mail import send_mail
from learnomy_core.storage import insert_ignore

from ..catalog import ID_ARG, NAMESPACE, now

Text = Union[str, Callable[[Mapping[str, Any]], str]]


@dataclass(frozen=True)
class NotificationType:
    """A kind of notification, named after the event that causes it.

    :ivar event: the event name (``enrollment.created``).
    :ivar title: a ``str.format`` template over the event's data, or a function of it.
    :ivar body: the same, for the body.
    :ivar description: what it is, for the preferences screen.
    :ivar recipients: the user ids the event concerns (default: ``data["user_id"]``);
        types sent by a job of their own (announcements) answer none here.
    :ivar link: a template of a link to what it is about, or ``None``.
    :ivar email: whether e-mail is on by default (in-app always is).
    """

    event: str
    title: Text
    body: Text
    description: str = ""
    recipients: Callable[[Mapping[str, Any]], Sequence[int]] = field(default=lambda data: _user_of(data))
    link: Optional[Text] = None
    email: bool = False


def _user_of(data: Mapping[str, Any]) -> list[int]:
    user = data.get("user_id") if isinstance(data, Mapping) else None
    return [int(user)] if isinstance(user, int) and not isinstance(user, bool) else []


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(text: Optional[Text], data: Mapping[str, Any]) -> str:
    """A title, body or link of ``data``: missing fields read as empty."""
    if text is None:
        return ""
    if callable(text):
        return text(data)
    flat = _Blank({k: v for k, v in data.items() if not isinstance(v, (dict, list))})
    return text.format_map(flat)


def builtin_types() -> list[NotificationType]:
    """The Free notifications: the events that concern a user."""
    n = NotificationType
    return [
        n("enrollment.created", "You are enrolled", "You are now enrolled in course {course_id}.",
          "You were enrolled in a course.", link="/courses/{course_id}"),
        n("lesson.unlocked", "A lesson is open", "{title} is open now.",
          "A lesson that opens some days after enrollment is open.", link="/lessons/{lesson_id}"),
        n("quiz.attempt_submitted", "Your quiz is graded", "Your attempt at quiz {quiz_id} was graded: {score}.",
          "A quiz attempt of yours was graded.", link="/quiz-attempts/{id}"),
        n("certificate.issued", "Certificate issued", "Your certificate for course {course_id} is ready.",
          "A certificate was issued to you.", link="/certificates/{id}", email=True),
        n("announcement.posted", "{title}", "{content}", "An instructor posted an announcement to your course.",
          recipients=lambda data: [], link="/courses/{course_id}/announcements", email=True),
        n("order.completed", "Order completed", "Your order {id} is complete.", "An order of yours was paid.",
          link="/orders/{id}", email=True),
        n("order.refunded", "Order refunded", "Your order {id} was refunded.", "An order of yours was refunded.",
          link="/orders/{id}", email=True),
        n("subscription.renewing", "Subscription renewing", "Your subscription {id} renews soon.",
          "A subscription of yours is about to renew.", link="/subscriptions/{id}", email=True),
        n("subscription.expiring", "Subscription expiring", "Your subscription {id} ends soon.",
          "A subscription of yours is about to end.", link="/subscriptions/{id}", email=True),
        n("withdrawal.processed", "Withdrawal {status}", "Your withdrawal {id} was {status}.",
          "A withdrawal you asked for was approved or rejected.", link="/withdrawals/{id}", email=True,
          recipients=lambda data: _user_of({"user_id": data.get("instructor_id", data.get("user_id"))})),
        n("review.moderated", "Review {status}", "Your review of course {course_id} is {status}.",
          "A moderator decided on a review of yours.", link="/reviews/{id}"),
        n("instructor_application.decided", "Instructor application {status}",
          "Your application to teach was {status}.", "Your application to teach was decided.", email=True),
        n("webhook.disabled", "Webhook disabled", "The webhook {id} ({url}) was disabled: {disabled_reason}",
          "A webhook endpoint kept failing and was disabled (administrators).", recipients=lambda data: [],
          link="/webhooks/{id}", email=True),
    ]


def notification_types(app: Any) -> dict[str, NotificationType]:
    """Every plugin's notification types by event (cached on the app); the first to name one keeps it."""
    cached: Optional[dict[str, NotificationType]] = getattr(app, "_notification_types", None)
    if cached is not None:
        return cached
    types: dict[str, NotificationType] = {}
    for answer in reversed(app.plugins.hook.learnomy_notification_types()):
        for item in answer or []:
            types.setdefault(item.event, item)
    app._notification_types = types
    return types


def resource(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "type": row.type, "title": row.title, "body": row.body, "link": row.link,
            "data": row.data, "read_at": row.read_at, "created_at": row.created_at}


def preferences_of(db: Connection, app: Any, user_ids: Iterable[int], event: str) -> dict[int, tuple[bool, bool]]:
    """``{user_id: (in_app, email)}`` for ``event``, stored over the type's defaults; one query."""
    kind = notification_types(app)[event]
    ids = list(user_ids)
    prefs = app.tables["lrn_notification_prefs"]
    stored = {int(r.user_id): (bool(r.in_app), bool(r.email)) for r in db.execute(
        sa.select(prefs).where(prefs.c.event == event, prefs.c.user_id.in_(ids)))} if ids else {}
    return {uid: stored.get(uid, (True, kind.email)) for uid in ids}


def notify(db: Connection, app: Any, event: str, user_ids: Sequence[int], data: Mapping[str, Any]) -> int:
    """Notify ``user_ids`` of ``event``: rows for in-app, mail jobs for e-mail; a constant
    number of statements whatever the number of users. How many rows were written."""
    kind = notification_types(app).get(event)
    if kind is None or not user_ids:
        return 0
    wanted = preferences_of(db, app, user_ids, event)
    title, body = render(kind.title, data)[:255], render(kind.body, data)
    link = render(kind.link, data)[:255] or None
    stamp = now()
    stored = json.loads(dumps(data))  # times and decimals as the API shows them
    rows = [{"user_id": uid, "type": event, "title": title, "body": body, "link": link, "data": stored,
             "read_at": None, "created_at": stamp} for uid, (in_app, _) in wanted.items() if in_app]
    if rows:
        db.execute(sa.insert(app.tables["lrn_notifications"]), rows)
    mailed = [uid for uid, (_, email) in wanted.items() if email]
    if mailed:
        users = app.identity.store.users
        for address in db.execute(sa.select(users.c.user_email).where(users.c.ID.in_(mailed))).scalars():
            if address:
                send_mail(db, address, title, body)
    return len(rows)


def on_event(request: RestRequest, event: str, data: Any) -> None:
    kind = notification_types(request.app).get(event)
    if kind is None or not isinstance(data, Mapping):
        return
    recipients = list(dict.fromkeys(kind.recipients(data)))
    notify(request.db, request.app, event, recipients, data)


def dashboard_counts(request: RestRequest, user: Any) -> dict[str, int]:
    return {"unread_notifications": _unread(request, user.id)}


def _unread(request: RestRequest, user_id: int) -> int:
    table = request.app.tables["lrn_notifications"]
    return int(request.db.execute(sa.select(sa.func.count()).select_from(table).where(
        table.c.user_id == user_id, table.c.read_at.is_(None))).scalar_one())


# -- routes -----------------------------------------------------------------------------

def list_notifications(request: RestRequest) -> Any:
    table = request.app.tables["lrn_notifications"]
    query = sa.select(table).where(table.c.user_id == request.user.id)
    unread = request.params.get("unread")
    if unread is not None:
        query = query.where(table.c.read_at.is_(None) if unread else table.c.read_at.is_not(None))
    return paginate(request, query, [(table.c.id, True)], lambda rows: [resource(r) for r in rows],
                    bound_to=[request.user.id, unread])


def unread_count(request: RestRequest) -> Any:
    return {"count": _unread(request, request.user.id)}


@dataclass
class NotificationContext:
    """The caller's own notification, loaded by the policy."""

    notification: Any


def _own_notification() -> Policy:
    def check(request: RestRequest) -> bool:
        table = request.app.tables["lrn_notifications"]
        row = request.db.execute(sa.select(table).where(table.c.id == request.params["id"])).first()
        if row is None or int(row.user_id) != request.user.id:
            raise NotFound("Notification not found.")
        request.context = NotificationContext(row)
        return True

    return Policy("notification_owner", check)


def read_notification(request: RestRequest) -> Any:
    row = request.context_as(NotificationContext).notification
    table = request.app.tables["lrn_notifications"]
    request.db.execute(sa.update(table).where(table.c.id == row.id, table.c.read_at.is_(None)).values(read_at=now()))
    return resource(request.db.execute(sa.select(table).where(table.c.id == row.id)).one())


def read_all(request: RestRequest) -> Any:
    table = request.app.tables["lrn_notifications"]
    result = request.db.execute(sa.update(table).where(
        table.c.user_id == request.user.id, table.c.read_at.is_(None)).values(read_at=now()))
    return {"updated": int(result.rowcount)}


def delete_notification(request: RestRequest) -> Any:
    row = request.context_as(NotificationContext).notification
    table = request.app.tables["lrn_notifications"]
    request.db.execute(sa.delete(table).where(table.c.id == row.id))
    return deleted(resource(row))


def _all_preferences(request: RestRequest) -> dict[str, dict[str, bool]]:
    prefs = request.app.tables["lrn_notification_prefs"]
    stored = {r.event: r for r in request.db.execute(sa.select(prefs).where(prefs.c.user_id == request.user.id))}
    answer = {}
    for event, kind in sorted(notification_types(request.app).items()):
        row = stored.get(event)
        answer[event] = ({"in_app": bool(row.in_app), "email": bool(row.email)} if row is not None
                         else {"in_app": True, "email": kind.email})
    return answer


def get_preferences(request: RestRequest) -> Any:
    return _all_preferences(request)


_PREF_SCHEMA = {"type": "object", "additionalProperties": False,
                "properties": {"in_app": {"type": "boolean"}, "email": {"type": "boolean"}}}


def put_preferences(request: RestRequest) -> Any:
    types = notification_types(request.app)
    changes = {k: v for k, v in request.params.items() if k not in ("context", "_fields", "_envelope")}
    problems = []
    for event, value in changes.items():
        if event not in types:
            problems.append({"param": event, "code": "rest_invalid_param",
                             "message": f"{event} is not a notification type."})
        elif not isinstance(value, dict) or set(value) - {"in_app", "email"} or not all(
                isinstance(v, bool) for v in value.values()):
            problems.append({"param": event, "code": "rest_invalid_type",
                             "message": f"{event} must be an object of in_app and email booleans."})
    if not changes:
        problems.append({"param": "preferences", "code": "rest_missing_callback_param",
                         "message": "Send a map of notification type to {in_app, email}."})
    if problems:
        raise InvalidParams(f"Invalid parameter(s): {', '.join(p['param'] for p in problems)}", details=problems)
    # The user's own row serialises their preference writes: racing inserts of a
    # missing row would deadlock on MariaDB, and the read below sees the latest.
    request.app.identity.store.lock(request.db, request.user.id)
    current = _all_preferences(request)
    prefs = request.app.tables["lrn_notification_prefs"]
    for event, value in changes.items():
        merged = {**current[event], **value}
        # One row per (user, event), kept by the primary key: insert it if missing, then set it.
        insert_ignore(request.db, prefs, {"user_id": request.user.id, "event": event, **merged})
        request.db.execute(sa.update(prefs).where(prefs.c.user_id == request.user.id, prefs.c.event == event)
                           .values(**merged))
    return _all_preferences(request)


NOTIFICATION_SCHEMA = route_schema("notification", {
    "id": {"type": "integer"}, "type": {"type": "string"}, "title": {"type": "string"},
    "body": {"type": "string"}, "link": {"type": ["string", "null"]}, "data": {"type": "object"},
    "read_at": {"type": ["string", "null"], "format": "date-time"},
    "created_at": {"type": "string", "format": "date-time"}})


PREFERENCES_SCHEMA = lambda: {  # noqa: E731 - a map of notification type to its two switches
    "$schema": "http://json-schema.org/draft-04/schema#", "title": "notification-preferences", "type": "object",
    "properties": {}, "additionalProperties": _PREF_SCHEMA}


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, "/notifications", {
        "methods": READABLE, "callback": list_notifications, "permission_callback": LOGGED_IN,
        "args": {**LIST_ARGS, "unread": {"type": "boolean"}}}, schema=NOTIFICATION_SCHEMA)
    register(NAMESPACE, "/notifications/unread-count", {
        "methods": READABLE, "callback": unread_count, "permission_callback": LOGGED_IN, "args": {}},
        schema=route_schema("notification-count", {"count": {"type": "integer"}}))
    register(NAMESPACE, "/notifications/read-all", {
        "methods": CREATABLE, "callback": read_all, "allow_batch": ALLOW_BATCH, "permission_callback": LOGGED_IN, "args": {}},
        schema=route_schema("notification-read-all", {"updated": {"type": "integer"}}))
    register(NAMESPACE, r"/notifications/(?P<id>[\d]+)/read", {
        "methods": CREATABLE, "callback": read_notification, "allow_batch": ALLOW_BATCH, "permission_callback": _own_notification(),
        "args": ID_ARG}, schema=NOTIFICATION_SCHEMA)
    register(NAMESPACE, r"/notifications/(?P<id>[\d]+)", {
        "methods": DELETABLE, "callback": delete_notification, "allow_batch": ALLOW_BATCH, "permission_callback": _own_notification(),
        "args": ID_ARG}, schema=NOTIFICATION_SCHEMA)
    register(NAMESPACE, "/me/notification-preferences", [
        {"methods": READABLE, "callback": get_preferences, "permission_callback": LOGGED_IN, "args": {}},
        {"methods": EDITABLE, "callback": put_preferences, "permission_callback": LOGGED_IN, "args": {}},
    ], schema=PREFERENCES_SCHEMA)
