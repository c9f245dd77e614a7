"""Coupons (administration, validation reasons), commissions, withdrawals and payout details."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from learnomy_core.cli import main
from tests.controllers.commerce.conftest import API, configure, post
from tests.plugins import acme
from tests.racing import race


def test_coupons_are_for_administrators(client: Client, people: Any) -> None:
    made = post(client, "/coupons", people["admin"], code="Spring", type="percent", amount=20)
    assert made.status_code == 201 and made.json["data"]["code"] == "Spring"
    coupon_id = made.json["data"]["id"]
    taken = post(client, "/coupons", people["admin"], code="SPRING", type="fixed", amount=100, currency="USD")
    assert taken.status_code == 409
    assert client.get(f"{API}/coupons").status_code == 401
    for who in ("ivy", "ann"):
        assert client.get(f"{API}/coupons", headers=people[who]).status_code == 403
        assert client.get(f"{API}/coupons/{coupon_id}", headers=people[who]).status_code == 403
    for body in ({"code": "A", "type": "percent", "amount": 101}, {"code": "B", "type": "fixed", "amount": 5},
                 {"code": "C", "type": "bogus", "amount": 5}, {"code": " D", "type": "percent", "amount": 5}):
        assert post(client, "/coupons", people["admin"], **body).status_code == 400, body
    patched = client.patch(f"{API}/coupons/{coupon_id}", json={"status": "disabled"}, headers=people["admin"])
    assert patched.json["data"]["status"] == "disabled"
    assert client.get(f"{API}/coupons/{coupon_id}", headers=people["admin"]).status_code == 200
    assert client.delete(f"{API}/coupons/{coupon_id}", headers=people["admin"]).status_code == 200
    assert client.get(f"{API}/coupons/{coupon_id}", headers=people["admin"]).status_code == 404


@pytest.mark.parametrize("field", ["usage_limit", "usage_limit_per_user"])
def test_usage_limits_fit_their_column(client: Client, people: Any, field: str) -> None:
    """Limits beyond a 32-bit INT are refused with 400 (MySQL/MariaDB failed the write with a 500)."""
    too_big = post(client, "/coupons", people["admin"], code="BIG", type="percent", amount=5, **{field: 2**63 - 1})
    assert too_big.status_code == 400 and too_big.json["error"]["details"][0]["code"] == "rest_out_of_bounds"
    made = post(client, "/coupons", people["admin"], code="MAX", type="percent", amount=5, **{field: 2**31 - 1})
    assert made.status_code == 201 and made.json["data"][field] == 2**31 - 1
    patched = client.patch(f"{API}/coupons/{made.json['data']['id']}", json={field: 2**31}, headers=people["admin"])
    assert patched.status_code == 400
    assert client.get(f"{API}/coupons?per_page=100", headers=people["admin"]).json["meta"]["total"] == 1


@pytest.mark.parametrize("fields, reason", [
    ({}, None),
    ({"code": "OTHER"}, "not_found"),
    ({"status": "disabled"}, "not_found"),
    ({"expires_at": "2020-01-01T00:00:00Z"}, "expired"),
    ({"starts_at": "2099-01-01T00:00:00Z"}, "not_started"),
    ({"usage_limit": 1, "used_count_now": 1}, "used_up"),
    ({"course_ids": [999999]}, "not_applicable"),
    ({"min_total": 5000}, "below_minimum"),
    ({"type": "fixed", "amount": 300, "currency": "EUR"}, "currency_mismatch"),
])
def test_validate_says_why_a_code_does_not_apply(client: Client, app: LearnomyApp, people: Any,
                                                 paid_course: Any, fields: dict[str, Any], reason: Any) -> None:
    course = paid_course(1999)
    used = fields.pop("used_count_now", None)
    made = post(client, "/coupons", people["admin"], **{"code": "TRY", "type": "percent", "amount": 15, **fields})
    assert made.status_code == 201, made.json
    if used:
        with app.storage.engine.begin() as db:
            coupons = app.storage.tables["lrn_coupons"]
            db.execute(sa.update(coupons).values(used_count=used))
    answer = post(client, "/coupons/validate", people["ann"], code="try", items=[{"type": "course", "id": course["id"]}])
    assert answer.status_code == 200, answer.json
    data = answer.json["data"]
    if reason is None:
        # 15% of 1999 = 299.85 -> 300.
        assert (data["valid"], data["discount"], data["total"], data["currency"]) == (True, 300, 1699, "USD")
    else:
        assert (data["valid"], data["reason"], data["discount"], data["total"]) == (False, reason, 0, 1999)


def test_validate_needs_a_user_and_good_input(client: Client, people: Any) -> None:
    assert client.post(f"{API}/coupons/validate", json={"code": "X"}).status_code == 401
    bad = post(client, "/coupons/validate", people["ann"], code="X", items="all")
    assert bad.status_code == 400 and bad.json["error"]["details"][0]["param"].startswith("items")


def test_validate_is_rate_limited(client: Client, app: LearnomyApp, people: Any, paid_course: Any) -> None:
    course = paid_course(1000)
    configure(app, api={"rate_limit_per_minute": 2})
    statuses = [post(client, "/coupons/validate", people["ann"], code="X",
                     items=[{"type": "course", "id": course["id"]}]).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_the_usage_limit_per_user_holds(client: Client, people: Any, paid_course: Any) -> None:
    one, two = paid_course(1000), paid_course(1000)
    post(client, "/coupons", people["admin"], code="MINE", type="percent", amount=10, usage_limit_per_user=1)
    first = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": one["id"]}],
                 coupon_code="MINE", gateway="manual").json["data"]
    assert post(client, f"/orders/{first['id']}/complete", people["admin"]).status_code == 200
    second = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": two["id"]}],
                  coupon_code="MINE", gateway="manual")
    assert second.status_code == 400 and second.json["error"]["details"][0]["code"] == "learnomy_coupon_used_up"


def test_commission_settings_and_course_overrides(client: Client, people: Any, paid_course: Any) -> None:
    course = paid_course(1000)
    assert client.get(f"{API}/commissions/settings", headers=people["ivy"]).status_code == 403
    assert client.get(f"{API}/commissions/settings").status_code == 401
    assert client.put(f"{API}/commissions/settings", json={"instructor_rate": 101},
                      headers=people["admin"]).status_code == 400
    saved = client.put(f"{API}/commissions/settings", headers=people["admin"], json={
        "instructor_rate": 50, "holding_days": 0, "minimum_withdrawal": {"usd": 100},
        "course_overrides": [{"course_id": course["id"], "instructor_rate": 90.5}]})
    assert saved.status_code == 200, saved.json
    assert saved.json["data"]["minimum_withdrawal"] == {"USD": 100}
    order = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": course["id"]}],
                 gateway="manual").json["data"]
    post(client, f"/orders/{order['id']}/complete", people["admin"])
    # 90.5% of 1000 = 905.
    assert [e["net"] for e in client.get(f"{API}/earnings", headers=people["ivy"]).json["data"]] == [905]
    assert client.get(f"{API}/earnings", headers=people["ann"]).status_code == 403
    assert client.get(f"{API}/earnings?instructor=0", headers=people["admin"]).status_code == 400
    assert client.get(f"{API}/earnings", headers=people["oscar"]).json["data"] == []
    assert client.get(f"{API}/earnings?instructor={people.ids['ivy']}",
                      headers=people["admin"]).json["meta"]["total"] == 1


@pytest.fixture
def earned(client: Client, app: LearnomyApp, people: Any, paid_course: Any) -> dict[str, Any]:
    """Ivy has earned 800 USD, available now; her payout details are set."""
    configure(app, commissions={"instructor_rate": 80, "holding_days": 0, "minimum_withdrawal": {"USD": 100}})
    course = paid_course(1000)
    order = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": course["id"]}],
                 gateway="manual").json["data"]
    post(client, f"/orders/{order['id']}/complete", people["admin"])
    method = client.put(f"{API}/me/withdrawal-method", headers=people["ivy"],
                        json={"type": "bank_transfer", "details": {"iban": "DE89370400440532013000", "name": "Ivy"}})
    assert method.status_code == 200, method.json
    return order


def test_payout_details_are_masked(client: Client, people: Any, earned: Any) -> None:
    shown = client.get(f"{API}/me/withdrawal-method", headers=people["ivy"]).json["data"]
    assert shown["details"]["iban"].endswith("3000") and "DE8937" not in str(shown)
    assert client.get(f"{API}/me/withdrawal-method", headers=people["ann"]).status_code == 403
    assert client.put(f"{API}/me/withdrawal-method", headers=people["ivy"],
                      json={"type": "cheque", "details": {}}).status_code == 400


def test_a_withdrawal_from_request_to_approval(client: Client, people: Any, earned: Any) -> None:
    for amount, status in ((50, 400), (801, 409)):
        assert post(client, "/withdrawals", people["ivy"], amount=amount, currency="USD").status_code == status
    assert post(client, "/withdrawals", people["ann"], amount=200, currency="USD").status_code == 403
    made = post(client, "/withdrawals", people["ivy"], amount=300, currency="usd")
    assert made.status_code == 201, made.json
    withdrawal = made.json["data"]
    assert withdrawal["method"]["details"]["iban"].endswith("3000") and "DE8937" not in str(withdrawal)
    again = post(client, "/withdrawals", people["ivy"], amount=100, currency="USD")
    assert again.status_code == 409 and again.json["error"]["code"] == "learnomy_withdrawal_pending"
    summary = client.get(f"{API}/earnings/summary", headers=people["ivy"]).json["data"][0]
    assert (summary["net"], summary["available"], summary["withdrawal_pending"]) == (800, 500, 300)
    assert client.get(f"{API}/withdrawals/{withdrawal['id']}", headers=people["oscar"]).status_code == 404
    assert post(client, f"/withdrawals/{withdrawal['id']}/approve", people["ivy"]).status_code == 403
    approved = post(client, f"/withdrawals/{withdrawal['id']}/approve", people["admin"])
    assert approved.status_code == 200 and approved.json["data"]["status"] == "approved"
    assert post(client, f"/withdrawals/{withdrawal['id']}/approve", people["admin"]).status_code == 409
    summary = client.get(f"{API}/earnings/summary", headers=people["ivy"]).json["data"][0]
    assert (summary["available"], summary["withdrawn"], summary["withdrawal_pending"]) == (500, 300, 0)
    assert {"withdrawal.requested", "withdrawal.approved"} <= {name for name, _ in acme.EVENTS}


def test_reject_and_cancel_return_the_funds(client: Client, people: Any, earned: Any) -> None:
    first = post(client, "/withdrawals", people["ivy"], amount=800, currency="USD").json["data"]
    assert post(client, f"/withdrawals/{first['id']}/reject", people["admin"]).status_code == 400
    rejected = post(client, f"/withdrawals/{first['id']}/reject", people["admin"], reason="Wrong IBAN")
    assert rejected.json["data"]["status"] == "rejected" and rejected.json["data"]["reason"] == "Wrong IBAN"
    second = post(client, "/withdrawals", people["ivy"], amount=800, currency="USD").json["data"]
    assert post(client, f"/withdrawals/{second['id']}/cancel", people["admin"]).status_code == 403
    assert post(client, f"/withdrawals/{second['id']}/cancel", people["ivy"]).json["data"]["status"] == "cancelled"
    assert client.get(f"{API}/earnings/summary", headers=people["ivy"]).json["data"][0]["available"] == 800
    assert client.get(f"{API}/withdrawals", headers=people["ivy"]).json["meta"]["total"] == 2
    assert client.get(f"{API}/withdrawals", headers=people["oscar"]).json["meta"]["total"] == 0
    assert client.get(f"{API}/withdrawals").status_code == 401


def test_a_refund_after_a_withdrawal_leaves_a_negative_balance(client: Client, people: Any, earned: Any,
                                                               paid_course: Any) -> None:
    withdrawal = post(client, "/withdrawals", people["ivy"], amount=800, currency="USD").json["data"]
    post(client, f"/withdrawals/{withdrawal['id']}/approve", people["admin"])
    post(client, f"/orders/{earned['id']}/refund", people["admin"])
    summary = client.get(f"{API}/earnings/summary", headers=people["ivy"]).json["data"][0]
    assert (summary["net"], summary["withdrawn"], summary["available"]) == (0, 800, -800)
    # The next sale pays it off first.
    course = paid_course(1500)
    order = post(client, "/checkout", people["bob"], items=[{"type": "course", "id": course["id"]}],
                 gateway="manual").json["data"]
    post(client, f"/orders/{order['id']}/complete", people["admin"])
    assert client.get(f"{API}/earnings/summary", headers=people["ivy"]).json["data"][0]["available"] == 400


def test_two_withdrawal_requests_at_once(make_app: Any, client: Client, people: Any, earned: Any) -> None:
    clients = [Client(make_app()) for _ in range(2)]
    results = race([lambda c=c: c.post(f"{API}/withdrawals", json={"amount": 500, "currency": "USD"},
                                       headers=people["ivy"]) for c in clients])
    assert sorted(r.status_code for r in results) == [201, 409]
    assert client.get(f"{API}/withdrawals", headers=people["ivy"]).json["meta"]["total"] == 1


def test_settings_from_the_command_line(tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("LEARNOMY_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    assert main(["db", "upgrade"]) == 0
    assert main(["settings", "set", "payments.stripe.secret_key", "sk_test_cli"]) == 0
    assert main(["settings", "set", "payments.stripe.webhook_secret", "whsec_cli"]) == 0
    assert main(["settings", "set", "commissions.instructor_rate", "65"]) == 0
    capsys.readouterr()
    assert main(["settings", "get", "payments.stripe"]) == 0
    shown = capsys.readouterr().out
    assert "sk_test_cli" not in shown and '"secret_key": "********"' in shown
    assert main(["settings", "get", "commissions.instructor_rate"]) == 0
    assert capsys.readouterr().out.strip() == "65"
    assert main(["settings", "set", "commissions.instructor_rate", "150"]) == 1
    assert "commissions" in capsys.readouterr().err
    assert main(["settings", "set", "nosuch.key", "1"]) == 1
    assert main(["settings", "get", "payments.stripe.nothing"]) == 1
