"""Named, reusable permission policies for ``permission_callback``.

Every endpoint names the policy that guards it, and the manifest records that
name, so a reviewer can read who may call each route without reading code::

    from learnomy_core.permissions import PUBLIC, LOGGED_IN, has_capability, policy

    @policy("course_editor")
    def course_editor(request):
        return request.user is not None and is_editor(request.user, request.params["id"])

A policy returns ``True`` to allow, ``False`` to refuse (401 for an anonymous
caller, 403 otherwise), or raises an :class:`~learnomy_core.errors.ApiError`
itself (``NotFound`` when the caller may not even know the object exists).
Policies that need a login (every one but :data:`PUBLIC`, unless declared
otherwise) answer an anonymous caller 401 before its parameters are validated:
we tell an anonymous caller nothing about a protected endpoint's input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Protocol

from .errors import Forbidden, NotLoggedIn

if TYPE_CHECKING:  # pragma: no cover
    from .request import RestRequest

__all__ = [
    "Principal",
    "Policy",
    "policy",
    "as_policy",
    "PUBLIC",
    "LOGGED_IN",
    "has_capability",
    "any_of",
    "ADMIN",
    "INSTRUCTOR",
]


class Principal(Protocol):
    """What the core needs of an authenticated user (the identity plugin supplies it)."""

    id: int

    def has_cap(self, capability: str) -> bool:
        """Whether the user holds ``capability``."""


class Policy:
    """A permission callback with a name the manifest can record.

    :param name: a stable name (``public``, ``logged_in``, ``capability:manage_options``).
    :param check: ``check(request) -> bool``; may raise an ``ApiError``.
    :param requires_login: refuse anonymous callers with 401 before anything else.
    """

    __slots__ = ("name", "check", "requires_login")

    def __init__(
        self, name: str, check: Callable[["RestRequest"], Any], *, requires_login: bool = True
    ) -> None:
        self.name = name
        self.check = check
        self.requires_login = requires_login

    def __call__(self, request: "RestRequest") -> bool:
        return bool(self.check(request))

    def enforce_login(self, request: "RestRequest") -> None:
        """Raise 401 for an anonymous caller of a policy that needs a login."""
        if self.requires_login and request.user is None:
            raise NotLoggedIn()

    def enforce(self, request: "RestRequest") -> None:
        """Raise 401/403 unless the policy allows ``request``."""
        self.enforce_login(request)
        if not self.check(request):
            raise NotLoggedIn() if request.user is None else Forbidden()

    def __repr__(self) -> str:
        return f"<Policy {self.name}>"


def policy(name: str, *, requires_login: bool = True) -> Callable[[Callable[..., Any]], Policy]:
    """Decorate a check function to make it a named :class:`Policy`."""

    def decorate(check: Callable[["RestRequest"], Any]) -> Policy:
        return Policy(name, check, requires_login=requires_login)

    return decorate


def as_policy(callback: Any) -> Policy:
    """Wrap a plain WordPress-style callable as a policy named after it.

    ``True`` and the string ``"__return_true"`` (WordPress's idiom) mean public.
    """
    if isinstance(callback, Policy):
        return callback
    if callback is True or callback == "__return_true":
        return PUBLIC
    if callable(callback):
        name = f"callable:{getattr(callback, '__module__', '?')}.{getattr(callback, '__qualname__', repr(callback))}"
        # A bare callable may well allow anonymous callers; let it decide.
        return Policy(name, callback, requires_login=False)
    raise TypeError(f"permission_callback must be a Policy or callable, not {callback!r}")


PUBLIC = Policy("public", lambda request: True, requires_login=False)
"""Anyone, logged in or not."""

LOGGED_IN = Policy("logged_in", lambda request: request.user is not None)
"""Any authenticated user."""


def has_capability(capability: str) -> Policy:
    """Users whose role grants ``capability`` (``manage_options`` for administrators)."""
    return Policy(
        f"capability:{capability}",
        lambda request: request.user is not None and request.user.has_cap(capability),
    )


def any_of(*policies: Policy) -> Policy:
    """Allowed when any of ``policies`` allows; named ``a|b``."""
    return Policy(
        "|".join(p.name for p in policies),
        lambda request: any(p(request) for p in policies),
        requires_login=all(p.requires_login for p in policies),
    )


ADMIN = has_capability("manage_options")
"""Administrators."""

INSTRUCTOR = has_capability("learnomy_teach")
"""Instructors and administrators."""
