"""Pro's question types through HTTP: authored with validation, drawn per
attempt, shown to students without their answers, graded with partial credit,
and reviewed with the same drawn values."""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import Client

from tests.conftest import FREE, PRO
from tests.controllers.conftest import make_course, people  # noqa: F401 (fixtures)

API = "/wp-json/learnomy/v1"
ITEMS = [{"id": "a", "text": "Egg"}, {"id": "b", "text": "Larva"}, {"id": "c", "text": "Pupa"}, {"id": "d", "text": "Moth"}]
QUESTIONS: dict[str, dict[str, Any]] = {
    "matching": {"title": "Capitals", "options": [{"id": "fr", "text": "France"}, {"id": "it", "text": "Italy"}],
                 "settings": {"choices": [{"id": "paris", "text": "Paris"}, {"id": "rome", "text": "Rome"},
                                          {"id": "oslo", "text": "Oslo"}]},
                 "answer": {"fr": "paris", "it": "rome"}},
    "ordering": {"title": "Order the life cycle", "options": ITEMS, "answer": ["a", "b", "c", "d"]},
    "numeric": {"title": "g in m/s²?", "answer": 9.81, "settings": {"tolerance": 0.01, "tolerance_mode": "relative"}},
    "math_expression": {"title": "Expand (x+1)^2", "answer": "(x+1)^2", "settings": {"variables": ["x"]}},
    "calculated": {"title": "What is {a} times {b}?", "answer": "a*b",
                   "settings": {"variables": {"a": {"min": 2, "max": 9}, "b": {"min": 2, "max": 9}}}},
}


@pytest.fixture
def app(make_app):
    # Pro's own numeric type (the suite's default app also loads a test plugin's).
    return make_app(plugins=[*FREE, *PRO])


@pytest.fixture
def quiz(client: Client, people, make_course):  # noqa: F811
    course = make_course()
    made = client.post(f"{API}/sections/{course['section_id']}/quizzes", json={
        "title": "Pro types", "passing_grade": 50, "feedback_mode": "after_submit"}, headers=people["ivy"])
    assert made.status_code == 201, made.json
    quiz = made.json["data"]
    quiz["questions"] = {}
    for kind, question in QUESTIONS.items():
        created = client.post(f"{API}/quizzes/{quiz['id']}/questions", json={"type": kind, **question},
                              headers=people["ivy"])
        assert created.status_code == 201, created.json
        quiz["questions"][kind] = created.json["data"]["id"]
    assert client.post(f"{API}/courses/{course['id']}/enroll", headers=people["ann"]).status_code in (200, 201)
    return quiz


def test_the_types_are_listed(client: Client, people) -> None:  # noqa: F811
    types = {t["type"]: t for t in client.get(f"{API}/question-types", headers=people["ivy"]).json["data"]}
    assert set(QUESTIONS) <= set(types)
    assert types["math_expression"]["category"] == "input" and types["matching"]["settings_schema"]


@pytest.mark.parametrize("kind, change, param", [
    ("matching", {"answer": {"fr": "paris"}}, "answer"),
    ("matching", {"answer": {"fr": "paris", "it": "madrid"}}, "answer"),
    ("matching", {"settings": {}}, "settings"),
    ("ordering", {"answer": ["a", "b"]}, "answer"),
    ("numeric", {"answer": "nine"}, "answer"),
    ("numeric", {"settings": {"tolerance": -1}}, "settings"),
    ("numeric", {"settings": {"tolerance_mode": "loose"}}, "settings"),
    ("math_expression", {"answer": "__import__('os')"}, "answer"),
    ("math_expression", {"answer": "y + 1"}, "answer"),
    ("math_expression", {"settings": {"variables": ["1x"]}}, "settings"),
    ("calculated", {"answer": "a*c"}, "answer"),
    ("calculated", {"settings": {"variables": {"a": {"min": 5, "max": 1}}}}, "answer"),
    ("calculated", {"settings": {"variables": {"a": {"min": 1}}}}, "settings"),
])
def test_bad_questions_are_refused_with_details(client: Client, people, quiz, kind, change, param) -> None:  # noqa: F811
    response = client.post(f"{API}/quizzes/{quiz['id']}/questions",
                           json={"type": kind, **QUESTIONS[kind], **change}, headers=people["ivy"])
    assert response.status_code == 400, response.json
    assert response.json["error"]["code"] == "rest_invalid_param"
    assert param in {d["param"].split("[")[0].split(".")[0] for d in response.json["error"]["details"]}


def _start(client: Client, people, quiz) -> dict[str, Any]:  # noqa: F811
    response = client.post(f"{API}/quizzes/{quiz['id']}/attempts", headers=people["ann"])
    assert response.status_code == 201, response.json
    return response.json["data"]


def _by_type(attempt: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {q["type"]: q for q in attempt["questions"]}


def test_students_see_no_answers_and_the_drawn_values(client: Client, people, quiz) -> None:  # noqa: F811
    attempt = _start(client, people, quiz)
    shown = _by_type(attempt)
    assert "a*b" not in json.dumps(attempt) and "(x+1)^2" != shown["math_expression"].get("answer")
    assert not any("answer" in q for q in attempt["questions"])
    values = shown["calculated"]["drawn"]["variables"]
    assert shown["calculated"]["title"] == f"What is {values['a']} times {values['b']}?"
    # The ordering's options never come in the answer's order.
    assert [o["id"] for o in shown["ordering"]["options"]] != QUESTIONS["ordering"]["answer"]
    again = client.get(f"{API}/attempts/{attempt['id']}", headers=people["ann"]).json["data"]
    assert _by_type(again)["calculated"]["drawn"] == shown["calculated"]["drawn"]


def test_grading_with_partial_credit_and_the_same_numbers_on_review(client: Client, people, quiz) -> None:  # noqa: F811
    attempt = _start(client, people, quiz)
    values = _by_type(attempt)["calculated"]["drawn"]["variables"]
    ids = {kind: str(question_id) for kind, question_id in quiz["questions"].items()}
    answers = {
        ids["matching"]: {"fr": "paris", "it": "oslo"},   # one of two
        ids["ordering"]: ["a", "b", "d", "c"],             # two of four in place
        ids["numeric"]: 9.85,                               # within 1 %
        ids["math_expression"]: "x^2 + 2x + 1",
        ids["calculated"]: values["a"] * values["b"],
    }
    done = client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": answers}, headers=people["ann"])
    assert done.status_code == 200, done.json
    grades = done.json["data"]["grades"]
    assert [grades[ids[k]]["fraction"] for k in QUESTIONS] == [0.5, 0.5, 1.0, 1.0, 1.0]
    review = client.get(f"{API}/attempts/{attempt['id']}", headers=people["ivy"]).json["data"]
    assert _by_type(review)["calculated"]["drawn"]["variables"] == values
    assert done.json["data"]["score"] == 4.0


@pytest.mark.parametrize("kind, response", [
    ("numeric", 9.0), ("math_expression", "x^2 + 1"), ("math_expression", "open('x')"), ("calculated", -1),
])
def test_wrong_answers_earn_nothing(client: Client, people, quiz, kind, response) -> None:  # noqa: F811
    attempt = _start(client, people, quiz)
    key = str(quiz["questions"][kind])
    done = client.post(f"{API}/attempts/{attempt['id']}/submit", json={"answers": {key: response}},
                       headers=people["ann"])
    assert done.status_code == 200, done.json
    assert done.json["data"]["grades"][key]["fraction"] == 0.0


@pytest.mark.parametrize("kind, response", [
    ("numeric", "nine"), ("matching", {"fr": 3}), ("ordering", [1, 2]), ("math_expression", "x" * 201),
    ("calculated", float("1e16")),
])
def test_bad_responses_are_refused(client: Client, people, quiz, kind, response) -> None:  # noqa: F811
    attempt = _start(client, people, quiz)
    key = str(quiz["questions"][kind])
    saved = client.put(f"{API}/attempts/{attempt['id']}/answers", json={"answers": {key: response}}, headers=people["ann"])
    assert saved.status_code == 400, saved.json
    assert saved.json["error"]["details"][0]["param"] == f"answers[{key}]"


def test_switched_off_the_types_are_gone(make_app, client: Client, people) -> None:  # noqa: F811
    free = Client(make_app(plugins=[*FREE, "pro"]))
    types = {t["type"] for t in free.get(f"{API}/question-types", headers=people["ivy"]).json["data"]}
    assert not types & set(QUESTIONS)
