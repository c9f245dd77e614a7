"""The registry: WordPress's register_rest_route forms, and the rules we add."""

from __future__ import annotations

from typing import Any, Callable

import pytest

from learnomy_core import (
    ALLMETHODS,
    CREATABLE,
    DELETABLE,
    EDITABLE,
    PUBLIC,
    READABLE,
    RegistrationError,
    RegistryClosed,
    RouteRegistry,
)
from learnomy_core.registry import parse_methods


def noop(request: Any) -> dict:
    return {}


def endpoint(methods: Any = READABLE, **extra: Any) -> dict:
    return {"methods": methods, "callback": noop, "permission_callback": PUBLIC, **extra}


def frozen(*registrations: tuple[str, Callable[[RouteRegistry], None]]) -> RouteRegistry:
    """A registry after each ``(plugin, register)`` ran in its own scope."""
    registry = RouteRegistry()
    for plugin, register in registrations:
        with registry.registering(plugin):
            register(registry)
    registry.freeze()
    return registry


@pytest.mark.parametrize("methods, expected", [
    ("GET", ("GET",)),
    ("get, post", ("GET", "POST")),
    (["PUT", "patch"], ("PUT", "PATCH")),
    (READABLE, ("GET",)),
    (CREATABLE, ("POST",)),
    (EDITABLE, ("POST", "PUT", "PATCH")),
    (DELETABLE, ("DELETE",)),
    (ALLMETHODS, ("GET", "POST", "PUT", "PATCH", "DELETE")),
])
def test_method_forms(methods: Any, expected: tuple) -> None:
    assert parse_methods(methods) == expected


@pytest.mark.parametrize("bad", ["FETCH", "", []])
def test_bad_methods_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        parse_methods(bad)


@pytest.mark.parametrize("namespace, route, expected", [
    ("/acme/v1/", "/items/", "/acme/v1/items"),
    ("acme/v1", "items", "/acme/v1/items"),
    ("acme/v1", r"/items/(?P<id>[\d]+)", r"/acme/v1/items/(?P<id>[\d]+)"),
])
def test_slashes_are_trimmed_like_wordpress(namespace: str, route: str, expected: str) -> None:
    registry = frozen(("p", lambda r: r.register_rest_route(namespace, route, endpoint())))
    assert [r.pattern for r in registry.routes.values()] == [expected]


@pytest.mark.parametrize("path, pattern, params", [
    ("/acme/v1/items", "/acme/v1/items", {}),
    ("/acme/v1/items/42", r"/acme/v1/items/(?P<id>[\d]+)", {"id": "42"}),
    ("/acme/v1/ITEMS/42", r"/acme/v1/items/(?P<id>[\d]+)", {"id": "42"}),
    ("/acme/v1/items/42/parts/ab-c", r"/acme/v1/items/(?P<id>[\d]+)/parts/(?P<part>[\w-]+)",
     {"id": "42", "part": "ab-c"}),
    ("/acme/v1/files/a/b/c.txt", r"/acme/v1/files/(?P<path>.+)", {"path": "a/b/c.txt"}),
    ("/acme/v1/keys/0E7C-AB", r"/acme/v1/keys/(?P<key>[a-f0-9\-]+)", {"key": "0E7C-AB"}),
])
def test_resolution(path: str, pattern: str, params: dict) -> None:
    def register(r: RouteRegistry) -> None:
        r.register_rest_route("acme/v1", "/items", endpoint())
        r.register_rest_route("acme/v1", r"/items/(?P<id>[\d]+)", endpoint())
        r.register_rest_route("acme/v1", r"/items/(?P<id>[\d]+)/parts/(?P<part>[\w-]+)", endpoint())
        r.register_rest_route("acme/v1", r"/files/(?P<path>.+)", endpoint())
        r.register_rest_route("acme/v1", r"/keys/(?P<key>[a-f0-9\-]+)", endpoint())

    route, found = frozen(("p", register)).match(path)
    assert route.pattern == pattern
    assert found == params


@pytest.mark.parametrize("path", ["/acme/v1/items/x", "/acme/v1/other", "/acme/v2/items"])
def test_unmatched_paths(path: str) -> None:
    registry = frozen(("p", lambda r: r.register_rest_route("acme/v1", r"/items/(?P<id>[\d]+)", endpoint())))
    with pytest.raises(LookupError):
        registry.match(path)


def test_namespace_index_is_matched() -> None:
    registry = frozen(("p", lambda r: r.register_rest_route("acme/v1", "/items", endpoint())))
    assert registry.match("/acme/v1") == ("acme/v1", {})


def test_endpoints_from_several_registrations_merge_into_one_route() -> None:
    registry = frozen(
        ("a", lambda r: r.register_rest_route("acme/v1", "/items", endpoint(READABLE))),
        ("b", lambda r: r.register_rest_route("acme/v1", "/items", endpoint(CREATABLE))),
    )
    route = registry.routes["/acme/v1/items"]
    assert {m: e.plugin for m, e in route.by_method.items()} == {"GET": "a", "POST": "b", "HEAD": "a"}


def test_a_list_of_endpoints() -> None:
    registry = frozen(("p", lambda r: r.register_rest_route(
        "acme/v1", "/items", [endpoint(READABLE), endpoint(EDITABLE)])))
    assert registry.routes["/acme/v1/items"].methods == ["GET", "POST", "PUT", "PATCH"]  # HEAD is implied
    assert registry.routes["/acme/v1/items"].by_method["HEAD"].methods == ("GET",)


def test_missing_permission_callback_names_plugin_and_route() -> None:
    with pytest.raises(RegistrationError) as caught:
        frozen(("acme", lambda r: r.register_rest_route("acme/v1", "/items", {"methods": "GET", "callback": noop})))
    (problem,) = caught.value.problems
    assert problem.plugin == "acme" and problem.route == "/items"
    assert "permission_callback" in str(caught.value) and "acme" in str(caught.value)


def test_duplicate_route_and_method_names_both_plugins() -> None:
    with pytest.raises(RegistrationError) as caught:
        frozen(
            ("first", lambda r: r.register_rest_route("acme/v1", "/items", endpoint())),
            ("second", lambda r: r.register_rest_route("acme/v1", "/ITEMS/", endpoint())),
        )
    message = str(caught.value)
    assert "'first'" in message and "'second'" in message and "override=True" in message


def test_override_replaces_the_whole_route_as_in_wordpress() -> None:
    def replacement(request: Any) -> dict:
        return {"replaced": True}

    registry = frozen(
        ("first", lambda r: r.register_rest_route("acme/v1", "/items", endpoint(ALLMETHODS))),
        ("second", lambda r: r.register_rest_route(
            "acme/v1", "/items", {**endpoint(READABLE), "callback": replacement}, override=True)),
    )
    route = registry.routes["/acme/v1/items"]
    assert route.by_method["GET"].callback is replacement
    assert route.methods == ["GET"]  # POST, PUT, PATCH and DELETE of "first" are gone
    assert "POST" not in route.by_method


def test_every_problem_is_reported_at_once() -> None:
    def register(r: RouteRegistry) -> None:
        r.register_rest_route("acme/v1", "/a", {"methods": "GET", "callback": noop})
        r.register_rest_route("", "/b", endpoint())
        r.register_rest_route("acme/v1", "/c", {**endpoint(), "colour": "blue"})
        r.register_rest_route("acme/v1", r"/d/(?P<id>[\d]+", endpoint())
        r.register_rest_route("acme/v1", "/e", {"methods": "GET", "permission_callback": PUBLIC})

    with pytest.raises(RegistrationError) as caught:
        frozen(("acme", register))
    assert len(caught.value.problems) == 5


def test_static_route_shadowed_by_an_earlier_dynamic_route_is_refused() -> None:
    def register(r: RouteRegistry) -> None:
        r.register_rest_route("acme/v1", r"/items/(?P<slug>[\w-]+)", endpoint())
        r.register_rest_route("acme/v1", "/items/featured", endpoint())

    with pytest.raises(RegistrationError, match="shadowed"):
        frozen(("acme", register))


def test_static_route_registered_first_wins_as_in_wordpress() -> None:
    def register(r: RouteRegistry) -> None:
        r.register_rest_route("acme/v1", "/items/featured", endpoint())
        r.register_rest_route("acme/v1", r"/items/(?P<slug>[\w-]+)", endpoint())

    registry = frozen(("acme", register))
    assert registry.match("/acme/v1/items/featured")[0].pattern == "/acme/v1/items/featured"
    assert registry.match("/acme/v1/items/other")[0].pattern == r"/acme/v1/items/(?P<slug>[\w-]+)"


def test_overlapping_dynamic_routes_resolve_in_registration_order() -> None:
    def register(r: RouteRegistry) -> None:
        r.register_rest_route("acme/v1", r"/items/(?P<id>[\d]+)", endpoint())
        r.register_rest_route("acme/v1", r"/items/(?P<slug>[\w-]+)", endpoint())

    registry = frozen(("acme", register))
    assert registry.match("/acme/v1/items/12")[1] == {"id": "12"}
    assert registry.match("/acme/v1/items/abc")[1] == {"slug": "abc"}


def test_registering_outside_the_hook_is_refused() -> None:
    with pytest.raises(RegistryClosed):
        RouteRegistry().register_rest_route("acme/v1", "/items", endpoint())


def test_registry_is_read_only_once_frozen() -> None:
    registry = frozen(("p", lambda r: r.register_rest_route("acme/v1", "/items", endpoint())))
    with pytest.raises(RegistryClosed):
        with registry.registering("late"):
            pass


def test_sensitive_flag_and_policy_name_reach_the_entries() -> None:
    registry = frozen(("p", lambda r: r.register_rest_route(
        "acme/v1", "/login", endpoint(CREATABLE, sensitive=True))))
    assert registry.entries() == [{
        "namespace": "acme/v1", "route": "/login", "methods": ["POST"],
        "permission": "public", "sensitive": True, "plugin": "p",
    }]


ACCOUNT_ARGS = {"username": {"type": "string"}, "email": {"type": "string"}}


@pytest.mark.parametrize("declared, recorded", [
    (False, False),
    (True, True),
    ("per_user", True),
    ({"per": "user"}, True),
    ("per_client", {"per": "client", "accounts": []}),
    ({"per": "client", "accounts": ["username", "email"]}, {"per": "client", "accounts": ["username", "email"]}),
])
def test_sensitive_forms_reach_the_entries_in_one_form(declared: Any, recorded: Any) -> None:
    registry = frozen(("p", lambda r: r.register_rest_route(
        "acme/v1", "/login", endpoint(CREATABLE, sensitive=declared, args=ACCOUNT_ARGS))))
    assert registry.entries()[0]["sensitive"] == recorded


@pytest.mark.parametrize("declared, complaint", [
    ("yes", "sensitive"),
    ({"per": "galaxy"}, "per"),
    ({"per": "client", "accounts": ["login"]}, "login"),          # not an argument of the endpoint
    ({"per": "client", "accounts": "username"}, "accounts"),      # a list, not a string
    ({"per": "user", "accounts": ["username"]}, "accounts"),      # accounts are counted per client only
    ({"per": "client", "everyone": True}, "everyone"),
])
def test_a_bad_sensitive_declaration_is_refused(declared: Any, complaint: str) -> None:
    with pytest.raises(RegistrationError) as caught:
        frozen(("acme", lambda r: r.register_rest_route(
            "acme/v1", "/login", endpoint(CREATABLE, sensitive=declared, args=ACCOUNT_ARGS))))
    (problem,) = caught.value.problems
    assert "sensitive" in problem.message and complaint in problem.message


@pytest.mark.parametrize("callback, name", [
    (True, "public"),
    ("__return_true", "public"),
    (noop, f"callable:{__name__}.noop"),
])
def test_wordpress_style_permission_callbacks_get_names(callback: Any, name: str) -> None:
    registry = frozen(("p", lambda r: r.register_rest_route(
        "acme/v1", "/x", {"methods": "GET", "callback": noop, "permission_callback": callback})))
    assert registry.entries()[0]["permission"] == name


# -- WordPress forms the registry takes -----------------------------------------------------

@pytest.mark.parametrize("route, path, params", [
    ("/things/(?:red|blue)", "/acme/v1/things/red", {}),
    ("/things/(?:red|blue)", "/acme/v1/things/BLUE", {}),
    ("/things/(red|blue)", "/acme/v1/things/blue", {}),  # a numbered group: no parameter, as in WordPress
    (r"/items(?:/(?P<id>[\d]+))?", "/acme/v1/items", {}),
    (r"/items(?:/(?P<id>[\d]+))?", "/acme/v1/items/7", {"id": "7"}),
    (r"/x/(?:a|b)/(?P<slug>[\w-]+)", "/acme/v1/x/a/Some-Slug", {"slug": "Some-Slug"}),
])
def test_routes_with_unnamed_groups_register_and_match(route: str, path: str, params: dict) -> None:
    registry = frozen(("p", lambda r: r.register_rest_route("acme/v1", route, endpoint())))
    matched, found = registry.match(path)
    assert matched.pattern == f"/acme/v1{route}"
    assert found == params


def test_unnamed_groups_still_refuse_what_they_do_not_match() -> None:
    registry = frozen(("p", lambda r: r.register_rest_route("acme/v1", "/things/(?:red|blue)", endpoint())))
    with pytest.raises(LookupError):
        registry.match("/acme/v1/things/green")


@pytest.mark.parametrize("route", [r"/d/(?P<id>[\d]+", r"/e/\d+", "/f/(?=x)y"])
def test_a_bad_route_names_the_route_once(route: str) -> None:
    with pytest.raises(RegistrationError) as caught:
        frozen(("acme", lambda r: r.register_rest_route("acme/v1", route, endpoint())))
    (problem,) = caught.value.problems
    assert str(problem).count("acme/v1") == 1
    assert str(problem).startswith(f"acme: /acme/v1{route}: ")


def test_override_keeps_the_routes_place_and_later_endpoints_append() -> None:
    registry = frozen(
        ("first", lambda r: (r.register_rest_route("acme/v1", "/a", endpoint(ALLMETHODS)),
                             r.register_rest_route("acme/v1", "/b", endpoint()))),
        ("second", lambda r: (r.register_rest_route("acme/v1", "/a", endpoint(CREATABLE), override=True),
                              r.register_rest_route("acme/v1", "/a", endpoint(DELETABLE)))),
    )
    assert list(registry.routes) == ["/acme/v1/a", "/acme/v1/b"]
    assert registry.routes["/acme/v1/a"].methods == ["POST", "DELETE"]


@pytest.mark.parametrize("extra", [{"show_in_index": False}, {"allow_batch": {"v1": True}}])
def test_wordpress_endpoint_keys_are_taken(extra: dict) -> None:
    registry = frozen(("p", lambda r: r.register_rest_route("acme/v1", "/x", endpoint(**extra))))
    (only,) = registry.routes["/acme/v1/x"].endpoints
    assert only.show_in_index is extra.get("show_in_index", True)
    assert only.allow_batch == extra.get("allow_batch")


def test_a_bad_allow_batch_is_refused() -> None:
    with pytest.raises(RegistrationError, match="allow_batch"):
        frozen(("p", lambda r: r.register_rest_route("acme/v1", "/x", endpoint(allow_batch="v1"))))
