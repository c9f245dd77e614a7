"""Webhooks (API.md section 9): endpoints, the outbox, signed deliveries, retries.

An event emitted in a request writes one delivery row per subscribed endpoint
(the outbox) and a ``webhook.deliver`` job, in the request's transaction. The job
checks the URL again (:mod:`.ssrf`), signs the body the Standard Webhooks way and
POSTs it to the checked address. Every attempt is logged; a failure (non-2xx,
network error, timeout) schedules the next attempt after about 5 s, 5 min,
30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h; after the last one, or when an
endpoint has failed without a success for several days, the endpoint is disabled
with a reason and the administrators are notified. A paused endpoint's deliveries
stay in the outbox and go out when it is resumed.

Delivery is at least once: a receiver deduplicates by ``webhook-id``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from learnomy_core import ADMIN, CREATABLE, DELETABLE, EDITABLE, READABLE, Policy, RestRequest, created, deleted, ok
from learnomy_core.app import dumps
from learnomy_core.openapi.schemas import route_schema
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import InvalidParams, NotFound, WebhookDisabled, WebhookLimit
from learnomy_core.jobs import JobContext, JobKind, enqueue
from learnomy_core.locks import lock_name, lock_rows
from learnomy_core.storage import inserted_id

from ..catalog import ID_ARG, NAMESPACE, now
from . import ssrf
from .notifications import notify

DELIVER_JOB = "webhook.deliver"
FREE_LIMIT = 3
# Seconds after each failed attempt; one attempt plus these retries.
SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
DISABLE_AFTER = timedelta(days=5)  # failing without a success this long disables the endpoint
EXCERPT_BYTES = 1024
STATUSES = ("active", "paused", "disabled")
_TOLERANCE = 5 * 60


# -- signing --------------------------------------------------------------------------

def new_secret() -> str:
    """``whsec_`` and 24 random bytes in base64 (the Standard Webhooks form)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` keyed by the decoded secret."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, message_id: str, body: bytes, timestamp: Optional[int] = None) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {"content-type": "application/json", "user-agent": "Learnomy-Webhooks/1",
            "webhook-id": message_id, "webhook-timestamp": str(stamp),
            "webhook-signature": sign(secret, message_id, stamp, body)}


# -- the catalog ------------------------------------------------------------------------

def _example(**fields: Any) -> dict[str, Any]:
    return fields


FREE_EVENTS: list[dict[str, Any]] = [
    {"event": "ping", "description": "Sent by POST /webhooks/{id}/test.", "example": {"webhook_id": 1}},
    {"event": "course.created", "description": "A course was created.",
     "example": _example(id=12, title="Python 101", status="draft")},
    {"event": "course.updated", "description": "A course changed.", "example": _example(id=12, title="Python 101")},
    {"event": "course.published", "description": "A course was published.",
     "example": _example(id=12, title="Python 101", status="publish")},
    {"event": "course.deleted", "description": "A course was trashed or deleted.", "example": _example(id=12)},
    {"event": "course.completed", "description": "A student completed a course.",
     "example": _example(user_id=7, course_id=12)},
    {"event": "enrollment.created", "description": "A student was enrolled.",
     "example": _example(id=40, user_id=7, course_id=12, status="active")},
    {"event": "enrollment.updated", "description": "An enrollment changed.",
     "example": _example(id=40, user_id=7, course_id=12, status="suspended")},
    {"event": "enrollment.deleted", "description": "An enrollment was cancelled.",
     "example": _example(id=40, user_id=7, course_id=12, status="cancelled")},
    {"event": "lesson.completed", "description": "A student completed a lesson.",
     "example": _example(user_id=7, lesson_id=3, course_id=12)},
    {"event": "topic.completed", "description": "A student completed a topic.",
     "example": _example(user_id=7, topic_id=5, course_id=12)},
    {"event": "progress.reset", "description": "A student's progress in a course was reset.",
     "example": _example(user_id=7, course_id=12)},
    {"event": "quiz.deleted", "description": "A quiz was deleted (alone or with its section).",
     "example": _example(id=4, course_id=12, section_id=3, title="Check")},
    {"event": "quiz.attempt_submitted", "description": "A quiz attempt was submitted and graded.",
     "example": _example(id=90, user_id=7, quiz_id=4, score=80, passed=True)},
    {"event": "quiz.attempt_reset", "description": "A quiz attempt was deleted.", "example": _example(id=90)},
    {"event": "certificate.issued", "description": "A certificate was issued.",
     "example": _example(id=5, user_id=7, course_id=12)},
    {"event": "certificate.revoked", "description": "A certificate was revoked.",
     "example": _example(id=5, user_id=7, course_id=12)},
    {"event": "review.created", "description": "A review was written.",
     "example": _example(id=8, course_id=12, user_id=7, rating=5, status="approved")},
    {"event": "review.moderated", "description": "A review was moderated.",
     "example": _example(id=8, course_id=12, user_id=7, status="rejected")},
    {"event": "announcement.posted", "description": "An announcement was posted to a course.",
     "example": _example(id=3, course_id=12, author_id=2, title="Welcome", content="<p>Hello</p>")},
    {"event": "announcement.updated", "description": "An announcement was edited.",
     "example": _example(id=3, course_id=12, title="Welcome")},
    {"event": "announcement.deleted", "description": "An announcement was deleted.",
     "example": _example(id=3, course_id=12)},
    {"event": "order.completed", "description": "An order was paid.",
     "example": _example(id=21, user_id=7, status="completed", total="49.00", currency="USD")},
    {"event": "order.refunded", "description": "An order was refunded.",
     "example": _example(id=21, user_id=7, status="refunded")},
]


def catalog(app: Any) -> list[dict[str, Any]]:
    """Every event a webhook may subscribe to, each plugin's included, with the plugin's name."""
    seen: dict[str, dict[str, Any]] = {}
    hook = app.plugins.hook.learnomy_webhook_events
    for impl in reversed(hook.get_hookimpls()):  # load order
        for item in impl.function() or []:
            name = item.get("event")
            if name and name not in seen:
                seen[name] = {"event": name, "description": item.get("description", ""),
                              "plugin": impl.plugin_name, "example": item.get("example", {})}
    return sorted(seen.values(), key=lambda e: e["event"])


# -- resources --------------------------------------------------------------------------

def resource(row: Any, *, secret: bool = False) -> dict[str, Any]:
    data = {"id": int(row.id), "url": row.url, "events": list(row.events or []), "description": row.description,
            "status": row.status, "disabled_reason": row.disabled_reason,
            "consecutive_failures": int(row.consecutive_failures), "created_at": row.created_at,
            "updated_at": row.updated_at}
    if secret:
        data["secret"] = row.secret
    return data


def delivery_resource(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "webhook_id": int(row.webhook_id), "event": row.event,
            "message_id": row.message_id, "attempt": int(row.attempt), "status": row.status,
            "response_status": row.response_status, "response_excerpt": row.response_excerpt,
            "duration_ms": row.duration_ms, "error": row.error, "created_at": row.created_at,
            "next_attempt_at": row.next_attempt_at}


def _tables(app: Any) -> tuple[sa.Table, sa.Table, sa.Table]:
    t = app.tables
    return t["lrn_webhooks"], t["lrn_webhook_deliveries"], t["lrn_webhook_attempts"]


def _people_table(app: Any) -> sa.Table:
    return app.tables["lrn_webhook_delivery_people"]


def settings_groups() -> dict[str, dict[str, Any]]:
    return {"webhooks": {"type": "object", "properties": {
        "allowed_hosts": {"type": "array", "items": {"type": "string", "maxLength": 255}, "default": [],
                          "description": "Hosts (name or name:port) webhooks may reach over plain http and at "
                                         "non-public addresses: for local development and tests only."},
    }}}


def _allowed_hosts(db: Connection, app: Any) -> list[str]:
    return list(app.settings.get(db, "webhooks.allowed_hosts") or [])


# -- the outbox -------------------------------------------------------------------------

def _body(event: str, data: Any) -> bytes:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return dumps({"type": event, "timestamp": stamp, "data": data})


def _queue(db: Connection, delivery_id: int, attempt: int, run_at: Optional[datetime] = None) -> None:
    enqueue(db, DELIVER_JOB, {"delivery_id": delivery_id, "attempt": attempt}, run_at=run_at)


def _record(db: Connection, app: Any, webhook: Any, event: str, body: bytes, about: Iterable[int],
            message_id: Optional[str] = None) -> int:
    """Write a delivery of ``body`` to the outbox, with the people it is ``about``
    (:func:`people`), and queue it if the endpoint is active."""
    _, deliveries, _ = _tables(app)
    delivery_id = inserted_id(db.execute(sa.insert(deliveries).values(
        webhook_id=webhook.id, event=event, message_id=message_id or f"msg_{secrets.token_hex(12)}",
        body=body.decode(), attempt=0, status="pending", created_at=now(),
        next_attempt_at=now() if webhook.status == "active" else None)))
    rows = [{"user_id": user_id, "delivery_id": delivery_id} for user_id in sorted(about)]
    if rows:
        db.execute(sa.insert(_people_table(app)), rows)
    if webhook.status == "active":
        _queue(db, delivery_id, 0)
    return delivery_id


def on_event(request: RestRequest, event: str, data: Any) -> None:
    if event == "user.deleted":
        redact_person(request.db, request.app, int(data["id"]))
    webhooks, _, _ = _tables(request.app)
    rows = request.db.execute(sa.select(webhooks).where(webhooks.c.status.in_(("active", "paused")))).all()
    subscribed = [r for r in rows if event in (r.events or []) or "*" in (r.events or [])]
    if not subscribed:
        return
    body, about = _body(event, data), people(data)
    for row in subscribed:
        _record(request.db, request.app, row, event, body, about)


# -- a deleted account ------------------------------------------------------------------

# Deliveries whose attempts one statement blanks: bound parameters stay well within
# SQLite's limit on them, however many deliveries were about the person.
_IDS_AT_ONCE = 500
# Keys naming the person an object belongs to, besides a user object's own ``id``.
PERSON_KEYS = ("user_id", "author_id", "student_id", "instructor_id")
# What identifies a person (a user summary's, WordPress's user fields).
IDENTITY_KEYS = ("email", "user_email", "username", "user_login", "login", "nicename", "name", "display_name",
                 "first_name", "last_name", "avatar_url")
# What the person wrote (a review's text, an application's message).
AUTHORED_KEYS = ("content", "message", "text")


def redact_person(db: Connection, app: Any, user_id: int) -> int:
    """Blank a deleted account's personal data in every delivery, made or not;
    how many changed.

    An undelivered event still goes out (an integrator keeping accounts needs
    ``order.completed`` all the same, and at-least-once delivery promises it),
    but as the records it describes now are: anonymised. A delivery made goes
    out so again if it is redelivered, and its log here keeps nothing of the
    person either. In its ``data``, every object that is the person's (a user
    object with their ``id``, or anything whose ``user_id``, ``author_id``,
    ``student_id`` or ``instructor_id`` is theirs) has its identifying fields
    (:data:`IDENTITY_KEYS`) and the texts they wrote (:data:`AUTHORED_KEYS`) set
    to ``null``; ids stay, as they stay on the learning records, leading
    nowhere. The key is kept, so the payload keeps its shape; ``webhook-id``
    stays, so a receiver that got it already still deduplicates. What receivers
    answered to these deliveries (``response_excerpt``, of the delivery and of
    each of its attempts) is blanked too: a receiver may echo the payload back.
    An attempt running meanwhile sends what it read before, and keeps nothing
    of the answer (:func:`_log`).

    The deliveries are found by the people they were recorded about
    (:func:`people`), one index range however large the outbox, and their
    attempts by delivery, through the attempts' index; their index rows go with
    the account.
    """
    _, deliveries, attempts = _tables(app)
    about = _people_table(app)
    found: list[int] = []
    rewritten: list[dict[str, Any]] = []
    for row in db.execute(sa.select(deliveries.c.id, deliveries.c.body)
                          .join(about, about.c.delivery_id == deliveries.c.id)
                          .where(about.c.user_id == user_id).order_by(deliveries.c.id)).all():
        found.append(int(row.id))
        body = json.loads(row.body)
        if isinstance(body, dict) and _redact(body.get("data"), user_id):
            rewritten.append({"lrn_id": int(row.id), "lrn_body": dumps(body).decode()})
    # Every delivery found, changed or not, loses its excerpt: it carried their fields
    # when it was sent. By chunks of ids, in id order (the order two deletions at once
    # lock shared deliveries in); then the rewritten bodies, on rows already locked.
    for start in range(0, len(found), _IDS_AT_ONCE):
        db.execute(sa.update(deliveries).where(deliveries.c.id.in_(found[start:start + _IDS_AT_ONCE]))
                   .values(response_excerpt=None))
    if rewritten:
        db.execute(sa.update(deliveries).where(deliveries.c.id == sa.bindparam("lrn_id"))
                   .values(body=sa.bindparam("lrn_body")), rewritten)
    # The deliveries' rows are locked above, before their attempts: the order an
    # attempt's log takes them in (_log), so the two never wait on each other in a cycle.
    for start in range(0, len(found), _IDS_AT_ONCE):
        db.execute(sa.update(attempts).where(attempts.c.delivery_id.in_(found[start:start + _IDS_AT_ONCE]),
                                             attempts.c.response_excerpt.is_not(None))
                   .values(response_excerpt=None))
    db.execute(sa.delete(about).where(about.c.user_id == user_id))
    return len(rewritten)


def people(value: Any) -> set[int]:
    """The ids of the people whose personal data ``value`` holds, at any depth:
    the owners (:func:`_owners`) of every object with a personal field set, the
    ones :func:`_redact` would blank."""
    found: set[int] = set()
    if isinstance(value, list):
        for item in value:
            found |= people(item)
    elif isinstance(value, dict):
        if any(value.get(key) is not None for key in (*IDENTITY_KEYS, *AUTHORED_KEYS)):
            # Within the ids' column type: anything else names no account.
            found |= {user_id for user_id in _owners(value) if 0 < user_id < 2**63}
        for item in value.values():
            found |= people(item)
    return found


def _redact(value: Any, user_id: int) -> bool:
    """Null the person's fields in ``value``, in place, at any depth; whether any was set."""
    changed = False
    if isinstance(value, list):
        for item in value:
            changed = _redact(item, user_id) or changed
    elif isinstance(value, dict):
        if user_id in _owners(value):
            for key in (*IDENTITY_KEYS, *AUTHORED_KEYS):
                if value.get(key) is not None:
                    value[key] = None
                    changed = True
        for item in value.values():
            changed = _redact(item, user_id) or changed
    return changed


def _owners(value: dict[str, Any]) -> set[int]:
    """Whose an object is: the ids under :data:`PERSON_KEYS`, and its own ``id``
    when it is a user object (it has one of :data:`IDENTITY_KEYS`)."""
    ids = [value.get(key) for key in PERSON_KEYS]
    if any(key in value for key in IDENTITY_KEYS):
        ids.append(value.get("id"))
    return {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}


# -- delivering -------------------------------------------------------------------------

@dataclass
class Outcome:
    ok: bool
    status: Optional[int]
    excerpt: Optional[str]
    duration_ms: int
    error: Optional[str]


def send(db: Connection, app: Any, webhook: Any, delivery: Any) -> Outcome:
    """One signed POST of ``delivery`` to ``webhook``'s URL, checked again now."""
    started = time.monotonic()
    try:
        target = ssrf.check_url(webhook.url, _allowed_hosts(db, app))
        answer = ssrf.post(target, delivery.body.encode(),
                           signed_headers(webhook.secret, delivery.message_id, delivery.body.encode()))
    except ssrf.UnsafeURL as exc:
        return Outcome(False, None, None, int((time.monotonic() - started) * 1000), f"refused: {exc}")
    except OSError as exc:  # refused, reset, timed out, TLS
        reason = "timed out" if isinstance(exc, TimeoutError) else f"{exc.__class__.__name__}: {exc}"
        return Outcome(False, None, None, int((time.monotonic() - started) * 1000), reason[:1000])
    excerpt = answer.body[:EXCERPT_BYTES].decode("utf-8", "replace")
    good = 200 <= answer.status < 300
    return Outcome(good, answer.status, excerpt, answer.duration_ms, None if good else f"HTTP {answer.status}")


def _log(db: Connection, app: Any, delivery: Any, attempt: int, outcome: Outcome, values: dict[str, Any]) -> bool:
    """Log the attempt and update the delivery, unless another run logged this attempt first."""
    _, deliveries, attempts = _tables(app)
    # The answer is kept only if the delivery still is what was sent: an account
    # deleted meanwhile has redacted it (redact_person), and a receiver may echo it.
    excerpt: Any = None if outcome.excerpt is None else sa.case(
        (deliveries.c.body == delivery.body, outcome.excerpt), else_=None)
    updated = db.execute(sa.update(deliveries).where(
        deliveries.c.id == delivery.id, deliveries.c.attempt == attempt - 1).values(
        attempt=attempt, response_status=outcome.status, response_excerpt=excerpt,
        duration_ms=outcome.duration_ms, error=outcome.error, **values)).rowcount == 1
    if updated:
        if outcome.excerpt is not None:  # what the update kept
            excerpt = sa.select(deliveries.c.response_excerpt).where(deliveries.c.id == delivery.id).scalar_subquery()
        db.execute(sa.insert(attempts).values(
            delivery_id=delivery.id, attempt=attempt, response_status=outcome.status,
            response_excerpt=excerpt, duration_ms=outcome.duration_ms, error=outcome.error,
            created_at=now()))
    return updated


def deliver_job(job: JobContext) -> None:
    """Deliver one outbox row (one attempt); schedule the next attempt or give up."""
    app, db = job.app, job.db
    webhooks, deliveries, _ = _tables(app)
    delivery = db.execute(sa.select(deliveries).where(deliveries.c.id == job.payload["delivery_id"])).first()
    if delivery is None or delivery.status != "pending" or delivery.attempt != job.payload.get("attempt", 0):
        return  # done already, or another run owns this attempt
    webhook = db.execute(sa.select(webhooks).where(webhooks.c.id == delivery.webhook_id)).first()
    if webhook is None:
        return
    if webhook.status != "active":
        # Paused (or disabled): stays in the outbox; resuming queues it again.
        db.execute(sa.update(deliveries).where(deliveries.c.id == delivery.id).values(next_attempt_at=None))
        return
    attempt = int(delivery.attempt) + 1
    outcome = send(db, app, webhook, delivery)
    stamp = now()
    if outcome.ok:
        if _log(db, app, delivery, attempt, outcome, {"status": "succeeded", "next_attempt_at": None}):
            db.execute(sa.update(webhooks).where(webhooks.c.id == webhook.id).values(
                consecutive_failures=0, failing_since=None))
        return
    final = attempt > len(SCHEDULE)
    failing_since = webhook.failing_since or stamp
    too_long = stamp - failing_since >= DISABLE_AFTER
    if final or too_long:
        if not _log(db, app, delivery, attempt, outcome, {"status": "failed", "next_attempt_at": None}):
            return
        reason = (f"{attempt} failed attempts to deliver {delivery.event} ({outcome.error})" if final
                  else f"failing since {failing_since:%Y-%m-%d %H:%M} UTC ({outcome.error})")
        _fail_endpoint(db, app, webhook, failing_since, disable_reason=reason[:255])
        return
    delay = SCHEDULE[attempt - 1] * (0.9 + random.random() * 0.2)  # jitter, ±10 %
    next_at = stamp + timedelta(seconds=delay)
    if _log(db, app, delivery, attempt, outcome, {"status": "pending", "next_attempt_at": next_at}):
        _fail_endpoint(db, app, webhook, failing_since)
        _queue(db, int(delivery.id), attempt, run_at=next_at)


def _fail_endpoint(db: Connection, app: Any, webhook: Any, failing_since: datetime,
                   disable_reason: Optional[str] = None) -> None:
    webhooks, _, _ = _tables(app)
    values: dict[str, Any] = {"consecutive_failures": webhooks.c.consecutive_failures + 1,
                              "failing_since": failing_since}
    if disable_reason is None:
        db.execute(sa.update(webhooks).where(webhooks.c.id == webhook.id).values(**values))
        return
    disabled = db.execute(sa.update(webhooks).where(webhooks.c.id == webhook.id, webhooks.c.status == "active")
                          .values(**values, status="disabled", disabled_reason=disable_reason,
                                  updated_at=now())).rowcount == 1
    if disabled:
        row = db.execute(sa.select(webhooks).where(webhooks.c.id == webhook.id)).one()
        notify(db, app, "webhook.disabled", administrators(db, app), resource(row))


def administrators(db: Connection, app: Any) -> list[int]:
    """Ids of the users holding the administrator role (WordPress's capabilities meta)."""
    store = app.identity.store
    meta = app.tables["usermeta"]
    return [int(u) for u in db.execute(sa.select(meta.c.user_id).where(
        meta.c.meta_key == store.caps_key, meta.c.meta_value.like('%"administrator"%'))).scalars()]


def job_kinds() -> dict[str, JobKind]:
    # The handler logs and schedules its own retries (the API's schedule); the
    # job's own retries cover only the unexpected (the database away).
    return {DELIVER_JOB: JobKind(deliver_job, max_attempts=5, lease_seconds=120)}


# -- routes -----------------------------------------------------------------------------

@dataclass
class WebhookContext:
    """The endpoint the path names."""

    webhook: Any


def _load_webhook() -> Policy:
    def check(request: RestRequest) -> bool:
        if not (request.user is not None and request.user.is_admin):
            return False
        webhooks, _, _ = _tables(request.app)
        row = request.db.execute(sa.select(webhooks).where(webhooks.c.id == request.params["id"])).first()
        if row is None:
            raise NotFound("Webhook not found.")
        request.context = WebhookContext(row)
        return True

    return Policy("admin", check)


def _check(request: RestRequest, values: Mapping[str, Any]) -> None:
    problems = []
    if "url" in values:
        try:
            ssrf.check_url(values["url"], _allowed_hosts(request.db, request.app))
        except ssrf.UnsafeURL as exc:
            problems.append({"param": "url", "code": "learnomy_unsafe_url", "message": str(exc)})
    if "events" in values:
        known = {e["event"] for e in catalog(request.app)}
        unknown = [e for e in values["events"] if e != "*" and e not in known]
        if unknown:
            problems.append({"param": "events", "code": "rest_invalid_param",
                             "message": f"Unknown event(s): {', '.join(unknown)}."})
    if problems:
        raise InvalidParams(f"Invalid parameter(s): {', '.join(p['param'] for p in problems)}", details=problems)


def limit_of(request: RestRequest) -> Optional[int]:
    """How many endpoints may exist (``None``: no limit); a plugin may lift it."""
    answer = request.app.plugins.hook.learnomy_webhook_limit(request=request)
    return FREE_LIMIT if answer is None else (None if answer < 0 else int(answer))


def list_webhooks(request: RestRequest) -> Any:
    webhooks, _, _ = _tables(request.app)
    return paginate(request, sa.select(webhooks), [(webhooks.c.id, False)], lambda rows: [resource(r) for r in rows])


def create_webhook(request: RestRequest) -> Any:
    webhooks, _, _ = _tables(request.app)
    values: dict[str, Any] = {k: request.params[k] for k in ("url", "events", "description") if k in request.params}
    _check(request, values)
    limit = limit_of(request)
    if limit is not None:
        # Serialise creators (the count and the insert must not interleave), and
        # count with a locking read: it sees what others committed meanwhile,
        # where a plain read would see this transaction's older snapshot.
        lock_name(request.db, request.app.tables["options"], "webhooks")
        count = len(lock_rows(request.db, sa.select(webhooks.c.id)))
        if count >= limit:
            raise WebhookLimit(f"At most {limit} webhook endpoints may exist.")
    stamp = now()
    new_id = inserted_id(request.db.execute(sa.insert(webhooks).values(
        url=values["url"], events=list(dict.fromkeys(values["events"])), description=values.get("description", ""),
        secret=new_secret(), status="active", disabled_reason=None, consecutive_failures=0, failing_since=None,
        created_at=stamp, updated_at=stamp)))
    row = request.db.execute(sa.select(webhooks).where(webhooks.c.id == new_id)).one()
    return created(resource(row, secret=True), location=f"/{NAMESPACE}/webhooks/{new_id}")


def get_webhook(request: RestRequest) -> Any:
    return resource(request.context_as(WebhookContext).webhook)


def update_webhook(request: RestRequest) -> Any:
    row = request.context_as(WebhookContext).webhook
    webhooks, deliveries, _ = _tables(request.app)
    values: dict[str, Any] = {k: request.params[k] for k in ("url", "events", "description") if k in request.params}
    _check(request, values)
    if "events" in values:
        values["events"] = list(dict.fromkeys(values["events"]))
    status = request.params.get("status")
    if status == "disabled":
        raise InvalidParams("Invalid parameter(s): status", details=[{
            "param": "status", "code": "rest_invalid_param", "message": "Pause an endpoint, or make it active."}])
    resuming = status == "active" and row.status != "active"
    if status:
        values["status"] = status
        if status == "active":
            values.update(disabled_reason=None, consecutive_failures=0, failing_since=None)
    rotate = bool(request.params.get("rotate_secret"))
    if rotate:
        values["secret"] = new_secret()
    values["updated_at"] = now()
    request.db.execute(sa.update(webhooks).where(webhooks.c.id == row.id).values(**values))
    if resuming:
        for delivery_id, attempt in request.db.execute(sa.select(deliveries.c.id, deliveries.c.attempt).where(
                deliveries.c.webhook_id == row.id, deliveries.c.status == "pending")).all():
            _queue(request.db, int(delivery_id), int(attempt))
    fresh = request.db.execute(sa.select(webhooks).where(webhooks.c.id == row.id)).one()
    return resource(fresh, secret=rotate)


def delete_webhook(request: RestRequest) -> Any:
    row = request.context_as(WebhookContext).webhook
    webhooks, deliveries, attempts = _tables(request.app)
    ids = sa.select(deliveries.c.id).where(deliveries.c.webhook_id == row.id).scalar_subquery()
    request.db.execute(sa.delete(attempts).where(attempts.c.delivery_id.in_(ids)))
    about = _people_table(request.app)
    request.db.execute(sa.delete(about).where(about.c.delivery_id.in_(ids)))
    request.db.execute(sa.delete(deliveries).where(deliveries.c.webhook_id == row.id))
    request.db.execute(sa.delete(webhooks).where(webhooks.c.id == row.id))
    return deleted(resource(row))


def test_webhook(request: RestRequest) -> Any:
    """A ping now, in this request: one attempt, logged, never retried."""
    row = request.context_as(WebhookContext).webhook
    _, deliveries, _ = _tables(request.app)
    body = _body("ping", {"webhook_id": int(row.id)})
    delivery_id = inserted_id(request.db.execute(sa.insert(deliveries).values(
        webhook_id=row.id, event="ping", message_id=f"msg_{secrets.token_hex(12)}", body=body.decode(),
        attempt=0, status="pending", created_at=now(), next_attempt_at=None)))
    delivery = request.db.execute(sa.select(deliveries).where(deliveries.c.id == delivery_id)).one()
    outcome = send(request.db, request.app, row, delivery)
    _log(request.db, request.app, delivery, 1, outcome, {"status": "succeeded" if outcome.ok else "failed"})
    return delivery_resource(request.db.execute(sa.select(deliveries).where(deliveries.c.id == delivery_id)).one())


def list_deliveries(request: RestRequest) -> Any:
    row = request.context_as(WebhookContext).webhook
    _, deliveries, _ = _tables(request.app)
    query = sa.select(deliveries).where(deliveries.c.webhook_id == row.id)
    return paginate(request, query, [(deliveries.c.id, True)], lambda rows: [delivery_resource(r) for r in rows])


def redeliver(request: RestRequest) -> Any:
    row = request.context_as(WebhookContext).webhook
    _, deliveries, _ = _tables(request.app)
    old = request.db.execute(sa.select(deliveries).where(
        deliveries.c.id == request.params["delivery_id"], deliveries.c.webhook_id == row.id)).first()
    if old is None:
        raise NotFound("Delivery not found.")
    if row.status == "disabled":
        raise WebhookDisabled()
    body = json.loads(old.body)
    new_id = _record(request.db, request.app, row, old.event, old.body.encode(),
                     people(body.get("data") if isinstance(body, dict) else None), message_id=old.message_id)
    fresh = request.db.execute(sa.select(deliveries).where(deliveries.c.id == new_id)).one()
    return ok(delivery_resource(fresh), status=202)


def list_events(request: RestRequest) -> Any:
    return catalog(request.app)


ARGS: dict[str, dict[str, Any]] = {
    "url": {"type": "string", "format": "uri", "maxLength": 2000},
    "events": {"type": "array", "items": {"type": "string", "maxLength": 100}, "minItems": 1, "maxItems": 200},
    "description": {"type": "string", "maxLength": 1000},
}


WEBHOOK_SCHEMA = route_schema("webhook", {
    "id": {"type": "integer"}, "url": {"type": "string", "format": "uri"},
    "events": {"type": "array", "items": {"type": "string"}}, "description": {"type": "string"},
    "status": {"type": "string", "enum": list(STATUSES)}, "disabled_reason": {"type": ["string", "null"]},
    "consecutive_failures": {"type": "integer"}, "secret": {"type": "string"},
    "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"}},
    # the secret only in the answers that create or rotate it
    required=["id", "url", "events", "description", "status", "disabled_reason", "consecutive_failures",
              "created_at", "updated_at"])
DELIVERY_SCHEMA = route_schema("webhook-delivery", {
    "id": {"type": "integer"}, "webhook_id": {"type": "integer"}, "event": {"type": "string"},
    "message_id": {"type": "string"}, "attempt": {"type": "integer"},
    "status": {"type": "string", "enum": ["pending", "succeeded", "failed"]},
    "response_status": {"type": ["integer", "null"]}, "response_excerpt": {"type": ["string", "null"]},
    "duration_ms": {"type": ["integer", "null"]}, "error": {"type": ["string", "null"]},
    "created_at": {"type": "string", "format": "date-time"},
    "next_attempt_at": {"type": ["string", "null"], "format": "date-time"}})
EVENT_SCHEMA = route_schema("webhook-event", {
    "event": {"type": "string"}, "description": {"type": "string"}, "plugin": {"type": "string"},
    "example": {"type": "object"}})


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    one = _load_webhook()
    register(NAMESPACE, "/webhooks", [
        {"methods": READABLE, "callback": list_webhooks, "permission_callback": ADMIN, "args": LIST_ARGS},
        {"methods": CREATABLE, "callback": create_webhook, "permission_callback": ADMIN,
         "args": {**ARGS, "url": {**ARGS["url"], "required": True}, "events": {**ARGS["events"], "required": True}}},
    ], schema=WEBHOOK_SCHEMA)
    register(NAMESPACE, r"/webhooks/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_webhook, "permission_callback": one, "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_webhook, "permission_callback": one,
         "args": {**ID_ARG, **ARGS, "status": {"type": "string", "enum": list(STATUSES)},
                  "rotate_secret": {"type": "boolean"}}},
        {"methods": DELETABLE, "callback": delete_webhook, "permission_callback": one, "args": ID_ARG},
    ], schema=WEBHOOK_SCHEMA)
    register(NAMESPACE, r"/webhooks/(?P<id>[\d]+)/test", {
        "methods": CREATABLE, "callback": test_webhook, "permission_callback": one, "args": ID_ARG,
    }, schema=DELIVERY_SCHEMA)
    register(NAMESPACE, r"/webhooks/(?P<id>[\d]+)/deliveries", {
        "methods": READABLE, "callback": list_deliveries, "permission_callback": one,
        "args": {**ID_ARG, **LIST_ARGS}}, schema=DELIVERY_SCHEMA)
    register(NAMESPACE, r"/webhooks/(?P<id>[\d]+)/deliveries/(?P<delivery_id>[\d]+)/redeliver", {
        "methods": CREATABLE, "callback": redeliver, "permission_callback": one,
        "args": {**ID_ARG, "delivery_id": {"type": "integer", "minimum": 1}},
        "answers": {"status": 202}}, schema=DELIVERY_SCHEMA)
    register(NAMESPACE, "/webhook-events", {
        "methods": READABLE, "callback": list_events, "permission_callback": ADMIN, "args": {},
        "answers": "items"},
        schema=EVENT_SCHEMA)
