"""The REST index in WordPress's own shape, so stock WordPress clients discover us.

``GET /`` lists every namespace and route (``/`` itself included); ``GET
/{namespace}`` one namespace; ``OPTIONS`` on a route describes that route alone.
``?context=help`` adds each route's ``schema``, as WordPress does. An endpoint
registered with ``show_in_index: False`` is left out of all three (it still
answers), and a route none of whose endpoints is shown is left out whole.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from .registry import Route, RouteRegistry

__all__ = ["route_data", "root_index", "namespace_index", "index_route", "namespace_route"]

# Keywords of an arg schema that WordPress shows in the index (its
# rest_get_allowed_schema_keywords, plus ``context`` and ``readonly``); no callbacks.
_SHOWN = {
    "title", "type", "description", "default", "required", "enum", "items", "properties",
    "additionalProperties", "patternProperties", "minProperties", "maxProperties",
    "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minLength", "maxLength", "pattern", "minItems", "maxItems",
    "uniqueItems", "anyOf", "oneOf", "context", "readonly",
}


# Routes WordPress's server adds itself and lists with no namespace (``/`` aside):
# registered here under a namespace of their own, listed as WordPress lists them.
META_ROUTES = frozenset(("/batch/v1",))


def _listed(namespaces: list[str]) -> list[str]:
    """The namespaces the index names: not those of WordPress's meta routes."""
    return [ns for ns in namespaces if f"/{ns}" not in META_ROUTES]


def _args(args: dict[str, Any]) -> dict[str, Any]:
    shown = {}
    for name, schema in args.items():
        if schema.get("readonly"):
            continue
        entry = {k: v for k, v in schema.items() if k in _SHOWN}
        entry["required"] = bool(schema.get("required", False))
        shown[name] = entry
    return shown


def route_data(route: Route, url_of: Callable[[str], str], *, with_schema: bool = False) -> Optional[dict[str, Any]]:
    """One route as WordPress's ``get_data_for_route`` describes it; None when none
    of its endpoints is shown."""
    endpoints = []
    for endpoint in route.endpoints:
        if not endpoint.show_in_index:
            continue
        shown: dict[str, Any] = {"methods": [m for m in endpoint.methods if route.by_method.get(m) is endpoint]}
        if endpoint.allow_batch:
            shown["allow_batch"] = endpoint.allow_batch
        shown["args"] = _args(dict(endpoint.args))
        endpoints.append(shown)
    if not endpoints:
        return None
    data: dict[str, Any] = {
        "namespace": "" if route.pattern in META_ROUTES else route.namespace,
        "methods": [m for shown in endpoints for m in shown["methods"]],
        "endpoints": endpoints,
    }
    if with_schema and route.schema is not None:
        data["schema"] = route.schema()
    if route.is_static:
        data["_links"] = {"self": [{"href": url_of(route.pattern)}]}
    return data


def index_route(url_of: Callable[[str], str]) -> dict[str, Any]:
    """The index's own route, ``/``, as WordPress lists it."""
    return {
        "namespace": "",
        "methods": ["GET"],
        "endpoints": [{"methods": ["GET"], "args": {"context": {"default": "view", "required": False}}}],
        "_links": {"self": [{"href": url_of("/")}]},
    }


def namespace_route(namespace: str, url_of: Callable[[str], str]) -> dict[str, Any]:
    """A namespace index's own route, ``/{namespace}``, as WordPress lists it."""
    return {
        "namespace": namespace,
        "methods": ["GET"],
        "endpoints": [{"methods": ["GET"], "args": {
            "namespace": {"default": namespace, "required": False},
            "context": {"default": "view", "required": False},
        }}],
        "_links": {"self": [{"href": url_of(f"/{namespace}")}]},
    }


def _routes(
    registry: RouteRegistry, url_of: Callable[[str], str], namespace: Optional[str], with_schema: bool
) -> dict[str, Any]:
    routes: dict[str, Any] = {} if namespace else {"/": index_route(url_of)}
    namespaces = [namespace] if namespace else registry.namespaces
    for ns in namespaces:
        if f"/{ns}" not in META_ROUTES:
            routes.setdefault(f"/{ns}", namespace_route(ns, url_of))
        for route in registry.routes.values():
            if route.namespace == ns and route.show_in_index:
                data = route_data(route, url_of, with_schema=with_schema)
                if data is not None:
                    routes[route.pattern] = data
    return routes


def root_index(
    registry: RouteRegistry, url_of: Callable[[str], str], *, name: str, home: str,
    authentication: dict[str, Any], with_schema: bool = False,
) -> dict[str, Any]:
    """The body of ``GET /`` (WordPress's ``WP_REST_Server::get_index``).

    :param with_schema: ``?context=help``: each route with its ``schema``.
    """
    # No static front page, logo or icon: WordPress's values for a site without them.
    return {
        "name": name,
        "description": "",
        "url": home,
        "home": home,
        "gmt_offset": 0,
        "timezone_string": "UTC",
        "page_for_posts": 0,
        "page_on_front": 0,
        "show_on_front": "posts",
        "namespaces": _listed(registry.namespaces),
        "authentication": authentication,
        "routes": _routes(registry, url_of, None, with_schema),
        "site_logo": 0,
        "site_icon": 0,
        "site_icon_url": "",
        "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
    }


def namespace_index(
    registry: RouteRegistry, url_of: Callable[[str], str], namespace: str, *, with_schema: bool = False
) -> dict[str, Any]:
    """The body of ``GET /{namespace}`` (WordPress's ``get_namespace_index``).

    :param namespace: a registered namespace (the caller answers 404
        ``rest_invalid_namespace`` for any other).
    """
    return {
        "namespace": namespace,
        "routes": _routes(registry, url_of, namespace, with_schema),
        "_links": {"up": [{"href": url_of("/")}]},
    }
