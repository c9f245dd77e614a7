"""A plugin whose routes opt in to WordPress's ``/batch/v1`` in every way WordPress
tells apart (``allow_batch``), and a route that records each call it runs, so tests
can tell what a batch ran."""

from __future__ import annotations

from typing import Any

from learnomy_core import ALLOW_BATCH, CREATABLE, LOGGED_IN, READABLE, file, hookimpl

PLUGIN_NAME = "batching"
NS = "batching/v1"
CALLS: list[dict[str, Any]] = []

# WordPress runs only {"v1": true}; these all answer rest_batch_not_allowed.
OPT_INS: dict[str, Any] = {"yes": ALLOW_BATCH, "true": True, "off": {"v1": False}, "other": {"version1": True},
                           "none": None}


def record(request: Any) -> Any:
    CALLS.append({"path": request.rest_path, "params": dict(request.params)})
    return {"params": request.params, "method": request.rest_method, "user": request.user.id}


def download(request: Any) -> Any:
    return file(PDF, "application/pdf", "certificate.pdf")


PDF = b"%PDF-1.4\x00\xff binary"


@hookimpl
def learnomy_register_routes(registry: Any) -> None:
    for name, allow in OPT_INS.items():
        endpoint: dict[str, Any] = {"methods": "POST, PUT, PATCH, DELETE", "callback": record,
                                    "permission_callback": LOGGED_IN,
                                    "args": {"project": {"type": "string", "enum": ["gutenberg", "learnomy"]}}}
        if allow is not None:
            endpoint["allow_batch"] = allow
        registry.register_rest_route(NS, f"/{name}", endpoint)
    registry.register_rest_route(NS, r"/yes/(?P<id>[\d]+)", {
        "methods": CREATABLE, "callback": record, "permission_callback": LOGGED_IN, "allow_batch": ALLOW_BATCH,
        "args": {"id": {"type": "integer", "minimum": 1}, "query": {"type": "string"},
                 "project": {"type": "string"}},
    })
    registry.register_rest_route(NS, "/file", {
        "methods": READABLE, "callback": download, "permission_callback": LOGGED_IN,
    })
