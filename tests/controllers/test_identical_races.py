"""Identical requests at the same moment leave the same state as one (Free routes).

Each case builds its world twice. The first world gets one request; the second gets
the same request from several clients at once (each with its own app, so its own
connection, as separate worker processes would). What each changed in the database
must be the same, and every racing answer must be the single answer's status or a
documented refusal. Ids, timestamps and the digits inside strings are left out of
the comparison: the two worlds hold different rows of the same shape.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.controllers.commerce.conftest import configure
from tests.raced import Call, World, compare_with_one, retried

API = "/wp-json/learnomy/v1"


# -- the worlds ------------------------------------------------------------------------------

def _enrolled(world: World, lessons: int = 1) -> dict[str, Any]:
    course = world.make_course(lessons=lessons)
    course["enrollment"] = world.post(f"/courses/{course['id']}/enroll", "ann")
    return course


def enroll(world: World) -> Call:
    course = world.make_course()
    return Call("POST", f"/courses/{course['id']}/enroll", "ann")


def manual_enrollment(world: World) -> Call:
    course = world.make_course()
    return Call("POST", "/enrollments", "ivy", {"user_id": world.people.ids["bob"], "course_id": course["id"]})


def suspend_enrollment(world: World) -> Call:
    course = _enrolled(world)
    return Call("PATCH", f"/enrollments/{course['enrollment']['id']}", "ivy", {"status": "suspended"})


def reactivate_enrollment(world: World) -> Call:
    course = _enrolled(world)
    world.client.patch(f"{API}/enrollments/{course['enrollment']['id']}", json={"status": "suspended"},
                       headers=world.people["ivy"])
    return Call("PATCH", f"/enrollments/{course['enrollment']['id']}", "ivy", {"status": "active"})


def cancel_enrollment(world: World) -> Call:
    course = _enrolled(world)
    return Call("DELETE", f"/enrollments/{course['enrollment']['id']}", "ivy")


def review(world: World) -> Call:
    course = _enrolled(world)
    return Call("POST", f"/courses/{course['id']}/reviews", "ann", {"rating": 4, "content": "Good."})


def _reviewed(world: World) -> dict[str, Any]:
    course = _enrolled(world)
    return world.post(f"/courses/{course['id']}/reviews", "ann", rating=4, content="Good.")


def delete_review(world: World) -> Call:
    return Call("DELETE", f"/reviews/{_reviewed(world)['id']}", "ann")


def moderate_review(world: World) -> Call:
    return Call("POST", f"/reviews/{_reviewed(world)['id']}/moderate", "admin", {"status": "rejected"})


def complete_lesson(world: World) -> Call:
    course = _enrolled(world, lessons=2)
    return Call("POST", f"/lessons/{course['lesson_ids'][0]}/complete", "ann")


def complete_last_lesson(world: World) -> Call:
    # Completing the course's only lesson completes the course and issues its certificate.
    course = _enrolled(world)
    return Call("POST", f"/lessons/{course['lesson_ids'][0]}/complete", "ann")


def complete_topic(world: World) -> Call:
    course = _enrolled(world)
    topic = world.post(f"/lessons/{course['lesson_ids'][0]}/topics", "ivy", title="Part")
    return Call("POST", f"/topics/{topic['id']}/complete", "ann")


def complete_course(world: World) -> Call:
    course = _enrolled(world)
    world.post(f"/lessons/{course['lesson_ids'][0]}/complete", "ann")
    return Call("POST", f"/courses/{course['id']}/complete", "ann")


def lesson_position(world: World) -> Call:
    course = _enrolled(world)
    return Call("POST", f"/lessons/{course['lesson_ids'][0]}/position", "ann", {"position": 42})


def issue_certificate(world: World) -> Call:
    course = world.make_course()
    return Call("POST", "/certificates", "admin", {"user_id": world.people.ids["ann"], "course_id": course["id"]})


def revoke_certificate(world: World) -> Call:
    course = world.make_course()
    made = world.post("/certificates", "admin", user_id=world.people.ids["ann"], course_id=course["id"])
    return Call("DELETE", f"/certificates/{made['id']}", "admin")


def apply_to_teach(world: World) -> Call:
    # One application per user: each world applies as another student.
    return Call("POST", "/instructor-applications", ("ann", "bob")[world.run], {"message": "I teach."})


def start_attempt(world: World) -> Call:
    course = _enrolled(world)
    quiz = world.post(f"/sections/{course['section_id']}/quizzes", "ivy", title="Check", attempts_allowed=5)
    world.post(f"/quizzes/{quiz['id']}/questions", "ivy", type="true_false", title="Sky is green.", answer=False)
    return Call("POST", f"/quizzes/{quiz['id']}/attempts", "ann")


def add_instructor(world: World) -> Call:
    course = world.make_course()
    return Call("POST", f"/courses/{course['id']}/instructors", "ivy", {"user_id": world.people.ids["oscar"]})


def remove_instructor(world: World) -> Call:
    course = world.make_course()
    world.post(f"/courses/{course['id']}/instructors", "ivy", user_id=world.people.ids["oscar"])
    return Call("DELETE", f"/courses/{course['id']}/instructors/{world.people.ids['oscar']}", "ivy")


def trash_course(world: World) -> Call:
    course = _enrolled(world)
    return Call("DELETE", f"/courses/{course['id']}", "ivy")


def make_coupon(world: World) -> Call:
    return Call("POST", "/coupons", "admin", {"code": f"RACE{world.run}", "type": "percent", "amount": 10})


def make_plan(world: World) -> Call:
    return Call("POST", "/membership-plans", "admin", {"name": f"Gold {world.run}", "price": 900, "currency": "USD",
                                                       "interval": "month"})


def _order(world: World, complete: bool, owner: str = "ivy") -> dict[str, Any]:
    configure(world.app, commissions={"instructor_rate": 80, "holding_days": 0, "minimum_withdrawal": {"USD": 100}})
    course = world.make_course(owner, price_type="paid", price=1000, currency="USD")
    order = world.post("/checkout", "ann", items=[{"type": "course", "id": course["id"]}], gateway="manual")
    if complete:
        world.post(f"/orders/{order['id']}/complete", "admin")
    return order


def complete_order(world: World) -> Call:
    return Call("POST", f"/orders/{_order(world, False)['id']}/complete", "admin")


def refund_order(world: World) -> Call:
    return Call("POST", f"/orders/{_order(world, True)['id']}/refund", "admin", {"reason": "asked"})


def withdrawal_method(world: World) -> Call:
    return Call("PUT", "/me/withdrawal-method", ("ivy", "oscar")[world.run],
                {"type": "bank_transfer", "details": {"iban": "DE89370400440532013000", "name": "Teacher"}})


def _withdrawal(world: World) -> dict[str, Any]:
    _order(world, True)
    world.client.put(f"{API}/me/withdrawal-method", headers=world.people["ivy"],
                     json={"type": "bank_transfer", "details": {"iban": "DE89370400440532013000", "name": "Ivy"}})
    return world.post("/withdrawals", "ivy", amount=300, currency="USD")


def approve_withdrawal(world: World) -> Call:
    return Call("POST", f"/withdrawals/{_withdrawal(world)['id']}/approve", "admin")


def reject_withdrawal(world: World) -> Call:
    return Call("POST", f"/withdrawals/{_withdrawal(world)['id']}/reject", "admin", {"reason": "No."})


def cancel_withdrawal(world: World) -> Call:
    return Call("POST", f"/withdrawals/{_withdrawal(world)['id']}/cancel", "ivy")


def _subscription(world: World, cancelled: bool) -> dict[str, Any]:
    plan = world.post("/membership-plans", "admin", name=f"Gold {world.run}", price=1500, currency="USD",
                      interval="month")
    order = world.post("/checkout", "ann", items=[{"type": "plan", "id": plan["id"]}], gateway="manual")
    world.post(f"/orders/{order['id']}/complete", "admin")
    mine = world.client.get(f"{API}/subscriptions", query_string={"plan": plan["id"]}, headers=world.people["ann"])
    subscription = mine.json["data"][0]
    if cancelled:
        world.post(f"/subscriptions/{subscription['id']}/cancel", "ann")
    return subscription


def cancel_subscription(world: World) -> Call:
    return Call("POST", f"/subscriptions/{_subscription(world, False)['id']}/cancel", "ann")


def resume_subscription(world: World) -> Call:
    return Call("POST", f"/subscriptions/{_subscription(world, True)['id']}/resume", "ann")


def delete_attempt(world: World) -> Call:
    attempt = start_attempt(world).send(world.client, world.people, API).json["data"]
    return Call("DELETE", f"/attempts/{attempt['id']}", "ivy")


def _notification(world: World) -> int:
    # Enrolling tells the student; the newest notification is that one.
    _enrolled(world)
    notes = world.client.get(f"{API}/notifications", headers=world.people["ann"]).json["data"]
    assert notes, "enrolling made no notification"
    return int(notes[0]["id"])


def read_notification(world: World) -> Call:
    return Call("POST", f"/notifications/{_notification(world)}/read", "ann")


def delete_notification(world: World) -> Call:
    return Call("DELETE", f"/notifications/{_notification(world)}", "ann")


# -- creations, each sent with an Idempotency-Key (API.md section 11) -------------------------

def create_course(world: World) -> Call:
    return retried(world, "POST", "/courses", "ivy", {"title": "Raced"})


def duplicate_course(world: World) -> Call:
    return retried(world, "POST", f"/courses/{world.make_course()['id']}/duplicate", "ivy", {})


def create_section(world: World) -> Call:
    return retried(world, "POST", f"/courses/{world.make_course()['id']}/sections", "ivy", {"title": "Part 2"})


def create_lesson(world: World) -> Call:
    return retried(world, "POST", f"/sections/{world.make_course()['section_id']}/lessons", "ivy", {"title": "More"})


def create_topic(world: World) -> Call:
    return retried(world, "POST", f"/lessons/{world.make_course()['lesson_ids'][0]}/topics", "ivy", {"title": "Part A"})


def create_quiz(world: World) -> Call:
    return retried(world, "POST", f"/sections/{world.make_course()['section_id']}/quizzes", "ivy", {"title": "Check"})


def create_question(world: World) -> Call:
    quiz = world.post(f"/sections/{world.make_course()['section_id']}/quizzes", "ivy", title="Check")
    return retried(world, "POST", f"/quizzes/{quiz['id']}/questions", "ivy",
                   {"type": "true_false", "title": "The sky is green.", "answer": False, "points": 2})


def create_category(world: World) -> Call:
    return retried(world, "POST", "/course-categories", "admin", {"name": f"Music {world.run}"})


def create_tag(world: World) -> Call:
    return retried(world, "POST", "/course-tags", "ivy", {"name": f"jazz {world.run}"})


def create_announcement(world: World) -> Call:
    return retried(world, "POST", f"/courses/{_enrolled(world)['id']}/announcements", "ivy", {"title": "News"})


def create_template(world: World) -> Call:
    return retried(world, "POST", "/certificate-templates", "ivy",
                   {"title": "Classic", "body": "Awarded to {student_name}.", "orientation": "portrait"})


def request_withdrawal(world: World) -> Call:
    teacher = ("ivy", "oscar")[world.run]  # one pending withdrawal each
    _order(world, True, teacher)
    world.client.put(f"{API}/me/withdrawal-method", headers=world.people[teacher],
                     json={"type": "bank_transfer", "details": {"iban": "DE89370400440532013000", "name": "Ivy"}})
    return retried(world, "POST", "/withdrawals", teacher, {"amount": 300, "currency": "USD"})


# Each case: how to build the world, and the statuses a racing loser may answer besides
# the single request's own.
CASES: dict[str, tuple[Callable[[World], Call], tuple[int, ...]]] = {
    "enroll": (enroll, (409,)),
    "manual enrollment": (manual_enrollment, (409,)),
    "suspend an enrollment": (suspend_enrollment, ()),
    "reactivate an enrollment": (reactivate_enrollment, ()),
    "cancel an enrollment": (cancel_enrollment, ()),
    "review": (review, (409,)),
    "delete a review": (delete_review, (404,)),
    "moderate a review": (moderate_review, ()),
    "complete a lesson": (complete_lesson, ()),
    "complete the last lesson": (complete_last_lesson, ()),
    "complete a topic": (complete_topic, ()),
    "complete a course": (complete_course, ()),
    "save a lesson position": (lesson_position, ()),
    "issue a certificate": (issue_certificate, (409,)),
    "revoke a certificate": (revoke_certificate, (404, 409)),
    "apply to teach": (apply_to_teach, (409,)),
    "start a quiz attempt": (start_attempt, (409,)),
    "add an instructor": (add_instructor, (409,)),
    "remove an instructor": (remove_instructor, (404,)),
    "trash a course": (trash_course, ()),
    "create a coupon": (make_coupon, (409,)),
    "create a membership plan": (make_plan, (409,)),
    "complete an order": (complete_order, (409,)),
    "refund an order": (refund_order, (409,)),
    "set the withdrawal method": (withdrawal_method, ()),
    "approve a withdrawal": (approve_withdrawal, (409,)),
    "reject a withdrawal": (reject_withdrawal, (409,)),
    "cancel a withdrawal": (cancel_withdrawal, (409,)),
    "cancel a subscription": (cancel_subscription, (409,)),
    "resume a subscription": (resume_subscription, (409,)),
    "delete a quiz attempt": (delete_attempt, (404,)),
    "read a notification": (read_notification, ()),
    "delete a notification": (delete_notification, (404,)),
    **{f"{name} with an Idempotency-Key": (build, (409,)) for name, build in {
        "create a course": create_course, "duplicate a course": duplicate_course, "create a section": create_section,
        "create a lesson": create_lesson, "create a topic": create_topic, "create a quiz": create_quiz,
        "create a question": create_question, "create a category": create_category, "create a tag": create_tag,
        "post an announcement": create_announcement, "create a certificate template": create_template,
        "request a withdrawal": request_withdrawal}.items()},
}


@pytest.mark.parametrize("case", list(CASES))
def test_identical_requests_at_once_change_what_one_changes(
        make_app: Callable[..., LearnomyApp], app: LearnomyApp, client: Client, people: Any,
        make_course: Callable[..., dict[str, Any]], case: str) -> None:
    build, refusals = CASES[case]
    compare_with_one(make_app, app, client, people, make_course, build, refusals, api=API)
