"""Quizzes, questions and attempts through HTTP: authoring, attempts, deadlines,
grading, results, the gradebook, and no answer leakage to students."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from tests.plugins import acme
from tests.racing import race

API = "/wp-json/learnomy/v1"
OPTIONS = [{"id": "a", "text": "Four"}, {"id": "b", "text": "Five"}]
QUESTIONS = [
    {"type": "single_choice", "title": "2 + 2?", "options": OPTIONS, "answer": "a", "explanation": "Count."},
    {"type": "true_false", "title": "The sky is green.", "answer": False, "points": 2},
    {"type": "essay", "title": "Why learn?", "points": 3},
]


@pytest.fixture
def quiz(client: Client, people, make_course):
    """A published course with a required graded quiz; ann is enrolled."""
    course = make_course()
    response = client.post(f"{API}/sections/{course['section_id']}/quizzes", json={
        "title": "Check", "passing_grade": 50, "attempts_allowed": 2, "required": True}, headers=people["ivy"])
    assert response.status_code == 201, response.json
    quiz = response.json["data"]
    quiz["question_ids"] = []
    for question in QUESTIONS:
        created = client.post(f"{API}/quizzes/{quiz['id']}/questions", json=question, headers=people["ivy"])
        assert created.status_code == 201, created.json
        quiz["question_ids"].append(created.json["data"]["id"])
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    quiz["course"] = course
    return quiz


def start(client: Client, people, quiz, who: str = "ann"):
    return client.post(f"{API}/quizzes/{quiz['id']}/attempts", headers=people[who])


def answers_for(quiz, single="a", true_false=False, essay="Because."):
    first, second, third = quiz["question_ids"]
    return {str(first): single, str(second): true_false, str(third): essay}


def contains_key(value, keys) -> bool:
    if isinstance(value, dict):
        return any(k in keys for k in value) or any(contains_key(v, keys) for v in value.values())
    if isinstance(value, list):
        return any(contains_key(v, keys) for v in value)
    return False


# -- authoring -------------------------------------------------------------------------

def test_question_types_include_plugins(client: Client, people) -> None:
    types = {t["type"] for t in client.get(f"{API}/question-types", headers=people["ivy"]).json["data"]}
    assert {"single_choice", "multiple_choice", "true_false", "short_answer", "fill_in_blanks", "essay", "numeric"} <= types
    assert client.get(f"{API}/question-types", headers=people["ann"]).status_code == 403
    assert client.get(f"{API}/question-types").status_code == 401


@pytest.mark.parametrize("body, param", [
    ({"type": "dance", "title": "x"}, "type"),
    ({"title": "x"}, "type"),
    ({"type": "single_choice", "title": "x", "options": OPTIONS, "answer": "z"}, "answer"),
    ({"type": "single_choice", "title": "x", "answer": "a"}, "options"),
    ({"type": "true_false", "title": "x", "answer": "maybe"}, "answer"),
    ({"type": "short_answer", "title": "x", "answer": ["a"], "settings": {"colour": 1}}, "settings"),
    # Found by Schemathesis: a type without options kept any array sent as its options.
    ({"type": "true_false", "title": "x", "answer": True, "options": ["9999-12-31"]}, "options"),
    ({"type": "essay", "title": "x", "options": OPTIONS}, "options"),
])
def test_bad_questions(client: Client, people, quiz, body: dict, param: str) -> None:
    response = client.post(f"{API}/quizzes/{quiz['id']}/questions", json=body, headers=people["ivy"])
    assert response.status_code == 400 and response.json["error"]["details"][0]["param"] == param


def test_editors_see_answers_students_do_not(client: Client, people, quiz) -> None:
    listed = client.get(f"{API}/quizzes/{quiz['id']}/questions", headers=people["ivy"]).json["data"]
    assert listed[0]["answer"] == "a"
    assert client.get(f"{API}/quizzes/{quiz['id']}/questions", headers=people["ann"]).status_code == 403
    assert client.get(f"{API}/questions/{quiz['question_ids'][0]}", headers=people["ann"]).status_code == 403
    assert client.get(f"{API}/questions/{quiz['question_ids'][0]}", headers=people["oscar"]).status_code == 403
    settings = client.get(f"{API}/quizzes/{quiz['id']}", headers=people["ann"]).json["data"]
    assert settings["attempts_allowed"] == 2 and settings["question_count"] == 3
    assert client.get(f"{API}/quizzes/{quiz['id']}", headers=people["bob"]).status_code == 403
    outline = client.get(f"{API}/courses/{quiz['course']['id']}/quizzes").json["data"]
    assert [q["id"] for q in outline] == [quiz["id"]]


def test_quiz_writes_need_an_editor(client: Client, people, quiz) -> None:
    url = f"{API}/quizzes/{quiz['id']}"
    assert client.patch(url, json={"title": "x"}, headers=people["ann"]).status_code == 403
    assert client.patch(url, json={"title": "x"}).status_code == 401
    assert client.patch(url, json={"passing_grade": 101}, headers=people["ivy"]).status_code == 400
    assert client.patch(url, json={"title": "Final"}, headers=people["ivy"]).json["data"]["title"] == "Final"
    reorder = client.post(f"{url}/questions/reorder", json={"order": quiz["question_ids"][::-1]}, headers=people["ivy"])
    assert [q["id"] for q in reorder.json["data"]] == quiz["question_ids"][::-1]
    assert client.post(f"{url}/questions/reorder", json={"order": [1]}, headers=people["ivy"]).status_code == 400


def test_deleting_the_newest_question_leaves_creation_working(client: Client, people, quiz) -> None:
    newest = quiz["question_ids"][-1]
    assert client.delete(f"{API}/questions/{newest}", headers=people["ivy"]).status_code == 200
    for title in ("Again?", "And again?"):
        created = client.post(f"{API}/quizzes/{quiz['id']}/questions", json={"type": "essay", "title": title},
                              headers=people["ivy"])
        assert created.status_code == 201, created.json
        question = created.json["data"]
        assert question["id"] > newest and question["version"] == 1 and question["title"] == title
        edited = client.patch(f"{API}/questions/{question['id']}", json={"title": "Edited"}, headers=people["ivy"])
        assert edited.status_code == 200 and edited.json["data"]["version"] == 2


def test_racing_edits_of_one_question_each_make_a_version(app, make_app, client: Client, people, quiz) -> None:
    question = quiz["question_ids"][0]
    clients = [Client(make_app()) for _ in range(6)]
    responses = race([lambda c=c, n=n: c.patch(f"{API}/questions/{question}", json={"title": f"Edit {n}"},
                                               headers=people["ivy"]) for n, c in enumerate(clients)])
    assert [r.status_code for r in responses] == [200] * 6, [r.json for r in responses]
    assert sorted(r.json["data"]["version"] for r in responses) == [2, 3, 4, 5, 6, 7]
    final = client.get(f"{API}/questions/{question}", headers=people["ivy"]).json["data"]
    versions = app.tables["lrn_question_versions"]
    with app.storage.engine.connect() as db:
        stored = {r.version: r.data["title"] for r in db.execute(
            sa.select(versions).where(versions.c.question_id == question))}
    assert sorted(stored) == [1, 2, 3, 4, 5, 6, 7] and final["version"] == 7 and stored[7] == final["title"]
    # Each edit built on the one before it: every version's answer survived.
    assert final["answer"] == "a"


def test_deleting_a_quiz_deletes_every_version_its_attempts_were_given(app, client: Client, people, quiz) -> None:
    attempt = start(client, people, quiz).json["data"]
    client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": answers_for(quiz)}, headers=people["ann"])
    graded = client.post(f"{API}/attempts/{attempt['id']}/grade",
                         json={"grades": {str(quiz["question_ids"][2]): {"points": 3}}}, headers=people["ivy"])
    assert graded.json["data"]["passed"] is True
    completions = app.tables["lrn_completions"]
    passed = completions.c.item_type == "quiz", completions.c.item_id == quiz["id"]
    kept = quiz["question_ids"][0]
    assert client.delete(f"{API}/questions/{kept}", headers=people["ivy"]).status_code == 200
    versions = app.tables["lrn_question_versions"]

    def stored() -> set[int]:
        with app.storage.engine.connect() as db:
            return {int(r[0]) for r in db.execute(sa.select(versions.c.question_id))}

    assert kept in stored()  # the submitted attempt still shows what it was given
    with app.storage.engine.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(completions).where(*passed)).scalar_one() == 1
    assert client.delete(f"{API}/quizzes/{quiz['id']}", headers=people["ivy"]).status_code == 200
    assert stored() == set()
    assert client.get(f"{API}/attempts/{attempt['id']}", headers=people["ann"]).status_code == 404
    with app.storage.engine.connect() as db:
        assert db.execute(sa.select(sa.func.count()).select_from(completions).where(*passed)).scalar_one() == 0


def test_deleting_a_quiz_emits_quiz_deleted(app, client: Client, people, quiz) -> None:
    """``quiz.deleted``: for a quiz deleted alone or with its section, not with a purged course; webhooks offer it."""
    from learnomy.controllers.communication.webhooks import catalog

    offered = {e["event"]: e["plugin"] for e in catalog(app)}
    assert offered["quiz.deleted"] == "communication"
    acme.EVENTS.clear()
    assert client.delete(f"{API}/quizzes/{quiz['id']}", headers=people["ivy"]).status_code == 200
    assert [(e, d) for e, d in acme.EVENTS if e == "quiz.deleted"] == [("quiz.deleted", {
        "id": quiz["id"], "course_id": quiz["course_id"], "section_id": quiz["section_id"], "title": "Check"})]
    other = client.post(f"{API}/sections/{quiz['section_id']}/quizzes", json={"title": "Next"},
                        headers=people["ivy"]).json["data"]
    acme.EVENTS.clear()
    course = f"{API}/courses/{quiz['course_id']}"
    assert client.delete(course, headers=people["ivy"]).status_code == 200
    assert client.delete(f"{course}?force=true", headers=people["admin"]).status_code == 200
    assert "quiz.deleted" not in [e for e, _ in acme.EVENTS]
    assert client.get(f"{API}/quizzes/{other['id']}", headers=people["admin"]).status_code == 404


# -- attempts ------------------------------------------------------------------------------

def test_an_attempt_from_start_to_grade(client: Client, people, quiz) -> None:
    started = start(client, people, quiz)
    assert started.status_code == 201
    attempt = started.json["data"]
    assert attempt["status"] == "in_progress" and len(attempt["questions"]) == 3
    assert not contains_key(attempt, {"answer", "explanation"})
    url = f"{API}/attempts/{attempt['id']}"
    saved = client.put(f"{url}/answers", json={"answers": {str(quiz["question_ids"][0]): "b"}}, headers=people["ann"])
    assert saved.status_code == 200 and saved.json["data"]["answers"] == {str(quiz["question_ids"][0]): "b"}
    submitted = client.post(f"{url}/submit", json={"answers": answers_for(quiz)}, headers=people["ann"]).json["data"]
    assert submitted["status"] == "pending_review" and submitted["score"] == 3 and submitted["max_score"] == 6
    assert submitted["passed"] is None
    # after_submit feedback: the answers may be shown now.
    assert submitted["questions"][0]["answer"] == "a"
    graded = client.post(f"{url}/grade", json={"grades": {str(quiz["question_ids"][2]): {"points": 2, "feedback": "Good"}}},
                         headers=people["ivy"])
    assert graded.status_code == 200
    data = graded.json["data"]
    assert data["status"] == "graded" and data["score"] == 5 and data["passed"] is True
    progress = client.get(f"{API}/courses/{quiz['course']['id']}/progress", headers=people["ann"]).json["data"]
    assert {"type": "quiz", "id": quiz["id"]} in [{"type": i["type"], "id": i["id"]} for i in progress["completed_items"]]
    assert progress["total_items"] == 2


def test_one_attempt_at_a_time_and_attempt_limits(client: Client, people, quiz) -> None:
    first = start(client, people, quiz).json["data"]
    busy = start(client, people, quiz)
    assert busy.status_code == 409 and busy.json["error"]["code"] == "learnomy_attempt_in_progress"
    client.post(f"{API}/attempts/{first['id']}/submit", json={}, headers=people["ann"])
    second = start(client, people, quiz).json["data"]
    client.post(f"{API}/attempts/{second['id']}/submit", json={}, headers=people["ann"])
    exhausted = start(client, people, quiz)
    assert exhausted.status_code == 409 and exhausted.json["error"]["code"] == "learnomy_attempts_exhausted"
    assert client.delete(f"{API}/attempts/{second['id']}", headers=people["ann"]).status_code == 403
    assert client.delete(f"{API}/attempts/{second['id']}", headers=people["ivy"]).status_code == 200
    assert start(client, people, quiz).status_code == 201


def test_starting_needs_an_enrollment(client: Client, people, quiz) -> None:
    assert start(client, people, quiz, "bob").status_code == 403
    assert client.post(f"{API}/quizzes/{quiz['id']}/attempts").status_code == 401


def test_deadline_passed(app, client: Client, people, quiz) -> None:
    client.patch(f"{API}/quizzes/{quiz['id']}", json={"time_limit_minutes": 5}, headers=people["ivy"])
    attempt = start(client, people, quiz).json["data"]
    assert attempt["deadline_at"]
    url = f"{API}/attempts/{attempt['id']}"
    client.put(f"{url}/answers", json={"answers": {str(quiz["question_ids"][0]): "a"}}, headers=people["ann"])
    attempts = app.tables["lrn_attempts"]
    with app.storage.engine.begin() as db:
        db.execute(sa.update(attempts).values(deadline_at=datetime.utcnow() - timedelta(minutes=1)))
    late = client.put(f"{url}/answers", json={"answers": {str(quiz["question_ids"][1]): False}}, headers=people["ann"])
    assert late.status_code == 409 and late.json["error"]["code"] == "learnomy_attempt_deadline_passed"
    stood = client.get(url, headers=people["ann"]).json["data"]
    assert stood["status"] == "pending_review" and stood["answers"] == {str(quiz["question_ids"][0]): "a"}


def test_deadline_submits_lazily_on_read(app, client: Client, people, quiz) -> None:
    client.patch(f"{API}/quizzes/{quiz['id']}", json={"time_limit_minutes": 5}, headers=people["ivy"])
    attempt = start(client, people, quiz).json["data"]
    attempts = app.tables["lrn_attempts"]
    with app.storage.engine.begin() as db:
        db.execute(sa.update(attempts).values(deadline_at=datetime.utcnow() - timedelta(minutes=1)))
    assert client.get(f"{API}/attempts/{attempt['id']}", headers=people["ann"]).json["data"]["status"] != "in_progress"


def _submitted_events(attempt_id: int) -> int:
    return sum(1 for event, data in acme.EVENTS if event == "quiz.attempt_submitted" and data["id"] == attempt_id)


def test_simultaneous_submits_grade_once(make_app, app, client: Client, people, quiz) -> None:
    """One of five submits at once grades and answers 200; the others find it submitted (409)."""
    attempt = start(client, people, quiz).json["data"]
    url = f"{API}/attempts/{attempt['id']}/submit"
    clients = [Client(make_app()) for _ in range(5)]
    answers = race([lambda c=c, n=n: c.post(url, json={"answers": answers_for(quiz, single="ab"[n % 2])},
                                            headers=people["ann"]) for n, c in enumerate(clients)])
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409]
    assert {a.json["error"]["code"] for a in answers if a.status_code == 409} == {"learnomy_attempt_submitted"}
    winner = next(a for a in answers if a.status_code == 200).json["data"]
    stored = client.get(f"{API}/attempts/{attempt['id']}", headers=people["ann"]).json["data"]
    assert (stored["answers"], stored["score"], stored["submitted_at"]) == \
        (winner["answers"], winner["score"], winner["submitted_at"])
    assert _submitted_events(attempt["id"]) == 1


def test_simultaneous_reads_after_the_deadline_submit_once(make_app, app, client: Client, people, quiz) -> None:
    client.patch(f"{API}/quizzes/{quiz['id']}", json={"time_limit_minutes": 5}, headers=people["ivy"])
    attempt = start(client, people, quiz).json["data"]
    with app.storage.engine.begin() as db:
        db.execute(sa.update(app.tables["lrn_attempts"]).values(deadline_at=datetime.utcnow() - timedelta(minutes=1)))
    clients = [Client(make_app()) for _ in range(4)]
    answers = race([lambda c=c: c.get(f"{API}/attempts/{attempt['id']}", headers=people["ann"]) for c in clients])
    assert [a.status_code for a in answers] == [200] * 4
    assert {a.json["data"]["status"] for a in answers} == {"pending_review"}
    assert _submitted_events(attempt["id"]) == 1


def test_bad_answers(client: Client, people, quiz) -> None:
    attempt = start(client, people, quiz).json["data"]
    url = f"{API}/attempts/{attempt['id']}/answers"
    for answers in ({"999": "a"}, {str(quiz["question_ids"][1]): "maybe"}):
        response = client.put(url, json={"answers": answers}, headers=people["ann"])
        assert response.status_code == 400
    assert client.put(url, json={}, headers=people["ann"]).status_code == 400


def test_another_students_attempt_is_not_found(client: Client, people, quiz) -> None:
    attempt = start(client, people, quiz).json["data"]
    client.post(f"{API}/courses/{quiz['course']['id']}/enroll", headers=people["bob"])
    for method, suffix, body in (("get", "", None), ("put", "/answers", {"answers": {}}), ("post", "/submit", {})):
        response = getattr(client, method)(f"{API}/attempts/{attempt['id']}{suffix}", json=body, headers=people["bob"])
        assert response.status_code == 404
    assert client.get(f"{API}/attempts/{attempt['id']}", headers=people["ivy"]).status_code == 200
    assert client.get(f"{API}/attempts/{attempt['id']}").status_code == 401


def test_manual_grading_rules(client: Client, people, quiz) -> None:
    attempt = start(client, people, quiz).json["data"]
    url = f"{API}/attempts/{attempt['id']}"
    early = client.post(f"{url}/grade", json={"grades": {str(quiz["question_ids"][2]): {"points": 1}}}, headers=people["ivy"])
    assert early.status_code == 409
    client.post(f"{url}/submit", json={"answers": answers_for(quiz)}, headers=people["ann"])
    too_many = client.post(f"{url}/grade", json={"grades": {str(quiz["question_ids"][2]): {"points": 9}}}, headers=people["ivy"])
    assert too_many.status_code == 400
    assert client.post(f"{url}/grade", json={"grades": {str(quiz["question_ids"][2]): {"points": 1}}},
                       headers=people["ann"]).status_code == 403


def test_editing_a_question_never_changes_a_past_attempt(client: Client, people, quiz) -> None:
    attempt = start(client, people, quiz).json["data"]
    client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": answers_for(quiz)}, headers=people["ann"])
    client.patch(f"{API}/questions/{quiz['question_ids'][0]}", json={"answer": "b", "title": "Changed"}, headers=people["ivy"])
    after = client.get(f"{API}/attempts/{attempt['id']}", headers=people["ann"]).json["data"]
    assert after["questions"][0]["title"] == "2 + 2?" and after["score"] == 3


def test_feedback_none_never_reveals(client: Client, people, quiz) -> None:
    client.patch(f"{API}/quizzes/{quiz['id']}", json={"feedback_mode": "none"}, headers=people["ivy"])
    attempt = start(client, people, quiz).json["data"]
    done = client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": answers_for(quiz)}, headers=people["ann"])
    assert not contains_key(done.json["data"], {"answer", "explanation"})
    assert not contains_key(client.get(f"{API}/attempts/{attempt['id']}", headers=people["ann"]).json["data"],
                            {"answer", "explanation"})


def test_no_student_visible_route_leaks_an_answer(client: Client, people, quiz) -> None:
    client.patch(f"{API}/quizzes/{quiz['id']}", json={"feedback_mode": "after_all_attempts"}, headers=people["ivy"])
    attempt = start(client, people, quiz).json["data"]
    student = people["ann"]
    routes = [
        f"/quizzes/{quiz['id']}", f"/quizzes/{quiz['id']}/attempts", f"/attempts/{attempt['id']}",
        "/me/quiz-attempts", f"/courses/{quiz['course']['id']}/quizzes", f"/courses/{quiz['course']['id']}/curriculum",
        f"/courses/{quiz['course']['id']}/progress", f"/courses/{quiz['course']['id']}/next-step",
    ]
    submitted = client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": answers_for(quiz)}, headers=student)
    bodies = [submitted.json] + [client.get(API + route, headers=student).json for route in routes]
    for body in bodies:
        assert not contains_key(body, {"answer", "explanation"}), body
        assert "Count." not in json.dumps(body)


def test_a_plugin_question_type_takes_a_quiz(client: Client, people, quiz) -> None:
    numeric = client.post(f"{API}/quizzes/{quiz['id']}/questions", json={
        "type": "numeric", "title": "Pi to two places?", "answer": 3.14, "settings": {"tolerance": 0.01}},
        headers=people["ivy"])
    assert numeric.status_code == 201
    client.patch(f"{API}/quizzes/{quiz['id']}", json={"attempts_allowed": 0}, headers=people["ivy"])
    attempt = start(client, people, quiz).json["data"]
    answers = {**answers_for(quiz), str(numeric.json["data"]["id"]): 3.141}
    done = client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": answers}, headers=people["ann"]).json["data"]
    assert done["grades"][str(numeric.json["data"]["id"])]["fraction"] == 1.0


def test_practice_and_survey_modes(client: Client, people, quiz) -> None:
    client.patch(f"{API}/quizzes/{quiz['id']}", json={"mode": "survey"}, headers=people["ivy"])
    attempt = start(client, people, quiz).json["data"]
    done = client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": answers_for(quiz)}, headers=people["ann"])
    assert done.json["data"]["status"] == "submitted" and done.json["data"]["score"] is None


def test_results_and_gradebook(client: Client, people, quiz) -> None:
    attempt = start(client, people, quiz).json["data"]
    client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": answers_for(quiz, single="b")}, headers=people["ann"])
    results = client.get(f"{API}/quizzes/{quiz['id']}/results", headers=people["ivy"]).json["data"]
    assert results["attempts"] == 1
    assert {q["question_id"]: q["correct_rate"] for q in results["questions"]}[quiz["question_ids"][0]] == 0.0
    assert client.get(f"{API}/quizzes/{quiz['id']}/results", headers=people["ann"]).status_code == 403
    book = client.get(f"{API}/courses/{quiz['course']['id']}/gradebook", headers=people["ivy"]).json
    assert book["meta"]["quizzes"][0]["id"] == quiz["id"]
    assert book["data"][0]["user"]["id"] == people.ids["ann"]
    assert book["data"][0]["grades"][str(quiz["id"])] == pytest.approx(100 * 2 / 6, abs=0.01)
    assert client.get(f"{API}/courses/{quiz['course']['id']}/gradebook", headers=people["ann"]).status_code == 403
    mine = client.get(f"{API}/me/quiz-attempts", headers=people["ann"]).json
    assert mine["meta"]["total"] == 1 and "questions" not in mine["data"][0]


def test_sequential_drip_locks_a_quiz_until_its_lessons_are_done(client: Client, people, make_course) -> None:
    course = make_course(lessons=2, drip_mode="sequential")
    quiz = client.post(f"{API}/sections/{course['section_id']}/quizzes", json={"title": "After"},
                       headers=people["ivy"]).json["data"]
    client.post(f"{API}/quizzes/{quiz['id']}/questions", json=QUESTIONS[1], headers=people["ivy"])
    client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"])
    locked = client.post(f"{API}/quizzes/{quiz['id']}/attempts", headers=people["ann"])
    assert locked.status_code == 403 and locked.json["error"]["code"] == "learnomy_quiz_locked_sequential"
    for lesson in course["lesson_ids"]:
        client.post(f"{API}/lessons/{lesson}/complete", headers=people["ann"])
    assert client.post(f"{API}/quizzes/{quiz['id']}/attempts", headers=people["ann"]).status_code == 201


def test_saves_of_answers_at_the_same_moment_keep_each_other(make_app, client: Client, people, quiz) -> None:
    attempt = start(client, people, quiz).json["data"]
    given = answers_for(quiz)
    clients = [Client(make_app()) for _ in given]
    responses = race([lambda c=c, k=k, v=v: c.put(f"{API}/attempts/{attempt['id']}/answers", json={"answers": {k: v}},
                                                  headers=people["ann"]) for c, (k, v) in zip(clients, given.items())])
    assert [r.status_code for r in responses] == [200] * len(given), [r.json for r in responses]
    stored = client.get(f"{API}/attempts/{attempt['id']}", headers=people["ann"]).json["data"]["answers"]
    assert stored == given


def test_graders_at_the_same_moment_grade_once(make_app, client: Client, people, quiz) -> None:
    attempt = start(client, people, quiz).json["data"]
    submitted = client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": answers_for(quiz)},
                            headers=people["ann"]).json["data"]
    assert submitted["status"] == "pending_review"
    essay = str(quiz["question_ids"][2])
    clients = [Client(make_app()) for _ in range(4)]
    responses = race([lambda c=c, n=n: c.post(f"{API}/attempts/{attempt['id']}/grade",
                                              json={"grades": {essay: {"points": n, "feedback": f"grader {n}"}}},
                                              headers=people["ivy"]) for n, c in enumerate(clients)])
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409], [r.json for r in responses]
    winner = next(r for r in responses if r.status_code == 200).json["data"]
    final = client.get(f"{API}/attempts/{attempt['id']}", headers=people["ivy"]).json["data"]
    assert final["status"] == "graded" and final["score"] == winner["score"]
