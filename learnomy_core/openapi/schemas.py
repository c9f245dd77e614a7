"""Resource schemas and the JSON Schema the OpenAPI document is written in.

A route declares its resource once, WordPress style (the route-level ``schema``
callable), and :func:`resource_schema` writes it::

    def course_schema() -> dict:
        return resource_schema("course", {
            "id": {"type": "integer", "readonly": True},
            "title": {"type": "string"},
        }, embed=("id", "title"))

Every response the document gives the route (one resource, a list page, a
creation, a deletion) is built from that one schema by :mod:`.document`; errors
share the envelope below. WordPress's argument schemas (``"required": true`` on a
property, ``readonly``, boolean ``exclusiveMinimum``, callables) become JSON
Schema 2020-12 with :func:`to_json_schema`.
"""

from __future__ import annotations

from typing import Callable, Any, Iterable, Mapping, Optional

__all__ = [
    "route_schema",
    "ID", "INT", "NUM", "STR", "BOOL", "TIME", "URL",
    "nullable", "array_of", "obj", "map_of",
    "DIALECT",
    "resource_schema",
    "to_json_schema",
    "ERROR_SCHEMA",
    "META_SCHEMA",
]

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_VIEW_EDIT = ["view", "edit"]
# Keys of WordPress argument schemas that are no JSON Schema (callables, WordPress's
# own flags) and are left out of the document.
_DROPPED = {"sanitize_callback", "validate_callback", "write_policy", "arg_options", "required", "readonly"}


def resource_schema(
    title: str,
    properties: Mapping[str, Mapping[str, Any]],
    *,
    embed: Iterable[str] = (),
    edit: Iterable[str] = (),
    required: Optional[Iterable[str]] = None,
    additional: Any = False,
) -> dict[str, Any]:
    """A route's resource schema as WordPress writes it (``$schema``, ``title``,
    ``type``, ``properties``), with each property's ``context``.

    :param properties: the fields the resource answers, JSON Schema each.
    :param embed: fields also answered in the ``embed`` context.
    :param edit: fields answered only in the ``edit`` context (to editors).
    :param required: fields always present; every property unless said.
    :param additional: whether the resource may answer fields it does not list
        (or the schema of those fields).
    """
    embedded, edit_only = set(embed), set(edit)
    props: dict[str, Any] = {}
    for name, schema in properties.items():
        prop = dict(schema)
        if "context" not in prop:
            prop["context"] = ["edit"] if name in edit_only else (
                [*_VIEW_EDIT, "embed"] if name in embedded else list(_VIEW_EDIT))
        props[name] = prop
    schema_required = list(properties) if required is None else list(required)
    return {
        "$schema": DIALECT,
        "title": title,
        "type": "object",
        "properties": props,
        "required": [name for name in schema_required if name not in edit_only],
        "additionalProperties": additional,
    }


def to_json_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A WordPress argument or resource schema as JSON Schema 2020-12."""
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROPPED or key == "$schema" or callable(value):
            continue
        if key == "properties" and isinstance(value, Mapping):
            out[key] = {name: to_json_schema(sub) for name, sub in value.items()}
            wanted = [name for name, sub in value.items() if sub.get("required") is True]
            listed = schema.get("required")
            if isinstance(listed, list):
                wanted += [name for name in listed if name not in wanted]
            if wanted:
                out["required"] = wanted
        elif key in ("items", "additionalProperties") and isinstance(value, Mapping):
            out[key] = to_json_schema(value)
        elif key in ("anyOf", "oneOf", "allOf") and isinstance(value, list):
            out[key] = [to_json_schema(sub) for sub in value]
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value and bound in schema:
                out[key] = schema[bound]
        else:
            out[key] = value
    for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if key in out and out.get(bound) == out[key]:
            del out[bound]
    if schema.get("readonly"):
        out["readOnly"] = True
    if isinstance(schema.get("required"), list) and "properties" not in schema:
        out["required"] = list(schema["required"])
    return out


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "error",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}},
                "request_id": {"type": "string"},
            },
            "required": ["code", "message", "details", "request_id"],
        }
    },
    "required": ["error"],
    "additionalProperties": False,
}
"""The error envelope (API.md section 3) every failure answers."""

META_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "meta",
    "properties": {
        "total": {"type": "integer", "minimum": 0},
        "cursor_next": {"type": ["string", "null"]},
    },
    "required": ["total", "cursor_next"],
}
"""A list page's ``meta`` (a route may add its own keys beside these)."""


# Short forms for resource schemas: what a field holds, as JSON Schema.
ID: dict[str, Any] = {"type": "integer", "minimum": 1, "readonly": True}
INT: dict[str, Any] = {"type": "integer"}
NUM: dict[str, Any] = {"type": "number"}
STR: dict[str, Any] = {"type": "string"}
BOOL: dict[str, Any] = {"type": "boolean"}
TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
URL: dict[str, Any] = {"type": "string"}


def route_schema(title: str, properties: Mapping[str, Mapping[str, Any]],
                 **options: Any) -> Callable[[], dict[str, Any]]:
    """The ``schema=`` callable of a route: :func:`resource_schema`, built when the
    index or the OpenAPI document asks for it (``options`` as it takes them)."""
    return lambda: resource_schema(title, properties, **options)


def nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """``schema`` or ``null`` (an ``enum`` lets ``null`` through too)."""
    kind = schema.get("type")
    extra: dict[str, Any] = {"enum": [*schema["enum"], None]} if "enum" in schema else {}
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"], **extra}
    if isinstance(kind, list):
        return {**schema, "type": [*kind, "null"], **extra}
    return {"anyOf": [dict(schema), {"type": "null"}]}


def array_of(items: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON array of ``items``."""
    return {"type": "array", "items": dict(items)}


def obj(properties: Mapping[str, Any], *, required: Iterable[str] = (), additional: Any = None) -> dict[str, Any]:
    """A nested JSON object (open unless ``additional`` says otherwise)."""
    out: dict[str, Any] = {"type": "object", "properties": dict(properties)}
    if required:
        out["required"] = list(required)
    if additional is not None:
        out["additionalProperties"] = additional
    return out


def map_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON object keyed by ids (answers by question id, say), each value ``values``."""
    return {"type": "object", "additionalProperties": dict(values)}
