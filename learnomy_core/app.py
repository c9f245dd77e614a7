"""The WSGI application: from a request to a matched endpoint to an envelope.

``create_app`` wires configuration, plugins, tables, the route registry and
settings together and returns a plain WSGI callable. A host app mounts it with
werkzeug's ``DispatcherMiddleware``::

    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from learnomy_core import create_app

    host = DispatcherMiddleware(host_app, {"/lms": create_app()})

A request runs: match the route (werkzeug), pick the endpoint by method, the
``learnomy_before_dispatch`` hook, 401 for anonymous callers of protected routes,
parameters (merge, validate, sanitize), the permission policy, ``If-Match``, the
callback, the ``learnomy_after_dispatch`` hook; then the envelope, ``_fields``,
ETag/304, caching headers and the request id. The request's transaction commits
only when the answer is a success, once its body has been serialised: an answer
that fails on the way (a callback, the after-dispatch hook, serialisation) rolls
back every write of the request.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import uuid
from http import HTTPStatus
from urllib.parse import parse_qs

import sqlalchemy as sa
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from werkzeug.wrappers import Response

from .config import Config, load_config
from .errors import (
    ApiError,
    InternalError,
    InvalidParams,
    MethodNotAllowed,
    MissingParams,
    NoRoute,
    PreconditionFailed,
    Unavailable,
)
from .identity import Identity, Roles
from .index import namespace_index, root_index, route_data
from .options import add_option, get_option
from .plugins import PluginSpec, build_plugin_manager, plugin_callers
from .registry import Endpoint, RouteRegistry
from .request import RestRequest
from .response import RestResponse, trim_fields
from .schema import sanitize, validate
from .settings import Settings
from .storage import RETRY_AFTER_SECONDS, Storage, is_disconnect

__all__ = ["create_app", "LearnomyApp", "dumps"]

logger = logging.getLogger("learnomy")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # fullmatch: "$" would let "id\n" into a header
_SURROGATE = re.compile("[\ud800-\udfff]")
_WRITE_METHODS = ("PUT", "PATCH", "DELETE")
_SECRET_OPTION = "learnomy_secret_key"
_REASONS = {status.value: status.phrase for status in HTTPStatus}


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat() + "Z"
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
        """Every plugin's Alembic revision folders."""
        found: list[str] = []
        for answer in self.plugins.hook.learnomy_migration_locations():
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
        elif path == "/" and "rest_route=" in environ.get("QUERY_STRING", ""):
            rest_path = parse_qs(environ["QUERY_STRING"]).get("rest_route", ["/"])[0] or "/"
            return self._serve(environ, start_response, rest_path)
        elif path == "/":
            return self._site_root(environ)(environ, start_response)
        else:
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
        a success and is serialised.
        """
        sent_id = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = sent_id if _REQUEST_ID.fullmatch(sent_id) else uuid.uuid4().hex
        try:
            request = RestRequest(environ, self, request_id)
        except Exception:  # noqa: BLE001 - a request werkzeug cannot even read
            logger.exception("unreadable request; request_id=%s", request_id)
            return self._bare_error(environ, request_id)
        try:
            rest, succeeded = self._answer(request, rest_path)
            try:
                answer = self._finish(request, rest)
            except Exception as exc:  # noqa: BLE001 - a body that cannot be serialised is a failure
                succeeded, answer = False, self._finish(request, self._unexpected(exc, request))
            try:
                request.close_db(succeeded and answer[0] < 400)
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

    def _answer(self, request: RestRequest, rest_path: str) -> tuple[RestResponse, bool]:
        """The answer before serialisation, and whether the request succeeded so far."""
        succeeded = False
        try:
            if self._secret is None:
                # Settle the site secret before the request's transaction holds any
                # lock: generating it takes a transaction of its own.
                self.secret_key
            if not self.identity.ready:
                # Likewise registering roles in WordPress's registry (once per process).
                self.identity.get_ready()
            rest = self._route(request, rest_path)
            succeeded = True
        except ApiError as exc:
            rest = _error(exc, request.request_id)
        except Exception as exc:  # noqa: BLE001 - the one place that turns anything into a 500
            rest = self._unexpected(exc, request)
        if self._after is not None:
            # Before the commit: a hook that fails fails the request, and what it
            # reads or writes is inside the request's transaction.
            try:
                self._after(request=request, response=rest)
            except Exception as exc:  # noqa: BLE001
                rest, succeeded = self._unexpected(exc, request), False
        return rest, succeeded

    def _bare_error(self, environ: dict[str, Any], request_id: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """A 500 in the envelope, built from nothing that could fail again."""
        payload = dumps(InternalError().body(request_id))
        return 500, [("X-Request-Id", request_id), ("Link", self._discovery_link(environ)),
                     ("Cache-Control", "no-store"), ("Content-Type", "application/json"),
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
        method = request.rest_method
        if rest_path in ("/", ""):
            if method not in ("GET", "HEAD", "OPTIONS"):
                raise MethodNotAllowed(headers={"Allow": "GET, HEAD, OPTIONS"})
            return self._root_index(request)
        try:
            target, url_params = self.registry.match(rest_path)
        except LookupError:
            raise NoRoute() from None
        if isinstance(target, str):
            if method not in ("GET", "HEAD", "OPTIONS"):
                raise MethodNotAllowed(headers={"Allow": "GET, HEAD, OPTIONS"})
            return RestResponse(namespace_index(self.registry, self._url_of(request), target), envelope=False)
        request.route = target
        if method == "OPTIONS":
            allow = ", ".join([*target.methods, "OPTIONS"])
            body = route_data(target, self._url_of(request), with_schema=True)
            return RestResponse(body, 200, {"Allow": allow}, envelope=False)
        endpoint = target.by_method.get(method)
        if endpoint is None:
            raise MethodNotAllowed(headers={"Allow": ", ".join([*target.methods, "OPTIONS"])})
        request.url_params = url_params
        return self.dispatch(request, endpoint)

    def dispatch(self, request: RestRequest, endpoint: Endpoint) -> RestResponse:
        """Run ``endpoint`` for ``request``: hooks, auth, params, permission, callback."""
        request.endpoint = endpoint
        if self._before is not None:
            early = self._before(request=request, endpoint=endpoint)
            if early is not None:
                return early
        permission = endpoint.permission
        # Presented credentials are checked on every route, public ones included;
        # an anonymous caller the policy refuses gets 401 whatever its parameters.
        permission.refuse_anonymous(request)
        if endpoint.sensitive:
            limit = self.settings.get(request.db, "api.rate_limit_per_minute")
            request.extra_headers.update(self.identity.rate_limit(request, limit))
        request.params = self._params(request, endpoint)
        permission.enforce(request)
        if request.rest_method in _WRITE_METHODS and "If-Match" in request.headers:
            self._check_if_match(request)
        return _as_response(endpoint.callback(request))

    def _params(self, request: RestRequest, endpoint: Endpoint) -> dict[str, Any]:
        json_params, form_params = request.body_params()
        # WordPress's order (JSON, form, query, defaults; earlier wins), except
        # that URL parameters win over all (no ?id=7 overriding the path's id).
        merged: dict[str, Any] = {}
        for name, schema in endpoint.args.items():
            if "default" in schema:
                merged[name] = schema["default"]
        merged.update(request.args.to_dict())
        merged.update(form_params)
        merged.update(json_params)
        merged.update(request.url_params)
        merged.pop("_method", None)
        missing = [n for n, s in endpoint.args.items() if s.get("required") and n not in merged]
        if missing:
            raise MissingParams(
                f"Missing parameter(s): {', '.join(missing)}",
                details=[{"param": n, "code": "rest_missing_callback_param",
                          "message": f"{n} is required."} for n in missing],
            )
        problems = []
        for name, schema in endpoint.args.items():
            if name not in merged:
                continue
            problem = _writable(request, name, schema) or _validate_arg(request, name, merged[name], schema)
            if problem:
                problems.append(problem)
        if problems:
            raise InvalidParams(
                f"Invalid parameter(s): {', '.join(p['param'] for p in problems)}", details=problems
            )
        for name, schema in endpoint.args.items():
            if name in merged:
                sanitizer = schema.get("sanitize_callback")
                merged[name] = (sanitizer(merged[name], request, name) if sanitizer
                                else sanitize(merged[name], schema))
        return merged

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
            probe.url_params = request.url_params
            try:
                rest = self.dispatch(probe, reader)
            except ApiError:
                rest = None
            if rest is not None and rest.status == 200:
                current = _etag(dumps(rest.body))
        if current is None or not (wanted.star_tag or wanted.contains(current.strip('"'))):
            raise PreconditionFailed()

    # -- the answer ----------------------------------------------------------

    def _finish(self, request: RestRequest, rest: RestResponse) -> tuple[int, list[tuple[str, str]], bytes]:
        if rest.content_type is not None:
            payload, content_type = rest.body, rest.content_type
        else:
            fields = request.args.get("_fields") if rest.status < 300 else None
            body = rest.body
            if fields and rest.envelope and isinstance(body, dict) and "data" in body:
                wanted = [f.strip() for f in fields.split(",") if f.strip()]
                body = {**body, "data": trim_fields(body["data"], wanted)}
            payload, content_type = dumps(body), "application/json"
        # Plain (name, value) pairs straight to start_response: werkzeug's Response
        # and Headers machinery cost more than the rest of a small answer.
        headers = {**request.extra_headers, **rest.headers, "X-Request-Id": request.request_id,
                   "Link": self._discovery_link(request.environ)}
        status = rest.status
        if request.rest_method in ("GET", "HEAD") and status == 200:
            etag = _etag(payload)
            headers.update(ETag=etag, Vary="Authorization, Cookie", **{"Cache-Control": self._cache_control(request)})
            # If-None-Match compares weakly (RFC 9110 13.1.2): W/"x" matches "x".
            if request.if_none_match.contains_weak(etag.strip('"')):
                headers.pop("Content-Disposition", None)
                return 304, list(headers.items()), b""
        elif "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store" if status >= 400 else "private, no-cache"
        headers["Content-Type"] = content_type
        headers["Content-Length"] = str(len(payload))
        return status, list(headers.items()), payload

    def _cache_control(self, request: RestRequest) -> str:
        endpoint = request.endpoint
        credentials = "HTTP_AUTHORIZATION" in request.environ or "HTTP_COOKIE" in request.environ
        if endpoint is not None and endpoint.public_cache and not credentials and request.user is None:
            return f"public, max-age={self.config['public_cache_seconds']}"
        return "private, no-cache"

    def _discovery_link(self, environ: dict[str, Any]) -> str:
        return f'<{self._rest_url(environ)}/>; rel="https://api.w.org/"'

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
                          authentication=authentication)
        return RestResponse(body, envelope=False)

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


def _writable(request: RestRequest, name: str, schema: Mapping[str, Any]) -> Optional[dict[str, str]]:
    """Refuse, never silently drop, a field the caller may not write."""
    guard = schema.get("write_policy")
    if schema.get("readonly") or (guard is not None and not guard(request)):
        return {"param": name, "code": "rest_invalid_param", "message": f"{name} cannot be set by you."}
    return None


def _validate_arg(request: RestRequest, name: str, value: Any, schema: Mapping[str, Any]) -> Optional[dict[str, str]]:
    validator = schema.get("validate_callback")
    if validator is None:
        return validate(value, schema, name)  # type: ignore[arg-type]
    answer = validator(value, request, name)
    if answer is True or answer is None:
        return None
    if isinstance(answer, ApiError):
        return {"param": name, "code": answer.code, "message": answer.message}
    return {"param": name, "code": "rest_invalid_param", "message": f"Invalid parameter: {name}."}


def _as_response(result: Any) -> RestResponse:
    if isinstance(result, RestResponse):
        return result
    return RestResponse({"data": result})


def _error(exc: ApiError, request_id: str) -> RestResponse:
    return RestResponse(exc.body(request_id), exc.status, exc.headers)


def _etag(payload: bytes) -> str:
    return '"' + hashlib.sha256(payload).hexdigest()[:32] + '"'


def create_app(
    config: Optional[Mapping[str, Any]] = None,
    *,
    plugins: Optional[Sequence[PluginSpec]] = None,
    exclude: Iterable[str] = (),
    **overrides: Any,
) -> LearnomyApp:
    """Build the WSGI app.

    :param config: configuration keys (see :mod:`learnomy_core.config`); keyword
        arguments are merged over it.
    :param plugins: the plugins to load (entry point names, module paths, modules
        or objects); None loads every installed plugin.
    :param exclude: plugin names to leave out (``["pro"]``).
    :raises RegistrationError: when plugins register routes the registry refuses.
    """
    settings_config = load_config({**(config or {}), **overrides})
    manager = build_plugin_manager(plugins, exclude)
    storage = Storage(settings_config["database_url"], settings_config["table_prefix"])
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
