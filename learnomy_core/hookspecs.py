"""Every hook a learnomy plugin can implement.

A plugin is any module or object with functions decorated by
``learnomy_core.hookimpl`` and named after a hook below. The Free controllers and
the Pro extension are plugins of exactly this kind, loaded from the
``learnomy.plugins`` entry point group, as a third party's would be::

    # acme_widgets.py
    from learnomy_core import hookimpl

    @hookimpl
    def learnomy_register_routes(registry):
        registry.register_rest_route("acme/v1", "/widgets", {...})

    # setup.cfg of the plugin's package
    [options.entry_points]
    learnomy.plugins =
        acme_widgets = acme_widgets

Hooks are called with keyword arguments only. Arguments may be added in later
versions, never renamed or removed; a hook implementation may accept any subset of
them (pluggy passes only the ones it names). Only hooks where one answer counts are
``firstresult``: the first non-``None`` answer wins and the rest are not called.
docs/plugins.md has one section per hook with an example; a test keeps that true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    import sqlalchemy as sa
    from sqlalchemy.engine import Connection

    from .app import LearnomyApp
    from .jobs import JobContext, JobKind
    from .registry import Endpoint, RouteRegistry
    from .request import RestRequest
    from .response import RestResponse

hookspec = pluggy.HookspecMarker("learnomy")
hookimpl = pluggy.HookimplMarker("learnomy")
"""Decorate a plugin's function named after a hook below to implement it."""

__all__ = ["hookspec", "hookimpl"]


@hookspec
def learnomy_register_routes(registry: "RouteRegistry") -> None:
    """Register REST routes.

    Called once per plugin, in load order, while the app is being created; the
    registry is frozen right after, so this is the only place to register.

    An endpoint's ``sensitive`` key rate limits it: ``True`` per user (instructors
    and administrators exempt), or ``{"per": "client", "accounts": [...]}`` per
    client address and per account named, for routes that let someone in; see
    :class:`~learnomy_core.registry.Sensitivity`. ``"idempotent": True`` makes it
    honour the ``Idempotency-Key`` header (see :mod:`learnomy_core.idempotency`).

    :param registry: the :class:`~learnomy_core.registry.RouteRegistry`; call
        ``registry.register_rest_route(...)``, the one way to register a route.
    """


@hookspec
def learnomy_requires() -> list[str]:
    """The plugins this plugin needs loaded beside it, by name.

    Checked when the app is built: ``create_app`` refuses, with one
    :class:`~learnomy_core.errors.MissingRequirements` naming every gap, a plugin
    set in which a plugin's requirements are missing (left out, excluded or not
    installed). Requirements point one way, from a domain to the domains it
    builds on (``assessment`` requires ``learning``, which requires ``catalog``).

    :returns: plugin names (entry point names, as ``create_app(plugins=...)`` takes them).
    """


@hookspec
def learnomy_register_tables(metadata: "sa.MetaData", prefix: str) -> None:
    """Declare the plugin's SQLAlchemy tables.

    Called once at app creation. Add ``sqlalchemy.Table`` objects to ``metadata``
    named ``prefix + "lrn_..."`` (Learnomy data) or WordPress's own names; the app
    exposes them as ``app.tables[name_without_prefix]``. The schema itself is made by
    the plugin's migrations (:func:`learnomy_migration_locations`).

    :param metadata: the app's ``sqlalchemy.MetaData``.
    :param prefix: the configured table prefix (``wp_`` by default).
    """


@hookspec
def learnomy_migration_locations() -> list[str] | str | None:
    """Folders of Alembic revision files that belong to this plugin.

    Each plugin keeps its own branch (``branch_labels`` on its first revision) and
    may depend on the core's (``depends_on = "learnomy_core@head"`` style). Revision
    files name tables through ``learnomy_core.migrations.table(name)`` so that the
    configured prefix applies. ``learnomy db upgrade`` applies every plugin's heads.

    :returns: a path or a list of paths.
    """


@hookspec(firstresult=True)
def learnomy_authenticate(request: "RestRequest") -> Any:
    """Identify the caller of ``request``; the first non-``None`` answer wins.

    Called once per request, lazily, the first time anything asks for
    ``request.user``. Return the user (an object with ``id`` and
    ``has_cap(capability)``), ``None`` to let other plugins try (anonymous if none
    answers), or raise an ``ApiError`` (``InvalidToken``, ``InvalidCredentials``)
    when credentials were presented but are wrong.

    :param request: the :class:`~learnomy_core.request.RestRequest`.
    """


@hookspec(firstresult=True)
def learnomy_before_dispatch(request: "RestRequest", endpoint: "Endpoint") -> "RestResponse | None":
    """Called after a route and endpoint are matched, before permission checks.

    Return a :class:`~learnomy_core.response.RestResponse` (or raise an
    ``ApiError``) to answer early, as a rate limiter or maintenance mode does;
    return ``None`` to go on. The first non-``None`` answer wins.

    :param request: the request; ``request.route`` and ``request.url_params`` are set.
    :param endpoint: the matched :class:`~learnomy_core.registry.Endpoint`.
    """


@hookspec
def learnomy_after_dispatch(request: "RestRequest", response: "RestResponse") -> None:
    """Called with every REST response before it is sent; adjust it in place.

    Add headers, rewrite ``response.body``; errors included. It runs inside the
    request's transaction, before the commit (which happens only once the answer
    is a success and serialised): an exception raised here becomes a 500 like any
    other and rolls back every write of the request.

    :param request: the request.
    :param response: the :class:`~learnomy_core.response.RestResponse` about to be sent.
    """


@hookspec
def learnomy_question_types() -> list[Any]:
    """Quiz question types this plugin adds.

    :returns: a list of question type objects (the assessment area defines their
        interface: ``type``, ``label``, settings and answer schemas, grading).
    """


@hookspec
def learnomy_webhook_events() -> list[dict[str, Any]]:
    """Webhook events this plugin can emit, for the event catalog (``GET /webhook-events``).

    Administrators subscribe endpoints to these names; the catalog shows each
    with the plugin that answered it.

    :returns: a list of ``{"event": "course.created", "description": "...",
        "example": {...}}``; ``example`` is a ``data`` payload as delivered.
    """


@hookspec
def learnomy_settings_groups() -> dict[str, dict[str, Any]]:
    """Settings groups this plugin owns, each a JSON-schema object of its keys.

    Settings are stored in WordPress's options table and every write is validated
    against the group's schema; unknown keys are refused. Each property should
    carry a ``default``.

    :returns: ``{"group": {"type": "object", "properties": {...}}}``.
    """


@hookspec
def learnomy_role_capabilities() -> dict[str, list[str]]:
    """Capabilities this plugin grants to roles.

    On a database WordPress shares, they are registered in its role registry
    (``{prefix}user_roles``) once, as ``add_role()``/``add_cap()`` would: a role
    WordPress lacks is added with these capabilities, a role it has is granted
    them; from then on WordPress's registry is what counts (see
    :mod:`learnomy_core.identity.roles`).

    :returns: ``{"lrn_instructor": ["acme_manage_widgets"], ...}``; answers of every
        plugin are merged.
    """


@hookspec(firstresult=True)
def learnomy_send_mail(to: str, subject: str, body: str, request: "RestRequest | None") -> Any:
    """Send one e-mail (password reset keys, notifications); the first answer wins.

    The core's default, tried last, records a ``mail.send`` background job in the
    request's transaction (:mod:`learnomy_core.mail`): a worker hands it to the
    SMTP server of ``LEARNOMY_SMTP_URL``, or logs it when none is configured, so a
    slow mail server never slows a request. Without a request it sends at once.
    Return ``True`` once the message is handed over.

    :param to: the recipient address.
    :param subject: the subject line.
    :param body: the plain-text body.
    :param request: the request asking (its ``db`` is the transaction the mail
        job joins), or ``None`` outside a request.
    """


@hookspec
def learnomy_dashboard_counts(request: "RestRequest", user: Any) -> dict[str, int]:
    """Counts for ``GET /me/dashboard``; every plugin's answer is merged.

    Answer the keys your area knows (``enrolled``, ``in_progress``, ``completed``,
    ``certificates``, ``unread_notifications``, or your own); keys nobody answers
    are zero.

    :param request: the request (use ``request.db``).
    :param user: the current user.
    """


@hookspec
def learnomy_event(request: "RestRequest", event: str, data: dict[str, Any]) -> None:
    """Something happened (``course.created``, ``enrollment.updated``, ...).

    Called inside the request's transaction, right when the change is made, so a
    plugin that records the event (a webhook outbox, a notification) commits or
    rolls back with the change itself. Emit events with
    ``learnomy_core.events.emit(request, event, data)``.

    :param request: the request that made the change (``request.db`` is its transaction).
    :param event: the event name, ``<resource>.<verb>``.
    :param data: the resource as the API shows it (``previous`` for deletions).
    """


@hookspec
def learnomy_required_items(request: "RestRequest", course_ids: list[int]) -> list[dict[str, Any]]:
    """The items students must finish to complete each of ``course_ids``.

    Every plugin's answer is joined: the Free progress plugin answers the lessons;
    quizzes and assignments add theirs. Each item is ``{"course_id": 3, "type":
    "lesson", "id": 7, "title": "...", "order": (section_position, section_id,
    position, id)}``; ``order`` sorts items of every kind into one curriculum
    order. Answer for all the courses at once (lists ask for a page of them).

    :param request: the request (``request.db``).
    :param course_ids: the courses.
    """


@hookspec
def learnomy_check_course(request: "RestRequest", course_id: "int | None", values: dict[str, Any]) -> list[dict[str, str]]:
    """Check a course about to be created or updated, for what your area owns.

    The catalog validates a course's own fields and references; a plugin that
    gives meaning to one of them (the learning area: ``certificate_template_id``
    must be a template the caller may use) checks it here. Every plugin's
    problems are joined and answered at once as 400 ``rest_invalid_param``;
    nothing is written then.

    :param request: the request (``request.params`` as sent, ``request.db``).
    :param course_id: the course being updated, or ``None`` when it is created.
    :param values: the course's fields as they would be after the write.
    :returns: problems, each ``{"param", "code", "message"}``; empty when all is well.
    """


@hookspec
def learnomy_check_curriculum(request: "RestRequest", course_id: int, moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check lessons or quizzes about to move into another section of their course.

    What a plugin hangs on an item's section (a drip rule on a section locks each
    of its lessons) may make a move wrong: Pro's drip rules refuse one that closes
    a cycle of waits. Asked by ``POST /sections/{id}/lessons/reorder`` when the
    order brings lessons in from other sections, in its transaction, after its own
    checks and before anything moves; a plain reorder within a section is not
    asked about. Every plugin's problems are joined and answered at once as 400
    ``rest_invalid_param``; nothing moves then. Take the locks your check needs
    (those your own writes take) before reading.

    :param request: the request (``request.db``, ``request.user``).
    :param course_id: the course whose curriculum changes.
    :param moves: each item changing section: ``{"type": "lesson", "id": 7,
        "section_id": 3, "param": "order[2]"}`` (``section_id`` the section it
        moves into, ``param`` the request's parameter naming it).
    :returns: problems, each ``{"param", "code", "message"}`` (use the move's
        ``param``); empty when all is well.
    """


@hookspec
def learnomy_check_settings(app: "LearnomyApp", db: "Connection", request: "RestRequest | None", group: str,
                            values: dict[str, Any], changed: list[str]) -> list[dict[str, Any]]:
    """Check a settings group an administrator is about to change, beyond its schema.

    A group's JSON schema checks each value alone; what it cannot (a list naming
    users that must exist, each once) the plugin owning the group checks here.
    Asked by ``PATCH /admin/settings`` and ``learnomy settings set`` once the
    schemas pass, for each changed group, in the write's transaction under the
    settings lock, before anything is written. Every plugin's problems are joined
    and answered at once as 400 (the command line prints them); nothing is
    written then, in any group. A plugin's own writes through
    ``Settings.update`` are not checked (they pass no ``check``).

    :param app: the app (``app.tables``, ``app.identity``).
    :param db: the write's transaction (``request.db`` in a request).
    :param request: the request, or None on the command line.
    :param group: the group's name; answer ``[]`` for groups not yours.
    :param values: the group's values as they would be after the write (defaults
        filled in).
    :param changed: the group's keys the write sets.
    :returns: problems, each ``{"param", "code", "message"}`` with ``param``
        ``group.key`` (deeper: ``group.key[2].member``); empty when all is well.
    """


@hookspec
def learnomy_sync_item_types() -> list[Any]:
    """Kinds of offline item ``POST /progress/sync`` applies (API.md section 8).

    The learning area answers its own (``lesson_complete``, ``topic_complete``,
    ``lesson_position``) and the assessment area ``quiz_attempt_submit``; a plugin
    adds its own kind of offline work the same way. The first plugin to name a
    ``type`` keeps it.

    :returns: ``learnomy.controllers.learning.SyncItemType`` objects: the item's
        ``type``, its ``target`` field, the ``kind`` of resource it names, how to
        ``apply`` it, the canonical ``states`` of what it touches, and the
        schemas of its own ``fields``.
    """


@hookspec
def learnomy_payment_gateways() -> list[Any]:
    """Payment gateways this plugin offers to checkout.

    Each is an object like ``learnomy.controllers.commerce.Gateway``: ``id``,
    ``title``, ``description``, ``supports`` (``one_time``, ``subscriptions``,
    ``refunds``), ``configured(request)`` (listed and usable only when True),
    ``begin(request, order, lines)`` answering ``(payment_url, reference)``,
    ``refund(request, order, amount)`` and ``set_cancel_at_period_end(request,
    subscription, cancel)``. The first plugin to name an ``id`` keeps it. The
    gateway completes an order by calling ``commerce.complete_order`` in a
    request's transaction (its webhook route, say).

    :returns: a list of gateway objects.
    """


@hookspec(firstresult=True)
def learnomy_course_entitlement(request: "RestRequest", user_id: int, course: Any) -> "str | None":
    """Whether ``user_id`` may take a course that is not free without buying it.

    Asked by self-enrollment (``POST /courses/{id}/enroll``) before it answers
    402 for a course priced ``paid`` or ``membership``. The first answer wins.

    :param course: the course's row (``price_type``, ``id``, ...).
    :returns: the enrollment ``source`` to record (``"membership"``), or ``None``.
    """


@hookspec(firstresult=True)
def learnomy_enrollment_lapsed(request: "RestRequest", enrollment: Any, course: Any) -> "bool | None":
    """Whether the access an enrollment gave has ended though the enrollment stands.

    Asked by the catalog's access check (every enrolled route) for each live
    enrollment; answer ``None`` for enrollments that are not yours (by
    ``enrollment.source``). ``True`` refuses with 403
    ``learnomy_enrollment_expired``. The first answer wins.

    :returns: ``True`` (ended), ``False`` (still open) or ``None`` (not mine).
    """


@hookspec(firstresult=True)
def learnomy_instructor_rate(request: "RestRequest", instructor_id: int, course_id: int) -> "float | None":
    """The percent of a sale an instructor keeps, when a rule of yours says so.

    Asked for each instructor of each paid course line of a completing order,
    after the course overrides of the commission settings (which win) and
    before the global ``instructor_rate`` (used when every plugin answers
    ``None``). Pro answers its per-instructor overrides here.

    :returns: a percent, 0 to 100, or ``None``.
    """


@hookspec
def learnomy_job_kinds() -> "dict[str, Callable[[JobContext], None] | JobKind]":
    """Background job kinds this plugin runs (see :mod:`learnomy_core.jobs`).

    A request records a job with ``learnomy_core.jobs.enqueue(request.db, kind,
    payload)``; a worker (``learnomy worker``) later calls the kind's handler with
    a :class:`~learnomy_core.jobs.JobContext` (``.app``, ``.db``, ``.payload``,
    ``.job_id``, ``.attempt``). ``.db`` is the handler's own transaction, committed
    when it returns; raising rolls it back and retries the job with backoff. The
    first plugin (in load order) to name a kind keeps it.

    :returns: ``{"kind": handler}``, or ``{"kind": JobKind(handler, max_attempts=...,
        delays=[...], lease_seconds=...)}`` to choose how it is retried.
    """


@hookspec
def learnomy_notification_types() -> list[Any]:
    """Kinds of notification this plugin adds, each named after the event that causes it.

    When the event is emitted, the users its ``recipients`` name get an in-app
    notification and, where their preference says so, an e-mail (sent by a job).
    Users set ``{in_app, email}`` per type at ``/me/notification-preferences``. The
    first plugin (in load order) to name an event keeps it.

    :returns: ``learnomy.controllers.communication.NotificationType`` objects:
        ``event``, ``title`` and ``body`` (``str.format`` templates over the event's
        data, or functions of it), ``description``, ``recipients`` (a function of
        the data answering user ids; ``data["user_id"]`` by default), ``link``,
        ``email`` (on by default or not).
    """


@hookspec(firstresult=True)
def learnomy_webhook_limit(request: "RestRequest") -> "int | None":
    """How many webhook endpoints may exist; the first answer wins.

    Free allows 3 (when no plugin answers). Answer a larger number to lift the
    limit, or a negative number for no limit.

    :param request: the request creating an endpoint.
    """


@hookspec
def learnomy_lesson_locks(request: "RestRequest", course: Any, enrollment: Any, lessons: list[Any]) -> "dict[int, dict[str, Any]] | None":
    """Locks your plugin puts on an enrolled student's lessons (drip, a cohort's schedule).

    Asked whenever the catalog decides which lessons of ``course`` the caller may
    open (the lesson route, outlines, progress), once per course and request, for
    a student who passes every Free rule of access. Free's own drip lock is kept
    when it applies; otherwise the lock a plugin answers is, and when several
    plugins lock the same lesson the one unlocking last wins. Editors and preview
    lessons are never asked about.

    :param request: the request (``request.db``, ``request.user``).
    :param course: the course's row (``id``, ``drip_mode``, ...).
    :param enrollment: the caller's live enrollment row (``enrolled_at``, ``status``).
    :param lessons: the course's lesson rows in curriculum order (``id``,
        ``section_id``, ``position``).
    :returns: ``{lesson_id: {"reason": "...", "unlocks_at": datetime | None}}`` for
        the lessons you lock (``reason`` becomes the error code
        ``learnomy_lesson_locked_<reason>``), or None.
    """


@hookspec
def learnomy_plugin_switches() -> "dict[str, tuple[str, str]] | None":
    """The loaded plugins your plugin switches on and off, and by which setting.

    Read once by ``create_app``, before any table or route is collected: a plugin
    whose setting is false never boots (it is unregistered: no routes, no tables
    declared, no hook of it runs; its tables and data stay in the database, and
    ``learnomy db upgrade`` still applies its migrations so that switching it back
    on needs nothing else). A plugin requiring a switched-off plugin is switched
    off with it. The setting is a boolean key of a settings group your plugin
    declares (:func:`learnomy_settings_groups`); a change takes effect when the app
    (each worker process) next starts. Plugins that are not loaded are ignored.

    :returns: ``{plugin_name: (settings_group, key)}``, e.g.
        ``{"pro.drip": ("pro.extensions", "drip")}``.
    """


@hookspec
def learnomy_route_manifest() -> "dict[str, Any] | None":
    """The route manifest your plugin ships, which ``learnomy audit`` checks.

    A manifest is a JSON file in the format of ``audit/manifest.json`` (written by
    ``learnomy audit --write``) listing every route of the plugins it covers, with
    their methods, permission policy, sensitivity and plugin. The audit compares it
    with the live registry both ways (routes missing from the registry, routes the
    manifest lacks, changed entries), with every switchable plugin switched on.
    Ship the file as package data.

    :returns: ``{"path": path of the file, "plugins": [plugin names it covers]}``;
        ``plugins`` defaults to your plugin alone.
    """


@hookspec
def learnomy_quiz_locks(request: "RestRequest", course: Any, enrollment: Any, quiz: Any) -> "dict[str, Any] | None":
    """A lock your plugin puts on an enrolled student's quiz (drip rules, a schedule).

    Asked when a student starts an attempt (``POST /quizzes/{id}/attempts``), after
    Free's own sequential rule; an attempt already started is never refused. When
    several plugins lock the quiz, the lock unlocking last wins (``None``: not by
    date). The refusal is a 403 ``learnomy_quiz_locked_<reason>`` whose details hold
    the lock.

    :param request: the request (``request.db``, ``request.user``).
    :param course: the course's row.
    :param enrollment: the student's live enrollment row (``enrolled_at``).
    :param quiz: the quiz's row (``id``, ``section_id``, ``course_id``).
    :returns: ``{"reason": "...", "unlocks_at": datetime | None}``, or None.
    """
