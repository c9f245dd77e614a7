"""Rate limits on sensitive routes: counted in the database, shared by apps."""

from __future__ import annotations

import threading

import pytest
from werkzeug.test import Client

from tests.conftest import PASSWORD, bearer, login

API = "/wp-json/learnomy/v1"
LIMIT = 3


@pytest.fixture
def limited(app) -> None:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"api": {"rate_limit_per_minute": LIMIT}})


def change_password(client: Client, auth: dict):
    return client.post(f"{API}/me/password", json={"current_password": "wrong", "new_password": "whatever pw"},
                       headers=auth)


def test_a_student_reaches_the_limit_across_two_app_instances(make_app, make_user, limited) -> None:
    make_user("ann")
    first, second = Client(make_app()), Client(make_app())
    auth = bearer(login(first, "ann"))
    answers = [change_password(client, auth) for client in (first, second, first)]
    assert [a.status_code for a in answers] == [400, 400, 400]
    assert [a.headers["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    assert answers[0].headers["RateLimit-Limit"] == str(LIMIT)
    refused = change_password(second, auth)
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "learnomy_rate_limited"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Remaining"] == "0"


@pytest.mark.parametrize("role", ["lrn_instructor", "administrator"])
def test_instructors_and_administrators_are_exempt(client: Client, make_user, limited, role: str) -> None:
    make_user("ivy", role)
    auth = bearer(login(client, "ivy"))
    answers = [change_password(client, auth) for _ in range(LIMIT + 2)]
    assert all(a.status_code == 400 for a in answers)
    assert "RateLimit-Limit" not in answers[0].headers


def test_anonymous_callers_are_limited_by_ip(client: Client, limited) -> None:
    body = {"username": "nobody", "password": "x"}
    statuses = [client.post(f"{API}/auth/token", json=body, environ_base={"REMOTE_ADDR": "198.51.100.1"}).status_code
                for _ in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]
    other_ip = client.post(f"{API}/auth/token", json=body, environ_base={"REMOTE_ADDR": "198.51.100.2"})
    assert other_ip.status_code == 401


def test_routes_are_counted_apart(client: Client, make_user, limited) -> None:
    make_user("ann")
    for _ in range(LIMIT):
        client.post(f"{API}/auth/password/lost", json={"username": "ann"})
    assert client.post(f"{API}/auth/token", json={"username": "ann", "password": PASSWORD}).status_code == 200


def test_routes_that_are_not_sensitive_carry_no_limit(client: Client, make_user, limited) -> None:
    make_user("ann")
    auth = bearer(login(client, "ann"))
    responses = [client.get(f"{API}/me", headers=auth) for _ in range(LIMIT + 2)]
    assert all(r.status_code == 200 and "RateLimit-Limit" not in r.headers for r in responses)


# -- a token bucket: no burst across a minute boundary --------------------------------

BOUNDARY = 1_800_000_000.0  # a whole minute


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app) -> Clock:
    clock = Clock(BOUNDARY)
    app.identity.rate_limiter.clock = clock
    return clock


# (seconds after the first request, status, Remaining, Reset, Retry-After) with
# LIMIT 3 a minute: one request comes back every 20 seconds.
TIMELINE = [
    (0, 400, 2, 20, None),
    (0, 400, 1, 40, None),
    (0, 400, 0, 60, None),
    (1, 429, 0, 59, 19),     # a new minute has begun: nothing comes back with it
    (2, 429, 0, 58, 18),     # a refused request spends nothing
    (19.5, 429, 0, 41, 1),
    (20, 400, 0, 60, None),  # one request back after 20 seconds
    (21, 429, 0, 59, 19),
    (100, 400, 2, 20, None),  # a minute of quiet refills the bucket
    (100, 400, 1, 40, None),
]


def test_the_limit_refills_steadily_across_a_minute_boundary(client: Client, ann_auth, limited, clock) -> None:
    start = BOUNDARY - 0.5
    for offset, status, remaining, reset, retry_after in TIMELINE:
        clock.now = start + offset
        answer = change_password(client, ann_auth)
        assert answer.status_code == status, offset
        assert answer.headers["RateLimit-Limit"] == str(LIMIT)
        assert (answer.headers["RateLimit-Remaining"], answer.headers["RateLimit-Reset"]) == (
            str(remaining), str(reset)), offset
        assert answer.headers.get("Retry-After") == (None if retry_after is None else str(retry_after)), offset


def test_twice_the_limit_is_never_let_through_around_a_boundary(client: Client, ann_auth, limited, clock) -> None:
    statuses = []
    for tenth in range(-10, 10):   # two seconds around the boundary
        clock.now = BOUNDARY + tenth / 10
        statuses.append(change_password(client, ann_auth).status_code)
    assert statuses.count(400) == LIMIT


@pytest.mark.parametrize("limit", [1, 7, 60, 100000])
def test_a_burst_of_exactly_the_limit_passes_for_any_limit(app, clock, limit: int) -> None:
    limiter = app.identity.rate_limiter
    verdicts = [limiter.hit("burst", limit) for _ in range(min(limit, 60) + 1)]
    if limit <= 60:
        assert [v.allowed for v in verdicts] == [True] * limit + [False]
        assert verdicts[-2].remaining == 0 and 1 <= verdicts[-1].retry_after <= 60 // limit + 1
    else:
        assert all(v.allowed for v in verdicts)
    assert verdicts[0].remaining == limit - 1 and all(1 <= v.reset_in <= 60 for v in verdicts)


def test_racing_requests_spend_the_bucket_exactly(make_app, clock) -> None:
    apps = [make_app(), make_app()]
    for app in apps:
        app.identity.rate_limiter.clock = clock
    barrier = threading.Barrier(6)
    verdicts = []

    def attempt(app) -> None:
        barrier.wait()
        verdicts.append(app.identity.rate_limiter.hit("race", LIMIT).allowed)

    threads = [threading.Thread(target=attempt, args=(apps[i % 2],)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(verdicts) == [False] * 3 + [True] * LIMIT
