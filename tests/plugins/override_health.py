"""A plugin that replaces a Free route on purpose, and one on a clash."""

from learnomy_core import PUBLIC, READABLE, hookimpl
from learnomy_core.openapi import STR, resource_schema


@hookimpl
def learnomy_register_routes(registry):
    registry.register_rest_route("learnomy/v1", "/health", {
        "methods": READABLE, "callback": lambda request: {"status": "overridden"},
        "permission_callback": PUBLIC,
    }, override=True, schema=lambda: resource_schema("health", {"status": STR}))
