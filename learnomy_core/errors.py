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
    "JsonpInvalid",
    "JsonpDisabled",
    "NotLoggedIn",
    "InvalidToken",
    "TokenExpired",
    "InvalidCredentials",
    "PaymentRequired",
    "Forbidden",
    "NoRoute",
    "InvalidNamespace",
    "NotFound",
    "MethodNotAllowed",
    "Conflict",
    "PreconditionFailed",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "RateLimited",
    "InternalError",
    "Unavailable",
    "LessonLocked",
    "NotEnrolled",
    "PrerequisitesUnmet",
    "OwnerRemoval",
    "InvalidResetKey",
    "DeadlinePassed",
    "AttemptSubmitted",
    "ItemRejected",
    "AccountBlocked",
    "InsufficientScope",
    "KeyCannotMint",
    "WebhookLimit",
    "WebhookDisabled",
    "IdempotencyMismatch",
    "IdempotencyInProgress",
    "CouponUsedUp",
    "AlreadyOwned",
    "OrderStateConflict",
    "WithdrawalPending",
    "InsufficientBalance",
    "BatchNotAllowed",
    "BatchNested",
    "RegistrationProblem",
    "RegistrationError",
    "RegistryClosed",
    "MissingRequirements",
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


class InvalidJson(ApiError):
    """The body is not valid JSON for a JSON content type."""

    status = 400
    code = "rest_invalid_json"
    message = "The request body is not valid JSON."


class MalformedRequest(ApiError):
    """The HTTP request itself is broken (a ``Content-Length`` that is no number)."""

    status = 400
    code = "learnomy_malformed_request"
    message = "The request is malformed."


class MissingParams(ApiError):
    """Required arguments are missing; ``details`` lists each."""

    status = 400
    code = "rest_missing_callback_param"
    message = "Missing parameter(s)."


class InvalidParams(ApiError):
    """An argument fails its schema; ``details`` has one entry per bad argument."""

    status = 400
    code = "rest_invalid_param"
    message = "Invalid parameter(s)."


class JsonpInvalid(InvalidParams):
    """``_jsonp`` names no valid JavaScript callback (WordPress's wording)."""

    code = "rest_callback_invalid"
    message = "Invalid JSONP callback function."


class JsonpDisabled(InvalidParams):
    """``_jsonp`` on a site whose settings turned JSONP off (WordPress's wording)."""

    code = "rest_callback_disabled"
    message = "JSONP support is disabled on this site."


class NotLoggedIn(ApiError):
    """No credentials on a protected endpoint."""

    status = 401
    code = "rest_not_logged_in"
    message = "You are not currently logged in."


class InvalidToken(ApiError):
    """A bad or revoked bearer token."""

    status = 401
    code = "learnomy_invalid_token"
    message = "The token is invalid."


class TokenExpired(ApiError):
    """An expired bearer token."""

    status = 401
    code = "learnomy_token_expired"
    message = "The token has expired."


class InvalidCredentials(ApiError):
    """A wrong login, or a wrong or revoked application password or API key."""

    status = 401
    code = "learnomy_invalid_credentials"
    message = "The credentials are invalid."


class PaymentRequired(ApiError):
    """Self-enrolling in a paid course the user has no access to."""

    status = 402
    code = "learnomy_payment_required"
    message = "Payment is required."


class Forbidden(ApiError):
    """Authenticated, but not allowed."""

    status = 403
    code = "rest_forbidden"
    message = "Sorry, you are not allowed to do that."


class NoRoute(ApiError):
    """No route matches the path."""

    status = 404
    code = "rest_no_route"
    message = "No route was found matching the URL and request method."


class InvalidNamespace(NoRoute):
    """``?namespace=`` on a namespace index names no registered namespace."""

    code = "rest_invalid_namespace"
    message = "The specified namespace could not be found."


class NotFound(ApiError):
    """The resource does not exist, or the caller may not know it exists."""

    status = 404
    code = "learnomy_not_found"
    message = "Not found."


class MethodNotAllowed(ApiError):
    """The route exists, the method does not (with ``Allow``)."""

    status = 405
    code = "rest_method_not_allowed"
    message = "The method is not allowed for this route."


class Conflict(ApiError):
    """Duplicate enrollment, second review, a state transition not allowed."""

    status = 409
    code = "learnomy_conflict"
    message = "The request conflicts with the current state."


class PreconditionFailed(ApiError):
    """``If-Match`` does not match the current ETag."""

    status = 412
    code = "learnomy_precondition_failed"
    message = "The resource has changed since you read it (If-Match)."


class PayloadTooLarge(ApiError):
    """The body is over the configured limit."""

    status = 413
    code = "learnomy_payload_too_large"
    message = "The request body is too large."


class UnsupportedMediaType(ApiError):
    """The body is neither JSON nor form-encoded."""

    status = 415
    code = "learnomy_unsupported_media_type"
    message = "Send the body as application/json or application/x-www-form-urlencoded."


class RateLimited(ApiError):
    """Over a sensitive route's limit (with ``Retry-After``)."""

    status = 429
    code = "learnomy_rate_limited"
    message = "Too many requests."


class InternalError(ApiError):
    """Anything unexpected; logged with the request id."""

    status = 500
    code = "learnomy_internal_error"
    message = "An unexpected error occurred."


class Unavailable(ApiError):
    """The database cannot be reached (with ``Retry-After``)."""

    status = 503
    code = "learnomy_unavailable"
    message = "The service is temporarily unavailable."


# -- specific codes: a row of the table, said more precisely ---------------------

class LessonLocked(Forbidden):
    """Drip keeps a lesson closed for now (``details`` say why and until when)."""

    code = "learnomy_lesson_locked"
    message = "This lesson is locked."


class NotEnrolled(Forbidden):
    """The course is open only to its enrolled students."""

    code = "learnomy_not_enrolled"
    message = "Enroll in the course to open this."


class PrerequisitesUnmet(Forbidden):
    """The course needs other courses completed first."""

    code = "learnomy_prerequisites_unmet"
    message = "Complete the prerequisite courses first."


class OwnerRemoval(Forbidden):
    """Removing a course's owner: only an administrator does, naming who takes over."""

    code = "learnomy_course_owner"
    message = "Only an administrator removes the course owner, naming a new owner (new_owner_id)."


class InvalidResetKey(InvalidParams):
    """A password reset key that is wrong, used or expired."""

    code = "learnomy_invalid_reset_key"
    message = "The password reset key is invalid or has expired."


class DeadlinePassed(Conflict):
    """A quiz attempt's time is over; it was submitted as it stood."""

    code = "learnomy_attempt_deadline_passed"
    message = "The time for this attempt is over; it has been submitted as it stood."


class AttemptSubmitted(Conflict):
    """The quiz attempt was submitted already."""

    code = "learnomy_attempt_submitted"
    message = "This attempt was submitted already."


class ItemRejected(ApiError):
    """One offline sync item failed (answered inside the sync answer, never as a status)."""

    status = 422
    code = "learnomy_sync_rejected"
    message = "The item was rejected."


class WebhookLimit(Conflict):
    """As many webhook endpoints as allowed exist already."""

    code = "learnomy_webhook_limit"
    message = "The number of webhook endpoints allowed is reached."


class WebhookDisabled(Conflict):
    """The webhook endpoint is disabled; it must be made active again first."""

    code = "learnomy_webhook_disabled"
    message = "The endpoint is disabled; make it active first."


class AccountBlocked(Forbidden):
    """The account was blocked by an administrator."""

    code = "learnomy_account_blocked"
    message = "This account has been blocked."


class InsufficientScope(Forbidden):
    """An API key whose scopes do not allow the request (a write with a ``read``
    key; API.md section 12)."""

    code = "learnomy_insufficient_scope"
    message = "This API key's scopes do not allow this request."


class KeyCannotMint(Forbidden):
    """A request authenticated with an API key asked for a lasting credential (an
    API key, an application password), which would outlive the key's revocation."""

    code = "learnomy_api_key_cannot_mint"
    message = "An API key cannot create credentials; sign in as the user to create them."


class IdempotencyMismatch(ApiError):
    """An ``Idempotency-Key`` reused with another request body (API.md section 11)."""

    status = 422
    code = "learnomy_idempotency_mismatch"
    message = "This Idempotency-Key was used with a different request."


class IdempotencyInProgress(Conflict):
    """The first request with this ``Idempotency-Key`` is still running."""

    code = "learnomy_idempotency_in_progress"
    message = "A request with this Idempotency-Key is still being processed."


class CouponUsedUp(Conflict):
    """The coupon reached its usage limit (overall or for this user)."""

    code = "learnomy_coupon_used_up"
    message = "This coupon has been used up."


class AlreadyOwned(Conflict):
    """A checkout names a course the buyer has access to already."""

    code = "learnomy_already_owned"
    message = "You already have access to this course."


class OrderStateConflict(Conflict):
    """An order, subscription or withdrawal cannot make this transition now."""

    code = "learnomy_invalid_state"
    message = "This change is not allowed in the current state."


class WithdrawalPending(Conflict):
    """An instructor has a withdrawal waiting already (one pending at a time)."""

    code = "learnomy_withdrawal_pending"
    message = "You have a pending withdrawal already."


class InsufficientBalance(Conflict):
    """A withdrawal over the available balance."""

    code = "learnomy_insufficient_balance"
    message = "The amount is more than the available balance."


class BatchNotAllowed(InvalidParams):
    """A ``/batch/v1`` sub-request to an endpoint that does not declare
    ``allow_batch: {"v1": True}`` (WordPress's code and wording): a sub-request's
    answer, never the batch's."""

    code = "rest_batch_not_allowed"
    message = "The requested route does not support batch requests."


class BatchNested(InvalidParams):
    """A batch inside a batch."""

    code = "learnomy_batch_nested"
    message = "A batch cannot contain a batch request."


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


class MissingRequirements(Exception):
    """Plugins were loaded without the plugins they require.

    :ivar missing: ``{plugin: [required plugin, ...]}`` for every gap at once.
    """

    def __init__(self, missing: dict[str, list[str]]) -> None:
        self.missing = dict(missing)
        super().__init__(
            "plugin requirements are missing:\n"
            + "\n".join(f"- {plugin} requires {', '.join(needs)}" for plugin, needs in self.missing.items())
            + "\nload them too (create_app(plugins=[...])) or leave the plugins that need them out."
        )


class RegistryClosed(RuntimeError):
    """Registration was attempted outside the registration hook."""
