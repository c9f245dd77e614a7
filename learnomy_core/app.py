"""The WSGI application: from a request to a matched endpoint to an envelope.

``create_app`` wires configuration, plugins, tables, the route registry and
settings together and returns a plain WSGI callable. A host app mounts it with
werkzeug's ``DispatcherMiddleware``::

    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from learnomy_core import create_app

    host = DispatcherMiddleware(host_app, {"/lms": create_app()})

A request runs: the ``_jsonp`` check, match the route (werkzeug), pick the
endpoint by method, the ``learnomy_before_dispatch`` hook, 401 for anonymous
callers of protected routes, parameters (merge, validate, sanitize), the
permission policy, ``If-Match``, the callback, the caller's ``Allow`` on a route
with several endpoints, the ``learnomy_after_dispatch`` hook; then the envelope,
``_fields``, ``_envelope``, ``_jsonp``, ETag/304, caching and CORS headers and the
request id. The request's transaction commits only when the answer is a success,
once its body has been serialised: an answer that fails on the way (a callback,
the after-dispatch hook, serialisation) rolls back every write of the request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import zlib
from http import HTTPStatus
from urllib.parse import parse_qsl

import sqlalchemy as sa
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from werkzeug.wrappers import Response

from .allow import allow_header
from .config import Config, load_config
from .cors import cors_headers
from .errors import (
    ApiError,
    InternalError,
    InvalidNamespace,
    MethodNotAllowed,
    NoRoute,
    PreconditionFailed,
    Unavailable,
)
from .fields import complete_answer
from . import idempotency
from .identity import Identity, Roles
from .identity.api_keys import check_scope
from .index import index_route, namespace_index, namespace_route, root_index, route_data
from .locks import lock_name_first
from .options import add_option, get_option
from .params import parse_params
from .output import JAVASCRIPT_TYPE, JSON_TYPE, MARKERS, apply_fields, enveloped, jsonp_callback, wanted_fields
from .plugins import PluginSpec, build_plugin_manager, dormant_plugins, plugin_callers
from .registry import Endpoint, RouteRegistry
from .request import RestRequest, readable_environ
from .response import RestResponse
from .settings import Settings
from .storage import RETRY_AFTER_SECONDS, Storage, is_disconnect
from .switches import SwitchOverrides, switched_off_plugins

__all__ = ["create_app", "LearnomyApp", "dumps"]

logger = logging.getLogger("learnomy")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # fullmatch: "$" would let "id\n" into a header
_SURROGATE = re.compile("[\ud800-\udfff]")
_WRITE_METHODS = ("PUT", "PATCH", "DELETE")
IF_MATCH_LOCKS = 256  # lock rows that writes carrying If-Match spread over (see _hold_for_if_match)
_INDEX_ALLOW = "GET, HEAD, OPTIONS"
_READ_METHODS = ("GET", "HEAD")
_SITE_ROOTS = ("/", "/index.php")
# Sent with every REST answer, as WordPress sends them.
_BASE_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Robots-Tag": "noindex"}
_SECRET_OPTION = "learnomy_secret_key"
_REASONS = {status.value: status.phrase for status in HTTPStatus}


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"  # no microseconds, no copy to drop them
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(body: Any) -> bytes:
    """Serialise a body: compact JSON, times as RFC 3339 UTC; always valid JSON.

    :raises ValueError: for ``NaN`` or an infinity, which JSON cannot say (the
        request then fails with a 500 in the envelope and commits nothing).
    """
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default)
    try:
        return text.encode()
    except UnicodeEncodeError:
        # A lone surrogate (from data stored before requests refused them) has no
        # UTF-8 form: show it as U+FFFD rather than fail every answer that holds it.
        return _SURROGATE.sub("\ufffd", text).encode()


class LearnomyApp:
    """The Learnomy WSGI application. Build it with :func:`create_app`.

    :ivar config: the :class:`~learnomy_core.config.Config`.
    :ivar plugins: the pluggy plugin manager.
    :ivar registry: the frozen :class:`~learnomy_core.registry.RouteRegistry`.
    :ivar storage: the :class:`~learnomy_core.storage.Storage` (engine and tables).
    :ivar settings: the :class:`~learnomy_core.settings.Settings` groups.
    """

    def __init__(
        self, config: Config, plugins: Any, registry: RouteRegistry, storage: Storage, settings: Settings
    ) -> None:
        self.config = config
        self.plugins = plugins
        self.registry = registry
        self.storage = storage
        self.settings = settings
        self.tables = storage.tables
        self.identity = Identity(self, Roles(plugins.hook.learnomy_role_capabilities(), engine=storage.engine,
                                             options=storage.tables["options"], prefix=config["table_prefix"]))
        self._secret: Optional[bytes] = None
        self._rest_root = config["rest_root"]
        self._root_slash = self._rest_root + "/"
        hooks = plugins.hook
        # Skip hook machinery on the hot path when no plugin implements a hook.
        self._before = hooks.learnomy_before_dispatch if hooks.learnomy_before_dispatch.get_hookimpls() else None
        self._after = hooks.learnomy_after_dispatch if hooks.learnomy_after_dispatch.get_hookimpls() else None
        # Validators' ETags cover the plugin set: loading or upgrading a plugin may
        # change any representation.
        self._plugin_set = _plugin_set(plugins)
        self._etag_mac: Optional[tuple[bytes, Any]] = None  # (secret, HMAC keyed with it, nothing hashed yet)

    # -- secrets -----------------------------------------------------------

    @property
    def secret_key(self) -> bytes:
        """The site secret: from configuration, or generated once and kept in the database."""
        if self._secret is None:
            configured = self.config["secret_key"]
            if configured:
                self._secret = configured.encode()
            else:
                table = self.tables["options"]
                # Its own transaction: a request that rolls back must not take it along.
                try:
                    with self.storage.engine.begin() as connection:
                        add_option(connection, table, _SECRET_OPTION, secrets.token_urlsafe(48))
                        self._secret = get_option(connection, table, _SECRET_OPTION).encode()  # type: ignore[union-attr]
                except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
                    raise Unavailable(headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from exc
        return self._secret

    def migration_locations(self) -> list[str]:
        """Every plugin's Alembic revision folders, switched-off plugins' included
        (their tables stay and keep up with their migrations)."""
        found: list[str] = []
        answers = list(self.plugins.hook.learnomy_migration_locations())
        for plugin in dormant_plugins(self.plugins).values():
            locations = getattr(plugin, "learnomy_migration_locations", None)
            if locations is not None:
                answers.append(locations())
        for answer in answers:
            for path in [answer] if isinstance(answer, str) else list(answer or []):
                if path not in found:
                    found.append(path)
        return found

    def upgrade_database(self) -> None:
        """Bring the schema up to date with every loaded plugin's migrations, and
        register this project's roles in WordPress's role registry."""
        self.storage.upgrade(self.migration_locations())
        self.identity.get_ready()

    # -- WSGI --------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path.startswith(self._root_slash):
            rest_path = path[len(self._rest_root):]
        elif path == self._rest_root:
            rest_path = "/"
        elif path in _SITE_ROOTS and "rest_route=" in environ.get("QUERY_STRING", ""):
            # WordPress's plain-permalink form, on the site root or /index.php.
            routes = [v for k, v in parse_qsl(environ["QUERY_STRING"], keep_blank_values=True) if k == "rest_route"]
            rest_path = (routes[-1] if routes else "") or "/"
            return self._serve(environ, start_response, rest_path)
        elif path in _SITE_ROOTS:
            environ = readable_environ(environ)[0]  # its page shows the Host
            return self._site_root(environ)(environ, start_response)
        else:
            environ = readable_environ(environ)[0]  # its Link shows the Host
            response = Response("Not Found", 404, mimetype="text/plain")
            response.headers["Link"] = self._discovery_link(environ)
            return response(environ, start_response)
        return self._serve(environ, start_response, rest_path)

    def _serve(self, environ: dict[str, Any], start_response: Callable[..., Any], rest_path: str) -> list[bytes]:
        status, headers, body = self.handle(environ, rest_path)
        start_response(f"{status} {_REASONS.get(status, '')}", headers)
        # HEAD keeps its Content-Length but sends no body, as HTTP says.
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def handle(self, environ: dict[str, Any], rest_path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """Answer one REST request for ``rest_path``: ``(status, headers, body)``.

        Never raises: whatever goes wrong is answered in the error envelope with
        the request id. The request's transaction commits only after its answer is
        a success and is serialised. A path, query string or header werkzeug cannot
        read is answered 404 or 400 (see :func:`~learnomy_core.request.readable_environ`).
        """
        environ, refused = readable_environ(environ)
        sent_id = environ.get("HTTP_X_REQUEST_ID", "")
        # 32 random hex digits, as uuid4().hex without building a UUID (on every request).
        request_id = sent_id if sent_id and _REQUEST_ID.fullmatch(sent_id) else os.urandom(16).hex()
        try:
            request = RestRequest(environ, self, request_id)
        except Exception:  # noqa: BLE001 - a request werkzeug cannot even read
            logger.exception("unreadable request; request_id=%s", request_id)
            return self._bare_error(environ, request_id)
        try:
            rest, succeeded = self._answer(request, rest_path, refused)
            try:
                answer = self._finish(request, rest)
            except Exception as exc:  # noqa: BLE001 - a body that cannot be serialised is a failure
                succeeded, answer = False, self._finish(request, self._unexpected(exc, request))
            try:
                # The answer's own status: _envelope sends even an error as 200.
                request.close_db(succeeded and rest.status < 400 and answer[0] < 400)
            except Exception as exc:  # noqa: BLE001 - a failed commit is the request's failure
                answer = self._finish(request, self._unexpected(exc, request))
            return answer
        except Exception:  # noqa: BLE001 - the last line: an error envelope, whatever broke
            logger.exception("unexpected error answering; request_id=%s", request_id)
            try:
                request.close_db(False)
            except Exception:  # noqa: BLE001
                logger.exception("rollback failed; request_id=%s", request_id)
            return self._bare_error(environ, request_id)

    def _answer(self, request: RestRequest, rest_path: str,
                refused: Optional[ApiError] = None) -> tuple[RestResponse, bool]:
        """The answer before serialisation, and whether the request succeeded so far
        (``refused``: the error for a request werkzeug could not read as sent)."""
        succeeded = False
        try:
            if refused is not None:
                raise refused
            if self._secret is None:
                # Settle the site secret before the request's transaction holds any
                # lock: generating it takes a transaction of its own.
                self.secret_key
            if not self.identity.ready:
                # Likewise registering roles in WordPress's registry (once per process).
                self.identity.get_ready()
            if (request.rest_method in _WRITE_METHODS and "If-Match" in request.headers
                    and self.storage.engine.dialect.name != "sqlite"):
                # MySQL/MariaDB: before anything reads (the JSONP check below reads the
                # settings), so that the snapshot starts after the wait.
                request.rest_path = rest_path
                self._hold_for_if_match(request)
            if "_jsonp" in request.environ.get("QUERY_STRING", ""):
                # Checked before anything runs, as WordPress does.
                request.jsonp = jsonp_callback(request, self._jsonp_enabled(request))
            rest = self._route(request, rest_path)
            succeeded = True
        except ApiError as exc:
            rest = _error(exc, request.request_id)
        except Exception as exc:  # noqa: BLE001 - the one place that turns anything into a 500
            rest = self._unexpected(exc, request)
        route = request.route
        if route is not None and len(route.endpoints) > 1 and "Allow" not in rest.headers and rest.status != 304:
            self._add_allow(request, rest)
        if self._after is not None:
            # Before the commit: a hook that fails fails the request, and what it
            # reads or writes is inside the request's transaction.
            try:
                self._after(request=request, response=rest)
            except Exception as exc:  # noqa: BLE001
                rest, succeeded = self._unexpected(exc, request), False
        return rest, succeeded

    def _add_allow(self, request: RestRequest, rest: RestResponse) -> None:
        """The caller's ``Allow`` on an answer of a route with several endpoints (see
        :mod:`learnomy_core.allow`); nothing for a caller whose credentials were
        refused, nor on a 5xx (the database may be what failed)."""
        if rest.status >= 500 or request.authentication_failed or request.route is None:
            return
        try:
            rest.headers["Allow"] = allow_header(request, request.route, granted=request.permitted)
        except ApiError:
            pass  # credentials first read here and refused: the answer stands, without Allow

    def _jsonp_enabled(self, request: RestRequest) -> bool:
        return bool(self.settings.get(request.db, "api.jsonp_enabled")) if "api" in self.settings.groups else True

    def _bare_error(self, environ: dict[str, Any], request_id: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """A 500 in the envelope, built from nothing that could fail again."""
        payload = dumps(InternalError().body(request_id))
        return 500, [("X-Request-Id", request_id), ("Link", self._discovery_link(environ)),
                     *_BASE_HEADERS.items(), ("Vary", "Origin"),
                     ("Cache-Control", "no-store"), ("Content-Type", JSON_TYPE),
                     ("Content-Length", str(len(payload)))], payload

    def _unexpected(self, exc: BaseException, request: RestRequest) -> RestResponse:
        if isinstance(exc, ApiError):
            return _error(exc, request.request_id)
        if is_disconnect(exc):
            return _error(Unavailable(headers={"Retry-After": str(RETRY_AFTER_SECONDS)}), request.request_id)
        logger.exception("unexpected error; request_id=%s path=%s", request.request_id, request.path)
        return _error(InternalError(), request.request_id)

    # -- routing -----------------------------------------------------------

    def _route(self, request: RestRequest, rest_path: str) -> RestResponse:
        request.rest_path = rest_path
        method = request.rest_method
        if rest_path in ("/", ""):
            if method == "OPTIONS":
                return RestResponse(index_route(self._url_of(request)), 200, {"Allow": _INDEX_ALLOW}, envelope=False)
            if method not in ("GET", "HEAD"):
                raise MethodNotAllowed(headers={"Allow": _INDEX_ALLOW})
            return self._root_index(request)
        try:
            target, url_params = self.registry.match(rest_path)
        except LookupError:
            if method == "OPTIONS":
                return RestResponse([], envelope=False)  # WordPress: 200 and an empty list
            raise NoRoute() from None
        if isinstance(target, str):
            if method == "OPTIONS":
                body = namespace_route(target, self._url_of(request))
                return RestResponse(body, 200, {"Allow": _INDEX_ALLOW}, envelope=False)
            if method not in ("GET", "HEAD"):
                raise MethodNotAllowed(headers={"Allow": _INDEX_ALLOW})
            return self._namespace_index(request, target)
        request.route = target
        request.url_params = url_params
        if method == "OPTIONS":
            described = route_data(target, self._url_of(request), with_schema=True)
            return RestResponse([] if described is None else described, 200,
                                {"Allow": allow_header(request, target)}, envelope=False)
        endpoint = target.by_method.get(method)
        if endpoint is None:
            raise MethodNotAllowed(headers={"Allow": allow_header(request, target)})
        return self.dispatch(request, endpoint)

    def dispatch(self, request: RestRequest, endpoint: Endpoint) -> RestResponse:
        """Run ``endpoint`` for ``request``: hooks, auth, params, permission, callback."""
        request.endpoint = endpoint
        # On MySQL/MariaDB a write with If-Match holds its lock already (_answer).
        if self._before is not None:
            early = self._before(request=request, endpoint=endpoint)
            if early is not None:
                return early
        permission = endpoint.permission
        # Presented credentials are checked on every route, public ones included;
        # an anonymous caller the policy refuses gets 401 whatever its parameters.
        permission.refuse_anonymous(request)
        # An API key's scopes narrow its user's rights: a read key writes nothing.
        check_scope(request)
        claim = None
        if endpoint.idempotent:
            # Before anything writes in the request's transaction: the claim takes its own.
            claim, replay = idempotency.claim(request)
            if replay is not None:
                return replay
        if claim is not None:
            # Released once the request's transaction has ended, unless it committed
            # the stored answer: on SQLite a release meanwhile would wait on that transaction.
            request.after_close.append(claim.settle)
        rest = self._run(request, endpoint)
        if claim is not None and rest.status < 400:
            claim.store(request, rest)
        return rest

    def _run(self, request: RestRequest, endpoint: Endpoint) -> RestResponse:
        permission = endpoint.permission
        if endpoint.sensitive:
            limit = self.settings.get(request.db, "api.rate_limit_per_minute")
            request.extra_headers.update(self.identity.rate_limit(request, limit))
        request.params = parse_params(request, endpoint)
        route = request.route
        fields = route.fields if route is not None else ()
        # A validator does not know what a plugin's additional field shows: the body's hash does.
        if endpoint.validator is not None and request.rest_method in _READ_METHODS and not fields:
            token = endpoint.validator(request)
            if token is not None:
                request.etag = self._validator_etag(request, token)
                # The token covers what the policy decides on (see Endpoint.validator):
                # a caller holding this ETag was granted this representation.
                if request.may_revalidate and _names(request.environ["HTTP_IF_NONE_MATCH"], request.etag,
                                                     request.if_none_match):
                    return RestResponse(None, 304)
        permission.enforce(request)
        request.permitted = endpoint
        if request.rest_method in _WRITE_METHODS and "If-Match" in request.headers:
            if self.storage.engine.dialect.name == "sqlite":
                # After the idempotency claim, whose own transaction writes (SQLite has one
                # writer); reads before a first write see the latest state there anyway.
                self._hold_for_if_match(request)
            self._check_if_match(request)
        rest = _as_response(endpoint.callback(request))
        if fields:
            complete_answer(request, rest)
        return rest

    def _validator_etag(self, request: RestRequest, token: str) -> str:
        """The ETag of a validator's token: keyed with the site secret (nobody forges
        one for a representation they were never given), over the plugin set, the
        path and query (filters, page, ``_fields``...), the caller and the token."""
        user = request.user
        caller = "-" if user is None else (
            f"{user.id}:{int(user.has_cap('manage_options'))}{int(user.has_cap('learnomy_teach'))}:"
            + ",".join(sorted(getattr(user, "granted", None) or ())))
        raw = "\n".join((self._plugin_set, request.rest_path, request.environ.get("QUERY_STRING", ""), caller, token))
        secret = self.secret_key
        if self._etag_mac is None or self._etag_mac[0] is not secret:
            self._etag_mac = (secret, hmac.new(secret, digestmod=hashlib.sha256))
        mac = self._etag_mac[1].copy()  # the key's padding hashed once, not on every request
        mac.update(raw.encode())
        return '"' + mac.hexdigest()[:32] + '"'

    def _hold_for_if_match(self, request: RestRequest) -> None:
        """Serialise the writes to one resource that carry ``If-Match``, from before
        anything is read until the transaction ends: the second of two writes sent with
        the same ``If-Match`` at once compares it with what the first committed (412),
        instead of both passing on what each read before the other wrote.

        A lock name per path, spread over :data:`IF_MATCH_LOCKS` rows: two resources
        sharing one merely wait for each other. On MySQL/MariaDB taken first in the
        request's transaction (a ``/batch`` sub-request has its own), so that its
        snapshot starts after the wait; on SQLite after the idempotency claim, which
        writes in a transaction of its own (one writer), and before the comparison
        (pysqlite reads the latest state until the transaction's first write).
        """
        name = f"if_match_{zlib.crc32(request.rest_path.encode('utf-8', 'surrogatepass')) % IF_MATCH_LOCKS}"
        lock_name_first(request.db, self.tables["options"], name)

    def _check_if_match(self, request: RestRequest) -> None:
        """412 unless ``If-Match`` names the current representation's ETag."""
        route = request.route
        reader = route.by_method.get("GET") if route else None
        wanted = request.if_match
        current: Optional[str] = None
        if reader is not None:
            probe = RestRequest({**request.environ, "REQUEST_METHOD": "GET", "QUERY_STRING": "",
                                 "CONTENT_LENGTH": "0", "wsgi.input": _EMPTY_INPUT},
                                self, request.request_id)
            probe.parent = request
            probe.route = route
            probe.rest_path = request.rest_path
            probe.url_params = request.url_params
            try:
                rest = self.dispatch(probe, reader)
            except ApiError:
                rest = None
            if rest is not None and rest.status == 200:
                current = probe.etag or _etag(dumps(rest.body))
        if current is None or not (wanted.star_tag or wanted.contains(current.strip('"'))):
            raise PreconditionFailed()

    # -- the answer ----------------------------------------------------------

    def _finish(self, request: RestRequest, rest: RestResponse) -> tuple[int, list[tuple[str, str]], bytes]:
        if rest.status == 304 and request.etag is not None:
            return self._not_modified(request, {**request.extra_headers, **rest.headers})
        status = original = rest.status
        # The answer's own headers (what _envelope moves into the body), then ours.
        own = {**request.extra_headers, **rest.headers}
        content_type = JSON_TYPE
        query = request.environ.get("QUERY_STRING", "")
        # Cheap test first: most requests name none of the global parameters.
        params = request.query_params if query and any(m in query for m in MARKERS) else None
        if rest.content_type is not None:
            payload, content_type = rest.body, rest.content_type
        else:
            body = rest.body
            if params is not None:
                fields = wanted_fields(params.get("_fields")) if status < 400 else []
                if fields:
                    body = apply_fields(body, fields, envelope=rest.envelope)
                if "_envelope" in params:
                    body, status, own = enveloped(body, status, own), 200, {}
            # A 204 has no body (HTTP says so, and WordPress sends none).
            payload = b"" if status == 204 else dumps(body)
            if request.jsonp is not None:
                payload, content_type = b"/**/" + request.jsonp.encode() + b"(" + payload + b")", JAVASCRIPT_TYPE
        # Plain (name, value) pairs straight to start_response: werkzeug's Response
        # and Headers machinery cost more than the rest of a small answer.
        environ = request.environ
        discovery = self._discovery_link(environ)
        headers = {**own, **_BASE_HEADERS, "X-Request-Id": request.request_id,
                   "Link": f"{own['Link']}, {discovery}" if "Link" in own else discovery, "Vary": "Origin"}
        if "HTTP_ORIGIN" in environ:
            headers.update(self._cors(request))
        if request.rest_method in _READ_METHODS and original == 200:
            etag = request.etag or _etag(payload)
            headers.update(ETag=etag, Vary="Authorization, X-Learnomy-Key, Cookie, Origin",
                           **{"Cache-Control": self._cache_control(request)})
            # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x".
            if request.if_none_match.contains_weak(etag.strip('"')):
                headers.pop("Content-Disposition", None)
                return 304, list(headers.items()), b""
        elif "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store" if original >= 400 else "private, no-cache"
        headers["Content-Type"] = content_type
        if status != 204:
            headers["Content-Length"] = str(len(payload))
        return status, list(headers.items()), payload

    def _not_modified(self, request: RestRequest, own: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        """The 304 a validator answered: the headers a 200 would carry that a 304
        must repeat (ETag, Vary, Cache-Control), no body."""
        environ = request.environ
        discovery = self._discovery_link(environ)
        headers = {**own, **_BASE_HEADERS, "X-Request-Id": request.request_id,
                   "Link": f"{own['Link']}, {discovery}" if "Link" in own else discovery,
                   "ETag": request.etag or "", "Vary": "Authorization, X-Learnomy-Key, Cookie, Origin",
                   "Cache-Control": self._cache_control(request)}
        if "HTTP_ORIGIN" in environ:
            headers.update(self._cors(request))
        return 304, list(headers.items()), b""

    def _cors(self, request: RestRequest) -> dict[str, Any]:
        """CORS grant for the request's ``Origin`` (see :mod:`learnomy_core.cors`)."""
        try:
            allowed = self.settings.get(request.db, "api.cors_origins") if "api" in self.settings.groups else ["*"]
        except Exception:  # noqa: BLE001 - no settings (database down): grant nothing
            logger.warning("CORS origins unreadable; request_id=%s", request.request_id)
            return {}
        environ = request.environ
        preflight = environ.get("REQUEST_METHOD") == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        return cors_headers(environ["HTTP_ORIGIN"], allowed or [], preflight=preflight)

    def _cache_control(self, request: RestRequest) -> str:
        endpoint = request.endpoint
        credentials = any(name in request.environ for name in ("HTTP_AUTHORIZATION", "HTTP_COOKIE", "HTTP_X_LEARNOMY_KEY"))
        if endpoint is not None and endpoint.public_cache and not credentials and request.user is None:
            return f"public, max-age={self.config['public_cache_seconds']}"
        return "private, no-cache"

    def _discovery_link(self, environ: dict[str, Any]) -> str:
        return f'<{self._rest_url(environ)}/>; rel="https://api.w.org/"'

    def rest_url(self, environ: dict[str, Any]) -> str:
        """The REST root's absolute URL for a request (no trailing slash)."""
        return self._rest_url(environ)

    def _rest_url(self, environ: dict[str, Any]) -> str:
        base = self.config["site_url"]
        if not base:
            scheme = environ.get("wsgi.url_scheme", "http")
            host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "localhost")
            base = f"{scheme}://{host}{environ.get('SCRIPT_NAME', '').rstrip('/')}"
        return base + self._rest_root

    def _url_of(self, request: RestRequest) -> Callable[[str], str]:
        root = self._rest_url(request.environ)
        return lambda pattern: root + pattern

    def _root_index(self, request: RestRequest) -> RestResponse:
        rest_url = self._rest_url(request.environ)
        home = rest_url[: -len(self._rest_root)] or rest_url
        name = self.settings.get(request.db, "general.site_name") if "general" in self.settings.groups else "Learnomy"
        authentication: dict[str, Any] = {}
        if self.registry.routes.get("/learnomy/v1/auth/token"):
            authentication["learnomy-jwt"] = {"endpoints": {"token": f"{rest_url}/learnomy/v1/auth/token"}}
        if self.registry.routes.get("/wp/v2/users/me/application-passwords"):
            authentication["application-passwords"] = {
                "endpoints": {"authorization": f"{home}/wp-admin/authorize-application.php"}
            }
        body = root_index(self.registry, self._url_of(request), name=name, home=home,
                          authentication=authentication, with_schema=self._wants_help(request))
        return RestResponse(body, envelope=False)

    def _namespace_index(self, request: RestRequest, namespace: str) -> RestResponse:
        """``GET /{namespace}``; ``?namespace=`` names another one (WordPress's param)."""
        wanted = request.query_params.get("namespace", namespace) if request.environ.get("QUERY_STRING") else namespace
        if not isinstance(wanted, str) or wanted not in self.registry.namespaces:
            raise InvalidNamespace()
        body = namespace_index(self.registry, self._url_of(request), wanted, with_schema=self._wants_help(request))
        return RestResponse(body, envelope=False)

    @staticmethod
    def _wants_help(request: RestRequest) -> bool:
        return bool(request.environ.get("QUERY_STRING")) and request.query_params.get("context") == "help"

    def _site_root(self, environ: dict[str, Any]) -> Response:
        api = self._rest_url(environ) + "/"
        page = (
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Learnomy</title>"
            f"<link rel=\"https://api.w.org/\" href=\"{api}\"></head><body>"
            f"<p>The Learnomy REST API is at <a href=\"{api}\">{api}</a>.</p></body></html>"
        )
        response = Response(page, 200, mimetype="text/html")
        response.headers["Link"] = f'<{api}>; rel="https://api.w.org/"'
        return response


class _EmptyInput:
    def read(self, *args: Any) -> bytes:
        return b""

    def readline(self, *args: Any) -> bytes:
        return b""


_EMPTY_INPUT = _EmptyInput()


def _as_response(result: Any) -> RestResponse:
    if isinstance(result, RestResponse):
        return result
    return RestResponse({"data": result})


def _error(exc: ApiError, request_id: str) -> RestResponse:
    return RestResponse(exc.body(request_id), exc.status, exc.headers)


def _plugin_set(manager: Any) -> str:
    """A digest of the loaded plugins and the installed version of each one's distribution."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("learnomy")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        ours = "source"
    parts = sorted(f"{name}={getattr(plugin, '__version__', ours)}" for name, plugin in manager.list_name_plugin())
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _names(sent: str, etag: str, parsed: Any) -> bool:
    """Whether ``If-None-Match`` (``sent``) names ``etag``, compared weakly (RFC 9110
    13.1.2). A client most often sends back just the tag it was given: that is
    matched without parsing the header (``parsed``, werkzeug's, is read otherwise)."""
    sent = sent.strip()
    if sent == etag or sent == "W/" + etag:
        return True
    return bool(parsed.contains_weak(etag[1:-1]))


def _etag(payload: bytes) -> str:
    return '"' + hashlib.sha256(payload).hexdigest()[:32] + '"'


def create_app(
    config: Optional[Mapping[str, Any]] = None,
    *,
    plugins: Optional[Sequence[PluginSpec]] = None,
    exclude: Iterable[str] = (),
    switches: SwitchOverrides = None,
    **overrides: Any,
) -> LearnomyApp:
    """Build the WSGI app.

    :param config: configuration keys (see :mod:`learnomy_core.config`); keyword
        arguments are merged over it.
    :param plugins: the plugins to load (entry point names, module paths, modules
        or objects); None loads every installed plugin.
    :param exclude: plugin names to leave out (``["pro"]``).
    :param switches: plugins switched on or off whatever the database says
        (``{"pro.drip": False}``; True or False for every switch); by default each
        switch (``learnomy_plugin_switches``) is read from its setting, once, here.
    :raises RegistrationError: when plugins register routes the registry refuses.
    """
    settings_config = load_config({**(config or {}), **overrides})
    storage = Storage(settings_config["database_url"], settings_config["table_prefix"])
    manager = build_plugin_manager(plugins, exclude, switched_off=lambda loaded: switched_off_plugins(
        loaded, storage.engine, storage.prefix, switches))
    manager.hook.learnomy_register_tables(metadata=storage.metadata, prefix=storage.prefix)
    storage.collect_tables()
    registry = RouteRegistry()
    # One call per plugin, in load order, so registration order (which decides
    # between overlapping routes, as in WordPress) follows plugin order and every
    # route knows its plugin.
    for plugin_name, call in plugin_callers(manager, "learnomy_register_routes"):
        with registry.registering(plugin_name):
            call(registry=registry)
    registry.freeze()
    groups: dict[str, Any] = {}
    for answer in reversed(manager.hook.learnomy_settings_groups()):
        groups.update(answer or {})
    settings = Settings(groups, storage.tables["options"])
    return LearnomyApp(settings_config, manager, registry, storage, settings)
