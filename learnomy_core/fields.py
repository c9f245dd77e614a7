"""Additional fields: attributes a plugin adds to another plugin's resource.

WordPress's ``register_rest_field``: a plugin declares, inside
``learnomy_register_routes``, an attribute of a resource (named by its schema's
title), how to read it and, optionally, how to write it::

    @hookimpl
    def learnomy_register_routes(registry):
        registry.register_rest_field("commission-settings", "instructor_overrides", {
            "get_callback": lambda request, item: load(request),
            "update_callback": lambda request, value, item: store(request, value),
            "schema": {"type": "array", "items": {...}},
        })

The registry adds the attribute to the resource schema of every route answering
that resource, and to the arguments of their write endpoints when it can be
written (see :meth:`learnomy_core.registry.RouteRegistry.register_rest_field`).
The route's callbacks, which own the resource, make two calls, as WordPress's
controllers call ``add_additional_fields_to_object`` and
``update_additional_fields_for_object``::

    def get_thing(request):
        return add_additional_fields(request, thing(request))

    def put_thing(request):
        item = write_thing(request)
        update_additional_fields(request, item)   # same transaction: all or nothing
        return add_additional_fields(request, item)
"""

from __future__ import annotations

from typing import Any, MutableMapping, TypeVar

from .request import RestRequest

__all__ = ["add_additional_fields", "update_additional_fields"]

Item = TypeVar("Item", bound=MutableMapping[str, Any])


def add_additional_fields(request: RestRequest, item: Item) -> Item:
    """``item`` with each additional field of the request's route that can be read.

    :param item: the resource as the route answers it; it is changed and returned.
    :returns: ``item``, each field's ``get_callback(request, item)`` under its attribute.
    """
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
    route = request.route
    for field in route.fields if route is not None else ():
        if field.update_callback is not None and field.attribute in request.params:
            field.update_callback(request, request.params[field.attribute], item)
