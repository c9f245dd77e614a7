"""Identical requests at the same moment leave the same state as one (Pro routes).

The same comparison as the Free routes' (tests/controllers/test_identical_races.py):
one request in one world, several identical ones at once in another, and the
database must change alike.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.controllers.conftest import make_course, people  # noqa: F401 - fixtures re-exported
from tests.raced import Call, World, compare_with_one, retried

PRO = "/wp-json/learnomy-pro/v1"
UNLOCKS_AT = "2099-01-01T00:00:00Z"


def _course(world: World) -> dict[str, Any]:
    course = world.make_course(lessons=2)
    world.post(f"/courses/{course['id']}/enroll", "ann")
    return course


def _cohort(world: World, member: bool = True) -> tuple[dict[str, Any], dict[str, Any]]:
    course = _course(world)
    cohort = world.post("/cohorts", "ivy", api=PRO, course_id=course["id"], name="Spring",
                        starts_at="2020-01-01T00:00:00Z", ends_at="2099-01-01T00:00:00Z")
    if member:
        world.post(f"/cohorts/{cohort['id']}/members", "ivy", api=PRO, user_id=world.people.ids["ann"])
    return course, cohort


def remove_cohort_member(world: World) -> Call:
    _, cohort = _cohort(world)
    return Call("DELETE", f"/cohorts/{cohort['id']}/members/{world.people.ids['ann']}", "ivy")


def cohort_schedule(world: World) -> Call:
    course, cohort = _cohort(world)
    return Call("PUT", f"/cohorts/{cohort['id']}/schedule", "ivy",
                {"schedule": [{"section_id": course["section_id"], "unlocks_at": UNLOCKS_AT}]})


def delete_cohort(world: World) -> Call:
    _, cohort = _cohort(world)
    return Call("DELETE", f"/cohorts/{cohort['id']}", "ivy")


def _path(world: World) -> dict[str, Any]:
    return world.post("/learning-paths", "ivy", api=PRO, title="Data")


def path_steps(world: World) -> Call:
    first, second = world.make_course(), world.make_course()
    return Call("PUT", f"/learning-paths/{_path(world)['id']}/steps", "ivy",
                {"steps": [{"course_id": first["id"]}, {"course_id": second["id"], "optional": True}]})


def delete_path(world: World) -> Call:
    return Call("DELETE", f"/learning-paths/{_path(world)['id']}", "ivy")


def _space(world: World, joined: bool = True) -> dict[str, Any]:
    space = world.post("/spaces", "ivy", api=PRO, name="Lounge", type="open")
    if joined:
        world.post(f"/spaces/{space['id']}/members", "ann", api=PRO)
    return space


def leave_space(world: World) -> Call:
    return Call("DELETE", f"/spaces/{_space(world)['id']}/members/{world.people.ids['ann']}", "ann")


def delete_space(world: World) -> Call:
    return Call("DELETE", f"/spaces/{_space(world)['id']}", "ivy")


def _post(world: World) -> dict[str, Any]:
    space = _space(world)
    post = world.post(f"/spaces/{space['id']}/posts", "ann", api=PRO, content="Hello")
    world.post(f"/posts/{post['id']}/comments", "ivy", api=PRO, content="Hi")
    return post


def delete_post(world: World) -> Call:
    return Call("DELETE", f"/posts/{_post(world)['id']}", "ann")


def _submission(world: World) -> dict[str, Any]:
    course = _course(world)
    assignment = world.post(f"/sections/{course['section_id']}/assignments", "ivy", api=PRO, title="Essay",
                            points=20, passing_points=10)
    return world.post(f"/assignments/{assignment['id']}/submissions", "ann", api=PRO, content="My answer")


def grade_submission(world: World) -> Call:
    return Call("POST", f"/submissions/{_submission(world)['id']}/grade", "ivy", {"points": 15})


def delete_assignment(world: World) -> Call:
    return Call("DELETE", f"/assignments/{_submission(world)['assignment_id']}", "ivy")


def delete_drip_rule(world: World) -> Call:
    course = _course(world)
    rule = world.post(f"/courses/{course['id']}/drip-rules", "ivy", api=PRO, target_type="lesson",
                      target_id=course["lesson_ids"][1], kind="date", value=UNLOCKS_AT)
    return Call("DELETE", f"/drip-rules/{rule['id']}", "ivy")


# -- creations, each sent with an Idempotency-Key (API.md section 11) -------------------------

def create_cohort(world: World) -> Call:
    return retried(world, "POST", "/cohorts", "ivy", {"course_id": _course(world)["id"], "name": "Spring",
                                                      "starts_at": "2020-01-01T00:00:00Z", "ends_at": UNLOCKS_AT})


def create_path(world: World) -> Call:
    return retried(world, "POST", "/learning-paths", "ivy", {"title": "Data"})


def create_space(world: World) -> Call:
    return retried(world, "POST", "/spaces", "ivy", {"name": "Lounge", "type": "open"})


def create_post(world: World) -> Call:
    return retried(world, "POST", f"/spaces/{_space(world)['id']}/posts", "ann", {"content": "Hello"})


def create_comment(world: World) -> Call:
    return retried(world, "POST", f"/posts/{_post(world)['id']}/comments", "ivy", {"content": "Hi again"})


def create_assignment(world: World) -> Call:
    return retried(world, "POST", f"/sections/{_course(world)['section_id']}/assignments", "ivy",
                   {"title": "Essay", "points": 20, "passing_points": 10})


def submit_assignment(world: World) -> Call:
    course = _course(world)
    assignment = world.post(f"/sections/{course['section_id']}/assignments", "ivy", api=PRO, title="Essay",
                            points=20, passing_points=10)
    return retried(world, "POST", f"/assignments/{assignment['id']}/submissions", "ann", {"content": "My answer"})


def create_drip_rule(world: World) -> Call:
    course = _course(world)
    return retried(world, "POST", f"/courses/{course['id']}/drip-rules", "ivy",
                   {"target_type": "lesson", "target_id": course["lesson_ids"][1], "kind": "date", "value": UNLOCKS_AT})


# Each case: how to build the world, and the statuses a racing loser may answer besides
# the single request's own.
CASES: dict[str, tuple[Callable[[World], Call], tuple[int, ...]]] = {
    "remove a cohort member": (remove_cohort_member, (404,)),
    "set a cohort schedule": (cohort_schedule, ()),
    "delete a cohort": (delete_cohort, (404,)),
    "set a path's steps": (path_steps, ()),
    "delete a path": (delete_path, (404,)),
    "leave a space": (leave_space, (404,)),
    "delete a space": (delete_space, (404,)),
    "delete a post": (delete_post, (404,)),
    "grade a submission": (grade_submission, (409,)),
    "delete an assignment": (delete_assignment, (404,)),
    "delete a drip rule": (delete_drip_rule, (404,)),
    **{f"{name} with an Idempotency-Key": (build, (409,)) for name, build in {
        "create a cohort": create_cohort, "create a path": create_path, "create a space": create_space,
        "post in a space": create_post, "comment on a post": create_comment,
        "create an assignment": create_assignment, "submit an assignment": submit_assignment,
        "create a drip rule": create_drip_rule}.items()},
}


@pytest.mark.parametrize("case", list(CASES))
def test_identical_requests_at_once_change_what_one_changes(
        make_app: Callable[..., LearnomyApp], app: LearnomyApp, client: Client, people: Any,  # noqa: F811
        make_course: Callable[..., dict[str, Any]], case: str) -> None:  # noqa: F811
    build, refusals = CASES[case]
    compare_with_one(make_app, app, client, people, make_course, build, refusals, api=PRO)
