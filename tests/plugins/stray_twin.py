"""A plugin that registers the same route as stray, without override."""

from learnomy_core import PUBLIC, READABLE, hookimpl


@hookimpl
def learnomy_register_routes(registry):
    registry.register_rest_route("learnomy/v1", "/stray", {
        "methods": READABLE, "callback": lambda request: {}, "permission_callback": PUBLIC,
    })
