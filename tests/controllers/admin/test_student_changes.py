"""Blocking, roles and deleting accounts: every credential of a blocked account
refused at once, administrators kept, deletion anonymising in one transaction."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, Callable
from unittest import mock

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy_core.identity import ratelimit
from learnomy_core.mail import send_mail
from learnomy_core.jobs import run_due_jobs
from tests.conftest import PASSWORD, bearer, login, recorded_statements, user
from tests.controllers.admin.conftest import API, STUDENTS
from tests.plugins import acme
from tests.racing import race

ME = f"{API}/me"
WP_PASSWORDS = "/wp-json/wp/v2/users/me/application-passwords"


def _basic(login_name: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login_name}:{secret}".encode()).decode()}


def _patch(client: Client, people: Any, who: str, by: str = "admin", **body: Any) -> Any:
    return client.patch(f"{STUDENTS}/{people.ids[who]}", json=body, headers=people[by])


# -- blocking -----------------------------------------------------------------------

def test_blocking_refuses_every_credential_at_once(client: Client, people: Any) -> None:
    pair = login(client, "ann")
    secret = client.post(WP_PASSWORDS, json={"name": "Phone"}, headers=bearer(pair)).json["password"]
    assert client.get(ME, headers=_basic("ann", secret)).status_code == 200
    assert client.get(ME, headers=bearer(pair)).status_code == 200
    key = client.post(f"{API}/api-keys", json={"name": "Sync", "user_id": people.ids["ann"]},
                      headers=people["admin"]).json["data"]["key"]
    assert client.get(ME, headers=bearer(key)).status_code == 200

    response = _patch(client, people, "ann", status="blocked")
    assert response.status_code == 200 and response.json["data"]["status"] == "blocked"
    # The same second: nothing waits for a token to expire.
    assert client.get(ME, headers=bearer(pair)).status_code == 401
    assert client.get(ME, headers=people["ann"]).status_code == 401
    refreshed = client.post(f"{API}/auth/token/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 401
    assert client.get(ME, headers=_basic("ann", secret)).status_code == 401
    assert client.get(ME, headers=bearer(key)).status_code == 401
    refused = client.post(f"{API}/auth/token", json={"username": "ann", "password": PASSWORD})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "learnomy_account_blocked"
    assert "blocked" in refused.json["error"]["message"]


def test_unblocking_lets_the_account_log_in_but_revives_nothing(client: Client, people: Any) -> None:
    old = people["ann"]
    secret = client.post(WP_PASSWORDS, json={"name": "Phone"}, headers=old).json["password"]
    key = client.post(f"{API}/api-keys", json={"name": "Sync", "user_id": people.ids["ann"]},
                      headers=people["admin"]).json["data"]["key"]
    assert _patch(client, people, "ann", status="blocked").status_code == 200
    response = _patch(client, people, "ann", status="active")
    assert response.status_code == 200 and response.json["data"]["status"] == "active"
    assert client.get(ME, headers=bearer(login(client, "ann"))).status_code == 200
    assert client.get(ME, headers=old).status_code == 401
    assert client.get(ME, headers=_basic("ann", secret)).status_code == 401
    assert client.get(ME, headers=bearer(key)).status_code == 401


def test_blocking_ends_wordpress_sessions_and_emits_the_event(app: LearnomyApp, client: Client, people: Any) -> None:
    from tests.plugins import acme

    store = app.identity.store
    with app.storage.engine.begin() as db:
        store.set_meta(db, people.ids["ann"], "session_tokens", 'a:1:{s:64:"' + "a" * 64 + '";a:1:{s:10:"expiration";i:9999999999;}}')
    assert _patch(client, people, "ann", status="blocked").status_code == 200
    with app.storage.engine.connect() as db:
        assert store.get_meta(db, people.ids["ann"], "session_tokens") is None
    assert ("user.blocked", {"id": people.ids["ann"]}) in acme.EVENTS


@pytest.mark.parametrize("body, code", [
    ({"status": "blocked"}, "learnomy_own_account"), ({"role": "lrn_student"}, "learnomy_own_account"),
])
def test_administrators_cannot_block_or_demote_themselves(client: Client, people: Any, body: dict, code: str) -> None:
    response = _patch(client, people, "admin", **body)
    assert response.status_code == 409 and response.json["error"]["code"] == code
    assert client.get(ME, headers=people["admin"]).status_code == 200


@pytest.mark.parametrize("method, body", [("PATCH", {"status": "blocked"}), ("PATCH", {"role": "lrn_student"}),
                                          ("DELETE", None)])
def test_the_last_administrator_stays(client: Client, people: Any, method: str, body: Any) -> None:
    # A caller a plugin vouches for (the test plugin), not an administrator account itself.
    response = client.open(f"{STUDENTS}/{people.ids['admin']}", method=method, json=body,
                           headers=user(999, "manage_options"))
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_last_administrator"


def test_another_administrator_may_be_blocked(client: Client, people: Any, make_user: Callable[..., int]) -> None:
    make_user("ada", "administrator")
    ada = bearer(login(client, "ada"))
    response = client.patch(f"{STUDENTS}/{people.ids['admin']}", json={"status": "blocked"}, headers=ada)
    assert response.status_code == 200
    back = client.patch(f"{STUDENTS}/{people.ids['admin']}", json={"status": "active"}, headers=ada)
    assert back.status_code == 200


@pytest.mark.parametrize("method, body", [("PATCH", {"status": "blocked"}), ("PATCH", {"role": "lrn_student"}),
                                          ("DELETE", None)])
def test_two_administrators_removing_each_other_at_once_leave_one(
        make_app: Callable[..., LearnomyApp], client: Client, people: Any, make_user: Callable[..., int],
        method: str, body: Any) -> None:
    ada_id = make_user("ada", "administrator")
    ada, admin = bearer(login(client, "ada")), people["admin"]
    calls = [
        lambda: Client(make_app()).open(f"{STUDENTS}/{people.ids['admin']}", method=method, json=body, headers=ada),
        lambda: Client(make_app()).open(f"{STUDENTS}/{ada_id}", method=method, json=body, headers=admin),
    ]
    statuses = sorted(r.status_code for r in race(calls))
    # The loser is refused: demoted or blocked before its own check ran (401/403),
    # or after it, by the last-administrator guard (409).
    assert statuses[0] == 200 and statuses[1] in (401, 403, 409), statuses
    app = make_app()
    with app.storage.engine.connect() as db:
        left = [app.identity.store.get(db, uid) for uid in (people.ids["admin"], ada_id)]
    admins = [row for row in left if row is not None and row.blocked != "1"
              and app.identity.store.from_row(row).is_admin]
    assert len(admins) == 1


def _meanwhile(monkeypatch: pytest.MonkeyPatch, *calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` (other requests, each committed) when the next request is
    about to take an account's lock: what it read before that is then stale."""
    from learnomy_core.identity.users import UserStore

    real, answers, started = UserStore.lock, [], []

    def lock(self: Any, db: Any, user_id: int) -> bool:
        if not started:  # once: the calls take locks too
            started.append(True)
            answers.extend(call() for call in calls)
        return real(self, db, user_id)

    monkeypatch.setattr(UserStore, "lock", lock)
    return answers


VOUCHED = user(999, "manage_options")  # an administrator the test plugin vouches for, no account


@pytest.mark.parametrize("case", ["block", "demote", "delete"])
def test_a_change_is_decided_from_the_account_as_it_is_under_its_lock(
        make_app: Callable[..., LearnomyApp], app: LearnomyApp, client: Client, people: Any,
        monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """The account is read under its lock, so a change committed while the request
    waited for it counts: blocking an account unblocked meanwhile blocks it (an
    earlier read said "blocked already"); demoting one made the last administrator
    meanwhile is refused; deleting one deleted meanwhile finds nothing."""
    ann, admin = f"{STUDENTS}/{people.ids['ann']}", f"{STUDENTS}/{people.ids['admin']}"
    other = Client(make_app())
    if case == "block":
        assert client.patch(ann, json={"status": "blocked"}, headers=VOUCHED).status_code == 200
        answers = _meanwhile(monkeypatch, lambda: other.patch(ann, json={"status": "active"}, headers=VOUCHED))
        response = client.patch(ann, json={"status": "blocked"}, headers=VOUCHED)
        assert response.status_code == 200 and response.json["data"]["status"] == "blocked"
    elif case == "demote":
        answers = _meanwhile(monkeypatch,
                             lambda: other.patch(ann, json={"role": "administrator"}, headers=VOUCHED),
                             lambda: other.patch(admin, json={"role": "lrn_student"}, headers=VOUCHED))
        response = client.patch(ann, json={"role": "lrn_student"}, headers=VOUCHED)
        assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_last_administrator"
    else:
        answers = _meanwhile(monkeypatch, lambda: other.delete(ann, headers=VOUCHED))
        response = client.delete(ann, headers=VOUCHED)
        assert response.status_code == 404
        assert [data for event, data in acme.EVENTS if event == "user.deleted"] == [
            {"id": people.ids["ann"], "deleted_at": mock.ANY}]
    assert [a.status_code for a in answers] == [200] * len(answers)
    with app.storage.engine.connect() as db:
        row = app.identity.store.get(db, people.ids["ann"])
    if case == "block":
        assert row.blocked == "1"
    elif case == "demote":
        assert app.identity.store.from_row(row).roles == ["administrator"]


# -- roles --------------------------------------------------------------------------

def test_roles_are_set_and_unknown_ones_refused(client: Client, people: Any) -> None:
    response = _patch(client, people, "ann", role="lrn_instructor")
    assert response.status_code == 200 and response.json["data"]["roles"] == ["lrn_instructor"]
    assert client.get(ME, headers=people["ann"]).json["data"]["roles"] == ["lrn_instructor"]
    bad = _patch(client, people, "ann", role="emperor")
    assert bad.status_code == 400 and bad.json["error"]["details"][0]["param"] == "role"


@pytest.mark.parametrize("body, param", [({"status": "frozen"}, "status"), ({"role": ""}, "role"),
                                         ({"role": 5}, "role")])
def test_bad_changes_are_400(client: Client, people: Any, body: dict, param: str) -> None:
    response = _patch(client, people, "ann", **body)
    assert response.status_code == 400 and param in {d["param"] for d in response.json["error"]["details"]}


# -- deleting -----------------------------------------------------------------------

def _count(app: LearnomyApp, table: str, **where: Any) -> int:
    t = app.tables[table]
    with app.storage.engine.connect() as db:
        return int(db.execute(sa.select(sa.func.count()).select_from(t).where(
            *[t.c[k] == v for k, v in where.items()])).scalar_one())


def test_deleting_removes_personal_data_and_keeps_anonymous_records(
        app: LearnomyApp, client: Client, people: Any, learner: dict) -> None:
    ann_id = people.ids["ann"]
    client.post(f"{API}/instructor-applications", json={"message": "I teach maths."}, headers=people["ann"])
    client.post(WP_PASSWORDS, json={"name": "Phone"}, headers=people["ann"])
    client.post(f"{API}/api-keys", json={"name": "Sync", "user_id": ann_id}, headers=people["admin"])
    with app.storage.engine.begin() as db:
        send_mail(db, "bob@example.org", "About ann@example.org", "Hello")
    assert _count(app, "lrn_jobs", kind="mail.send") == 2
    kept = {name: _count(app, name, user_id=ann_id) for name in (
        "lrn_enrollments", "lrn_completions", "lrn_attempts", "lrn_orders", "lrn_reviews")}
    assert all(kept.values()), kept

    response = client.delete(f"{STUDENTS}/{ann_id}", headers=people["admin"])
    assert response.status_code == 200, response.json
    assert response.json["data"]["deleted"] is True and response.json["data"]["previous"]["username"] == "ann"

    # The records stay for the courses' figures, under an id that leads nowhere.
    assert {name: _count(app, name, user_id=ann_id) for name in kept} == kept
    assert _count(app, "users", ID=ann_id) == 0 and _count(app, "usermeta", user_id=ann_id) == 0
    for gone in ("lrn_certificates", "lrn_notifications", "lrn_instructor_applications", "lrn_auth_sessions",
                 "lrn_refresh_tokens", "lrn_api_keys"):
        assert _count(app, gone, user_id=ann_id) == 0, gone
    reviews = app.tables["lrn_reviews"]
    with app.storage.engine.connect() as db:
        assert db.execute(sa.select(reviews.c.content, reviews.c.rating)).one() == ("", 4)
    everything = client.get(f"{API}/courses/{learner['courses'][0]['id']}/reviews").get_data(as_text=True)
    assert "Leeds" not in everything and "ann" not in everything.lower()
    assert client.get(ME, headers=people["ann"]).status_code == 401
    assert client.post(f"{API}/auth/token", json={"username": "ann", "password": PASSWORD}).status_code == 401
    assert client.get(f"{STUDENTS}/{ann_id}", headers=people["admin"]).status_code == 404
    verify = client.get(f"{API}/certificates/verify/{learner['certificate']['verification_code']}")
    assert verify.status_code == 404
    # The certificate's mail to ann went with the account; bob's stays.
    jobs = app.tables["lrn_jobs"]
    with app.storage.engine.connect() as db:
        assert [p["to"] for p in db.execute(sa.select(jobs.c.payload)).scalars()] == ["bob@example.org"]


def test_deleting_is_one_transaction(app: LearnomyApp, client: Client, people: Any, learner: dict,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(db: Any, user_id: int) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(type(app.identity), "delete_user", lambda self, db, user_id: broken(db, user_id))
    response = client.delete(f"{STUDENTS}/{people.ids['ann']}", headers=people["admin"])
    assert response.status_code == 500
    assert _count(app, "lrn_certificates", user_id=people.ids["ann"]) == 1
    assert _count(app, "lrn_notifications", user_id=people.ids["ann"]) > 0


def _buckets(app: LearnomyApp) -> set[str]:
    limits = app.tables["lrn_rate_limits"]
    with app.storage.engine.connect() as db:
        return set(db.execute(sa.select(limits.c.bucket)).scalars())


def _bucket(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def test_deleting_forgets_the_accounts_rate_limit_buckets(app: LearnomyApp, client: Client, people: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # No sweep of full buckets meanwhile: only the deletion removes any.
    monkeypatch.setattr(ratelimit, "random", SimpleNamespace(random=lambda: 1.0))
    ann_id, bob_id = people.ids["ann"], people.ids["bob"]
    token, change = f"POST {API.removeprefix('/wp-json')}/auth/token", f"POST {API.removeprefix('/wp-json')}/me/password"
    for name in ("ANN", "ann@example.org", "bob"):
        client.post(f"{API}/auth/token", json={"username": name, "password": "wrong password"})
    client.post(f"{API}/me/password", json={"current_password": "wrong", "new_password": "another long one"},
                headers=people["ann"])
    anns = {_bucket(f"{token}|{key}") for key in ("name:ann", "name:ann@example.org", f"user:{ann_id}")}
    anns.add(_bucket(f"{change}|u{ann_id}"))
    others = {_bucket(f"{token}|{key}") for key in ("name:bob", f"user:{bob_id}")}
    before = _buckets(app)
    assert anns | others <= before

    assert client.delete(f"{STUDENTS}/{ann_id}", headers=people["admin"]).status_code == 200
    # Hers go; the client's address and bob's stay.
    assert _buckets(app) == before - anns


def _deliveries(app: LearnomyApp) -> list[Any]:
    deliveries = app.tables["lrn_webhook_deliveries"]
    with app.storage.engine.connect() as db:
        return list(db.execute(sa.select(deliveries).order_by(deliveries.c.id)))


def _indexed(app: LearnomyApp) -> list[tuple[int, int]]:
    about = app.tables["lrn_webhook_delivery_people"]
    with app.storage.engine.connect() as db:
        return sorted((int(r.user_id), int(r.delivery_id)) for r in db.execute(sa.select(about)))


def _excerpts(app: LearnomyApp) -> dict[int, list[Any]]:
    """Each delivery's answers: its own ``response_excerpt``, then its attempts'."""
    deliveries, attempts = app.tables["lrn_webhook_deliveries"], app.tables["lrn_webhook_attempts"]
    with app.storage.engine.connect() as db:
        found = {int(r.id): [r.response_excerpt] for r in db.execute(sa.select(deliveries))}
        for row in db.execute(sa.select(attempts).order_by(attempts.c.id)):
            found[int(row.delivery_id)].append(row.response_excerpt)
    return found


def _announce(app: LearnomyApp, event: str, data: Any) -> None:
    """A plugin's event, recorded in the outbox as the request emitting it would."""
    from learnomy.controllers.communication import webhooks

    with app.storage.engine.begin() as db:
        webhooks.on_event(SimpleNamespace(db=db, app=app), event, data)  # type: ignore[arg-type]


@pytest.fixture
def receiver() -> Any:
    from tests.controllers.communication.test_webhooks import Receiver

    server = Receiver()
    yield server
    server.close()


def _hook(app: LearnomyApp, client: Client, people: Any, url: str) -> dict[str, Any]:
    with app.storage.engine.begin() as db:
        app.settings.update(db, {"webhooks": {"allowed_hosts": ["127.0.0.1"]}})
    response = client.post(f"{API}/webhooks", json={"url": url, "events": ["*"]}, headers=people["admin"])
    assert response.status_code == 201, response.json
    return response.json["data"]


def test_deleting_redacts_the_accounts_webhook_payloads_delivered_or_not(
        app: LearnomyApp, client: Client, people: Any, make_course: Any, receiver: Any) -> None:
    from learnomy.controllers.communication import webhooks

    ann_id, bob_id = people.ids["ann"], people.ids["bob"]
    hook = _hook(app, client, people, receiver.url)
    receiver.echo = True  # what it answers holds the payload
    course = make_course()
    for who in ("ann", "bob"):
        client.post(f"{API}/courses/{course['id']}/enroll", headers=people[who])
        review = client.post(f"{API}/courses/{course['id']}/reviews",
                             json={"rating": 4, "content": f"I am {who}, from Leeds."}, headers=people[who])
        assert review.status_code == 201, review.json
    summaries = {"instructors": [{"id": ann_id, "display_name": "Ann", "email": "ann@example.org", "avatar_url": "a"},
                                 {"id": bob_id, "display_name": "Bob", "email": "bob@example.org"}]}
    _announce(app, "acme.people", summaries)
    run_due_jobs(app)
    assert {row.status for row in _deliveries(app)} == {"succeeded"}
    # Paused: what comes now waits in the outbox.
    client.patch(f"{API}/webhooks/{hook['id']}", json={"status": "paused"}, headers=people["admin"])
    _announce(app, "acme.people", summaries)
    before = {row.id: json.loads(row.body) for row in _deliveries(app)}
    answered = _excerpts(app)
    assert sum("from Leeds" in str(excerpts) for excerpts in answered.values()) == 2  # echoed: ann's and bob's

    assert client.delete(f"{STUDENTS}/{ann_id}", headers=people["admin"]).status_code == 200
    after = {row.id: (row.status, row.message_id, json.loads(row.body)) for row in _deliveries(app)}
    # What receivers answered to a delivery that carried her fields goes (they may echo it), the
    # delivery's and every attempt's; the others' answers stay.
    hers = {i for i, body in before.items() if ann_id in webhooks.people(body["data"])}
    assert hers and all(len(answered[i]) > 1 for i in hers if after[i][0] == "succeeded")
    assert {i: _excerpts(app)[i] for i in answered} == {
        i: [None] * len(excerpts) if i in hers else excerpts for i, excerpts in answered.items()}
    listed = client.get(f"{API}/webhooks/{hook['id']}/deliveries?per_page=100", headers=people["admin"]).json["data"]
    assert "Ann" not in str(listed) and "I am bob, from Leeds." in str(listed)
    assert [d["response_excerpt"] for d in listed if d["id"] in hers] == [None] * len(hers)
    # Nothing is dropped; the account's deletion follows them.
    assert set(before) < set(after)
    assert [body["data"]["id"] for _, _, body in after.values() if body["type"] == "user.deleted"] == [ann_id]
    # Delivered or not, the same rule.
    reviews = {body["data"]["user_id"]: body["data"] for _, _, body in after.values() if body["type"] == "review.created"}
    assert reviews[ann_id]["content"] is None and reviews[ann_id]["rating"] == 4
    assert reviews[bob_id]["content"] == "I am bob, from Leeds."
    people_events = {status: body["data"]["instructors"] for status, _, body in after.values()
                     if body["type"] == "acme.people"}
    for status in ("succeeded", "pending"):
        assert people_events[status] == [{"id": ann_id, "display_name": None, "email": None, "avatar_url": None},
                                          summaries["instructors"][1]]
    # Everything else is as it was, the message ids (receivers deduplicate by them) included.
    for delivery_id, body in before.items():
        if body["type"] not in ("review.created", "acme.people"):
            assert after[delivery_id][2] == body
    assert "Leeds" not in str([body for _, _, body in after.values() if body["data"].get("user_id") == ann_id])
    # Her index rows went with her; bob's stay.
    assert {user_id for user_id, _ in _indexed(app)} == {bob_id}

    # Sent again, a delivery made goes out as it now is: anonymised, under its webhook-id.
    [(made_id, made)] = [(i, row) for i, row in after.items()
                         if row[0] == "succeeded" and row[2]["type"] == "review.created"
                         and row[2]["data"]["user_id"] == ann_id]
    client.patch(f"{API}/webhooks/{hook['id']}", json={"status": "active"}, headers=people["admin"])
    receiver.received.clear()
    again = client.post(f"{API}/webhooks/{hook['id']}/deliveries/{made_id}/redeliver", headers=people["admin"])
    assert again.status_code == 202, again.json
    run_due_jobs(app)
    [sent] = [got for got in receiver.received if got["headers"]["webhook-id"] == made[1]]
    assert json.loads(sent["body"])["data"] == {**made[2]["data"], "content": None}
    assert b"Leeds" not in sent["body"]


def test_redacting_costs_the_same_whatever_the_outbox_holds(
        app: LearnomyApp, client: Client, people: Any, make_user: Callable[..., int]) -> None:
    """The account's deliveries are found by their index, not by reading every body."""
    hook = _hook(app, client, people, "http://127.0.0.1:9/hook")
    client.patch(f"{API}/webhooks/{hook['id']}", json={"status": "paused"}, headers=people["admin"])
    bob_id = people.ids["bob"]

    def delete_one(name: str) -> list[str]:
        user_id = make_user(name, "lrn_student")
        _announce(app, "acme.people", {"id": user_id, "display_name": name.title(), "user_id": user_id})
        with recorded_statements(app) as seen:
            assert client.delete(f"{STUDENTS}/{user_id}", headers=people["admin"]).status_code == 200
        return [s for s in seen if "webhook_deliver" in s]

    first = delete_one("cat")
    for number in range(40):
        _announce(app, "acme.people", {"id": bob_id, "display_name": f"Bob {number}", "user_id": bob_id})
    assert len(_deliveries(app)) > 40
    second = delete_one("dan")
    assert len(first) == len(second) and first == second
    # The deliveries are read through the index: a join on it, filtered by its leading column.
    [read] = [s for s in second if s.lstrip().upper().startswith("SELECT")]
    assert "lrn_webhook_delivery_people.user_id =" in read and "JOIN" in read and "LIKE" not in read


def test_redacting_costs_the_same_whatever_the_account_appears_in(
        app: LearnomyApp, client: Client, people: Any, make_user: Callable[..., int]) -> None:
    """One delivery or thirty about the account: the same statements (the bodies
    rewritten in one batch, the excerpts blanked by chunks of ids)."""
    hook = _hook(app, client, people, "http://127.0.0.1:9/hook")
    client.patch(f"{API}/webhooks/{hook['id']}", json={"status": "paused"}, headers=people["admin"])

    def delete_one(name: str, deliveries: int) -> list[str]:
        user_id = make_user(name, "lrn_student")
        for number in range(deliveries):
            _announce(app, "acme.people", {"id": user_id, "display_name": f"{name} {number}", "user_id": user_id})
        with recorded_statements(app) as seen:
            assert client.delete(f"{STUDENTS}/{user_id}", headers=people["admin"]).status_code == 200
        return [re.sub(r" IN \(.*?\)(?= |$)", " IN (...)", s) for s in seen if "webhook_deliver" in s]

    assert delete_one("cat", 1) == delete_one("dan", 30)


def test_forgetting_and_redacting_are_in_the_deletions_transaction(
        app: LearnomyApp, client: Client, people: Any, make_course: Any, monkeypatch: pytest.MonkeyPatch,
        receiver: Any) -> None:
    from learnomy.controllers.communication import webhooks

    hook = _hook(app, client, people, receiver.url)
    receiver.echo = True
    course = make_course()
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    client.post(f"{API}/courses/{course['id']}/reviews", json={"rating": 4, "content": "From Leeds."},
                headers=people["ann"])
    run_due_jobs(app)  # delivered
    client.patch(f"{API}/webhooks/{hook['id']}", json={"status": "paused"}, headers=people["admin"])
    _announce(app, "acme.people", {"id": people.ids["ann"], "display_name": "Ann"})  # waiting
    client.post(f"{API}/auth/token", json={"username": "ann", "password": "wrong password"})
    real = webhooks.redact_person

    def redact_then_fail(db: Any, app: Any, user_id: int) -> int:
        assert real(db, app, user_id) == 2
        raise RuntimeError("the database went away")

    monkeypatch.setattr(webhooks, "redact_person", redact_then_fail)
    buckets, bodies, indexed = _buckets(app), [row.body for row in _deliveries(app)], _indexed(app)
    answered = _excerpts(app)
    assert "From Leeds." in str(answered)  # the receiver's echo
    assert {row.status for row in _deliveries(app)} == {"succeeded", "pending"}
    assert client.delete(f"{STUDENTS}/{people.ids['ann']}", headers=people["admin"]).status_code == 500
    assert _buckets(app) == buckets and [row.body for row in _deliveries(app)] == bodies
    assert _indexed(app) == indexed and people.ids["ann"] in {user_id for user_id, _ in indexed}
    assert _excerpts(app) == answered


def test_an_attempt_answered_while_the_account_is_deleted_keeps_nothing_of_the_answer(
        app: LearnomyApp, client: Client, people: Any, make_course: Any, monkeypatch: pytest.MonkeyPatch,
        receiver: Any) -> None:
    """The deletion commits while an attempt waits for the receiver (who echoes what it got):
    the attempt's log, written after, must not bring the person's data back."""
    from learnomy.controllers.communication import webhooks

    _hook(app, client, people, receiver.url)
    receiver.echo = True
    course = make_course()
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    client.post(f"{API}/courses/{course['id']}/reviews", json={"rating": 4, "content": "From Leeds."},
                headers=people["ann"])
    real, deleted = webhooks.send, []

    def send_then_delete(db: Any, app: Any, webhook: Any, delivery: Any) -> Any:
        outcome = real(db, app, webhook, delivery)
        if "Leeds" in delivery.body and not deleted:
            # Its own request and transaction, committed before this attempt is logged.
            deleted.append(client.delete(f"{STUDENTS}/{people.ids['ann']}", headers=people["admin"]).status_code)
        return outcome

    monkeypatch.setattr(webhooks, "send", send_then_delete)
    run_due_jobs(app)
    # SQLite refuses the attempt's write after the deletion's (its snapshot is stale): the job runs again.
    run_due_jobs(app, now=datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(hours=1))
    assert deleted == [200]
    assert any("From Leeds." in got["body"].decode() for got in receiver.received)  # it went, and was echoed
    assert "Leeds" not in str(_excerpts(app)) and "Leeds" not in str(_deliveries(app))


def test_administrators_cannot_delete_themselves(client: Client, people: Any) -> None:
    response = client.delete(f"{STUDENTS}/{people.ids['admin']}", headers=people["admin"])
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_own_account"


def test_an_account_owning_courses_is_not_deleted(client: Client, people: Any, make_course: Any) -> None:
    make_course("ivy")
    response = client.delete(f"{STUDENTS}/{people.ids['ivy']}", headers=people["admin"])
    assert response.status_code == 409 and response.json["error"]["code"] == "learnomy_owns_courses"
    assert client.get(ME, headers=people["ivy"]).status_code == 200
