"""The request a callback receives: werkzeug's, plus WordPress's parameter model.

``request.params`` holds the merged, validated and sanitized parameters;
``request.user`` the authenticated caller (or ``None``); ``request.db`` the
request's database connection, inside one transaction that the server commits
when the callback succeeds and rolls back on any error::

    def get_widget(request):
        row = request.db.execute(select(widgets).where(widgets.c.id == request.params["id"])).first()
"""

from __future__ import annotations

import json
import math
import re
from urllib.parse import unquote_plus, urlencode
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

from sqlalchemy.engine import Connection
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request

from .errors import ApiError, InvalidJson, InvalidParams, MalformedRequest, NoRoute, PayloadTooLarge, UnsupportedMediaType
from .phpparams import php_params
from .storage import release

if TYPE_CHECKING:  # pragma: no cover
    from .app import LearnomyApp
    from .registry import Endpoint, Route

__all__ = ["RestRequest", "parse_json", "readable_environ", "MAX_JSON_DEPTH", "BODY_METHODS"]

_UNSET: Any = object()
ContextT = TypeVar("ContextT")
_CONTENT_LENGTH = re.compile(r"[0-9]{1,19}")
_SURROGATE = re.compile("[\ud800-\udfff]")

MAX_JSON_DEPTH = 64
"""Arrays and objects nested deeper than this are refused: no arg needs it, and
validation, sanitizing and serialisation all recurse into what is let through."""
_TOO_DEEP = f"The request body is nested more than {MAX_JSON_DEPTH} levels deep."
BODY_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
"""Methods whose body carries parameters; a GET's, HEAD's or OPTIONS's body is never read."""
_LONE_SURROGATE = "The request body is not valid JSON: it holds a lone UTF-16 surrogate (\\ud800-\\udfff)."
_NOT_LATIN1 = re.compile("[^\x00-\xff]")
_PATH_KEYS = ("PATH_INFO", "SCRIPT_NAME")
_TEXT_KEYS = frozenset((*_PATH_KEYS, "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH"))


def parse_json(data: bytes) -> Any:
    """Parse a JSON request body, refusing what JSON cannot carry into the API.

    Refused with :class:`~learnomy_core.errors.InvalidJson` (400): bytes that are
    not UTF-8 (``json.loads`` itself would let a surrogate through with
    ``surrogatepass``), syntax errors, ``NaN`` and ``Infinity`` (and numbers so
    large that they become infinite), nesting deeper than :data:`MAX_JSON_DEPTH`,
    and strings or keys holding a lone UTF-16 surrogate (``"\\ud800"``), which is
    no character: stored, it would make every later answer that shows it fail.
    Integers stay Python ints, never passing through ``float``.
    """
    try:
        text = data.decode(json.detect_encoding(data))
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise InvalidJson(_TOO_DEEP) from None
    except _NotANumber:
        raise InvalidJson("The request body is not valid JSON: NaN and Infinity are not JSON numbers.") from None
    except (ValueError, UnicodeDecodeError, LookupError):
        raise InvalidJson() from None
    _check_json_value(value)
    return value


class _NotANumber(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotANumber(name)


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400
        raise _NotANumber(text)
    return number


def _check_json_value(value: Any) -> None:
    """Refuse deep nesting and lone surrogates anywhere in a parsed body (no recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise InvalidJson(_LONE_SURROGATE)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise InvalidJson(_TOO_DEEP)
            if isinstance(item, dict):
                for key, member in item.items():
                    if _SURROGATE.search(key):
                        raise InvalidJson(_LONE_SURROGATE)
                    stack.append((member, depth + 1))
            else:
                stack.extend((member, depth + 1) for member in item)


def readable_environ(environ: dict[str, Any]) -> tuple[dict[str, Any], Optional[ApiError]]:
    """``(environ, None)`` when werkzeug can read the request's text, else a copy it
    can read and the error to answer.

    PEP 3333 gives the path, query string and headers as ISO-8859-1 strings of the
    request's bytes: a value holding a character past U+00FF (a lone surrogate
    such as ``"\\ud800"``, or ``"\\udcff"`` from a server that decoded bytes with
    ``surrogateescape``) is no such string, and werkzeug fails on it, as it fails on
    a query string whose bytes are not UTF-8. Refused: such a path with
    :class:`~learnomy_core.errors.NoRoute` (no route has it), a query string or
    header with :class:`~learnomy_core.errors.InvalidParams`, one detail per
    parameter or header. In the copy, paths and query strings hold U+FFFD instead
    (routing still sees the REST root and ``rest_route``) and such headers are
    left out (nothing echoes them: ``Origin``, ``Host``).
    """
    # Plain ASCII, nearly every request, needs no more than isascii().
    bad = [key for key, value in environ.items()
           if type(value) is str and not value.isascii() and (key in _TEXT_KEYS or key.startswith("HTTP_"))
           and not _is_readable(key, value)]
    if not bad:
        return environ, None
    readable = dict(environ)
    details: list[dict[str, Any]] = []
    unroutable = False
    for key in bad:
        value = environ[key]
        if key in _PATH_KEYS:
            readable[key], unroutable = _as_native(value), True
        elif key == "QUERY_STRING":
            readable[key] = _as_native(value)
            for pair in value.split("&"):
                if not _is_readable(key, pair):
                    name = unquote_plus(_as_text(pair.partition("=")[0]))
                    details.append(_bad_text(name, f"The query parameter {name} is not UTF-8 text: it holds "
                                                   "bytes or a character (such as a lone UTF-16 surrogate) "
                                                   "that no UTF-8 text has."))
        else:
            del readable[key]
            name = (key[5:] if key.startswith("HTTP_") else key).replace("_", "-").title()
            details.append(_bad_text(name, f"The {name} header holds a character (such as a lone UTF-16 "
                                           "surrogate) that no HTTP header can carry."))
    if unroutable:
        return readable, NoRoute()
    return readable, InvalidParams(f"Invalid parameter(s): {', '.join(d['param'] for d in details)}",
                                   details=details)


def _is_readable(key: str, value: str) -> bool:
    try:
        data = value.encode("latin-1")
        if key == "QUERY_STRING":
            data.decode()  # werkzeug decodes the query string strictly (percent-escapes leniently)
    except UnicodeError:
        return False
    return True


def _as_text(value: str) -> str:
    """What a PEP 3333 string means as UTF-8 text, U+FFFD for what it cannot mean."""
    return _NOT_LATIN1.sub("\xef\xbf\xbd", value).encode("latin-1").decode("utf-8", "replace")


def _as_native(value: str) -> str:
    """``value`` as a PEP 3333 string of UTF-8 bytes, U+FFFD for what is none."""
    return _as_text(value).encode().decode("latin-1")


def _bad_text(name: str, message: str) -> dict[str, Any]:
    return {"param": name, "code": "rest_invalid_param", "message": message}


class RestRequest(Request):
    """A REST request. Attributes set by the server before the callback runs:

    :ivar app: the :class:`~learnomy_core.app.LearnomyApp`.
    :ivar request_id: the id echoed in ``X-Request-Id``.
    :ivar route: the matched :class:`~learnomy_core.registry.Route`.
    :ivar endpoint: the matched :class:`~learnomy_core.registry.Endpoint`.
    :ivar rest_path: the path below the REST root (``/acme/v1/widgets``).
    :ivar url_params: values captured from the path.
    :ivar params: every parameter, merged and sanitized.
    :ivar context: what the route's permission policy loaded (the course, the
        enrollment, ...), as one typed object of the policy's choosing; read it
        with :meth:`context_as`.
    :ivar memo: what an earlier step of the request read, for a later one to reuse
        instead of reading it again (an endpoint's validator reads the row its
        callback shows), keyed as the reader and the user agree.
    :ivar before_commit: callables run with the connection just before a successful
        request commits (bookkeeping writes deferred so that no lock is held
        while the request still talks to the database on other connections).
    :ivar after_close: callables run with whether the request committed, once its
        transaction has ended (work of other transactions that must not wait on
        this one: SQLite has one writer).
    """

    app: "LearnomyApp"
    request_id: str
    rest_method: str
    route: Optional["Route"] = None
    rest_path: str = "/"
    permitted: Optional["Endpoint"] = None  # the endpoint whose policy allowed this request
    jsonp: Optional[str] = None  # the checked ``_jsonp`` callback
    endpoint: Optional["Endpoint"] = None
    url_params: dict[str, Any]
    params: dict[str, Any]
    parent: Optional["RestRequest"] = None
    context: object = None
    etag: Optional[str] = None  # the endpoint validator's ETag, when it gave one

    def __init__(self, environ: dict[str, Any], app: "LearnomyApp", request_id: str) -> None:
        super().__init__(environ)
        self.app = app
        self.request_id = request_id
        self.url_params = {}
        self.params = {}
        self.extra_headers: dict[str, str] = {}
        self.events: list[tuple[str, Any]] = []
        self.before_commit: list[Any] = []
        self.after_close: list[Callable[[bool], None]] = []
        self.memo: dict[Any, Any] = {}
        self._user: Any = _UNSET
        self._connection: Optional[Connection] = None
        self._json_body: Any = _UNSET
        self._query: Optional[dict[str, Any]] = None
        self.authentication_failed = False
        self.rest_method = self._effective_method()

    # -- what the policy loaded ----------------------------------------------

    def context_as(self, kind: type[ContextT]) -> ContextT:
        """The request context, typed: ``request.context_as(CourseContext).course``.

        A route's policy sets ``request.context`` to one object (a dataclass of its
        area); the callback states which class it expects, and a mismatch between
        a route's policy and its callback fails loudly instead of reading the
        wrong row.

        :raises TypeError: when the policy left no context of that class.
        """
        context = self.context
        if not isinstance(context, kind):
            raise TypeError(f"the route's policy left {type(context).__name__}, not {kind.__name__}")
        return context

    @property
    def may_revalidate(self) -> bool:
        """Whether this read may be answered ``304`` by its validator: a request of
        its own (not a batch's sub-request nor an ``If-Match`` probe) that carries
        ``If-None-Match``. Otherwise the full read follows the validator, which may
        then read the rows the callback shows in the same query (leaving them in
        :attr:`memo`) rather than versions only."""
        return self.parent is None and "HTTP_IF_NONE_MATCH" in self.environ

    # -- method ------------------------------------------------------------

    def _effective_method(self) -> str:
        method = self.method.upper()
        if method != "POST":
            return method
        override = self.query_params.get("_method") or self.headers.get("X-HTTP-Method-Override")
        return override.strip().upper() if isinstance(override, str) and override.strip() else method

    # -- query ---------------------------------------------------------------

    @property
    def query_params(self) -> dict[str, Any]:
        """The query string as PHP (so WordPress) reads it: ``ids[]=1&ids[]=2`` is a
        list, ``a[k]=v`` a map, and a repeated plain key keeps its last value (see
        :mod:`learnomy_core.phpparams`)."""
        if self._query is None:
            self._query = php_params(self.args.items(multi=True)) if self.environ.get("QUERY_STRING") else {}
        return self._query

    # -- identity ----------------------------------------------------------

    @property
    def user(self) -> Any:
        """The authenticated user, asked of the ``learnomy_authenticate`` hook once."""
        if self._user is _UNSET:
            if self.parent is not None:
                self._user = self.parent.user
            else:
                self._user = None  # re-entrancy guard: a hook may read request.user
                try:
                    self._user = self.app.plugins.hook.learnomy_authenticate(request=self)
                except Exception:
                    # Remembered so that nothing is answered about the route (Allow)
                    # to a caller whose credentials were refused.
                    self.authentication_failed = True
                    raise
        return self._user

    @user.setter
    def user(self, value: Any) -> None:
        self._user = value

    # -- storage -----------------------------------------------------------

    @property
    def db(self) -> Connection:
        """The request's connection, in a transaction begun on first use."""
        if self._connection is None:
            if self.parent is not None:
                return self.parent.db
            self._connection = self.app.storage.connect()
        return self._connection

    @property
    def has_connection(self) -> bool:
        return self._connection is not None

    def close_db(self, commit: bool) -> None:
        """Commit or roll back the request's transaction and release the connection,
        then run :attr:`after_close` (whether or not that failed)."""
        connection, self._connection = self._connection, None
        committed = False
        try:
            if connection is None:
                committed = commit  # nothing was read or written
                return
            if commit:
                try:
                    for action in self.before_commit:
                        action(connection)
                except BaseException:
                    connection.close()  # rolled back on its way to the pool
                    raise
            release(connection, commit)
            committed = commit
        finally:
            actions, self.after_close = self.after_close, []
            for after in actions:
                after(committed)

    # -- body --------------------------------------------------------------

    def body_params(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """``(json_params, form_params)`` of the body, checked for size and type.

        A GET, HEAD or OPTIONS request has no body parameters: its body is not read.
        A form body is read as PHP reads it (see :attr:`query_params`).

        :raises MalformedRequest: a ``Content-Length`` that is not a number of bytes.
        :raises PayloadTooLarge: over ``max_body_bytes``, announced or streamed (chunked).
        :raises UnsupportedMediaType: a body that is neither JSON nor a form.
        :raises InvalidJson: a JSON content type whose body does not parse, or holds
            what JSON cannot say (see :func:`parse_json`).
        """
        if self.rest_method not in BODY_METHODS:
            return {}, {}
        environ = self.environ
        declared = environ.get("CONTENT_LENGTH", "")
        if not declared and "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return {}, {}  # no body at all: most GETs; skip parsing machinery
        if declared and not _CONTENT_LENGTH.fullmatch(declared):
            # werkzeug would read such a body as empty: a write would go on without it.
            raise MalformedRequest("The Content-Length header is not a number of bytes.")
        limit = self.app.config["max_body_bytes"]
        length = self.content_length
        if length is not None and length > limit:
            raise PayloadTooLarge(details=[{"limit_bytes": limit}])
        # One byte past the limit: a streamed (chunked) body has no length to check
        # first, and werkzeug stops at the maximum without saying it was cut short.
        self.max_content_length = limit + 1
        self.max_form_memory_size = limit
        try:
            data = self.get_data(cache=True)
            if len(data) > limit:
                raise RequestEntityTooLarge()
            mimetype = self.mimetype
            if mimetype == "application/x-www-form-urlencoded":
                return {}, php_params(self.form.items(multi=True))  # parsed from the data read above
        except RequestEntityTooLarge:
            raise PayloadTooLarge(details=[{"limit_bytes": limit}]) from None
        if not data:
            return {}, {}
        if mimetype == "application/json" or mimetype.endswith("+json"):
            if self._json_body is _UNSET:
                value = parse_json(data)
                # WordPress merges only an object body into the parameters.
                self._json_body = value if isinstance(value, dict) else {}
            return self._json_body, {}
        raise UnsupportedMediaType()

    def url_with(self, **query: Optional[str]) -> str:
        """This request's absolute URL under the REST root, its query changed: each
        keyword replaces that parameter (None removes it); the others stay as sent
        (``ids[]`` included).

        >>> request.url_with(cursor="abc")   # doctest: +SKIP
        'https://lms.example.org/wp-json/learnomy/v1/courses?per_page=20&cursor=abc'
        """
        # rest_route (the plain-permalink form) is routing, not a parameter: the URL
        # built here is the pretty one.
        pairs = [(k, v) for k, v in self.args.items(multi=True) if k not in query and k != "rest_route"]
        pairs += [(k, v) for k, v in query.items() if v is not None]
        url = self.app.rest_url(self.environ) + self.rest_path
        return f"{url}?{urlencode(pairs)}" if pairs else url

    def get_param(self, name: str, default: Any = None) -> Any:
        """One merged parameter (WordPress's ``get_param``)."""
        return self.params.get(name, default)
