"""Checkout, orders, manual and free payment, refunds and earnings, to the minor unit."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.controllers.commerce.conftest import API, configure, post
from tests.plugins import acme
from tests.racing import race


def events() -> list[str]:
    return [name for name, _ in acme.EVENTS]


@pytest.fixture
def coupon(client: Client, people: Any) -> Any:
    def factory(**fields: Any) -> dict[str, Any]:
        response = post(client, "/coupons", people["admin"], **{"code": "SAVE10", "type": "percent", "amount": 10,
                                                                **fields})
        assert response.status_code == 201, response.json
        return response.json["data"]
    return factory


def test_a_manual_purchase_with_a_coupon_enrolls_and_earns(client: Client, app: LearnomyApp, people: Any,
                                                          paid_course: Any, coupon: Any) -> None:
    course = paid_course(4999)
    coupon(code="Save10")
    configure(app, commissions={"instructor_rate": 70, "holding_days": 0})
    response = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": course["id"]}],
                    coupon_code="save10", gateway="manual")
    assert response.status_code == 201, response.json
    order = response.json["data"]
    # 10% of 4999 is 499.9: half up at the line, 500.
    assert (order["status"], order["subtotal"], order["discount"], order["total"], order["currency"]) == \
        ("pending", 4999, 500, 4499, "USD")
    assert order["items"] == [{"type": "course", "id": course["id"], "title": "Course", "price": 4999,
                               "discount": 500}]
    assert order["payment_url"] is None and order["coupon_code"] == "Save10"
    lesson = course["lesson_ids"][0]
    assert client.get(f"{API}/lessons/{lesson}", headers=people["ann"]).status_code == 403

    done = post(client, f"/orders/{order['id']}/complete", people["admin"], reference="BANK-1")
    assert done.status_code == 200, done.json
    assert done.json["data"]["status"] == "completed" and done.json["data"]["gateway_reference"] == "BANK-1"
    assert client.get(f"{API}/lessons/{lesson}", headers=people["ann"]).status_code == 200
    mine = client.get(f"{API}/me/enrollments", headers=people["ann"]).json["data"]
    assert [(e["course_id"], e["source"]) for e in mine] == [(course["id"], "purchase")]
    assert {"order.created", "order.completed", "coupon.redeemed", "enrollment.created"} <= set(events())
    # 70% of 4499 = 3149.3 -> 3149; the platform keeps 1350.
    earning = client.get(f"{API}/earnings", headers=people["ivy"]).json["data"]
    assert [(e["gross"], e["net"], e["platform_fee"], e["status"]) for e in earning] == [(4499, 3149, 1350, "available")]
    assert client.get(f"{API}/coupons", headers=people["admin"]).json["data"][0]["used_count"] == 1

    again = post(client, f"/orders/{order['id']}/complete", people["admin"])
    assert again.status_code == 200 and again.json["data"]["completed_at"] == done.json["data"]["completed_at"]
    assert len(client.get(f"{API}/earnings", headers=people["ivy"]).json["data"]) == 1
    assert client.get(f"{API}/coupons", headers=people["admin"]).json["data"][0]["used_count"] == 1
    # Owning it now, the buyer cannot buy it again.
    assert post(client, "/checkout", people["ann"], items=[{"type": "course", "id": course["id"]}],
                gateway="manual").json["error"]["code"] == "learnomy_already_owned"


def test_prices_come_from_the_database_and_currencies_do_not_mix(client: Client, people: Any, paid_course: Any) -> None:
    usd, eur = paid_course(1000, sale_price=800), paid_course(1000, currency="EUR")
    response = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": usd["id"], "price": 1}],
                    gateway="manual")
    assert response.status_code == 400  # no price may be sent
    order = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": usd["id"]}], gateway="manual")
    assert order.json["data"]["total"] == 800
    mixed = post(client, "/checkout", people["bob"], items=[{"type": "course", "id": usd["id"]},
                                                             {"type": "course", "id": eur["id"]}], gateway="manual")
    assert mixed.status_code == 400 and mixed.json["error"]["details"][0]["param"] == "items"


@pytest.mark.parametrize("body, param", [
    ({"items": []}, "items"),
    ({"items": [{"type": "course", "id": 999999}], "gateway": "manual"}, "items"),
    ({"items": [{"type": "thing", "id": 1}]}, "items"),
    ("course_gateway_bogus", "gateway"),
    ("course_no_gateway", "gateway"),
    ("course_bad_coupon", "coupon_code"),
])
def test_checkout_bad_input_answers_400(client: Client, people: Any, paid_course: Any, body: Any, param: str) -> None:
    course = paid_course(1000)
    item = [{"type": "course", "id": course["id"]}]
    if isinstance(body, str):
        body = {"course_gateway_bogus": {"items": item, "gateway": "paypal"},
                "course_no_gateway": {"items": item},
                "course_bad_coupon": {"items": item, "gateway": "manual", "coupon_code": "NOPE"}}[body]
    response = client.post(f"{API}/checkout", json=body, headers=people["ann"])
    assert response.status_code == 400, response.json
    assert response.json["error"]["details"][0]["param"].startswith(param)
    assert client.get(f"{API}/orders", headers=people["ann"]).json["meta"]["total"] == 0


def test_a_zero_total_completes_at_once_through_free(client: Client, people: Any, paid_course: Any,
                                                     coupon: Any) -> None:
    course = paid_course(2500)
    coupon(code="ALL", amount=100)
    order = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": course["id"]}],
                 coupon_code="all").json["data"]
    assert (order["status"], order["gateway"], order["total"]) == ("completed", "free", 0)
    assert client.get(f"{API}/lessons/{course['lesson_ids'][0]}", headers=people["ann"]).status_code == 200
    assert client.get(f"{API}/earnings", headers=people["ivy"]).json["data"] == []


def test_orders_are_their_buyers_and_admins(client: Client, people: Any, paid_course: Any) -> None:
    course = paid_course(1000)
    order = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": course["id"]}],
                 gateway="manual").json["data"]
    assert client.get(f"{API}/orders/{order['id']}").status_code == 401
    assert client.get(f"{API}/orders").status_code == 401
    assert client.post(f"{API}/checkout", json={}).status_code == 401
    assert client.get(f"{API}/orders/{order['id']}", headers=people["bob"]).status_code == 404
    assert client.get(f"{API}/orders/{order['id']}", headers=people["ann"]).status_code == 200
    assert client.get(f"{API}/orders/{order['id']}", headers=people["admin"]).status_code == 200
    assert client.get(f"{API}/orders", headers=people["bob"]).json["meta"]["total"] == 0
    assert client.get(f"{API}/orders", headers=people["admin"]).json["meta"]["total"] == 1
    assert post(client, f"/orders/{order['id']}/complete", people["ann"]).status_code == 403
    assert post(client, f"/orders/{order['id']}/complete", people["bob"]).status_code == 404
    assert post(client, f"/orders/{order['id']}/refund", people["ann"]).status_code == 403
    assert client.get(f"{API}/orders?status=nope", headers=people["admin"]).status_code == 400


def test_a_refund_reverses_earnings_in_proportion_and_a_full_one_ends_access(
        client: Client, app: LearnomyApp, people: Any, paid_course: Any) -> None:
    configure(app, commissions={"instructor_rate": 80, "holding_days": 0})
    course = paid_course(1001)
    client.post(f"{API}/courses/{course['id']}/instructors", json={"user_id": people.ids["oscar"]},
                headers=people["ivy"])
    order = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": course["id"]}],
                 gateway="manual").json["data"]
    post(client, f"/orders/{order['id']}/complete", people["admin"])
    # Co-taught: 1001 splits 501 (the owner) + 500; 80% each: 401 and 400.
    def net(who: str) -> list[int]:
        return [e["net"] for e in client.get(f"{API}/earnings", headers=people[who]).json["data"]]
    assert (net("ivy"), net("oscar")) == ([401], [400])
    too_much = post(client, f"/orders/{order['id']}/refund", people["admin"], amount=1002)
    assert too_much.status_code == 400
    part = post(client, f"/orders/{order['id']}/refund", people["admin"], amount=333, reason="partly")
    assert part.status_code == 200, part.json
    assert (part.json["data"]["status"], part.json["data"]["refunded_total"]) == ("partially_refunded", 333)
    # 401 * 333/1001 = 133.4 -> 133; 400 * 333/1001 = 133.07 -> 133.
    assert (net("ivy"), net("oscar")) == ([-133, 401], [-133, 400])
    assert client.get(f"{API}/lessons/{course['lesson_ids'][0]}", headers=people["ann"]).status_code == 200
    rest = post(client, f"/orders/{order['id']}/refund", people["admin"])
    assert (rest.json["data"]["status"], rest.json["data"]["refunded_total"]) == ("refunded", 1001)
    assert sum(net("ivy")) == 0 and sum(net("oscar")) == 0
    assert client.get(f"{API}/lessons/{course['lesson_ids'][0]}", headers=people["ann"]).status_code == 403
    assert post(client, f"/orders/{order['id']}/refund", people["admin"], amount=1).status_code == 409
    summary = client.get(f"{API}/earnings/summary", headers=people["ivy"]).json["data"]
    assert summary == [{"currency": "USD", "gross": 0, "platform_fee": 0, "net": 0, "pending": 0, "available": 0,
                        "withdrawn": 0, "withdrawal_pending": 0}]
    assert "order.refunded" in events()


def test_concurrent_completions_of_the_last_coupon_use(make_app: Any, client: Client, people: Any,
                                                       paid_course: Any, coupon: Any) -> None:
    course = paid_course(1000)
    coupon(code="ONCE", usage_limit=1)
    orders = [post(client, "/checkout", people[who], items=[{"type": "course", "id": course["id"]}],
                   coupon_code="ONCE", gateway="manual").json["data"] for who in ("ann", "bob")]
    clients = [Client(make_app()) for _ in orders]
    results = race([lambda c=c, o=o: c.post(f"{API}/orders/{o['id']}/complete", headers=people["admin"])
                    for c, o in zip(clients, orders)])
    assert sorted(r.status_code for r in results) == [200, 409]
    assert client.get(f"{API}/coupons", headers=people["admin"]).json["data"][0]["used_count"] == 1
    statuses = sorted(client.get(f"{API}/orders/{o['id']}", headers=people["admin"]).json["data"]["status"]
                      for o in orders)
    assert statuses == ["completed", "pending"]
