"""Every error the API answers with, and every error registration raises.

Each row of API.md's error table is one subclass of :class:`ApiError`, carrying
its HTTP status and code; callbacks raise them and the server turns them into the
error envelope::

    from learnomy_core.errors import NotFound

    def get_course(request):
        row = ...
        if row is None:
            raise NotFound("Course not found.")

Registration problems are :class:`RegistrationError` subclasses; they carry the
plugin, namespace and route at fault so that a plugin author sees where to look.
"""

from __future__ import annotations

from typing import Any, Iterable

__all__ = [
    "ApiError",
    "InvalidJson",
    "MalformedRequest",
    "MissingParams",
    "InvalidParams",
    "NotLoggedIn",
    "InvalidToken",
    "TokenExpired",
    "InvalidCredentials",
    "PaymentRequired",
    "Forbidden",
    "NoRoute",
    "NotFound",
    "MethodNotAllowed",
    "Conflict",
    "PreconditionFailed",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "RateLimited",
    "InternalError",
    "Unavailable",
    "RegistrationProblem",
    "RegistrationError",
    "RegistryClosed",
]


class ApiError(Exception):
    """An error answered to the client in the error envelope.

    :param message: a human-readable sentence; never anything internal.
    :param details: a list of detail objects (for parameters:
        ``{"param", "code", "message"}``).
    :param code: overrides the class's code (``learnomy_already_enrolled``, ...).
    :param status: overrides the class's status.
    :param headers: extra response headers (``Retry-After``, ``Allow``).
    """

    status: int = 500
    code: str = "learnomy_internal_error"
    message: str = "Something went wrong."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Iterable[dict[str, Any]] | None = None,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or type(self).message
        self.details = list(details or [])
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})
        super().__init__(self.message)

    def body(self, request_id: str) -> dict[str, Any]:
        """The error envelope for this error."""
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "details": self.details,
                "request_id": request_id,
            }
        }


def _row(name: str, status: int, code: str, message: str) -> type[ApiError]:
    return type(name, (ApiError,), {"status": status, "code": code, "message": message})


InvalidJson = _row("InvalidJson", 400, "rest_invalid_json", "The request body is not valid JSON.")


class MalformedRequest(ApiError):
    """The HTTP request itself is broken (a ``Content-Length`` that is no number)."""

    status = 400
    code = "learnomy_malformed_request"
    message = "The request is malformed."


MissingParams = _row("MissingParams", 400, "rest_missing_callback_param", "Missing parameter(s).")
InvalidParams = _row("InvalidParams", 400, "rest_invalid_param", "Invalid parameter(s).")
NotLoggedIn = _row("NotLoggedIn", 401, "rest_not_logged_in", "You are not currently logged in.")
InvalidToken = _row("InvalidToken", 401, "learnomy_invalid_token", "The token is invalid.")
TokenExpired = _row("TokenExpired", 401, "learnomy_token_expired", "The token has expired.")
InvalidCredentials = _row(
    "InvalidCredentials", 401, "learnomy_invalid_credentials", "The credentials are invalid."
)
PaymentRequired = _row(
    "PaymentRequired", 402, "learnomy_payment_required", "Payment is required."
)
Forbidden = _row("Forbidden", 403, "rest_forbidden", "Sorry, you are not allowed to do that.")
NoRoute = _row(
    "NoRoute", 404, "rest_no_route", "No route was found matching the URL and request method."
)
NotFound = _row("NotFound", 404, "learnomy_not_found", "Not found.")
MethodNotAllowed = _row(
    "MethodNotAllowed", 405, "rest_method_not_allowed", "The method is not allowed for this route."
)
Conflict = _row("Conflict", 409, "learnomy_conflict", "The request conflicts with the current state.")
PreconditionFailed = _row(
    "PreconditionFailed",
    412,
    "learnomy_precondition_failed",
    "The resource has changed since you read it (If-Match).",
)
PayloadTooLarge = _row(
    "PayloadTooLarge", 413, "learnomy_payload_too_large", "The request body is too large."
)
UnsupportedMediaType = _row(
    "UnsupportedMediaType",
    415,
    "learnomy_unsupported_media_type",
    "Send the body as application/json or application/x-www-form-urlencoded.",
)
RateLimited = _row("RateLimited", 429, "learnomy_rate_limited", "Too many requests.")
InternalError = _row(
    "InternalError", 500, "learnomy_internal_error", "An unexpected error occurred."
)
Unavailable = _row(
    "Unavailable", 503, "learnomy_unavailable", "The service is temporarily unavailable."
)


class RegistrationProblem:
    """One thing wrong with a registration, with where it came from."""

    __slots__ = ("plugin", "namespace", "route", "message")

    def __init__(self, plugin: str, namespace: str, route: str, message: str) -> None:
        self.plugin = plugin
        self.namespace = namespace
        self.route = route
        self.message = message

    def __str__(self) -> str:
        return f"{self.plugin}: /{self.namespace}{self.route}: {self.message}"


class RegistrationError(Exception):
    """Plugins registered something the registry refuses.

    The registry checks every registration in one pass and raises once, with
    :attr:`problems` listing each (a missing ``permission_callback``, a clash
    between two plugins naming both, a malformed route, an overlap).
    """

    def __init__(self, problems: list[RegistrationProblem]) -> None:
        self.problems = list(problems)
        super().__init__(
            f"{len(self.problems)} route registration problem(s):\n"
            + "\n".join(f"- {p}" for p in self.problems)
        )


class RegistryClosed(RuntimeError):
    """Registration was attempted outside the registration hook."""
