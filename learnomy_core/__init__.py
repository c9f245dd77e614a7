"""learnomy_core: a small WSGI core that speaks WordPress's REST model.

Build the app, mount it, serve it::

    from learnomy_core import create_app
    app = create_app({"database_url": "sqlite:///learnomy.sqlite"})

Write a plugin::

    from learnomy_core import hookimpl, READABLE, PUBLIC

    @hookimpl
    def learnomy_register_routes(registry):
        registry.register_rest_route("acme/v1", "/ping", {
            "methods": READABLE,
            "callback": lambda request: {"pong": True},
            "permission_callback": PUBLIC,
        })
"""

from __future__ import annotations

from .app import LearnomyApp, create_app
from .errors import ApiError, RegistrationError, RegistryClosed
from .hookspecs import hookimpl
from .permissions import ADMIN, INSTRUCTOR, LOGGED_IN, PUBLIC, Policy, any_of, has_capability, policy
from .registry import (
    ALLMETHODS,
    ALLOW_BATCH,
    CREATABLE,
    DELETABLE,
    EDITABLE,
    READABLE,
    RouteRegistry,
)
from .request import RestRequest
from .response import RestResponse, created, deleted, file, listing, ok

__all__ = [
    "create_app",
    "LearnomyApp",
    "hookimpl",
    "RouteRegistry",
    "READABLE",
    "CREATABLE",
    "EDITABLE",
    "DELETABLE",
    "ALLMETHODS",
    "ALLOW_BATCH",
    "Policy",
    "policy",
    "PUBLIC",
    "LOGGED_IN",
    "ADMIN",
    "INSTRUCTOR",
    "has_capability",
    "any_of",
    "RestRequest",
    "RestResponse",
    "ok",
    "created",
    "listing",
    "deleted",
    "file",
    "ApiError",
    "RegistrationError",
    "RegistryClosed",
]
