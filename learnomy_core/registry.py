"""The shared route registry: WordPress's ``register_rest_route``, checked and frozen.

Plugins register routes inside the ``learnomy_register_routes`` hook, exactly as a
WordPress plugin does inside ``rest_api_init``::

    from learnomy_core import hookimpl, READABLE, PUBLIC

    @hookimpl
    def learnomy_register_routes(registry):
        registry.register_rest_route("acme/v1", "/widgets/(?P<id>[\\d]+)", {
            "methods": READABLE,
            "callback": get_widget,
            "permission_callback": PUBLIC,
            "args": {"id": {"type": "integer", "minimum": 1}},
        })

Better than WordPress: an endpoint without ``permission_callback`` is refused, a
route and method registered twice is refused unless the second says
``override=True`` (the error names both plugins), every problem is reported at
once, and after the registration phase the registry is read-only. As in WordPress,
``override=True`` replaces the whole route (every endpoint registered before it),
and registering more methods on a route appends endpoints to it.

Matching is werkzeug's: each WordPress regex group becomes a converter on one
``Rule`` per route in one ``Map``, whose state machine costs path depth, not rule
count. Matching is case-insensitive, as in WordPress. An unnamed group
(``/things/(?:red|blue)``, ``/items(?:/(?P<id>[\\d]+))?``) becomes a converter of its
own, and such a route's values are read with its whole regex, as WordPress reads them.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator, Mapping, Optional, Sequence, Union

from werkzeug.exceptions import NotFound as _WerkzeugNotFound
from werkzeug.routing import BaseConverter, Map, Rule

from .errors import RegistrationError, RegistrationProblem, RegistryClosed
from .openapi.answers import Answers, parse_answers
from .permissions import Policy, as_policy
from .route_regex import to_rule

__all__ = [
    "READABLE",
    "CREATABLE",
    "EDITABLE",
    "DELETABLE",
    "ALLMETHODS",
    "ALLOW_BATCH",
    "Endpoint",
    "Route",
    "Sensitivity",
    "RouteRegistry",
    "RestField",
    "parse_methods",
]

READABLE = "GET"
CREATABLE = "POST"
EDITABLE = "POST, PUT, PATCH"
DELETABLE = "DELETE"
ALLMETHODS = "GET, POST, PUT, PATCH, DELETE"
ALLOW_BATCH: Mapping[str, bool] = MappingProxyType({"v1": True})
"""An endpoint's ``allow_batch``: WordPress's ``/batch/v1`` may run it (read-only)."""

_KNOWN_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_ENDPOINT_KEYS = {
    "methods",
    "callback",
    "permission_callback",
    "args",
    "sensitive",
    "idempotent",
    "public_cache",
    "show_in_index",
    "allow_batch",
    "read_only",
    "schema",
    "answers",
    "validator",
}


def parse_methods(methods: Union[str, Iterable[str]]) -> tuple[str, ...]:
    """Normalise WordPress's method forms (``"GET, POST"``, a list, a constant).

    :raises ValueError: on an unknown method.
    """
    parts = methods.split(",") if isinstance(methods, str) else list(methods)
    result: list[str] = []
    for part in parts:
        method = str(part).strip().upper()
        if not method:
            continue
        if method not in _KNOWN_METHODS:
            raise ValueError(f"unknown HTTP method {part!r}")
        if method not in result:
            result.append(method)
    if not result:
        raise ValueError("no HTTP method given")
    return tuple(result)


@dataclass(frozen=True)
class Sensitivity:
    """How a sensitive endpoint is rate limited (API.md section 7): its ``sensitive`` key.

    ``True`` (or ``"per_user"``, ``{"per": "user"}``) counts per caller: the user,
    or the client address when anonymous; administrators and instructors are
    exempt. For password change, quiz attempt start, checkout and the like.

    ``{"per": "client", "accounts": ["username"]}`` (``"per_client"``: no accounts)
    is for the routes that let someone in (log in, register, reset a password):
    they count per client address and per account named by each listed argument
    (a login or an email address, case-folded, and the account it names), whatever
    credentials come along, and nobody is exempt: a token must not buy more
    guesses at someone's password.

    :ivar per: ``"user"`` or ``"client"``.
    :ivar accounts: argument names holding a login or email address.
    """

    per: str = "user"
    accounts: tuple[str, ...] = ()

    @property
    def declared(self) -> Any:
        """The one form the manifest records: ``True``, or the mapping."""
        if self.per == "user":
            return True
        return {"per": self.per, "accounts": list(self.accounts)}


@dataclass(frozen=True)
class Endpoint:
    """One method group of a route: the callback, its guard and its args.

    :ivar sensitive: how it is rate-limited (API.md section 7); None when it is not.
    :ivar public_cache: anonymous GET answers may be cached publicly for a short time.
    :ivar show_in_index: listed in the index and in OPTIONS answers (it dispatches
        either way), WordPress's endpoint key.
    :ivar allow_batch: WordPress's opt-in to batch requests (``{"v1": True}``),
        shown in the index; None when the endpoint does not say.
    :ivar read_only: the callback writes nothing itself although its method may
        (a search by POST; a batch, whose sub-requests are each checked), so a
        ``read`` API key may call it.
    :ivar answers: what a success answers, for the OpenAPI document (see
        :class:`learnomy_core.openapi.Answers`); None derives it from the method.
    :ivar validator: ``validator(request) -> str | None``, a read endpoint's cheap
        validator: a token of everything its representation (and the caller's right
        to it) depends on, read in one or two indexed queries before the permission
        policy and the callback run. The core derives the ETag from it and answers
        a matching ``If-None-Match`` with 304 at once; None means "no cheap answer"
        (the route then runs and its ETag hashes the body). See ``docs/plugins.md``.
    """

    methods: tuple[str, ...]
    callback: Callable[..., Any]
    permission: Policy
    args: Mapping[str, Mapping[str, Any]]
    plugin: str
    sensitive: Optional[Sensitivity] = None
    public_cache: bool = False
    show_in_index: bool = True
    allow_batch: Any = None
    read_only: bool = False
    answers: Optional[Answers] = None
    idempotent: bool = False
    validator: Optional[Callable[[Any], Optional[str]]] = None


@dataclass(frozen=True)
class RestField:
    """An attribute a plugin adds to a resource: WordPress's ``register_rest_field``.

    :ivar resource: the title of the resource schema it joins (``"commission-settings"``).
    :ivar attribute: its key in the resource.
    :ivar get_callback: ``get_callback(request, item) -> value``; None: never answered.
    :ivar update_callback: ``update_callback(request, value, item)``, run in the
        request's transaction; None: the attribute is not an argument of any write.
    :ivar schema: its JSON schema, in the resource and as the write endpoints' argument.
    :ivar plugin: the plugin that registered it.
    """

    resource: str
    attribute: str
    get_callback: Optional[Callable[[Any, Mapping[str, Any]], Any]]
    update_callback: Optional[Callable[[Any, Any, Mapping[str, Any]], None]]
    schema: Mapping[str, Any]
    plugin: str


@dataclass(eq=False)
class Route:
    """A registered route: its full WordPress pattern and its endpoints by method."""

    namespace: str
    pattern: str  # "/learnomy/v1/courses/(?P<id>[\d]+)", as WordPress keys it
    endpoints: list[Endpoint] = field(default_factory=list)
    schema: Optional[Callable[[], dict[str, Any]]] = None
    show_in_index: bool = True
    by_method: dict[str, Endpoint] = field(default_factory=dict)
    regex: Optional[re.Pattern[str]] = None
    reparse: bool = False  # values are read with the whole regex (unnamed groups)
    fields: tuple[RestField, ...] = ()  # the resource's additional fields (register_rest_field)

    @property
    def methods(self) -> list[str]:
        """The methods registered, endpoint by endpoint: ``HEAD`` only when an
        endpoint names it (it is answered wherever ``GET`` is), never ``OPTIONS``."""
        return [m for e in self.endpoints for m in e.methods if self.by_method.get(m) is e]

    @property
    def is_static(self) -> bool:
        """Without a named group: the index links it (WordPress's rule)."""
        return "(?P<" not in self.pattern


@dataclass
class _Registration:
    plugin: str
    namespace: str
    route: str
    endpoints: list[dict[str, Any]]
    override: bool
    schema: Optional[Callable[[], dict[str, Any]]]
    show_in_index: bool


class RouteRegistry:
    """Every route of the app, collected during registration, then frozen.

    Plugins call :meth:`register_rest_route` inside the registration hook; the app
    opens a scope per plugin with :meth:`registering` and calls :meth:`freeze` once
    every plugin is done.
    """

    def __init__(self) -> None:
        self._registrations: list[_Registration] = []
        self._frozen = False
        self.routes: dict[str, Route] = {}
        self.namespaces: list[str] = []
        self._adapter: Any = None
        self._plugin: Optional[str] = None  # whose registration hook is running
        self._fields: list[RestField] = []
        self._field_problems: list[RegistrationProblem] = []

    # -- registration phase ------------------------------------------------

    @contextmanager
    def registering(self, plugin: str) -> Iterator["RouteRegistry"]:
        """Open the registration scope for ``plugin`` (used by the app)."""
        self._check_open()
        self._plugin = plugin
        try:
            yield self
        finally:
            self._plugin = None

    def register_rest_route(
        self,
        namespace: str,
        route: str,
        endpoints: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]],
        *,
        override: bool = False,
        schema: Optional[Callable[[], dict[str, Any]]] = None,
        show_in_index: bool = True,
    ) -> None:
        """Register a route, WordPress style, from inside ``learnomy_register_routes``.

        :param namespace: ``vendor/v1``; slashes are trimmed.
        :param route: a WordPress route regex, ``/courses/(?P<id>[\\d]+)``.
        :param endpoints: one endpoint mapping or a list of them, each with ``methods``,
            ``callback``, ``permission_callback``, and optionally ``args``,
            ``sensitive`` (rate limited: ``True`` per user, or
            ``{"per": "client", "accounts": [...]}`` for routes that let someone in;
            see :class:`Sensitivity`), ``public_cache``, ``answers`` (what a
            success answers, when the method does not say it: ``"created"``,
            ``"items"``...; see :class:`learnomy_core.openapi.Answers`) and
            ``validator`` (a GET endpoint's cheap validator; see :class:`Endpoint`).
        :param override: replace an earlier registration of the same route and method.
        :param schema: a callable returning the resource's JSON schema: OPTIONS
            shows it and the OpenAPI document builds every response from it.
        :param show_in_index: list the route in the REST index.
        :raises RegistryClosed: outside the registration hook.
        """
        if self._plugin is None or self._frozen:
            raise RegistryClosed(
                "register_rest_route() can only be called inside the "
                "learnomy_register_routes hook; the registry is read-only afterwards."
            )
        self._add(self._plugin, namespace, route, endpoints, override=override,
                  schema=schema, show_in_index=show_in_index)

    def register_rest_field(
        self,
        resource: Union[str, Sequence[str]],
        attribute: str,
        args: Mapping[str, Any],
    ) -> None:
        """Add ``attribute`` to a resource, WordPress's ``register_rest_field``, from
        inside ``learnomy_register_routes``.

        The core adds it to the resource schema of every route whose schema is titled
        ``resource`` (OPTIONS and the OpenAPI document show it), and, when it has an
        ``update_callback``, makes it an optional argument of those routes' endpoints
        that create or update the resource (a PUT or PATCH, or a POST answering 201;
        not an action sharing the schema, such as a reorder or ``cancel``), validated
        by ``schema``. The core answers and writes it
        after those routes' callbacks (:func:`learnomy_core.fields.complete_answer`).

        :param resource: a resource schema's title, or a list of them.
        :param attribute: the key the resource answers it under.
        :param args: ``get_callback(request, item) -> value``, optional
            ``update_callback(request, value, item)`` and ``schema`` (a JSON schema).
        :raises RegistryClosed: outside the registration hook. A resource no route
            answers, an attribute the resource already has, or a bad ``args`` is
            reported when the registry freezes (:class:`RegistrationError`).
        """
        if self._plugin is None or self._frozen:
            raise RegistryClosed(
                "register_rest_field() can only be called inside the "
                "learnomy_register_routes hook; the registry is read-only afterwards."
            )
        complaints = []
        unknown = set(args) - {"get_callback", "update_callback", "schema"}
        if unknown:
            complaints.append(f"unknown key(s) {sorted(unknown)}")
        for key in ("get_callback", "update_callback"):
            if args.get(key) is not None and not callable(args[key]):
                complaints.append(f"{key!r} must be callable")
        schema = args.get("schema") or {}
        if not isinstance(schema, Mapping):
            complaints.append("'schema' must be a JSON schema mapping")
            schema = {}
        for name in [resource] if isinstance(resource, str) else list(resource):
            added = RestField(str(name), str(attribute), args.get("get_callback"), args.get("update_callback"),
                              dict(schema), self._plugin)
            if complaints:  # reported at freeze(), with every other problem
                self._field_problems += [_field_problem(added, c) for c in complaints]
            else:
                self._fields.append(added)

    def _check_open(self) -> None:
        if self._frozen:
            raise RegistryClosed("The route registry is frozen; register routes in the hook.")

    def _add(
        self,
        plugin: str,
        namespace: str,
        route: str,
        endpoints: Union[Mapping[str, Any], Sequence[Mapping[str, Any]]],
        *,
        override: bool,
        schema: Optional[Callable[[], dict[str, Any]]],
        show_in_index: bool,
    ) -> None:
        self._check_open()
        if isinstance(endpoints, Mapping):
            endpoints = [endpoints]
        self._registrations.append(
            _Registration(plugin, str(namespace).strip("/"), "/" + str(route).strip("/"),
                          [dict(e) if isinstance(e, Mapping) else e for e in endpoints],
                          override, schema, show_in_index)
        )

    # -- freezing ----------------------------------------------------------

    def freeze(self) -> None:
        """Check every registration at once, build the matcher, and close.

        :raises RegistrationError: listing every problem found.
        """
        self._check_open()
        problems: list[RegistrationProblem] = []
        routes: dict[str, Route] = {}
        owners: dict[tuple[str, str], str] = {}
        for reg in self._registrations:
            self._apply(reg, routes, owners, problems)
        rules, converters = self._rules(routes, problems)
        problems += _overlaps(list(routes.values()))
        problems += self._field_problems
        if self._fields:
            problems += _attach_fields(self._fields, routes)
        if problems:
            raise RegistrationError(problems)
        namespaces: list[str] = []
        for route in routes.values():
            if route.namespace not in namespaces:
                namespaces.append(route.namespace)
        self.routes = routes
        self.namespaces = namespaces
        self._adapter = _matcher(tuple(rules), tuple(
            (name, converter.regex, converter.part_isolating) for name, converter in converters.items()))
        self._frozen = True

    def _apply(
        self,
        reg: _Registration,
        routes: dict[str, Route],
        owners: dict[tuple[str, str], str],
        problems: list[RegistrationProblem],
    ) -> None:
        def problem(message: str) -> None:
            problems.append(RegistrationProblem(reg.plugin, reg.namespace, reg.route, message))

        if not reg.namespace:
            problem("routes must be namespaced with a plugin or theme name and version")
            return
        pattern = f"/{reg.namespace}{'' if reg.route == '/' else reg.route}"
        key = pattern.lower()
        route = routes.get(key)
        if route is not None and reg.override:
            # WordPress's override replaces the whole route, in its place.
            for method in route.by_method:
                owners.pop((key, method), None)
            route = None
        if route is None:
            route = routes[key] = Route(reg.namespace, pattern, schema=reg.schema,
                                        show_in_index=reg.show_in_index)
        elif reg.schema is not None:
            route.schema = reg.schema
        for spec in reg.endpoints:
            endpoint = _endpoint(reg.plugin, spec, problem)
            if endpoint is None:
                continue
            for method in endpoint.methods:
                earlier = owners.get((key, method))
                if earlier is not None:
                    problem(
                        f"{method} is already registered by plugin {earlier!r}; "
                        f"plugin {reg.plugin!r} must pass override=True to replace it"
                    )
                    continue
                owners[(key, method)] = reg.plugin
                route.by_method[method] = endpoint
            if endpoint not in route.endpoints:
                route.endpoints.append(endpoint)
        # A refused method can leave an endpoint serving no method at all.
        route.endpoints = [e for e in route.endpoints if e in route.by_method.values()]

    def _rules(
        self, routes: dict[str, Route], problems: list[RegistrationProblem]
    ) -> tuple[list[tuple[str, tuple[str, str]]], dict[str, type[BaseConverter]]]:
        """The werkzeug rule strings, each with its target: ``("route", key)`` for a
        route of ``routes``, ``("namespace", name)`` for a namespace's index."""
        rules: list[tuple[str, tuple[str, str]]] = []
        converters: dict[str, type[BaseConverter]] = {}
        by_regex: dict[str, str] = {}
        for key, route in routes.items():
            try:
                rule_string, route.regex, route.reparse = to_rule(route.pattern, converters, by_regex)
            except ValueError as exc:
                plugin = route.endpoints[0].plugin if route.endpoints else "?"
                problems.append(RegistrationProblem(plugin, route.namespace, _relative(route), str(exc)))
                continue
            if "GET" in route.by_method:
                route.by_method.setdefault("HEAD", route.by_method["GET"])
            rules.append((rule_string, ("route", key)))
        for namespace in sorted({r.namespace for r in routes.values()}):
            if f"/{namespace}".lower() not in routes:
                rules.append((f"/{namespace}".lower(), ("namespace", namespace)))
        return rules, converters

    # -- reading -----------------------------------------------------------

    @property
    def frozen(self) -> bool:
        return self._frozen

    def match(self, path: str) -> tuple[Union[Route, str], dict[str, str]]:
        """Find the route for ``path`` (relative to the REST root).

        :returns: ``(route, url_params)``; the route is a namespace string for a
            namespace index.
        :raises LookupError: when no route matches.
        """
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        try:
            target, values = self._target(*self._adapter.match(path))
        except _WerkzeugNotFound:
            pass
        else:
            if isinstance(target, Route) and target.reparse:
                return target, _named_values(target, path)
            return target, values
        # Static parts of rules are lower case; values keep the caller's case.
        lowered = path.lower()
        if lowered == path:
            raise LookupError(path)
        try:
            target, _ = self._target(*self._adapter.match(lowered))
        except _WerkzeugNotFound:
            raise LookupError(path) from None
        if isinstance(target, Route) and target.regex is not None:
            return target, _named_values(target, path)
        return target, {}

    def _target(self, found: tuple[str, str], values: dict[str, str]) -> tuple[Union[Route, str], dict[str, str]]:
        kind, name = found
        return (self.routes[name] if kind == "route" else name), values

    def entries(self) -> list[dict[str, Any]]:
        """One manifest-style entry per route and endpoint, in registration order."""
        rows = []
        for route in self.routes.values():
            for endpoint in route.endpoints:
                methods = [m for m in endpoint.methods if route.by_method.get(m) is endpoint]
                rows.append({
                    "namespace": route.namespace,
                    "route": route.pattern[len(route.namespace) + 1:] or "/",
                    "methods": methods,
                    "permission": endpoint.permission.name,
                    "sensitive": endpoint.sensitive.declared if endpoint.sensitive else False,
                    "plugin": endpoint.plugin,
                })
        return rows


@lru_cache(maxsize=16)
def _matcher(
    rules: tuple[tuple[str, tuple[str, str]], ...], converters: tuple[tuple[str, str, bool], ...]
) -> Any:
    """A werkzeug matcher for these rule strings, built once per process for each
    distinct route set: compiling a ``Map`` costs far more than the rest of
    ``create_app``, and apps built alike (tests, one app per tenant) share one. Its
    targets are names, never a registry's objects, so sharing it is safe."""
    classes = {
        name: type(f"WordPressGroup{index}", (BaseConverter,), {"regex": regex, "part_isolating": isolating})
        for index, (name, regex, isolating) in enumerate(converters)
    }
    rule_objects = [Rule(rule_string, endpoint=target) for rule_string, target in rules]
    return Map(rule_objects, converters=classes, strict_slashes=False,
               merge_slashes=False, redirect_defaults=False).bind("localhost")


def _named_values(route: Route, path: str) -> dict[str, str]:
    """The named groups of ``route``'s regex in ``path`` (those that took part)."""
    found = route.regex.fullmatch(path) if route.regex is not None else None
    return {k: v for k, v in found.groupdict().items() if v is not None} if found else {}


def _relative(route: Route) -> str:
    """The route as registered, without its namespace (problems name it once)."""
    return route.pattern[len(route.namespace) + 1:] or "/"


def _endpoint(
    plugin: str, spec: Any, problem: Callable[[str], None]
) -> Optional[Endpoint]:
    if not isinstance(spec, Mapping):
        problem(f"an endpoint must be a mapping, not {type(spec).__name__}")
        return None
    unknown = set(spec) - _ENDPOINT_KEYS
    if unknown:
        problem(f"unknown endpoint key(s) {sorted(unknown)}")
        return None
    try:
        methods = parse_methods(spec.get("methods", READABLE))
    except ValueError as exc:
        problem(str(exc))
        return None
    callback = spec.get("callback")
    if not callable(callback):
        problem(f"{'/'.join(methods)} endpoint has no callable 'callback'")
        return None
    if spec.get("permission_callback") is None:
        problem(
            f"{'/'.join(methods)} endpoint has no 'permission_callback'; "
            "use learnomy_core.permissions.PUBLIC for a public route"
        )
        return None
    try:
        permission = as_policy(spec["permission_callback"])
    except TypeError as exc:
        problem(str(exc))
        return None
    args = spec.get("args") or {}
    if not isinstance(args, Mapping) or not all(isinstance(a, Mapping) for a in args.values()):
        problem("'args' must map each argument name to a schema mapping")
        return None
    try:
        sensitive = _sensitivity(spec.get("sensitive", False), args)
    except ValueError as exc:
        problem(f"'sensitive': {exc}")
        return None
    allow_batch = spec.get("allow_batch")
    if allow_batch is not None and not isinstance(allow_batch, (bool, Mapping)):
        problem(f"'allow_batch' must be a mapping such as {{'v1': True}}, not {allow_batch!r}")
    try:
        answers = parse_answers(spec.get("answers"))
    except ValueError as exc:
        problem(f"'answers': {exc}")
        return None
    validator = spec.get("validator")
    if validator is not None and (not callable(validator) or set(methods) - {"GET", "HEAD"}):
        problem("'validator' must be a callable, on a GET endpoint only")
        return None
    return Endpoint(
        methods=methods,
        callback=callback,
        permission=permission,
        args={name: dict(schema) for name, schema in args.items()},
        plugin=plugin,
        sensitive=sensitive,
        public_cache=bool(spec.get("public_cache", False)),
        show_in_index=bool(spec.get("show_in_index", True)),
        allow_batch=dict(allow_batch) if isinstance(allow_batch, Mapping) else (allow_batch or None),
        read_only=bool(spec.get("read_only", False)),
        answers=answers,
        idempotent=bool(spec.get("idempotent", False)),
        validator=validator,
    )


_SENSITIVE_SHORTHANDS = {"per_user": {"per": "user"}, "per_client": {"per": "client"}}


def _sensitivity(value: Any, args: Mapping[str, Any]) -> Optional[Sensitivity]:
    """The endpoint's ``sensitive`` declaration, checked (see :class:`Sensitivity`).

    :raises ValueError: naming what is wrong with it.
    """
    if value is None or value is False:
        return None
    if value is True:
        return Sensitivity("user")
    if isinstance(value, str) and value in _SENSITIVE_SHORTHANDS:
        value = _SENSITIVE_SHORTHANDS[value]
    if not isinstance(value, Mapping):
        raise ValueError(f"expected True, 'per_user', 'per_client' or a mapping, not {value!r}")
    unknown = set(value) - {"per", "accounts"}
    if unknown:
        raise ValueError(f"unknown key(s) {sorted(unknown)}; expected 'per' and 'accounts'")
    per = value.get("per", "user")
    if per not in ("user", "client"):
        raise ValueError(f"'per' must be 'user' or 'client', not {per!r}")
    accounts = value.get("accounts", ())
    if not isinstance(accounts, (list, tuple)) or not all(isinstance(a, str) for a in accounts):
        raise ValueError("'accounts' must be a list of argument names")
    if accounts and per != "client":
        raise ValueError("'accounts' are counted only with 'per': 'client'")
    missing = [name for name in accounts if name not in args]
    if missing:
        raise ValueError(f"'accounts' names {missing}, which are not among the endpoint's args")
    return Sensitivity(per, tuple(accounts))


_WRITES = frozenset(("POST", "PUT", "PATCH"))


def _field_problem(field: RestField, message: str) -> RegistrationProblem:
    """A problem with a field, named ``/resource#attribute``."""
    return RegistrationProblem(field.plugin, field.resource, f"#{field.attribute}", message)


def _attach_fields(fields: list[RestField], routes: dict[str, Route]) -> list[RegistrationProblem]:
    """Give each route whose resource schema is titled as a field's resource that field:
    in its schema, and as an argument of its write endpoints when the field can be
    written. A field whose resource no route answers is refused: a misspelt title
    would otherwise add nothing, silently (WordPress ignores it)."""
    problems: list[RegistrationProblem] = []
    by_title: dict[str, list[Route]] = {}
    properties: dict[int, Mapping[str, Any]] = {}
    for route in routes.values():
        if route.schema is not None:
            built = route.schema()
            by_title.setdefault(str(built.get("title")), []).append(route)
            properties[id(route)] = built.get("properties") or {}
    for field in fields:
        answering = by_title.get(field.resource)
        if not answering:
            problems.append(_field_problem(field, f"no route answers the resource {field.resource!r}"))
            continue
        for route in answering:
            taken = set(properties[id(route)]) | {f.attribute for f in route.fields}
            if field.attribute in taken:
                problems.append(_field_problem(
                    field, f"{route.pattern} already answers {field.attribute!r}"))
                continue
            route.fields += (field,)
            if field.update_callback is not None:
                problems += _add_argument(route, field)
    for route in {id(r): r for rs in by_title.values() for r in rs if r.fields}.values():
        route.schema = _with_fields(route.schema, route.fields)  # type: ignore[arg-type]
    return problems


def writes_fields(route: Route, endpoint: Endpoint) -> bool:
    """Whether ``endpoint`` creates or updates ``route``'s resource, and so takes and
    writes its additional fields: a ``PUT`` or ``PATCH`` (an update), or a ``POST``
    answering ``201`` (a creation, as :func:`learnomy_core.openapi.document.answers_of`
    says). Not an action sharing the resource's schema (a reorder, ``complete``,
    ``cancel``, ``grade``, ``moderate``...): its permission is for that action, not
    for writing the resource (WordPress's controllers write the fields in
    ``create_item`` and ``update_item`` alone)."""
    from .openapi.document import answers_of  # the document imports this module

    methods = set(endpoint.methods)
    if methods & {"PUT", "PATCH"}:
        return True
    return "POST" in methods and answers_of(route, "POST", endpoint).status == 201


def _add_argument(route: Route, field: RestField) -> list[RegistrationProblem]:
    """Make ``field`` an optional argument of ``route``'s endpoints that create or
    update its resource (:func:`writes_fields`)."""
    arg = {k: v for k, v in field.schema.items() if k not in ("context", "readonly", "required")}
    replaced: dict[int, Endpoint] = {}
    for endpoint in route.endpoints:
        if not set(endpoint.methods) & _WRITES or not writes_fields(route, endpoint):
            continue
        if field.attribute in endpoint.args:
            return [_field_problem(field, f"{route.pattern} already takes an argument {field.attribute!r}")]
        replaced[id(endpoint)] = replace(endpoint, args={**endpoint.args, field.attribute: arg})
    route.endpoints = [replaced.get(id(e), e) for e in route.endpoints]
    route.by_method = {m: replaced.get(id(e), e) for m, e in route.by_method.items()}
    return []


def _with_fields(schema: Callable[[], dict[str, Any]],
                 fields: tuple[RestField, ...]) -> Callable[[], dict[str, Any]]:
    """``schema`` with each field among its properties (answered in the view and edit
    contexts unless its schema says; never required: a route may not answer it)."""
    def built() -> dict[str, Any]:
        resource = schema()
        added = {f.attribute: {"context": ["view", "edit"], **f.schema} for f in fields}
        return {**resource, "properties": {**(resource.get("properties") or {}), **added}}
    return built


def _overlaps(routes: list[Route]) -> list[RegistrationProblem]:
    """Static routes that an earlier dynamic route would match first in WordPress.

    werkzeug prefers static parts; WordPress tries routes in registration order.
    Where the two would disagree, registration refuses the overlap.
    """
    problems = []
    dynamic: list[Route] = []
    for route in routes:
        if route.regex is None:
            continue
        if route.is_static and not route.reparse:
            for earlier in dynamic:
                if earlier.regex.fullmatch(route.pattern):  # type: ignore[union-attr]
                    plugin = route.endpoints[0].plugin if route.endpoints else "?"
                    problems.append(RegistrationProblem(
                        plugin, route.namespace, _relative(route),
                        f"is shadowed by {earlier.pattern}, registered earlier by plugin "
                        f"{earlier.endpoints[0].plugin if earlier.endpoints else '?'!r}; "
                        "register the static route first",
                    ))
        else:
            dynamic.append(route)
    return problems
