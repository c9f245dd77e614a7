"""CORS: which web apps on other origins may call the API, and what they may read.

A request with an ``Origin`` header from an allowed origin gets the grant a browser
needs; a preflight (``OPTIONS``) is answered like any ``OPTIONS``, with the grant::

    Access-Control-Allow-Origin: https://app.example.org
    Access-Control-Allow-Methods: OPTIONS, GET, POST, PUT, PATCH, DELETE
    Access-Control-Allow-Headers: Authorization, Content-Type, ...
    Access-Control-Expose-Headers: X-WP-Total, X-WP-TotalPages, Link, ...
    Access-Control-Allow-Credentials: true
    Vary: Origin

Allowed origins are the ``api.cors_origins`` setting: ``["*"]`` (the default, as in
WordPress) allows any origin; a list of origins (``https://app.example.org``)
allows those alone. Any origin is safe by default because the API authenticates
with headers a script sets itself (bearer tokens, application passwords, API
keys), never with cookies or credentials a browser adds on its own: a page on
another origin can only act with credentials it already holds. ``Allow-Credentials``
is sent so that clients that fetch with ``credentials: 'include'`` (WordPress's
``api-fetch`` does by default) are not refused.

Requests without ``Origin`` get no grant, and nothing is read from the settings for
them; every answer says ``Vary: Origin`` so that a shared cache never hands one
origin's answer to another.
"""

from __future__ import annotations

from typing import Any, Iterable

__all__ = ["cors_headers", "origin_allowed", "ALLOW_HEADERS", "EXPOSE_HEADERS", "ALLOW_METHODS"]

ALLOW_METHODS = "OPTIONS, GET, POST, PUT, PATCH, DELETE"
ALLOW_HEADERS = ", ".join([
    "Authorization", "Content-Type", "Content-Disposition", "If-Match", "If-None-Match",
    "Idempotency-Key", "X-WP-Nonce", "X-HTTP-Method-Override", "X-Request-Id", "X-Learnomy-Key",
])
EXPOSE_HEADERS = ", ".join([
    "X-WP-Total", "X-WP-TotalPages", "Link", "ETag", "X-Request-Id", "Allow", "Location",
    "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After", "Idempotent-Replayed",
])
MAX_AGE = "600"  # seconds a browser may reuse a preflight's answer


def origin_allowed(origin: str, allowed: Iterable[str]) -> bool:
    """Whether ``origin`` (as the browser sent it) is among ``allowed`` (``"*"`` is any)."""
    wanted = origin.strip().rstrip("/").lower()
    for entry in allowed:
        if entry == "*" or entry.strip().rstrip("/").lower() == wanted:
            return True
    return False


def cors_headers(origin: str, allowed: Iterable[str], *, preflight: bool) -> dict[str, Any]:
    """The grant for ``origin``; empty when it is not allowed.

    :param preflight: an ``OPTIONS`` request naming ``Access-Control-Request-Method``.
    """
    if not origin or not origin_allowed(origin, allowed):
        return {}
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ALLOW_METHODS,
        "Access-Control-Allow-Headers": ALLOW_HEADERS,
        "Access-Control-Expose-Headers": EXPOSE_HEADERS,
        "Access-Control-Allow-Credentials": "true",
    }
    if preflight:
        headers["Access-Control-Max-Age"] = MAX_AGE
    return headers
