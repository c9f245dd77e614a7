"""An OpenAPI 3.0 rendition of a 3.1 document, for tools that do not read 3.1 yet.

The explorer's Swagger UI (the ``swagger-ui-bundle`` package ships Swagger UI 4)
refuses 3.1 documents; ``openapi.json?openapi=3.0`` serves it this rendition.
What 3.1 says with JSON Schema 2020-12 and 3.0 says otherwise: a ``null`` in
``type`` becomes ``nullable``, several types an ``anyOf``, ``const`` a one-value
``enum``, numeric exclusive bounds the boolean form; keywords 3.0 lacks go.
"""

from __future__ import annotations

from typing import Any

__all__ = ["as_openapi_30"]

_DROPPED = {"$schema", "jsonSchemaDialect", "contentMediaType", "context", "$id", "$comment"}


def as_openapi_30(document: dict[str, Any]) -> dict[str, Any]:
    """The document as OpenAPI 3.0.3."""
    converted = _convert(document)
    converted["openapi"] = "3.0.3"
    return converted


def _convert(value: Any) -> Any:
    if isinstance(value, list):
        return [_convert(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in _DROPPED:
            continue
        if key == "properties" and isinstance(item, dict):
            out[key] = {name: _convert(schema) for name, schema in item.items()}
        else:
            out[key] = _convert(item)
    kind = out.get("type")
    if isinstance(kind, list):
        types = [t for t in kind if t != "null"]
        if len(types) < len(kind):
            out["nullable"] = True
        if len(types) == 1:
            out["type"] = types[0]
        else:
            del out["type"]
            if types:
                out["anyOf"] = [{"type": t} for t in types]
    if "const" in out:
        out["enum"] = [out.pop("const")]
    for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(exclusive), (int, float)) and not isinstance(out[exclusive], bool):
            out[bound] = out[exclusive]
            out[exclusive] = True
    for combinator in ("anyOf", "oneOf"):
        options = out.get(combinator)
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [option for option in options if option != {"type": "null"}]
            out["nullable"] = True
            if len(rest) == 1 and isinstance(rest[0], dict):
                del out[combinator]
                out.update({k: v for k, v in rest[0].items() if k not in out})
            else:
                out[combinator] = rest
    return out
