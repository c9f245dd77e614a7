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
    # Another account from another address (the same account is counted apart: below).
    other_ip = client.post(f"{API}/auth/token", json={**body, "username": "somebody"},
                           environ_base={"REMOTE_ADDR": "198.51.100.2"})
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


# -- routes that let someone in: per client address and per account ------------------

STUDENT, INSTRUCTOR = "lrn_student", "lrn_instructor"
# Each route with a body that names a different account on every call, so that
# only the client address is shared between calls.
ENTRY_ROUTES = {
    "login": ("auth/token", lambda i: {"username": f"nobody{i}", "password": "wrong"}),
    "register": ("auth/register", lambda i: {"username": f"newbie{i}", "email": f"newbie{i}@example.org",
                                             "password": "long enough pw"}),
    "lost": ("auth/password/lost", lambda i: {"username": f"nobody{i}"}),
    "reset": ("auth/password/reset", lambda i: {"login": f"nobody{i}", "key": "wrong", "password": "long enough pw"}),
}


def from_ip(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


@pytest.mark.parametrize("route", sorted(ENTRY_ROUTES))
@pytest.mark.parametrize("role", [STUDENT, INSTRUCTOR, "administrator"])
def test_entry_routes_count_the_client_address_whatever_token_comes_along(
        client: Client, make_user, limited, route: str, role: str) -> None:
    make_user("tok", role)
    auth = bearer(login(client, "tok"))
    path, body = ENTRY_ROUTES[route]
    answers = [client.post(f"{API}/{path}", json=body(i), headers=auth, **from_ip("198.51.100.7"))
               for i in range(LIMIT)]
    assert [a.status_code for a in answers if a.status_code == 429] == []
    assert answers[-1].headers["RateLimit-Remaining"] == "0"
    # The token spent the address's allowance: anonymous callers there are refused too...
    anonymous = client.post(f"{API}/{path}", json=body(LIMIT), **from_ip("198.51.100.7"))
    assert anonymous.status_code == 429
    with_token = client.post(f"{API}/{path}", json=body(LIMIT + 1), headers=auth, **from_ip("198.51.100.7"))
    assert with_token.status_code == 429
    # ...and another address is not.
    elsewhere = client.post(f"{API}/{path}", json=body(LIMIT + 2), headers=auth, **from_ip("198.51.100.8"))
    assert elsewhere.status_code != 429


@pytest.mark.parametrize("earlier, then, refused", [
    ("ann", "ann", True),
    ("ann", "ANN", True),                          # the name, case-folded
    ("ann", " Ann ", True),
    ("ann", "ann@example.org", True),              # the account, by its email
    ("ann@example.org", "ANN@Example.org", True),
    ("nobody", "NoBody", True),                     # unknown names count too
    ("ann", "bob", False),
])
def test_login_attempts_count_against_the_account_from_any_address(
        client: Client, make_user, limited, earlier: str, then: str, refused: bool) -> None:
    make_user("ann")
    make_user("bob")
    for i in range(LIMIT):
        answer = client.post(f"{API}/auth/token", json={"username": earlier, "password": "wrong"},
                             **from_ip(f"203.0.113.{i + 1}"))
        assert answer.status_code == 401
    answer = client.post(f"{API}/auth/token", json={"username": then, "password": PASSWORD},
                         **from_ip("203.0.113.200"))
    assert (answer.status_code == 429) is refused


def test_the_account_is_read_wherever_the_caller_puts_it(client: Client, make_user, limited) -> None:
    make_user("ann")
    for i in range(LIMIT):
        client.post(f"{API}/auth/token", json={"username": "ann", "password": "wrong"},
                    **from_ip(f"203.0.113.{i + 1}"))
    in_query = client.post(f"{API}/auth/token?username=ann&password=wrong", **from_ip("203.0.113.100"))
    as_form = client.post(f"{API}/auth/token", data={"username": "ann", "password": "wrong"},
                          **from_ip("203.0.113.101"))
    assert in_query.status_code == as_form.status_code == 429


def test_registration_counts_the_login_and_the_email(client: Client, limited) -> None:
    for i in range(LIMIT):
        client.post(f"{API}/auth/register", json={"username": "taken", "email": f"x{i}@example.org",
                                                  "password": "long enough pw"}, **from_ip(f"203.0.113.{i + 1}"))
    answer = client.post(f"{API}/auth/register", json={"username": "TAKEN", "email": "y@example.org",
                                                       "password": "long enough pw"}, **from_ip("203.0.113.100"))
    assert answer.status_code == 429


@pytest.mark.parametrize("neighbour, shared", [
    ("2001:db8:0:7::2", True),         # one host holds a whole /64
    ("2001:db8:0:7:ffff::1", True),
    ("2001:db8:0:8::1", False),
    ("::ffff:198.51.100.9", False),
])
def test_ipv6_clients_are_counted_by_their_64(client: Client, limited, neighbour: str, shared: bool) -> None:
    for i in range(LIMIT):
        client.post(f"{API}/auth/token", json={"username": f"nobody{i}", "password": "x"},
                    **from_ip(f"2001:db8:0:7::{i + 10}"))
    answer = client.post(f"{API}/auth/token", json={"username": "someone", "password": "x"}, **from_ip(neighbour))
    assert (answer.status_code == 429) is shared


def test_ipv4_mapped_addresses_count_as_ipv4(client: Client, limited) -> None:
    for i in range(LIMIT):
        client.post(f"{API}/auth/token", json={"username": f"nobody{i}", "password": "x"},
                    **from_ip("198.51.100.9"))
    answer = client.post(f"{API}/auth/token", json={"username": "someone", "password": "x"},
                         **from_ip("::ffff:198.51.100.9"))
    assert answer.status_code == 429


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
