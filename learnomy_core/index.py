"""The REST index in WordPress's own shape, so stock WordPress clients discover us.

``GET /`` lists every namespace and route; ``GET /{namespace}`` one namespace;
``OPTIONS`` on a route describes that route alone.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from .registry import Route, RouteRegistry

__all__ = ["route_data", "root_index", "namespace_index"]

# Keywords of an arg schema that WordPress shows in the index (no callbacks).
_SHOWN = {
    "type", "description", "default", "required", "enum", "items", "properties",
    "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minLength", "maxLength", "pattern", "minItems", "maxItems",
    "uniqueItems", "additionalProperties", "anyOf", "oneOf", "context", "readonly",
}


def _args(args: dict[str, Any]) -> dict[str, Any]:
    shown = {}
    for name, schema in args.items():
        if schema.get("readonly"):
            continue
        entry = {k: v for k, v in schema.items() if k in _SHOWN}
        entry["required"] = bool(schema.get("required", False))
        shown[name] = entry
    return shown


def route_data(route: Route, url_of: Callable[[str], str], *, with_schema: bool = False) -> dict[str, Any]:
    """One route as WordPress's ``get_data_for_route`` describes it."""
    data: dict[str, Any] = {
        "namespace": route.namespace,
        "methods": route.methods,
        "endpoints": [
            {
                "methods": [m for m in route.methods if route.by_method[m] is endpoint],
                "args": _args(dict(endpoint.args)),
            }
            for endpoint in route.endpoints
        ],
    }
    if with_schema and route.schema is not None:
        data["schema"] = route.schema()
    if route.is_static:
        data["_links"] = {"self": [{"href": url_of(route.pattern)}]}
    return data


def _routes(registry: RouteRegistry, url_of: Callable[[str], str], namespace: Optional[str]) -> dict[str, Any]:
    routes: dict[str, Any] = {}
    namespaces = [namespace] if namespace else registry.namespaces
    for ns in namespaces:
        index_key = f"/{ns}"
        routes.setdefault(index_key, {
            "namespace": ns,
            "methods": ["GET"],
            "endpoints": [{"methods": ["GET"], "args": {
                "namespace": {"default": ns, "required": False},
                "context": {"default": "view", "required": False},
            }}],
            "_links": {"self": [{"href": url_of(index_key)}]},
        })
        for route in registry.routes.values():
            if route.namespace == ns and route.show_in_index:
                routes[route.pattern] = route_data(route, url_of)
    return routes


def root_index(
    registry: RouteRegistry, url_of: Callable[[str], str], *, name: str, home: str,
    authentication: dict[str, Any],
) -> dict[str, Any]:
    """The body of ``GET /`` (WordPress's ``WP_REST_Server::get_index``)."""
    return {
        "name": name,
        "description": "",
        "url": home,
        "home": home,
        "gmt_offset": 0,
        "timezone_string": "UTC",
        "namespaces": list(registry.namespaces),
        "authentication": authentication,
        "routes": _routes(registry, url_of, None),
        "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
    }


def namespace_index(registry: RouteRegistry, url_of: Callable[[str], str], namespace: str) -> dict[str, Any]:
    """The body of ``GET /{namespace}`` (WordPress's ``get_namespace_index``)."""
    return {
        "namespace": namespace,
        "routes": _routes(registry, url_of, namespace),
        "_links": {"up": [{"href": url_of("/")}]},
    }
