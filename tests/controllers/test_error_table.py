"""Every row of API.md's error table: its class, and a request that answers it.

The table below is API.md section 3, row by row. Each row names the class in
``learnomy_core.errors`` that carries its status and code, and a scenario that
provokes it over HTTP; the answer must be that status and code in the error
envelope, with ``error.request_id`` equal to ``X-Request-Id``.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import create_app, errors
from tests.conftest import ALICE
from tests.controllers.identity.test_auth import claims_of, forge

API = "/wp-json/learnomy/v1"
ACME = "/wp-json/acme/v1"


def _expired_token(client: Client, app: Any, people: Any, make_course: Any) -> Any:
    real = claims_of(people["ann"]["Authorization"].split()[1])
    token = forge(app, sub=real["sub"], sid=real["sid"], ver=real["ver"], exp=0)
    return client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})


def _paid_course(client: Client, app: Any, people: Any, make_course: Any) -> Any:
    course = make_course(price_type="paid", price=500)
    return client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])


def _enrolled_twice(client: Client, app: Any, people: Any, make_course: Any) -> Any:
    course = make_course()
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    return client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])


def _rate_limited(client: Client, app: Any, people: Any, make_course: Any) -> Any:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"rate_limit_per_minute": 1}})
    client.post(f"{ACME}/sensitive")
    return client.post(f"{ACME}/sensitive")


def _jsonp_disabled(client: Client, app: Any, people: Any, make_course: Any) -> Any:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"jsonp_enabled": False}})
    return client.get(f"{ACME}/widgets?_jsonp=callback")


def _unavailable(client: Client, app: Any, people: Any, make_course: Any) -> Any:
    down = create_app(plugins=["system"], database_url="mysql+pymysql://root@127.0.0.1:1/none",
                      secret_key="s" * 40)
    return Client(down).get(f"{API}/health?check=db")


Scenario = Callable[[Client, Any, Any, Any], Any]
# API.md's table, and the one row this project adds to it (a broken HTTP request).
ROWS: list[tuple[type[errors.ApiError], int, str, Scenario]] = [
    (errors.InvalidJson, 400, "rest_invalid_json",
     lambda c, *_: c.post(f"{ACME}/widgets", data="{", content_type="application/json", headers=ALICE)),
    (errors.MalformedRequest, 400, "learnomy_malformed_request",
     lambda c, *_: c.post(f"{ACME}/widgets", data=b"{}", content_type="application/json",
                          headers=ALICE, environ_overrides={"CONTENT_LENGTH": "abc"})),
    (errors.MissingParams, 400, "rest_missing_callback_param",
     lambda c, *_: c.post(f"{ACME}/widgets", json={}, headers=ALICE)),
    (errors.InvalidParams, 400, "rest_invalid_param",
     lambda c, *_: c.post(f"{ACME}/widgets", json={"name": ""}, headers=ALICE)),
    (errors.JsonpInvalid, 400, "rest_callback_invalid", lambda c, *_: c.get(f"{ACME}/widgets?_jsonp=alert(1)")),
    (errors.JsonpDisabled, 400, "rest_callback_disabled", _jsonp_disabled),
    (errors.NotLoggedIn, 401, "rest_not_logged_in", lambda c, *_: c.post(f"{ACME}/widgets", json={"name": "x"})),
    (errors.InvalidToken, 401, "learnomy_invalid_token",
     lambda c, *_: c.get(f"{API}/me", headers={"Authorization": "Bearer garbage"})),
    (errors.TokenExpired, 401, "learnomy_token_expired", _expired_token),
    (errors.InvalidCredentials, 401, "learnomy_invalid_credentials",
     lambda c, *_: c.post(f"{API}/auth/token", json={"username": "ann", "password": "wrong password"})),
    (errors.PaymentRequired, 402, "learnomy_payment_required", _paid_course),
    (errors.Forbidden, 403, "rest_forbidden", lambda c, *_: c.get(f"{ACME}/admin-only?n=1", headers=ALICE)),
    (errors.NoRoute, 404, "rest_no_route", lambda c, *_: c.get(f"{ACME}/nothing-here")),
    (errors.InvalidNamespace, 404, "rest_invalid_namespace", lambda c, *_: c.get(f"{ACME}?namespace=nope/v1")),
    (errors.NotFound, 404, "learnomy_not_found", lambda c, *_: c.get(f"{ACME}/widgets/999999")),
    (errors.MethodNotAllowed, 405, "rest_method_not_allowed", lambda c, *_: c.delete(f"{ACME}/boom")),
    (errors.Conflict, 409, "learnomy_conflict", _enrolled_twice),
    (errors.PreconditionFailed, 412, "learnomy_precondition_failed",
     lambda c, *_: c.patch(f"{ACME}/widgets/{c.post(f'{ACME}/widgets', json={'name': 'w'}, headers=ALICE).json['data']['id']}",
                           json={"name": "v"}, headers={**ALICE, "If-Match": '"stale"'})),
    (errors.PayloadTooLarge, 413, "learnomy_payload_too_large",
     lambda c, *_: c.post(f"{ACME}/widgets", data="x" * (2 << 20), content_type="application/json", headers=ALICE)),
    (errors.UnsupportedMediaType, 415, "learnomy_unsupported_media_type",
     lambda c, *_: c.post(f"{ACME}/widgets", data="name=x", content_type="text/plain", headers=ALICE)),
    (errors.RateLimited, 429, "learnomy_rate_limited", _rate_limited),
    (errors.InternalError, 500, "learnomy_internal_error", lambda c, *_: c.get(f"{ACME}/boom")),
    (errors.Unavailable, 503, "learnomy_unavailable", _unavailable),
]


def test_the_table_covers_every_error_class() -> None:
    """Every error class is a row, or a row said more precisely (same status, own code)."""
    rows = {row[0] for row in ROWS}
    every = {getattr(errors, name) for name in errors.__all__}
    api_errors = {cls for cls in every if isinstance(cls, type) and issubclass(cls, errors.ApiError)}
    specific = api_errors - rows - {errors.ApiError}
    # A sync item's outcome (never an answer's status); API.md section 11's own 422;
    # a /batch/v1 sub-request's refusal, in WordPress's own code.
    for cls in specific - {errors.ItemRejected, errors.IdempotencyMismatch, errors.BatchNotAllowed}:
        row = next(base for base in cls.__mro__[1:] if base in rows)
        assert cls.status == row.status and cls.code != row.code and cls.code.startswith("learnomy_"), cls
    assert {cls.__name__ for cls in specific} == {
        "LessonLocked", "NotEnrolled", "PrerequisitesUnmet", "OwnerRemoval", "InvalidResetKey",
        "DeadlinePassed", "AttemptSubmitted", "ItemRejected", "AccountBlocked", "InsufficientScope", "KeyCannotMint", "WebhookLimit", "WebhookDisabled",
        "IdempotencyMismatch", "IdempotencyInProgress", "CouponUsedUp", "AlreadyOwned", "OrderStateConflict",
        "WithdrawalPending", "InsufficientBalance", "BatchNotAllowed", "BatchNested"}


@pytest.mark.parametrize("error, status, code, scenario", ROWS, ids=[row[2] + f"-{row[1]}" for row in ROWS])
def test_each_row_is_its_class_and_its_answer(client: Client, app: Any, people: Any, make_course: Any,
                                              error: type[errors.ApiError], status: int, code: str,
                                              scenario: Scenario) -> None:
    assert (error.status, error.code) == (status, code)
    response = scenario(client, app, people, make_course)
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json["error"]
    # The 409 row allows "a more specific learnomy_* code".
    assert body["code"] == code or (status == 409 and body["code"].startswith("learnomy_"))
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert isinstance(body["message"], str) and body["message"]
