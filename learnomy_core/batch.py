"""Batch requests: several REST requests in one HTTP request.

Two routes share this machinery (the ``system`` plugin registers both):

- ``POST /learnomy/v1/batch`` (API.md section 8): ``{"requests": [{"method",
  "path", "body"?, "headers"?}]}``, at most :data:`MAX_REQUESTS`; answers 207 with
  ``{"data": {"responses": [{"status", "headers", "body"}]}}`` in order. Any
  route but a batch route may be named, reads included.
- ``POST /batch/v1``, WordPress's own (``serve_batch_request_v1``), in WordPress's
  shape, so that ``@wordpress/api-fetch`` batching works: ``validation``
  (``normal`` or ``require-all-validate``), writes only, and only to endpoints
  that declare ``allow_batch: {"v1": True}``; others answer
  ``rest_batch_not_allowed``. Answers 207 ``{"responses": [...]}``, or, when a
  sub-request fails validation in ``require-all-validate`` mode, 207
  ``{"failed": "validation", "responses": [null | {...}]}`` with nothing run.

Each sub-request is a real request: a WSGI environ built from the batch's own
(the caller's credentials, client address, host) and the item's method, path,
query, body and headers, answered by :meth:`LearnomyApp.handle`, the app's one
dispatch path. So it authenticates as the caller, is validated, checked for
permission, rate limited (each sub-request counts), honours ``If-Match``,
``If-None-Match``, ``Idempotency-Key`` and ``_fields``, runs in its own
transaction (a failed write commits nothing, the others commit), and answers
exactly what it would have answered alone. A sub-request may not bring
credentials of its own (the batch's are used), and a batch may not contain a
batch (400 ``learnomy_batch_nested``).
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Optional, Union
from urllib.parse import unquote, urlsplit

from .allow import allow_header
from .errors import (
    ApiError,
    BatchNested,
    BatchNotAllowed,
    InvalidParams,
    MalformedRequest,
    MethodNotAllowed,
    NoRoute,
)
from .params import parse_params
from .request import BODY_METHODS, RestRequest
from .response import RestResponse

if TYPE_CHECKING:  # pragma: no cover
    from .app import LearnomyApp
    from .registry import Endpoint, Route

__all__ = [
    "MAX_REQUESTS",
    "IN_BATCH",
    "SubAnswer",
    "learnomy_batch",
    "wordpress_batch",
    "learnomy_batch_args",
    "wordpress_batch_args",
    "sub_response_schema",
    "run_sub_requests",
]

MAX_REQUESTS = 25
"""Sub-requests per batch (WordPress's ``rest_get_max_batch_size`` default)."""

IN_BATCH = "learnomy.batch"
"""The environ key marking a sub-request (its batch's request id): a batch route
reached from inside a batch refuses to run."""

LEARNOMY_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
WORDPRESS_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# Sub-requests run with the batch's credentials and over its connection: an item
# may not bring its own (nor say how its body is framed, which the batch decides).
_REFUSED_HEADERS = frozenset((
    "authorization", "cookie", "proxy-authorization", "host", "content-length", "content-type",
    "transfer-encoding", "connection", "expect",
))
# Headers of the batch request that describe that request alone, not the caller:
# never passed to its sub-requests (an item may send its own).
_OWN_HEADERS = frozenset((
    "HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE", "HTTP_RANGE", "HTTP_X_HTTP_METHOD_OVERRIDE", "HTTP_X_REQUEST_ID",
    "HTTP_IDEMPOTENCY_KEY", "HTTP_ORIGIN", "HTTP_ACCESS_CONTROL_REQUEST_METHOD",
    "HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "HTTP_TRANSFER_ENCODING", "HTTP_EXPECT",
    "HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH", "HTTP_ACCEPT_ENCODING",
))
_REQUEST_KEYS = frozenset((
    "CONTENT_TYPE", "CONTENT_LENGTH", "wsgi.input", "PATH_INFO", "QUERY_STRING", "REQUEST_METHOD",
    "REQUEST_URI", "RAW_URI",
))
# Answer headers that are about the batch's own HTTP message, not the sub-request's answer.
_TRANSPORT_HEADERS = frozenset((
    "content-length", "x-content-type-options", "x-robots-tag", "vary", "cache-control",
))
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}")
_BAD_VALUE = re.compile(r"[\x00\r\n]")
_DISCOVERY = re.compile(r',?\s*<[^>]*>;\s*rel="https://api\.w\.org/"')


def _requests_arg(methods: tuple[str, ...], *, method_default: Optional[str]) -> dict[str, Any]:
    method: dict[str, Any] = {"type": "string", "enum": list(methods),
                              "description": "The sub-request's HTTP method."}
    if method_default is not None:
        method["default"] = method_default
    else:
        method["required"] = True
    return {
        "type": "array",
        "required": True,
        "maxItems": MAX_REQUESTS,
        "description": f"The sub-requests, at most {MAX_REQUESTS}, answered in order.",
        "items": {
            "type": "object",
            "properties": {
                "method": method,
                "path": {"type": "string", "required": True, "minLength": 1, "maxLength": 2048,
                         "description": "The route below the REST root, with its query: /learnomy/v1/courses/7?_fields=id"},
                "body": {"type": "object", "properties": {}, "additionalProperties": True,
                         "description": "The sub-request's JSON body."},
                "headers": {"type": "object", "properties": {}, "maxProperties": 32,
                            "additionalProperties": {"type": ["string", "array"], "items": {"type": "string"}},
                            "description": "The sub-request's own headers (If-Match, Idempotency-Key...); "
                                           "never credentials: the batch's are used."},
            },
            "additionalProperties": False,
        },
        "validate_callback": _check_headers,
    }


def learnomy_batch_args() -> dict[str, Any]:
    """The args of ``POST /learnomy/v1/batch``."""
    return {"requests": _requests_arg(LEARNOMY_METHODS, method_default=None)}


def wordpress_batch_args() -> dict[str, Any]:
    """The args of ``POST /batch/v1``, as WordPress declares them (``maxItems`` is what
    ``@wordpress/api-fetch`` reads from ``OPTIONS /batch/v1`` to size its batches)."""
    return {
        "validation": {"type": "string", "enum": ["require-all-validate", "normal"], "default": "normal",
                       "description": "require-all-validate: run nothing unless every sub-request is valid."},
        "requests": _requests_arg(WORDPRESS_METHODS, method_default="POST"),
    }


def _check_headers(value: Any, request: RestRequest, name: str) -> Optional[ApiError]:
    """Refuse headers that would change whose request it is or how it is framed."""
    if not isinstance(value, list):
        return None  # the schema says what is wrong
    for index, item in enumerate(value):
        headers = item.get("headers") if isinstance(item, dict) else None
        if not isinstance(headers, dict):
            continue
        for header, content in headers.items():
            where = f"{name}[{index}][headers][{header}]"
            if not _HEADER_NAME.fullmatch(header):
                return InvalidParams(f"{where} is not a valid header name.")
            if header.lower() == "content-type" and _is_json_type(content):
                continue  # what the body is anyway: said again, harmless
            if header.lower() in _REFUSED_HEADERS:
                return InvalidParams(f"{where} cannot be set: sub-requests use the batch's credentials and body.")
            values = content if isinstance(content, list) else [content]
            if any(isinstance(v, str) and _BAD_VALUE.search(v) for v in values):
                return InvalidParams(f"{where} holds a line break or NUL.")
    return None


def _is_json_type(value: Any) -> bool:
    return isinstance(value, str) and value.split(";")[0].strip().lower() == "application/json"


def sub_response_schema() -> dict[str, Any]:
    """One sub-request's answer: its status, the headers that matter, its body."""
    return {
        "type": "object",
        "properties": {
            "status": {"type": "integer", "minimum": 100, "maximum": 599},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "body": {"description": "The answer's JSON body; a string for a text or (base64) binary "
                                    "answer; null when it has none (204, 304)."},
        },
        "required": ["status", "headers", "body"],
        "additionalProperties": False,
    }


# -- one sub-request ---------------------------------------------------------


@dataclass
class SubAnswer:
    """A sub-request's answer, as the batch reports it."""

    status: int
    headers: dict[str, str]
    body: Any

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "headers": self.headers, "body": self.body}


@dataclass
class _Item:
    """One parsed sub-request: where it goes, or why it cannot."""

    index: int
    method: str
    rest_path: str = "/"
    query: str = ""
    body: Optional[bytes] = None
    headers: dict[str, str] = field(default_factory=dict)
    error: Optional[ApiError] = None
    route: Optional["Route"] = None
    endpoint: Optional["Endpoint"] = None
    url_params: dict[str, Any] = field(default_factory=dict)


def _parse_item(index: int, spec: Mapping[str, Any], default_method: str) -> _Item:
    item = _Item(index, str(spec.get("method") or default_method).upper())
    raw = str(spec["path"])
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.fragment:
        item.error = MalformedRequest(f"Could not parse the path {raw[:200]!r}: give the route below the REST root, "
                                      "with its query (/learnomy/v1/courses?per_page=5).", code="parse_path_failed")
        return item
    item.rest_path = unquote(parts.path)
    item.query = parts.query
    if spec.get("body") is not None:
        item.body = json.dumps(spec["body"], separators=(",", ":"), ensure_ascii=False).encode()
    for name, value in (spec.get("headers") or {}).items():
        if name.lower() != "content-type":  # the body is JSON, whatever an item says (checked)
            item.headers[name] = ", ".join(value) if isinstance(value, list) else str(value)
    return item


def _match(app: "LearnomyApp", item: _Item) -> None:
    """Find the item's route and endpoint, or its routing error; refuse a batch in a batch."""
    from .registry import Route  # the registry imports nothing of this module

    if item.error is not None:
        return
    try:
        target, url_params = app.registry.match(item.rest_path)
    except LookupError:
        item.error = NoRoute()
        return
    if not isinstance(target, Route):
        return  # a namespace index: answered by the pipeline (no endpoint to batch)
    if any(endpoint.callback in _BATCH_CALLBACKS for endpoint in target.endpoints):
        item.error = BatchNested()
        return
    item.route, item.url_params = target, url_params
    item.endpoint = target.by_method.get(item.method)


def _environ(batch: RestRequest, item: _Item, rest_root: str) -> dict[str, Any]:
    """The sub-request's WSGI environ: the batch's caller and connection, the item's request."""
    environ = {key: value for key, value in batch.environ.items()
               if key not in _REQUEST_KEYS and key not in _OWN_HEADERS and not key.startswith("werkzeug.")}
    body = item.body if item.method in BODY_METHODS and item.body is not None else b""
    environ.update({
        "REQUEST_METHOD": item.method,
        # PEP 3333 strings, as a server gives them: the UTF-8 bytes, one character each.
        "PATH_INFO": (rest_root + item.rest_path).encode().decode("latin-1"),
        "QUERY_STRING": item.query.encode().decode("latin-1"),
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)) if body else "",
        IN_BATCH: batch.request_id,
        # Its own id, traceable to the batch's (64 characters at most, as any id).
        "HTTP_X_REQUEST_ID": f"{batch.request_id[:60]}-{item.index}",
    })
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    for name, value in item.headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def _shown_headers(headers: list[tuple[str, str]], json_body: bool) -> dict[str, str]:
    """The answer's headers that say something about it (not about the HTTP message)."""
    shown: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in _TRANSPORT_HEADERS or lowered.startswith("access-control-"):
            continue
        if lowered == "content-type" and json_body:
            continue
        if lowered == "link":
            value = _DISCOVERY.sub("", value).strip(" ,")
            if not value:
                continue
        shown[name] = value
    return shown


def _body(headers: list[tuple[str, str]], payload: bytes) -> tuple[Any, bool]:
    """The answer's body as JSON can carry it, and whether it was JSON."""
    if not payload:
        return None, True
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    mimetype = content_type.split(";")[0].strip().lower()
    if mimetype == "application/json" or mimetype.endswith("+json"):
        return json.loads(payload), True
    if mimetype.startswith("text/") or mimetype in ("application/javascript", "application/xml"):
        return payload.decode("utf-8", "replace"), False
    return base64.b64encode(payload).decode("ascii"), False


def _error_answer(error: ApiError, request_id: str) -> SubAnswer:
    return SubAnswer(error.status, {**error.headers, "X-Request-Id": request_id}, error.body(request_id))


def _run(app: "LearnomyApp", batch: RestRequest, item: _Item, rest_root: str) -> SubAnswer:
    """Answer one sub-request through the app's own pipeline."""
    environ = _environ(batch, item, rest_root)
    if item.error is not None:
        return _error_answer(item.error, environ["HTTP_X_REQUEST_ID"])
    status, headers, payload = app.handle(environ, item.rest_path)
    body, is_json = _body(headers, payload)
    return SubAnswer(status, _shown_headers(headers, is_json), body)


def run_sub_requests(request: RestRequest, specs: list[Mapping[str, Any]], *,
                     default_method: str = "GET", wordpress: bool = False) -> list[SubAnswer]:
    """Run each sub-request of a batch in order, each through the whole pipeline and
    in its own transaction; a failure answers that one alone.

    :param wordpress: apply WordPress's opt-in (``allow_batch``) to each route.
    """
    app = request.app
    items = _prepare(app, specs, default_method, wordpress=wordpress)
    _release(request)
    rest_root = app.config["rest_root"]
    return [_run(app, request, item, rest_root) for item in items]


def _prepare(app: "LearnomyApp", specs: list[Mapping[str, Any]], default_method: str, *,
             wordpress: bool) -> list[_Item]:
    """Parse and route every item; what cannot run says why in its ``error``."""
    items = [_parse_item(i, spec, default_method) for i, spec in enumerate(specs)]
    for item in items:
        _match(app, item)
        if wordpress:
            _opt_in(item)
    return items


def _release(request: RestRequest) -> None:
    """End the batch's own transaction before its sub-requests run in theirs.

    What it did (authenticating the caller, a deferred usage record) commits now:
    held open, its locks would make a sub-request wait on its own batch (SQLite's
    one writer, a row an InnoDB sub-request updates).
    """
    if request.has_connection:
        request.close_db(True)
        request.before_commit.clear()


def _opt_in(item: _Item) -> None:
    """WordPress's rule: the matched endpoint declares ``allow_batch`` with a true ``v1``."""
    if item.error is not None:
        return
    endpoint = item.endpoint
    if endpoint is None:
        # No endpoint for the method: a namespace index has no handler to match
        # (WordPress says so). A route without the method is left to the pipeline,
        # whose 405 carries the caller's ``Allow``, as alone.
        if item.route is None:
            item.error = NoRoute()
        return
    allowed = endpoint.allow_batch
    if not isinstance(allowed, Mapping) or not allowed.get("v1"):
        item.error = BatchNotAllowed()


def _validate(app: "LearnomyApp", batch: RestRequest, item: _Item, rest_root: str) -> Optional[ApiError]:
    """``require-all-validate``: what the pipeline would refuse before running the
    sub-request (its credentials, an anonymous caller, its parameters), or None."""
    if item.error is not None:
        return item.error
    assert item.route is not None  # checked by _opt_in
    probe = RestRequest(_environ(batch, item, rest_root), app, batch.request_id)
    probe.rest_path = item.rest_path
    probe.route, probe.url_params, probe.endpoint = item.route, item.url_params, item.endpoint
    try:
        if item.endpoint is None:
            return MethodNotAllowed(headers={"Allow": allow_header(probe, item.route)})
        item.endpoint.permission.refuse_anonymous(probe)
        parse_params(probe, item.endpoint)
    except ApiError as exc:
        return exc
    finally:
        probe.close_db(False)
    return None


# -- the routes' callbacks -----------------------------------------------------


def _refuse_nested(request: RestRequest) -> None:
    if IN_BATCH in request.environ:
        raise BatchNested()


def learnomy_batch(request: RestRequest) -> RestResponse:
    """``POST /learnomy/v1/batch``: 207 with every sub-request's answer, in order."""
    _refuse_nested(request)
    answers = run_sub_requests(request, request.params["requests"])
    return RestResponse({"data": {"responses": [a.as_dict() for a in answers]}}, 207)


def wordpress_batch(request: RestRequest) -> RestResponse:
    """``POST /batch/v1``: WordPress's ``serve_batch_request_v1``, in its shape."""
    _refuse_nested(request)
    app = request.app
    specs = request.params["requests"]
    if request.params.get("validation") != "require-all-validate":
        answers = run_sub_requests(request, specs, default_method="POST", wordpress=True)
        return RestResponse({"responses": [a.as_dict() for a in answers]}, 207, envelope=False)
    items = _prepare(app, specs, "POST", wordpress=True)
    rest_root = app.config["rest_root"]
    failures = [_validate(app, request, item, rest_root) for item in items]
    if any(failures):
        responses: list[Union[dict[str, Any], None]] = [
            None if error is None else _error_answer(error, f"{request.request_id[:60]}-{item.index}").as_dict()
            for item, error in zip(items, failures)]
        return RestResponse({"failed": "validation", "responses": responses}, 207, envelope=False)
    _release(request)
    return RestResponse({"responses": [_run(app, request, item, rest_root).as_dict() for item in items]},
                        207, envelope=False)


_BATCH_CALLBACKS = frozenset((learnomy_batch, wordpress_batch))
