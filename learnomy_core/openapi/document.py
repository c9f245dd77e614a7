"""The OpenAPI 3.1 document of one namespace, generated from the live registry.

Every route of the namespace, every method but ``HEAD`` and ``OPTIONS``: its path
in ``{name}`` form, its parameters (path, and query for reads and deletions) and
its JSON request body (for the other writes) from the args schemas, its success
answer built from the route's resource schema (see :mod:`.answers`), the error
envelope with the statuses the route can answer, its security and tag.

The statuses follow from what the core does for any route (see ``app.py``):

- 401 everywhere: credentials are checked on every route, public ones included;
- 403 where a policy can refuse (any non-public route) and on writes;
- 404 where the path names something or a policy loads a row;
- 400 where there are args or a body; 413/415 where there may be a body (a
  ``DELETE``'s body is read too, though its args are documented in the query);
- 409 on writes; 412 on ``PUT``/``PATCH``/``DELETE`` of a readable route
  (``If-Match``); 429 on rate-limited routes; 304 on reads (``If-None-Match``);
- 500 and 503 everywhere (an unexpected failure, an unreachable database);
- whatever else the endpoint's ``answers`` adds with ``errors``.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Optional

from ..idempotency import KEY_PATTERN
from ..route_regex import group_end
from .answers import Answers
from .schemas import DIALECT, ERROR_SCHEMA, META_SCHEMA, to_json_schema

if TYPE_CHECKING:  # the registry imports this package: no import at run time
    from ..registry import Endpoint, Route, RouteRegistry

__all__ = ["build_document", "answers_of", "openapi_path", "operation_id", "OPENAPI_VERSION"]

OPENAPI_VERSION = "3.1.0"
_GROUP = re.compile(r"\(\?P<(\w+)>")
_WRITES = ("POST", "PUT", "PATCH", "DELETE")
_BODY = ("POST", "PUT", "PATCH")
# What the server reads a body for (request.BODY_METHODS): a DELETE's args are
# documented in the query, but a body sent with one is parsed and can be refused.
_READS_BODY = ("POST", "PUT", "PATCH", "DELETE")
_ANYONE: dict[str, list[str]] = {}
_SCHEMES = ("bearer", "applicationPassword", "apiKey")

SECURITY_SCHEMES: dict[str, Any] = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": "An access token from POST /learnomy/v1/auth/token (or an API key, lrn_...)."},
    "applicationPassword": {"type": "http", "scheme": "basic",
                            "description": "A WordPress application password: the login and the password."},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-Learnomy-Key",
               "description": "An API key (lrn_...) of an administrator's integration."},
}

_HEADERS: dict[str, Any] = {
    "X-Request-Id": {"description": "The request's id, also in error envelopes.",
                     "schema": {"type": "string"}},
    "ETag": {"description": "The representation's entity tag, for If-None-Match and If-Match.",
             "schema": {"type": "string"}},
    "Cache-Control": {"description": "private, no-cache; public for anonymous reads of public routes.",
                      "schema": {"type": "string"}},
    "Location": {"description": "The created resource, relative to the REST root.",
                 "schema": {"type": "string"}},
    "X-WP-Total": {"description": "The number of items in the whole list.",
                   "schema": {"type": "integer"}},
    "RateLimit-Limit": {"description": "Requests allowed per window.", "schema": {"type": "integer"}},
    "RateLimit-Remaining": {"description": "Requests left in the window.", "schema": {"type": "integer"}},
    "RateLimit-Reset": {"description": "Seconds until the window resets.", "schema": {"type": "integer"}},
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}},
    "Idempotent-Replayed": {"description": "true: the stored answer to an earlier request with this Idempotency-Key.",
                            "schema": {"type": "string", "enum": ["true"]}},
}

# API.md section 11.
_IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "Makes a retry safe: the same key and body again answers the first answer "
                   "(Idempotent-Replayed: true); another body 422; while the first runs 409.",
    "schema": {"type": "string", "pattern": f"^{KEY_PATTERN}$"},
}


def openapi_path(route: "Route") -> str:
    """The route's path below its namespace, groups in ``{name}`` form."""
    relative = route.pattern[len(route.namespace) + 1:] or "/"
    out, position = [], 0
    while True:
        found = _GROUP.search(relative, position)
        if found is None:
            out.append(relative[position:])
            break
        out.append(relative[position:found.start()])
        out.append("{" + found.group(1) + "}")
        position = group_end(relative, found.end()) + 1
    return re.sub(r"\\(.)", r"\1", "".join(out))


def operation_id(method: str, path: str) -> str:
    """A stable id: the method and the path's words, ``get_courses_id_instructors``."""
    words = re.findall(r"[A-Za-z0-9]+", path)
    return "_".join([method.lower(), *words]) if words else method.lower() + "_index"


def answers_of(route: "Route", method: str, endpoint: "Endpoint") -> Answers:
    """What ``endpoint`` answers for ``method`` on success: declared, or derived."""
    if endpoint.answers is not None:
        return endpoint.answers
    if method == "GET":
        return Answers(shape="list" if "cursor" in endpoint.args else "item")
    if method == "DELETE":
        return Answers(shape="deleted")
    reader = route.by_method.get("GET")
    if method == "POST" and reader is not None and "cursor" in reader.args:
        return Answers(status=201)  # a POST to a collection creates (WordPress's convention)
    return Answers()


def build_document(
    registry: "RouteRegistry",
    namespace: str,
    *,
    server: str,
    title: Optional[str] = None,
    version: str = "1",
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``namespace``.

    :param server: the namespace's base URL (``https://example.org/wp-json/learnomy/v1``
        or an absolute path).
    """
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA, "Meta": META_SCHEMA}
    tags: list[str] = []
    for route in registry.routes.values():
        if route.namespace != namespace:
            continue
        path = openapi_path(route)
        resource = _resource(route, schemas)
        operations: dict[str, Any] = {}
        for method, endpoint in route.by_method.items():
            if method in ("HEAD", "OPTIONS"):
                continue
            tag = _tag(path)
            if tag not in tags:
                tags.append(tag)
            operations[method.lower()] = _operation(route, method, endpoint, path, resource, tag)
        if operations:
            paths[path] = operations
    return {
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": DIALECT,
        "info": {"title": title or f"{namespace} REST API", "version": version,
                 "description": f"Every route of the {namespace} namespace, generated from the live registry."},
        "servers": [{"url": server}],
        "tags": [{"name": tag} for tag in tags],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": _error_responses(),
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _tag(path: str) -> str:
    first = path.strip("/").split("/", 1)[0]
    return first if first and not first.startswith("{") else "index"


def _resource(route: "Route", schemas: dict[str, Any]) -> Optional[dict[str, Any]]:
    """A ``$ref`` to the route's resource schema, kept once in the components."""
    if route.schema is None:
        return None
    schema = to_json_schema(route.schema())
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", str(schema.get("title") or openapi_path(route)))
    known = schemas.get(name)
    if known is not None and known != schema:
        name = f"{name}_{operation_id('', openapi_path(route)).strip('_')}"
    schemas[name] = schema
    return {"$ref": f"#/components/schemas/{name}"}


def _operation(route: "Route", method: str, endpoint: "Endpoint", path: str,
               resource: Optional[dict[str, Any]], tag: str) -> dict[str, Any]:
    path_names = _GROUP.findall(route.pattern)
    parameters = [_path_parameter(route, name, endpoint) for name in path_names]
    body_args = {n: s for n, s in endpoint.args.items() if n not in path_names}
    request_body = None
    if method in _BODY:
        if body_args:
            request_body = _request_body(body_args)
    else:
        parameters += [_query_parameter(name, schema) for name, schema in body_args.items()]
    if endpoint.idempotent:
        parameters.append(_IDEMPOTENCY_KEY)
    public = not endpoint.permission.requires_login and endpoint.permission.name == "public"
    answers = answers_of(route, method, endpoint)
    operation: dict[str, Any] = {
        "operationId": operation_id(method, path),
        "tags": [tag],
        "summary": _summary(endpoint),
        "parameters": parameters,
        "responses": _responses(route, method, endpoint, answers, resource, path_names, public),
        "security": ([_ANYONE] if public else []) + [{scheme: []} for scheme in _SCHEMES],
        "x-learnomy-permission": endpoint.permission.name,
        "x-learnomy-public": public,
        "x-learnomy-plugin": endpoint.plugin,
    }
    if not parameters:
        del operation["parameters"]
    if request_body is not None:
        operation["requestBody"] = request_body
    return operation


def _summary(endpoint: "Endpoint") -> str:
    doc = (getattr(endpoint.callback, "__doc__", None) or "").strip()
    return doc.splitlines()[0].strip() if doc else endpoint.callback.__name__.replace("_", " ").strip()


def _path_parameter(route: "Route", name: str, endpoint: "Endpoint") -> dict[str, Any]:
    regex = _group_regex(route.pattern, name)
    declared = endpoint.args.get(name)
    if declared is not None and declared.get("type") in ("integer", "number"):
        schema = to_json_schema(declared)
        if regex in (r"[\d]+", r"\d+"):
            schema.setdefault("minimum", 0)
    elif declared is not None and "enum" in declared:
        schema = to_json_schema(declared)
    else:
        schema = {**(to_json_schema(declared) if declared else {"type": "string"}), "pattern": f"^(?:{regex})$"}
    parameter = {"name": name, "in": "path", "required": True, "schema": schema}
    if declared and declared.get("description"):
        parameter["description"] = declared["description"]
    return parameter


def _query_parameter(name: str, declared: Any) -> dict[str, Any]:
    schema = to_json_schema(declared)
    parameter: dict[str, Any] = {"name": name, "in": "query", "required": declared.get("required") is True,
                                 "schema": schema}
    if schema.get("type") == "array":
        parameter["style"], parameter["explode"] = "form", False  # "a,b", as WordPress reads it
    if declared.get("description"):
        parameter["description"] = declared["description"]
    return parameter


def _request_body(args: dict[str, Any]) -> dict[str, Any]:
    schema = to_json_schema({"type": "object", "properties": args})
    return {"required": bool(schema.get("required")), "content": {"application/json": {"schema": schema}}}


def _responses(route: "Route", method: str, endpoint: "Endpoint", answers: Answers,
               resource: Optional[dict[str, Any]], path_names: list[str], public: bool) -> dict[str, Any]:
    headers: dict[str, Any] = {"X-Request-Id": _HEADERS["X-Request-Id"]}
    if method == "GET":
        headers.update({name: _HEADERS[name] for name in ("ETag", "Cache-Control")})
    if answers.shape == "list":
        headers["X-WP-Total"] = _HEADERS["X-WP-Total"]
    if answers.status == 201:
        headers["Location"] = _HEADERS["Location"]
    if endpoint.sensitive:
        headers.update({name: _HEADERS[name] for name in ("RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")})
    if endpoint.idempotent:
        headers["Idempotent-Replayed"] = _HEADERS["Idempotent-Replayed"]
    success: dict[str, Any] = {"description": _success_description(answers), "headers": headers}
    content = _success_content(answers, resource)
    if content is not None:
        success["content"] = content
    responses: dict[str, Any] = {str(answers.status): success}
    if method == "GET":
        responses["304"] = {"description": "Not Modified: the representation matches If-None-Match.",
                            "headers": {"ETag": _HEADERS["ETag"]}}
    statuses = {401, 500, 503}
    if not public or method in _WRITES:
        statuses.add(403)
    if path_names or not public:
        statuses.add(404)
    if endpoint.args or method in _READS_BODY:
        statuses.add(400)
    if method in _READS_BODY:
        statuses.update((413, 415))
    if method in _WRITES:
        statuses.add(409)
    if method in ("PUT", "PATCH", "DELETE") and "GET" in route.by_method:
        statuses.add(412)
    if endpoint.sensitive:
        statuses.add(429)
    if endpoint.idempotent:
        statuses.add(422)  # the Idempotency-Key used with another body
    statuses.update(answers.errors)
    for status in sorted(statuses):
        responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    return responses


def _success_description(answers: Answers) -> str:
    return {
        "item": "The resource.", "items": "The resources.", "list": "A page of the list, with meta.",
        "deleted": "The deletion, with the resource as it was.", "file": "The file.", "html": "The page.",
    }[answers.shape] if answers.status == 200 else _OTHER_SUCCESS.get(answers.status, _OTHER_SUCCESS[201])


_OTHER_SUCCESS = {201: "Created: the new resource, at Location.", 207: "Multi-status: one answer per sub-request."}


def _success_content(answers: Answers, resource: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    if answers.shape in ("file", "html"):
        return {answers.media_type or "application/octet-stream": {"schema": {"type": "string"}}}
    item = resource if resource is not None else {"type": "object"}
    data: dict[str, Any]
    if answers.shape == "item":
        data = item
    elif answers.shape == "deleted":
        data = {"type": "object", "properties": {"deleted": {"const": True}, "previous": item},
                "required": ["deleted", "previous"], "additionalProperties": False}
    else:
        data = {"type": "array", "items": item}
    if not answers.envelope:
        return {"application/json": {"schema": data}}
    properties: dict[str, Any] = {"data": data}
    required = ["data"]
    if answers.shape == "list":
        properties["meta"] = {"$ref": "#/components/schemas/Meta"}
        required.append("meta")
    return {"application/json": {"schema": {"type": "object", "properties": properties,
                                            "required": required, "additionalProperties": False}}}


def _error_responses() -> dict[str, Any]:
    out = {}
    for status in (400, 401, 402, 403, 404, 405, 409, 410, 412, 413, 415, 422, 429, 500, 503):
        response: dict[str, Any] = {
            "description": HTTPStatus(status).phrase,
            "headers": {"X-Request-Id": _HEADERS["X-Request-Id"]},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        if status in (429, 503):
            response["headers"]["Retry-After"] = _HEADERS["Retry-After"]
        out[f"E{status}"] = response
    return out


def _group_regex(pattern: str, name: str) -> str:
    start = pattern.index(f"(?P<{name}>") + len(name) + 5
    return pattern[start:group_end(pattern, start)]
