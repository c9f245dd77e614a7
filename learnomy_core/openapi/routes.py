"""The ``openapi.json`` and explorer endpoints, for a plugin to register in its namespace.

The system plugin registers both in ``learnomy/v1``; Pro registers the document
in ``learnomy-pro/v1``; a third party's plugin may do the same in its own::

    from learnomy_core.openapi import register_openapi_routes

    @hookimpl
    def learnomy_register_routes(registry):
        register_openapi_routes(registry, "acme/v1")

The explorer is Swagger UI from the ``swagger-ui-bundle`` package, served by the
app itself (no CDN), with a box for a bearer token.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import NotFound
from ..permissions import PUBLIC
from ..response import RestResponse
from .compat import as_openapi_30
from .document import build_document
from .schemas import resource_schema

if TYPE_CHECKING:
    from ..registry import RouteRegistry
    from ..request import RestRequest

__all__ = ["register_openapi_routes", "openapi_document", "explorer_page", "explorer_asset", "ASSETS"]

ASSETS = {
    "swagger-ui-bundle.js": "application/javascript",
    "swagger-ui-standalone-preset.js": "application/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
"""The Swagger UI files the explorer serves, and their types."""


def _namespace_url(request: "RestRequest") -> str:
    return request.app._rest_url(request.environ) + "/" + request.route.namespace  # type: ignore[union-attr]


def openapi_document(request: "RestRequest") -> RestResponse:
    """The OpenAPI 3.1 document of this namespace, generated from the live registry."""
    namespace = request.route.namespace  # type: ignore[union-attr]
    document = build_document(request.app.registry, namespace, server=_namespace_url(request))
    if request.params.get("openapi") == "3.0":
        document = as_openapi_30(document)
    return RestResponse(document, envelope=False)


def openapi_schema() -> dict[str, Any]:
    """The document's own schema: an OpenAPI 3.1 document (its parts stay open)."""
    return resource_schema("openapi", {
        "openapi": {"type": "string", "description": "The OpenAPI version, 3.1.0."},
        "jsonSchemaDialect": {"type": "string"},
        "info": {"type": "object"},
        "servers": {"type": "array", "items": {"type": "object"}},
        "tags": {"type": "array", "items": {"type": "object"}},
        "paths": {"type": "object"},
        "components": {"type": "object"},
    }, required=("openapi", "info", "paths"))


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" type="image/png" href="{assets}/favicon-32x32.png">
<style>
  body {{ margin: 0; }}
  #learnomy-token {{ padding: 10px 20px; background: #1b1b1b; color: #fff; font-family: sans-serif; }}
  #learnomy-token input {{ width: 40em; max-width: 60%; }}
</style>
</head>
<body>
<form id="learnomy-token" autocomplete="off">
  <label for="bearer-token">Bearer token</label>
  <input id="bearer-token" name="token" type="password" placeholder="an access token from POST /auth/token">
  <button id="bearer-apply" type="submit">Use token</button>
  <span id="bearer-state"></span>
</form>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script src="{assets}/swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({{
  url: {document},
  dom_id: "#swagger-ui",
  deepLinking: true,
  persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout"
}});
document.getElementById("learnomy-token").addEventListener("submit", function (event) {{
  event.preventDefault();
  var token = document.getElementById("bearer-token").value.trim();
  window.ui.preauthorizeApiKey("bearer", token);
  document.getElementById("bearer-state").textContent = token ? "token set" : "token cleared";
}});
</script>
</body>
</html>
"""


def explorer_page(request: "RestRequest") -> RestResponse:
    """The API explorer (Swagger UI) over this namespace's document."""
    base = _namespace_url(request)
    page = _PAGE.format(
        title=html.escape(f"{request.route.namespace} API explorer"),  # type: ignore[union-attr]
        assets=html.escape(base + "/explorer"),
        # Swagger UI 4 (what swagger-ui-bundle ships) reads OpenAPI 3.0 only.
        document=json.dumps(base + "/openapi.json?openapi=3.0").replace("</", "<\\/"),
    )
    return RestResponse(page.encode(), envelope=False, content_type="text/html; charset=utf-8")


def explorer_asset(request: "RestRequest") -> RestResponse:
    """One of Swagger UI's files (:data:`ASSETS`)."""
    name = request.params["asset"]
    if name not in ASSETS:
        raise NotFound()
    import swagger_ui_bundle  # only when the explorer is used

    content = (Path(swagger_ui_bundle.swagger_ui_path) / name).read_bytes()
    return RestResponse(content, envelope=False, content_type=ASSETS[name])


def page_schema() -> dict[str, Any]:
    """The explorer's pages are HTML and files: no JSON resource."""
    return resource_schema("page", {}, additional=True)


def register_openapi_routes(registry: "RouteRegistry", namespace: str, *, explorer: bool = False) -> None:
    """Register ``/openapi.json`` (and, with ``explorer``, ``/explorer``) in ``namespace``."""
    registry.register_rest_route(namespace, "/openapi.json", {
        "methods": "GET",
        "callback": openapi_document,
        "permission_callback": PUBLIC,
        "public_cache": True,
        "args": {"openapi": {"type": "string", "enum": ["3.1", "3.0"], "default": "3.1",
                             "description": "3.0 for tools that do not read 3.1 yet (the explorer's Swagger UI)."}},
        "answers": {"envelope": False},
    }, schema=openapi_schema)
    if not explorer:
        return
    registry.register_rest_route(namespace, "/explorer", {
        "methods": "GET",
        "callback": explorer_page,
        "permission_callback": PUBLIC,
        "answers": "html",
    }, schema=page_schema)
    registry.register_rest_route(namespace, r"/explorer/(?P<asset>[\w.\-]+)", {
        "methods": "GET",
        "callback": explorer_asset,
        "permission_callback": PUBLIC,
        "public_cache": True,
        "args": {"asset": {"type": "string", "enum": sorted(ASSETS), "description": "A Swagger UI file."}},
        "answers": {"shape": "file", "media_type": "*/*"},
    }, schema=page_schema)
