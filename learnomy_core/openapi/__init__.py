"""OpenAPI 3.1 from the registry: resource schemas, the document, the explorer.

- :mod:`.answers`: what an endpoint answers on success (its ``answers`` key);
- :mod:`.schemas`: :func:`resource_schema`, the error envelope, JSON Schema 2020-12;
- :mod:`.document`: :func:`build_document`, a namespace's document;
- :mod:`.routes`: the ``openapi.json`` and explorer endpoints a plugin registers.
"""

from .answers import SHAPES, Answers, parse_answers
from .document import build_document
from .routes import register_openapi_routes
from .schemas import (BOOL, DIALECT, ERROR_SCHEMA, ID, INT, META_SCHEMA, NUM, STR, TIME, URL, array_of, map_of,
                      nullable, obj, resource_schema, route_schema, to_json_schema)

__all__ = [
    "Answers",
    "SHAPES",
    "parse_answers",
    "resource_schema",
    "route_schema",
    "ID", "INT", "NUM", "STR", "BOOL", "TIME", "URL",
    "nullable", "array_of", "obj", "map_of",
    "to_json_schema",
    "DIALECT",
    "ERROR_SCHEMA",
    "META_SCHEMA",
    "build_document",
    "register_openapi_routes",
]

