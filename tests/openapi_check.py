"""Every answer the suite produces, held to the OpenAPI document of its namespace.

``tests/conftest.py`` wraps :meth:`LearnomyApp.handle` for every test: each answer
of a route that declares a resource schema is checked against the document the
app generates (the operation exists, the status is documented, a JSON body
matches the status's schema, a file has its documented type). A route whose
answer drifts from its schema fails the test that produced it.
"""

from __future__ import annotations

import json
import weakref
from urllib.parse import parse_qs
from typing import Any, Optional

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from learnomy_core import LearnomyApp
from learnomy_core.openapi import build_document
from learnomy_core.openapi.document import openapi_path
from learnomy_core.registry import Route, RouteRegistry

_FINGERPRINTS: "weakref.WeakKeyDictionary[RouteRegistry, dict[str, Any]]" = weakref.WeakKeyDictionary()
_DOCUMENTS: dict[Any, tuple[dict[str, Any], Registry]] = {}
_VALIDATORS: dict[tuple[int, str], Draft202012Validator] = {}  # resolvers live as long as _DOCUMENTS


def _fingerprint(registry: RouteRegistry, namespace: str) -> Any:
    """What the namespace's document depends on: apps built alike share one document."""
    known = _FINGERPRINTS.setdefault(registry, {})
    if namespace not in known:
        known[namespace] = (namespace, tuple(
            (route.pattern, method, endpoint.plugin, endpoint.callback.__module__, endpoint.callback.__qualname__,
             tuple((field.plugin, field.attribute) for field in route.fields))  # a plugin's additional fields
            for route in registry.routes.values() if route.namespace == namespace
            for method, endpoint in route.by_method.items()))
    return known[namespace]


def document_of(registry: RouteRegistry, namespace: str) -> tuple[dict[str, Any], Registry]:
    """The namespace's document and a resolver registry for its references."""
    key = _fingerprint(registry, namespace)
    found = _DOCUMENTS.get(key)
    if found is None:
        document = build_document(registry, namespace, server=f"/wp-json/{namespace}")
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        found = _DOCUMENTS[key] = (document, Registry().with_resource("urn:openapi", resource))
    return found


def effective_method(environ: dict[str, Any]) -> str:
    """The method the app answers (a POST may say another with ``_method``)."""
    method = str(environ.get("REQUEST_METHOD", "GET")).upper()
    if method != "POST":
        return method
    override = parse_qs(environ.get("QUERY_STRING", "")).get("_method", [""])[0] or environ.get(
        "HTTP_X_HTTP_METHOD_OVERRIDE", "")
    return override.strip().upper() or method


def _pointer(*parts: str) -> str:
    return "urn:openapi#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def check_answer(app: LearnomyApp, method: str, rest_path: str, status: int,
                 headers: list[tuple[str, str]], body: bytes) -> Optional[str]:
    """What is wrong with this answer against the document, or None."""
    if method in ("HEAD", "OPTIONS"):
        return None
    try:
        route, _ = app.registry.match(rest_path)
    except LookupError:
        return None
    if not isinstance(route, Route) or route.schema is None or method not in route.by_method:
        return None
    document, resolver = document_of(app.registry, route.namespace)
    path = openapi_path(route)
    where = f"{method} {route.namespace}{path} answered {status}"
    operation = document["paths"].get(path, {}).get(method.lower())
    if operation is None:
        return f"{where}: the operation is not in the document"
    response = operation["responses"].get(str(status))
    if response is None:
        return f"{where}: the status is not documented (documented: {sorted(operation['responses'])})"
    pointer = ("paths", path, method.lower(), "responses", str(status))
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[1]
        response = document["components"]["responses"][name]
        pointer = ("components", "responses", name)
    content = response.get("content")
    if not content:
        return f"{where}: a body where the document has none" if body else None
    content_type = dict(headers).get("Content-Type", "").split(";")[0].strip()
    media = content.get(content_type) or content.get("*/*")
    if media is None:
        return f"{where}: Content-Type {content_type!r}, documented {sorted(content)}"
    if content_type != "application/json":
        return None
    ref = _pointer(*pointer, "content", content_type, "schema")
    validator = _VALIDATORS.get((id(resolver), ref))
    if validator is None:
        validator = _VALIDATORS[(id(resolver), ref)] = Draft202012Validator({"$ref": ref}, registry=resolver)
    errors = sorted(validator.iter_errors(json.loads(body)), key=lambda e: list(e.absolute_path))
    if errors:
        shown = "; ".join(f"at {'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message[:300]}"
                          for e in errors[:3])
        return f"{where}: the body does not match its schema: {shown}"
    return None
