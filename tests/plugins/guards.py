"""Routes that test the core's guards: permission callbacks of every form, and
answers that fail after a write. Load it beside ``acme`` (whose widgets table it
writes and whose ``X-Test-User`` header authenticates callers)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core import CREATABLE, LOGGED_IN, PUBLIC, READABLE, hookimpl
from learnomy_core.errors import Forbidden, NotFound
from learnomy_core.permissions import Policy, any_of

PLUGIN_NAME = "guards"
NS = "guards/v1"
N_ARG = {"n": {"type": "integer", "minimum": 1, "required": True}}
FAIL_AFTER = "X-Guards-Fail-After"


def echo(request: Any) -> Any:
    return {"params": request.params}


def _write(request: Any) -> None:
    table = request.app.tables["lrn_acme_widgets"]
    request.db.execute(sa.insert(table).values(name="written", color="#000000", owner_id=0))


def write(request: Any) -> Any:
    _write(request)
    return {"written": True}


def write_then_unserialisable(request: Any) -> Any:
    _write(request)
    return {"oops": object()}


def write_then_nan(request: Any) -> Any:
    _write(request)
    return {"points": float("nan")}


# Permission callbacks as a WordPress plugin writes them: plain callables.
def needs_a_user(request: Any) -> bool:
    return request.user is not None


def anyone(request: Any) -> bool:
    return True


def needs_a_big_n(request: Any) -> bool:
    return request.params["n"] > 1


def returns_forbidden(request: Any) -> Any:
    return Forbidden("Not you.", code="guards_not_you")


RETURNS_NOT_FOUND = Policy("returns_not_found", lambda request: NotFound("Nothing here."), requires_login=False)
FALSY = {"zero": 0, "none": None, "empty": ""}


def _falsy(answer: Any) -> Policy:
    return Policy(f"answers_{answer!r}", lambda request: answer)


@hookimpl
def learnomy_register_routes(registry: Any) -> None:
    for path, permission in (("/callable-login", needs_a_user), ("/callable-public", anyone),
                             ("/callable-params", needs_a_big_n), ("/callable-error", returns_forbidden),
                             ("/policy-error", RETURNS_NOT_FOUND),
                             ("/any-of-error", any_of(RETURNS_NOT_FOUND, PUBLIC))):
        registry.register_rest_route(NS, path, {"methods": READABLE, "callback": echo,
                                       "permission_callback": permission, "args": N_ARG})
    for name, answer in FALSY.items():
        registry.register_rest_route(NS, f"/falsy-{name}", {"methods": READABLE, "callback": echo,
                                                   "permission_callback": _falsy(answer)})
    for path, callback in (("/write", write), ("/write-then-unserialisable", write_then_unserialisable),
                           ("/write-then-nan", write_then_nan)):
        registry.register_rest_route(NS, path, {"methods": CREATABLE, "callback": callback,
                                       "permission_callback": LOGGED_IN})


@hookimpl
def learnomy_after_dispatch(request: Any, response: Any) -> None:
    if request.headers.get(FAIL_AFTER):
        raise RuntimeError("the after-dispatch hook failed")
