"""Additional fields: attributes a plugin adds to another plugin's resource.

WordPress's ``register_rest_field``: a plugin declares, inside
``learnomy_register_routes``, an attribute of a resource (named by its schema's
title), how to read it and, optionally, how to write it::

    @hookimpl
    def learnomy_register_routes(registry):
        registry.register_rest_field("course", "acme_badge", {
            "get_callback": lambda request, item: load(request, item["id"]),
            "update_callback": lambda request, value, item: store(request, item["id"], value),
            "schema": {"type": "string", "maxLength": 40},
        })

The registry adds the attribute to the resource schema of every route answering
that resource, and to the arguments of their write endpoints when it can be
written (see :meth:`learnomy_core.registry.RouteRegistry.register_rest_field`).
Every such route then answers it: after the route's callback, the core runs
:func:`complete_answer`, which writes the fields sent to an endpoint creating or
updating the resource (:func:`~learnomy_core.registry.writes_fields`; not an
action sharing its schema, such as a reorder or ``cancel``)
(:func:`update_additional_fields`, in the request's transaction) and adds each
readable field to the item, or to each item of a list
(:func:`add_additional_fields`). WordPress leaves these two calls to each
controller, and a controller that forgets them drops the field silently; a route
callback may still make them itself (the core then does not again), to write the
fields before its own answer is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, MutableMapping, TypeVar

from .request import RestRequest

if TYPE_CHECKING:
    from .response import RestResponse

__all__ = ["add_additional_fields", "update_additional_fields", "complete_answer"]

Item = TypeVar("Item", bound=MutableMapping[str, Any])
_ADDED, _UPDATED = "lrn_fields_added", "lrn_fields_updated"  # request.memo: the callback did it
_WRITES = ("POST", "PUT", "PATCH")


def add_additional_fields(request: RestRequest, item: Item) -> Item:
    """``item`` with each additional field of the request's route that can be read.

    :param item: the resource as the route answers it; it is changed and returned.
    :returns: ``item``, each field's ``get_callback(request, item)`` under its attribute.
    """
    request.memo[_ADDED] = True
    route = request.route
    for field in route.fields if route is not None else ():
        if field.get_callback is not None:
            item[field.attribute] = field.get_callback(request, item)
    return item


def update_additional_fields(request: RestRequest, item: Any) -> None:
    """Run the ``update_callback`` of each additional field the request sends, in the
    request's transaction (a field that raises an ``ApiError`` fails the request and
    everything it wrote is rolled back).

    :param item: the resource as written so far, passed to each callback.
    """
    request.memo[_UPDATED] = True
    route, endpoint = request.route, request.endpoint
    # Only where the field is an argument (validated): request.params also holds
    # what a caller sent unasked, and an action route's permission is not the writer's.
    args = endpoint.args if endpoint is not None else {}
    for field in route.fields if route is not None else ():
        if field.update_callback is not None and field.attribute in request.params and field.attribute in args:
            field.update_callback(request, request.params[field.attribute], item)


def complete_answer(request: RestRequest, rest: "RestResponse") -> None:
    """The core's pass over a route's successful answer when its resource has
    additional fields: on a write answering one item, write the fields sent where
    they are arguments (an endpoint creating or updating the resource); then add
    the readable ones to the item, or to each item of a list. What
    the callback did itself (:func:`update_additional_fields`,
    :func:`add_additional_fields`) is not done again. A deletion's answer (``deleted``
    and ``previous``), a file and a body outside the envelope are left alone.
    """
    body = rest.body
    if rest.status >= 300 or not rest.envelope or rest.content_type is not None or not isinstance(body, dict):
        return
    data = body.get("data")
    if isinstance(data, MutableMapping):
        if data.keys() == {"deleted", "previous"}:
            return
        if request.rest_method in _WRITES and not request.memo.get(_UPDATED):
            update_additional_fields(request, data)
        if not request.memo.get(_ADDED):
            add_additional_fields(request, data)
    elif isinstance(data, list) and not request.memo.get(_ADDED):
        for item in data:
            if isinstance(item, MutableMapping):
                add_additional_fields(request, item)
