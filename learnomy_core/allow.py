"""The ``Allow`` header for one caller: the methods of a route this caller may use.

WordPress's ``rest_send_allow_header`` runs every endpoint's permission callback for
the caller on every answer of a matched route, and clients rely on it: Gutenberg's
``canUser`` reads ``Allow`` from an ``OPTIONS`` answer, and its entity resolvers read
it from ``GET`` answers to learn whether the user may edit or delete what it just
read. We send it where it tells the caller something (see README, "WordPress
compatibility"):

- on ``OPTIONS`` and on 405;
- on every answer of a route with several endpoints (``GET`` and ``POST`` on a
  collection, ``GET``/``PUT``/``DELETE`` on an item).

A route with one endpoint sends none on its other answers: the answer itself says
whether the caller may use it.

Cost: the endpoint that just answered is not asked again when it allowed the
request; a policy shared by several endpoints is asked once; ``PUBLIC`` and, for an
anonymous caller, every policy that needs a login are decided without running
anything. So an anonymous ``GET`` of a collection costs nothing, and a logged-in
``GET`` of an item costs what its editor policy costs (usually one query).

A policy is asked with the URL's parameters, validated and sanitized against that
endpoint's args (its defaults filled in), so that an editor policy that loads the
course by ``request.params["id"]`` works as it does when the endpoint is called. A
refusal, an :class:`~learnomy_core.errors.ApiError` (``NotFound``, ``Forbidden``)
or a parameter the URL does not carry means "not allowed"; what the policy leaves
on the request (``request.context``) is put back.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Optional

from .errors import ApiError
from .permissions import PUBLIC
from .schema import sanitize, validate

if TYPE_CHECKING:  # pragma: no cover
    from .registry import Endpoint, Route
    from .request import RestRequest

__all__ = ["allow_header"]

logger = logging.getLogger("learnomy")


def allow_header(request: "RestRequest", route: "Route", *, granted: Optional["Endpoint"] = None) -> str:
    """``Allow`` for ``request``'s caller on ``route``: its permitted methods, ``HEAD``
    where ``GET`` is permitted, and ``OPTIONS`` (anyone may ask it).

    :param granted: an endpoint whose policy already allowed this request.
    """
    methods: list[str] = []
    verdicts: dict[int, bool] = {}
    for endpoint in route.endpoints:
        if endpoint is granted:
            allowed = True
        else:
            key = id(endpoint.permission)
            if key not in verdicts:
                verdicts[key] = _permits(request, endpoint)
            allowed = verdicts[key]
        if allowed:
            methods += [m for m in endpoint.methods if route.by_method.get(m) is endpoint and m not in methods]
    if "GET" in methods and "HEAD" not in methods:
        methods.insert(methods.index("GET") + 1, "HEAD")
    methods.append("OPTIONS")
    return ", ".join(methods)


def _permits(request: "RestRequest", endpoint: "Endpoint") -> bool:
    policy = endpoint.permission
    if policy is PUBLIC:
        return True
    if policy.requires_login and request.user is None:
        return False
    params = _url_params(request, endpoint)
    if params is None:
        return False
    saved = request.params, request.context, request.endpoint
    request.params, request.endpoint = params, endpoint
    try:
        return policy(request)
    except (ApiError, KeyError):
        # Refused, or it needs a parameter the URL does not give (a body's
        # course_id): not something this caller can be promised.
        return False
    except Exception:  # noqa: BLE001 - a broken policy must not break the answer it rides on
        logger.exception("permission policy %s failed while computing Allow; request_id=%s",
                         policy.name, request.request_id)
        return False
    finally:
        request.params, request.context, request.endpoint = saved


def _url_params(request: "RestRequest", endpoint: "Endpoint") -> Optional[dict[str, Any]]:
    """The URL's parameters as ``endpoint`` would see them, or None when one is invalid."""
    params: dict[str, Any] = {name: schema["default"] for name, schema in endpoint.args.items() if "default" in schema}
    for name, value in request.url_params.items():
        schema = endpoint.args.get(name)
        if schema is None:
            params[name] = value
        elif validate(value, schema, name) is None:  # type: ignore[arg-type]
            params[name] = sanitize(value, schema)  # type: ignore[arg-type]
        else:
            return None
    return params
