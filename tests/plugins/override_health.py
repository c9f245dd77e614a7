"""A plugin that replaces a Free route on purpose, and one on a clash."""

from learnomy_core import PUBLIC, READABLE, hookimpl


@hookimpl
def learnomy_register_routes(registry):
    registry.register_rest_route("learnomy/v1", "/health", {
        "methods": READABLE, "callback": lambda request: {"status": "overridden"},
        "permission_callback": PUBLIC,
    }, override=True)
