"""Stripe: Checkout Sessions on a fake Stripe server, signed webhook events, replays."""

from __future__ import annotations

from typing import Any

from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.controllers.commerce.conftest import API, WEBHOOK_SECRET, configure, post, signed, stripe_event

HOOK = f"{API}/payments/stripe/webhook"


def send(client: Client, event: dict[str, Any], secret: str = WEBHOOK_SECRET) -> Any:
    body, headers = signed(event, secret)
    return client.post(HOOK, data=body, headers=headers)


def test_stripe_is_listed_only_when_configured(client: Client, app: LearnomyApp, fake_stripe: Any) -> None:
    ids = [g["id"] for g in client.get(f"{API}/payment-gateways").json["data"]]
    assert ids == ["manual"]
    configure(app, payments={"stripe": {"secret_key": "sk_test_1", "webhook_secret": WEBHOOK_SECRET}})
    listed = client.get(f"{API}/payment-gateways").json["data"]
    assert [g["id"] for g in listed] == ["manual", "stripe"]
    assert listed[1]["supports"] == ["one_time", "subscriptions", "refunds"]
    assert "sk_test_1" not in client.get(f"{API}/payment-gateways").get_data(as_text=True)


def test_a_stripe_purchase_with_a_coupon_end_to_end(client: Client, app: LearnomyApp, people: Any,
                                                    paid_course: Any, stripe_on: Any) -> None:
    configure(app, commissions={"instructor_rate": 75, "holding_days": 7})
    course = paid_course(2000)
    post(client, "/coupons", people["admin"], code="FIVE", type="fixed", amount=500, currency="USD")
    response = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": course["id"]}],
                    coupon_code="five", gateway="stripe")
    assert response.status_code == 201, response.json
    order = response.json["data"]
    assert order["total"] == 1500 and order["payment_url"].startswith("https://checkout.stripe.test/")
    session = stripe_on.posted("/v1/checkout/sessions")[0]
    assert session["mode"] == "payment" and session["line_items[0][price_data][unit_amount]"] == "1500"
    assert session["metadata[order_id]"] == str(order["id"])

    paid = stripe_event("evt_1", "checkout.session.completed", {
        "id": order["gateway_reference"], "object": "checkout.session", "payment_status": "paid",
        "payment_intent": "pi_1", "metadata": {"order_id": str(order["id"])}})
    assert send(client, paid, "whsec_wrong").status_code == 400
    assert client.post(HOOK, json=paid).status_code == 400
    answer = send(client, paid)
    assert answer.status_code == 200 and answer.json["data"] == {"received": True, "replayed": False}
    assert send(client, paid).json["data"]["replayed"] is True
    done = client.get(f"{API}/orders/{order['id']}", headers=people["ann"]).json["data"]
    assert done["status"] == "completed"
    assert client.get(f"{API}/lessons/{course['lesson_ids'][0]}", headers=people["ann"]).status_code == 200
    earning = client.get(f"{API}/earnings", headers=people["ivy"]).json["data"]
    assert [(e["gross"], e["net"], e["platform_fee"], e["status"]) for e in earning] == [(1500, 1125, 375, "pending")]
    summary = client.get(f"{API}/earnings/summary", headers=people["ivy"]).json["data"][0]
    assert (summary["pending"], summary["available"], summary["net"]) == (1125, 0, 1125)

    # An administrator's refund goes through Stripe; Stripe's own charge.refunded then changes nothing more.
    refund = post(client, f"/orders/{order['id']}/refund", people["admin"], amount=600)
    assert refund.status_code == 200, refund.json
    assert stripe_on.posted("/v1/refunds") == [{"payment_intent": "pi_1", "amount": "600"}]
    charge = stripe_event("evt_2", "charge.refunded", {"object": "charge", "payment_intent": "pi_1",
                                                       "amount_refunded": 600})
    assert send(client, charge).status_code == 200
    after = client.get(f"{API}/orders/{order['id']}", headers=people["ann"]).json["data"]
    assert (after["status"], after["refunded_total"]) == ("partially_refunded", 600)
    # A refund made on Stripe's dashboard arrives as an event only.
    more = stripe_event("evt_3", "charge.refunded", {"object": "charge", "payment_intent": "pi_1",
                                                     "amount_refunded": 1500})
    send(client, more)
    final = client.get(f"{API}/orders/{order['id']}", headers=people["ann"]).json["data"]
    assert (final["status"], final["refunded_total"]) == ("refunded", 1500)
    assert len(stripe_on.posted("/v1/refunds")) == 1
    assert sum(e["net"] for e in client.get(f"{API}/earnings", headers=people["ivy"]).json["data"]) == 0


def test_a_stripe_outage_answers_503_and_keeps_nothing(client: Client, people: Any, paid_course: Any,
                                                        stripe_on: Any) -> None:
    course = paid_course(2000)
    stripe_on.fail = True
    response = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": course["id"]}],
                    gateway="stripe")
    assert response.status_code == 503
    assert client.get(f"{API}/orders", headers=people["ann"]).json["meta"]["total"] == 0


def test_a_stripe_membership_renews_fails_and_ends(client: Client, people: Any, make_course: Any,
                                                   stripe_on: Any) -> None:
    course = make_course(price_type="membership")
    plan = post(client, "/membership-plans", people["admin"], name="Gold", price=1200, currency="USD",
                interval="month", all_courses=True).json["data"]
    order = post(client, "/checkout", people["ann"], items=[{"type": "plan", "id": plan["id"]}],
                 gateway="stripe").json["data"]
    session = stripe_on.posted("/v1/checkout/sessions")[0]
    assert session["mode"] == "subscription" and session["line_items[0][price_data][recurring][interval]"] == "month"
    send(client, stripe_event("evt_s1", "checkout.session.completed", {
        "id": order["gateway_reference"], "payment_status": "paid", "subscription": "sub_1",
        "metadata": {"order_id": str(order["id"])}}))
    sub = client.get(f"{API}/subscriptions", headers=people["ann"]).json["data"][0]
    assert (sub["status"], sub["gateway"]) == ("active", "stripe")
    enroll = client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    assert enroll.status_code == 201 and enroll.json["data"]["source"] == "membership"
    send(client, stripe_event("evt_s2", "invoice.paid", {
        "subscription": "sub_1", "billing_reason": "subscription_cycle",
        "lines": {"data": [{"period": {"start": 1893456000, "end": 1896134400}}]}}))
    renewed = client.get(f"{API}/subscriptions/{sub['id']}", headers=people["ann"]).json["data"]
    assert renewed["current_period_end"] == "2030-02-01T00:00:00Z"
    send(client, stripe_event("evt_s3", "invoice.payment_failed", {"subscription": "sub_1"}))
    assert client.get(f"{API}/subscriptions/{sub['id']}", headers=people["ann"]).json["data"]["status"] == "past_due"
    cancel = post(client, f"/subscriptions/{sub['id']}/cancel", people["ann"])
    assert cancel.status_code == 200 and cancel.json["data"]["cancel_at_period_end"] is True
    assert stripe_on.posted("/v1/subscriptions/sub_1") == [{"cancel_at_period_end": "true"}]
    send(client, stripe_event("evt_s4", "customer.subscription.deleted", {"id": "sub_1"}))
    assert client.get(f"{API}/subscriptions/{sub['id']}", headers=people["ann"]).json["data"]["status"] == "expired"
    lesson = client.get(f"{API}/lessons/{course['lesson_ids'][0]}", headers=people["ann"])
    assert lesson.status_code == 403 and lesson.json["error"]["code"] == "learnomy_enrollment_expired"


def test_a_paid_order_whose_coupon_ran_out_fails_and_is_refunded(client: Client, people: Any, paid_course: Any,
                                                                  stripe_on: Any) -> None:
    course = paid_course(2000)
    post(client, "/coupons", people["admin"], code="LAST", type="percent", amount=50, usage_limit=1)
    orders = [post(client, "/checkout", people[who], items=[{"type": "course", "id": course["id"]}],
                   coupon_code="LAST", gateway="stripe").json["data"] for who in ("ann", "bob")]
    for number, order in enumerate(orders):
        answer = send(client, stripe_event(f"evt_c{number}", "checkout.session.completed", {
            "id": order["gateway_reference"], "payment_status": "paid", "payment_intent": f"pi_c{number}",
            "metadata": {"order_id": str(order["id"])}}))
        assert answer.status_code == 200, answer.json
    statuses = [client.get(f"{API}/orders/{o['id']}", headers=people["admin"]).json["data"]["status"] for o in orders]
    assert statuses == ["completed", "failed"]
    assert stripe_on.posted("/v1/refunds") == [{"payment_intent": "pi_c1", "amount": "1000"}]
    assert client.get(f"{API}/lessons/{course['lesson_ids'][0]}", headers=people["bob"]).status_code == 403
    assert client.get(f"{API}/coupons", headers=people["admin"]).json["data"][0]["used_count"] == 1


def test_a_running_stripe_subscription_is_not_bought_twice(client: Client, people: Any, stripe_on: Any) -> None:
    plan = post(client, "/membership-plans", people["admin"], name="Gold", price=1200, currency="USD").json["data"]
    order = post(client, "/checkout", people["ann"], items=[{"type": "plan", "id": plan["id"]}],
                 gateway="stripe").json["data"]
    send(client, stripe_event("evt_t1", "checkout.session.completed", {
        "id": order["gateway_reference"], "payment_status": "paid", "subscription": "sub_9",
        "metadata": {"order_id": str(order["id"])}}))
    again = post(client, "/checkout", people["ann"], items=[{"type": "plan", "id": plan["id"]}], gateway="stripe")
    assert again.status_code == 409 and again.json["error"]["code"] == "learnomy_already_owned"


def test_an_expired_checkout_session_cancels_its_order(client: Client, people: Any, paid_course: Any,
                                                       stripe_on: Any) -> None:
    course = paid_course(2000)
    order = post(client, "/checkout", people["ann"], items=[{"type": "course", "id": course["id"]}],
                 gateway="stripe").json["data"]
    send(client, stripe_event("evt_x1", "checkout.session.expired", {
        "id": order["gateway_reference"], "metadata": {"order_id": str(order["id"])}}))
    assert client.get(f"{API}/orders/{order['id']}", headers=people["ann"]).json["data"]["status"] == "cancelled"
    late = send(client, stripe_event("evt_x2", "checkout.session.completed", {
        "id": order["gateway_reference"], "payment_status": "paid", "metadata": {"order_id": str(order["id"])}}))
    assert late.status_code == 409
