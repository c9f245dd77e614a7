"""Drip rules (``pro.drip``): the routes, and the locks they put on lessons and quizzes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.racing import race

API = "/wp-json/learnomy/v1"
PRO = "/wp-json/learnomy-pro/v1"


def later(days: float) -> str:
    return (datetime.utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def course(client: Client, people: Any, make_course: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Ivy's course: one section, three lessons, a quiz with a question; ann is enrolled."""
    course = make_course(lessons=3)
    quiz = client.post(f"{API}/sections/{course['section_id']}/quizzes", json={"title": "Check"},
                       headers=people["ivy"]).json["data"]
    client.post(f"{API}/quizzes/{quiz['id']}/questions", json={"type": "true_false", "title": "Yes?", "answer": True},
                headers=people["ivy"])
    course["quiz_id"] = quiz["id"]
    assert client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"]).status_code == 201
    return course


def add(client: Client, people: Any, course: dict[str, Any], who: str = "ivy", **rule: Any) -> Any:
    return client.post(f"{PRO}/courses/{course['id']}/drip-rules", json=rule, headers=people[who])


def lesson_locks(client: Client, people: Any, course: dict[str, Any]) -> list[Any]:
    outline = client.get(f"{API}/courses/{course['id']}/curriculum", headers=people["ann"]).json["data"]
    return [lesson["locked"] for lesson in outline[0]["lessons"]]


def test_create_list_delete(client: Client, people: Any, course: dict[str, Any]) -> None:
    when = later(3)
    created = add(client, people, course, target_type="lesson", target_id=course["lesson_ids"][1], kind="date",
                  value=when)
    assert created.status_code == 201, created.json
    rule = created.json["data"]
    assert rule == {"id": rule["id"], "course_id": course["id"], "target_type": "lesson",
                    "target_id": course["lesson_ids"][1], "kind": "date", "value": when}
    assert created.headers["Location"].endswith(f"/learnomy-pro/v1/drip-rules/{rule['id']}")
    second = add(client, people, course, target_type="quiz", target_id=course["quiz_id"],
                 kind="after_completing", value={"type": "lesson", "id": course["lesson_ids"][0]}).json["data"]
    listed = client.get(f"{PRO}/courses/{course['id']}/drip-rules", headers=people["ivy"]).json
    assert [r["id"] for r in listed["data"]] == [rule["id"], second["id"]] and listed["meta"]["total"] == 2
    gone = client.delete(f"{PRO}/drip-rules/{rule['id']}", headers=people["ivy"])
    assert gone.status_code == 200 and gone.json["data"]["previous"] == rule
    assert client.delete(f"{PRO}/drip-rules/{rule['id']}", headers=people["ivy"]).status_code == 404
    # Ids are never handed out again.
    again = add(client, people, course, target_type="lesson", target_id=course["lesson_ids"][1], kind="date", value=when)
    assert again.json["data"]["id"] > second["id"]


def test_lists_page_by_cursor(client: Client, people: Any, course: dict[str, Any]) -> None:
    for days in range(3):
        add(client, people, course, target_type="lesson", target_id=course["lesson_ids"][0],
            kind="days_after_enrollment", value=days)
    first = client.get(f"{PRO}/courses/{course['id']}/drip-rules?per_page=2", headers=people["ivy"]).json
    assert len(first["data"]) == 2 and first["meta"]["cursor_next"]
    rest = client.get(f"{PRO}/courses/{course['id']}/drip-rules?per_page=2&cursor={first['meta']['cursor_next']}",
                      headers=people["ivy"]).json
    assert [r["value"] for r in first["data"] + rest["data"]] == [0, 1, 2]


@pytest.mark.parametrize("method, path", [("GET", "/courses/{course}/drip-rules"),
                                          ("POST", "/courses/{course}/drip-rules"),
                                          ("DELETE", "/drip-rules/{rule}")])
def test_only_the_courses_editors(client: Client, people: Any, course: dict[str, Any], method: str, path: str) -> None:
    rule = add(client, people, course, target_type="lesson", target_id=course["lesson_ids"][0], kind="date",
               value=later(1)).json["data"]
    url = PRO + path.format(course=course["id"], rule=rule["id"])
    body = {"target_type": "lesson", "target_id": course["lesson_ids"][0], "kind": "date", "value": later(1)}
    assert client.open(url, method=method, json=body).status_code == 401
    assert client.open(url, method=method, json=body, headers=people["ann"]).status_code == 403
    assert client.open(url, method=method, json=body, headers=people["oscar"]).status_code == 403
    assert client.open(url, method=method, json=body, headers=people["admin"]).status_code in (200, 201)


def test_unknown_course_or_rule_is_404(client: Client, people: Any) -> None:
    assert client.get(f"{PRO}/courses/999999/drip-rules", headers=people["ivy"]).status_code == 404
    assert client.delete(f"{PRO}/drip-rules/999999", headers=people["ivy"]).status_code == 404


@pytest.mark.parametrize("change, param", [
    ({"target_type": "chapter"}, "target_type"),
    ({"target_id": 999999}, "target_id"),
    ({"target_id": 0}, "target_id"),
    ({"kind": "someday"}, "kind"),
    ({"kind": "date", "value": "next tuesday"}, "value"),
    ({"kind": "date", "value": 3}, "value"),
    ({"kind": "days_after_enrollment", "value": -1}, "value"),
    ({"kind": "days_after_enrollment", "value": 10**6}, "value"),
    ({"kind": "days_after_enrollment", "value": True}, "value"),
    ({"kind": "days_after_enrollment", "value": "3"}, "value"),
    ({"kind": "after_completing", "value": {"type": "lesson"}}, "value"),
    ({"kind": "after_completing", "value": {"type": "course", "id": 1}}, "value"),
    ({"kind": "after_completing", "value": {"type": "lesson", "id": 999999}}, "value"),
    ({"kind": "after_completing", "value": "self"}, "value"),
    ({"value": None}, "value"),
])
def test_bad_input_is_400_with_details(client: Client, people: Any, course: dict[str, Any],
                                       change: dict[str, Any], param: str) -> None:
    body = {"target_type": "lesson", "target_id": course["lesson_ids"][1], "kind": "days_after_enrollment",
            "value": 2, **change}
    if change.get("value") == "self":
        body["value"] = {"type": "lesson", "id": course["lesson_ids"][1]}
    response = add(client, people, course, **body)
    assert response.status_code == 400, response.json
    assert response.json["error"]["details"][0]["param"] == param


def test_a_section_cannot_wait_for_its_own_lesson(client: Client, people: Any, course: dict[str, Any]) -> None:
    response = add(client, people, course, target_type="section", target_id=course["section_id"],
                   kind="after_completing", value={"type": "lesson", "id": course["lesson_ids"][0]})
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "value"


# -- cycles of "after completing" -----------------------------------------------------

@pytest.fixture
def items(client: Client, people: Any, course: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """The course's items by name: lessons a, b, c and quiz q in section s1; lesson m in section s2."""
    section = client.post(f"{API}/courses/{course['id']}/sections", json={"title": "Part 2"},
                          headers=people["ivy"]).json["data"]
    lesson = client.post(f"{API}/sections/{section['id']}/lessons", json={"title": "M"},
                         headers=people["ivy"]).json["data"]
    a, b, c = course["lesson_ids"]
    return {"a": ("lesson", a), "b": ("lesson", b), "c": ("lesson", c), "q": ("quiz", course["quiz_id"]),
            "m": ("lesson", lesson["id"]), "s1": ("section", course["section_id"]), "s2": ("section", section["id"])}


def wait(client: Client, people: Any, course: dict[str, Any], items: dict[str, tuple[str, int]],
         rule: str, client_: Client | None = None) -> Any:
    """``"b>a"``: a rule locking b until a is completed."""
    locked, awaited = (items[name] for name in rule.split(">"))
    return (client_ or client).post(f"{PRO}/courses/{course['id']}/drip-rules", json={
        "target_type": locked[0], "target_id": locked[1], "kind": "after_completing",
        "value": {"type": awaited[0], "id": awaited[1]}}, headers=people["ivy"])


@pytest.mark.parametrize("before, rule, cycle", [
    ([], "a>a", "a"),
    ([], "s1>b", "b"),  # a section after its own lesson
    (["b>a"], "a>b", "a b"),
    (["b>a", "q>b"], "a>q", "a q b"),
    (["s2>a"], "a>m", "a m"),  # m waits for a through its section's rule
    (["a>m"], "s2>a", "m a"),  # the section rule closes it
    (["s2>b", "b>a"], "a>m", "a m b"),
    (["b>a", "c>b", "q>c"], "a>q", "a q c b"),
], ids=["itself", "own section", "two", "three with a quiz", "through a section", "by a section",
        "a section between", "four"])
def test_a_rule_closing_a_cycle_is_refused(client: Client, people: Any, course: dict[str, Any],
                                           items: dict[str, tuple[str, int]], before: list[str], rule: str,
                                           cycle: str) -> None:
    for earlier in before:
        assert wait(client, people, course, items, earlier).status_code == 201
    response = wait(client, people, course, items, rule)
    assert response.status_code == 400, response.json
    (detail,) = response.json["error"]["details"]
    assert detail["param"] == "value" and detail["code"] == "learnomy_drip_rule_cycle"
    expected = [items[name] for name in cycle.split()]
    assert [(i["type"], i["id"]) for i in detail["cycle"]] == expected
    assert detail["message"].endswith(" waits for ".join(f"{t} {i}" for t, i in [*expected, expected[0]]) + ".")
    listed = client.get(f"{PRO}/courses/{course['id']}/drip-rules", headers=people["ivy"]).json
    assert listed["meta"]["total"] == len(before)


def test_chains_and_shared_waits_are_no_cycle(client: Client, people: Any, course: dict[str, Any],
                                              items: dict[str, tuple[str, int]]) -> None:
    for rule in ("b>a", "c>a", "q>b", "q>c", "s2>q", "m>c"):
        assert wait(client, people, course, items, rule).status_code == 201, rule
    add(client, people, course, target_type="lesson", target_id=items["a"][1], kind="days_after_enrollment", value=1)
    # Once a rule of the cycle is gone, the other may be made.
    first = wait(client, people, course, items, "a>b")
    assert first.status_code == 400
    rules = client.get(f"{PRO}/courses/{course['id']}/drip-rules", headers=people["ivy"]).json["data"]
    client.delete(f"{PRO}/drip-rules/{rules[0]['id']}", headers=people["ivy"])  # b>a
    assert wait(client, people, course, items, "a>b").status_code == 201


def test_two_rules_closing_a_cycle_together_do_not_both_pass(make_app: Callable[..., LearnomyApp], client: Client,
                                                              people: Any, course: dict[str, Any],
                                                              items: dict[str, tuple[str, int]]) -> None:
    for round_ in range(3):
        clients = [Client(make_app()) for _ in range(2)]
        responses = race([lambda c=c, r=r: wait(client, people, course, items, r, c)
                          for c, r in zip(clients, ("b>a", "a>b"))])
        assert sorted(r.status_code for r in responses) == [201, 400], [r.json for r in responses]
        refused = next(r for r in responses if r.status_code == 400)
        assert refused.json["error"]["details"][0]["code"] == "learnomy_drip_rule_cycle"
        rules = client.get(f"{PRO}/courses/{course['id']}/drip-rules", headers=people["ivy"]).json["data"]
        assert len(rules) == 1
        client.delete(f"{PRO}/drip-rules/{rules[0]['id']}", headers=people["ivy"])


def test_another_courses_items_are_refused(client: Client, people: Any, course: dict[str, Any], make_course) -> None:
    other = make_course()
    response = add(client, people, course, target_type="lesson", target_id=other["lesson_ids"][0],
                   kind="days_after_enrollment", value=1)
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == "target_id"


# -- locks -----------------------------------------------------------------------------

def test_a_date_rule_locks_until_its_date(client: Client, people: Any, course: dict[str, Any]) -> None:
    when = later(2)
    add(client, people, course, target_type="lesson", target_id=course["lesson_ids"][1], kind="date", value=when)
    locks = lesson_locks(client, people, course)
    assert locks[0] is None and locks[1] == {"reason": "drip_rule_date", "unlocks_at": when} and locks[2] is None
    refused = client.get(f"{API}/lessons/{course['lesson_ids'][1]}", headers=people["ann"])
    assert refused.status_code == 403 and refused.json["error"]["code"] == "learnomy_lesson_locked_drip_rule_date"
    assert refused.json["error"]["details"][0]["unlocks_at"] == when
    # A date in the past locks nothing; editors are never locked out.
    add(client, people, course, target_type="lesson", target_id=course["lesson_ids"][2], kind="date", value=later(-1))
    assert lesson_locks(client, people, course)[2] is None
    assert client.get(f"{API}/lessons/{course['lesson_ids'][1]}", headers=people["ivy"]).status_code == 200


def test_days_after_enrollment(app: LearnomyApp, client: Client, people: Any, course: dict[str, Any]) -> None:
    add(client, people, course, target_type="section", target_id=course["section_id"], kind="days_after_enrollment",
        value=5)
    locks = lesson_locks(client, people, course)
    assert {lock["reason"] for lock in locks} == {"drip_rule_after_enrollment"}
    enrolled_at = app.tables["lrn_enrollments"]
    with app.storage.engine.begin() as db:
        db.execute(sa.update(enrolled_at).values(enrolled_at=datetime.utcnow() - timedelta(days=6)))
    assert lesson_locks(client, people, course) == [None, None, None]


def test_after_completing_another_item(app: LearnomyApp, client: Client, people: Any, course: dict[str, Any]) -> None:
    first, second, _ = course["lesson_ids"]
    add(client, people, course, target_type="lesson", target_id=second, kind="after_completing",
        value={"type": "lesson", "id": first})
    assert lesson_locks(client, people, course)[1] == {"reason": "drip_rule_after_completing", "unlocks_at": None}
    refused = client.get(f"{API}/lessons/{second}", headers=people["ann"])
    assert refused.json["error"]["code"] == "learnomy_lesson_locked_drip_rule_after_completing"
    with app.storage.engine.begin() as db:
        db.execute(sa.insert(app.tables["lrn_completions"]).values(
            user_id=people.ids["ann"], item_type="lesson", item_id=first, course_id=course["id"],
            completed_at=datetime(2026, 1, 1)))
    assert client.get(f"{API}/lessons/{second}", headers=people["ann"]).status_code == 200


def test_the_rule_unlocking_last_explains_the_lock(client: Client, people: Any, course: dict[str, Any]) -> None:
    soon, late = later(1), later(9)
    lesson = course["lesson_ids"][0]
    add(client, people, course, target_type="lesson", target_id=lesson, kind="date", value=soon)
    add(client, people, course, target_type="section", target_id=course["section_id"], kind="date", value=late)
    assert lesson_locks(client, people, course)[0] == {"reason": "drip_rule_date", "unlocks_at": late}
    add(client, people, course, target_type="lesson", target_id=lesson, kind="after_completing",
        value={"type": "quiz", "id": course["quiz_id"]})
    assert lesson_locks(client, people, course)[0] == {"reason": "drip_rule_after_completing", "unlocks_at": None}


def test_a_locked_quiz_refuses_an_attempt(client: Client, people: Any, course: dict[str, Any]) -> None:
    when = later(4)
    rule = add(client, people, course, target_type="quiz", target_id=course["quiz_id"], kind="date",
               value=when).json["data"]
    refused = client.post(f"{API}/quizzes/{course['quiz_id']}/attempts", headers=people["ann"])
    assert refused.status_code == 403 and refused.json["error"]["code"] == "learnomy_quiz_locked_drip_rule_date"
    assert refused.json["error"]["details"][0] == {"reason": "drip_rule_date", "unlocks_at": when}
    client.delete(f"{PRO}/drip-rules/{rule['id']}", headers=people["ivy"])
    assert client.post(f"{API}/quizzes/{course['quiz_id']}/attempts", headers=people["ann"]).status_code == 201


def test_a_sections_rule_locks_its_quizzes(client: Client, people: Any, course: dict[str, Any]) -> None:
    add(client, people, course, target_type="section", target_id=course["section_id"], kind="days_after_enrollment",
        value=1)
    refused = client.post(f"{API}/quizzes/{course['quiz_id']}/attempts", headers=people["ann"])
    assert refused.json["error"]["code"] == "learnomy_quiz_locked_drip_rule_after_enrollment"


def test_deleting_a_lesson_drops_its_rules(client: Client, people: Any, course: dict[str, Any]) -> None:
    first, second, third = course["lesson_ids"]
    add(client, people, course, target_type="lesson", target_id=second, kind="after_completing",
        value={"type": "lesson", "id": first})
    add(client, people, course, target_type="lesson", target_id=third, kind="date", value=later(1))
    assert client.delete(f"{API}/lessons/{first}", headers=people["ivy"]).status_code == 200
    listed = client.get(f"{PRO}/courses/{course['id']}/drip-rules", headers=people["ivy"]).json["data"]
    assert [r["target_id"] for r in listed] == [third]


@pytest.mark.parametrize("how", ["quiz", "section"])
def test_deleting_a_quiz_drops_its_rules(client: Client, people: Any, course: dict[str, Any], how: str) -> None:
    from tests.plugins import acme

    section = client.post(f"{API}/courses/{course['id']}/sections", json={"title": "Part 2"},
                          headers=people["ivy"]).json["data"]
    doomed = client.post(f"{API}/sections/{section['id']}/quizzes", json={"title": "Gone"},
                         headers=people["ivy"]).json["data"]
    first, second, third = course["lesson_ids"]
    add(client, people, course, target_type="quiz", target_id=doomed["id"], kind="date", value=later(1))
    add(client, people, course, target_type="lesson", target_id=second, kind="after_completing",
        value={"type": "quiz", "id": doomed["id"]})
    kept = add(client, people, course, target_type="quiz", target_id=course["quiz_id"], kind="date",
               value=later(1)).json["data"]
    acme.EVENTS.clear()
    path = f"{API}/quizzes/{doomed['id']}" if how == "quiz" else f"{API}/sections/{section['id']}"
    assert client.delete(path, headers=people["ivy"]).status_code == 200
    listed = client.get(f"{PRO}/courses/{course['id']}/drip-rules", headers=people["ivy"]).json["data"]
    assert [r["id"] for r in listed] == [kept["id"]]
    announced = [d for e, d in acme.EVENTS if e == "quiz.deleted"]
    assert [(d["id"], d["course_id"], d["section_id"]) for d in announced] == [
        (doomed["id"], course["id"], section["id"])]


def test_the_locks_cost_a_constant_number_of_queries(app: LearnomyApp, client: Client, people: Any,
                                                     make_course: Callable[..., dict[str, Any]]) -> None:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(str(args[2]))

    counts = []
    for lessons in (2, 7):
        course = make_course(lessons=lessons)
        client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
        first, *others = course["lesson_ids"]
        for lesson in others:
            add(client, people, course, target_type="lesson", target_id=lesson, kind="after_completing",
                value={"type": "lesson", "id": first})
            add(client, people, course, target_type="lesson", target_id=lesson, kind="date", value=later(1))
        seen.clear()
        sa.event.listen(app.storage.engine, "before_cursor_execute", count)
        client.get(f"{API}/courses/{course['id']}/curriculum", headers=people["ann"])
        sa.event.remove(app.storage.engine, "before_cursor_execute", count)
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def test_switched_off_its_locks_lift_and_its_table_stays(app: LearnomyApp, client: Client, people: Any,
                                                         course: dict[str, Any],
                                                         make_app: Callable[..., LearnomyApp]) -> None:
    add(client, people, course, target_type="lesson", target_id=course["lesson_ids"][0], kind="date", value=later(1))
    off = Client(make_app(switches={"pro.drip": False}))
    assert off.get(f"{API}/lessons/{course['lesson_ids'][0]}", headers=people["ann"]).status_code == 200
    assert off.get(f"{PRO}/courses/{course['id']}/drip-rules", headers=people["ivy"]).status_code == 404
    with app.storage.engine.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(app.tables["lrn_pro_drip_rules"])).scalar_one() == 1


# -- moving lessons between sections (learnomy_check_curriculum) -----------------------

def move(client: Client, people: Any, items: dict[str, tuple[str, int]], moved: str, section: str) -> Any:
    """Move the lessons ``moved`` (``"a c"``) to the end of ``section`` with Free's reorder route."""
    section_id = items[section][1]
    current = [lesson["id"] for lesson in client.get(f"{API}/sections/{section_id}/lessons",
                                                     headers=people["ivy"]).json["data"]]
    return client.post(f"{API}/sections/{section_id}/lessons/reorder",
                       json={"order": [*current, *(items[name][1] for name in moved.split())]}, headers=people["ivy"])


def sections_of(client: Client, people: Any, course: dict[str, Any]) -> dict[int, int]:
    outline = client.get(f"{API}/courses/{course['id']}/curriculum", headers=people["ivy"]).json["data"]
    return {lesson["id"]: section["id"] for section in outline for lesson in section["lessons"]}


@pytest.mark.parametrize("before, moved, param, cycle", [
    (["s2>a"], "a", "order[1]", "a"),  # a would wait for itself through its new section
    (["s2>b", "b>a"], "a", "order[1]", "a b"),
    (["s2>q", "q>b", "b>a"], "a", "order[1]", "a q b"),
    (["s2>b", "b>a"], "c a", "order[2]", "a b"),  # c comes along harmlessly: one detail, a's
], ids=["itself", "two", "through a quiz", "two moved"])
def test_a_move_closing_a_cycle_is_refused(client: Client, people: Any, course: dict[str, Any],
                                           items: dict[str, tuple[str, int]], before: list[str], moved: str,
                                           param: str, cycle: str) -> None:
    for rule in before:
        assert wait(client, people, course, items, rule).status_code == 201, rule
    placed = sections_of(client, people, course)
    response = move(client, people, items, moved, "s2")
    assert response.status_code == 400, response.json
    (detail,) = response.json["error"]["details"]
    assert detail["param"] == param and detail["code"] == "learnomy_drip_rule_cycle"
    expected = [items[name] for name in cycle.split()]
    assert [(i["type"], i["id"]) for i in detail["cycle"]] == expected
    assert detail["message"].startswith(f"Moving lesson {expected[0][1]} into section {items['s2'][1]} would lock")
    assert detail["message"].endswith(" waits for ".join(f"{t} {i}" for t, i in [*expected, expected[0]]) + ".")
    assert sections_of(client, people, course) == placed  # nothing moved, c neither


@pytest.mark.parametrize("before, moved", [
    (["s2>a", "c>b"], "b"),  # b now waits for a, which waits for nothing
    (["m>b", "b>a"], "a"),  # s2 has no rule of its own: a move into it adds no wait
    (["s2>a", "b>a"], "b c"),
], ids=["a chain", "no section rule", "two moved"])
def test_a_harmless_move_passes(client: Client, people: Any, course: dict[str, Any],
                                items: dict[str, tuple[str, int]], before: list[str], moved: str) -> None:
    for rule in before:
        assert wait(client, people, course, items, rule).status_code == 201
    response = move(client, people, items, moved, "s2")
    assert response.status_code == 200, response.json
    placed = sections_of(client, people, course)
    assert all(placed[items[name][1]] == items["s2"][1] for name in moved.split())
    # A reorder within a section moves nothing between sections: never refused.
    s2 = [lesson_id for lesson_id, section in reversed(placed.items()) if section == items["s2"][1]]
    assert client.post(f"{API}/sections/{items['s2'][1]}/lessons/reorder", json={"order": s2},
                       headers=people["ivy"]).status_code == 200


def test_switched_off_a_move_is_not_checked(client: Client, people: Any, course: dict[str, Any],
                                            items: dict[str, tuple[str, int]],
                                            make_app: Callable[..., LearnomyApp]) -> None:
    assert wait(client, people, course, items, "s2>a").status_code == 201
    off = Client(make_app(switches={"pro.drip": False}))
    assert move(off, people, items, "a", "s2").status_code == 200
    assert sections_of(client, people, course)[items["a"][1]] == items["s2"][1]


def test_a_rule_and_a_move_closing_a_cycle_together_do_not_both_pass(
        make_app: Callable[..., LearnomyApp], client: Client, people: Any, course: dict[str, Any],
        items: dict[str, tuple[str, int]]) -> None:
    # With s2>a, moving b into s2 (b waits for a) and the rule a>b (a waits for b)
    # are each harmless; together they close a cycle.
    assert wait(client, people, course, items, "s2>a").status_code == 201
    # Ten rounds: the order that needs the rule's locking reads (the move first,
    # the rule's transaction begun before it committed) comes up in a few.
    for round_ in range(10):
        clients = [Client(make_app()) for _ in range(2)]
        responses = race([lambda: wait(client, people, course, items, "a>b", clients[0]),
                          lambda: move(clients[1], people, items, "b", "s2")])
        assert sorted(r.status_code for r in responses) in ([200, 400], [201, 400]), [r.json for r in responses]
        refused = next(r for r in responses if r.status_code == 400)
        assert refused.json["error"]["details"][0]["code"] == "learnomy_drip_rule_cycle"
        rules = client.get(f"{PRO}/courses/{course['id']}/drip-rules", headers=people["ivy"]).json["data"]
        placed = sections_of(client, people, course)
        if responses[0].status_code == 201:  # the rule passed: b stayed in s1
            assert len(rules) == 2 and placed[items["b"][1]] == items["s1"][1]
            client.delete(f"{PRO}/drip-rules/{rules[-1]['id']}", headers=people["ivy"])
        else:  # the move passed
            assert len(rules) == 1 and placed[items["b"][1]] == items["s2"][1]
            assert move(client, people, items, "b", "s1").status_code == 200


@pytest.mark.parametrize("change", ["move", "rule"])
def test_a_change_and_a_deletion_at_once_both_pass(make_app: Callable[..., LearnomyApp], client: Client,
                                                   people: Any, course: dict[str, Any],
                                                   items: dict[str, tuple[str, int]], change: str) -> None:
    # Deleting a lesson drops the rules on and waiting for it, then the lesson, which
    # raises the course's version (a trigger); a move's check and a rule's creation
    # lock the course, then the rules: the deletion takes the course first too, or
    # they deadlock (MariaDB).
    for round_ in range(5):
        gone = client.post(f"{API}/sections/{items['s1'][1]}/lessons", json={"title": f"Gone {round_}"},
                           headers=people["ivy"]).json["data"]["id"]
        named = {**items, "g": ("lesson", gone)}
        for rule in ("s2>g", "b>g"):
            assert wait(client, people, course, named, rule).status_code == 201
        clients = [Client(make_app()) for _ in range(2)]
        responses = race([lambda: clients[0].delete(f"{API}/lessons/{gone}", headers=people["ivy"]),
                          lambda: move(clients[1], people, items, "c", "s2") if change == "move"
                          else wait(clients[1], people, course, items, "c>a")])
        assert [r.status_code for r in responses] == [200, 200 if change == "move" else 201], [
            r.json for r in responses]
        rules = client.get(f"{PRO}/courses/{course['id']}/drip-rules", headers=people["ivy"]).json["data"]
        assert len(rules) == (0 if change == "move" else 1)
        if change == "move":
            assert move(client, people, items, "c", "s1").status_code == 200
        else:
            client.delete(f"{PRO}/drip-rules/{rules[0]['id']}", headers=people["ivy"])
