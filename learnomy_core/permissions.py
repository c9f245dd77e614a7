"""Named, reusable permission policies for ``permission_callback``.

Every endpoint names the policy that guards it, and the manifest records that
name, so a reviewer can read who may call each route without reading code::

    from learnomy_core.permissions import PUBLIC, LOGGED_IN, has_capability, policy

    @policy("course_editor")
    def course_editor(request):
        return request.user is not None and is_editor(request.user, request.params["id"])

A policy returns a true value to allow, a false one (``False``, ``0``, ``None``,
``""``) to refuse (401 for an anonymous caller, 403 otherwise), or returns or
raises an :class:`~learnomy_core.errors.ApiError` to answer with that error
(``NotFound`` when the caller may not even know the object exists); as in
WordPress, a returned error refuses, it never allows.

An anonymous caller of a protected endpoint gets 401 whatever its parameters: we
tell it nothing about the endpoint's input. Policies that need a login (every one
but :data:`PUBLIC`, unless declared otherwise) refuse it before its parameters are
validated. Any other policy, a plain WordPress-style callable included, is asked
about the anonymous caller before validation too, with ``request.params`` not yet
readable: a refusal then is a 401, and a policy that reads a parameter to decide
(``request.params["id"]``) is asked again, as always, once they are valid.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Callable, Iterator, NoReturn, Protocol

from .errors import ApiError, Forbidden, NotLoggedIn

if TYPE_CHECKING:  # pragma: no cover
    from .request import RestRequest

__all__ = [
    "Principal",
    "Policy",
    "ParamsPending",
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
    :param check: ``check(request) -> bool``; may return or raise an ``ApiError``.
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
        """Whether the policy allows ``request``.

        :raises ApiError: the error the check raised or returned.
        """
        answer = self.check(request)
        if isinstance(answer, ApiError):
            raise answer
        return bool(answer)

    def enforce_login(self, request: "RestRequest") -> None:
        """Raise 401 for an anonymous caller of a policy that needs a login."""
        if self.requires_login and request.user is None:
            raise NotLoggedIn()

    def refuse_anonymous(self, request: "RestRequest") -> None:
        """Before parameters are validated: raise 401 when the policy refuses an
        anonymous caller whatever the parameters (see the module docstring)."""
        if request.user is not None:
            return
        self.enforce_login(request)
        validated, request.params = request.params, _PENDING  # type: ignore[assignment]
        try:
            allowed = self(request)
        except ParamsPending:
            return  # it decides on the parameters: asked again once they are valid
        finally:
            request.params = validated
        if not allowed:
            raise NotLoggedIn()

    def enforce(self, request: "RestRequest") -> None:
        """Raise 401/403 unless the policy allows ``request``."""
        self.enforce_login(request)
        if not self(request):
            raise NotLoggedIn() if request.user is None else Forbidden()

    def __repr__(self) -> str:
        return f"<Policy {self.name}>"


class ParamsPending(Exception):
    """A policy read ``request.params`` before they were validated.

    Not a ``KeyError``: a policy that treats a missing parameter as a refusal
    must not mistake "not yet known" for "missing".
    """


class _PendingParams(Mapping[str, Any]):
    """``request.params`` while a policy is asked before validation: unreadable."""

    def __getitem__(self, name: str) -> NoReturn:
        raise ParamsPending(f"{name} is not validated yet")

    def __iter__(self) -> Iterator[str]:
        raise ParamsPending("parameters are not validated yet")

    def __len__(self) -> int:
        raise ParamsPending("parameters are not validated yet")

    def __contains__(self, name: object) -> bool:
        raise ParamsPending(f"{name} is not validated yet")

    def get(self, name: str, default: Any = None) -> NoReturn:  # type: ignore[override, unused-ignore]
        raise ParamsPending(f"{name} is not validated yet")


_PENDING = _PendingParams()


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
        # A bare callable may well allow anonymous callers; let it decide (it is
        # asked before validation too: see Policy.refuse_anonymous).
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
