"""Grading of every built-in question type: full, partial and wrong answers."""

from __future__ import annotations

import pytest

from learnomy.controllers.assessment.question_types import BUILT_IN

TYPES = {kind.type: kind for kind in BUILT_IN}
OPTIONS = [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}, {"id": "c", "text": "C"}]


@pytest.mark.parametrize("kind, question, response, expected", [
    ("single_choice", {"options": OPTIONS, "answer": "b"}, "b", 1.0),
    ("single_choice", {"options": OPTIONS, "answer": "b"}, "a", 0.0),
    ("multiple_choice", {"options": OPTIONS, "answer": ["a", "b"]}, ["a", "b"], 1.0),
    ("multiple_choice", {"options": OPTIONS, "answer": ["a", "b"]}, ["a"], 0.5),
    ("multiple_choice", {"options": OPTIONS, "answer": ["a", "b"]}, ["a", "c"], 0.0),
    ("multiple_choice", {"options": OPTIONS, "answer": ["a", "b"]}, ["c"], 0.0),
    ("true_false", {"answer": True}, True, 1.0),
    ("true_false", {"answer": True}, False, 0.0),
    ("short_answer", {"answer": ["Paris"], "settings": {}}, "  paris ", 1.0),
    ("short_answer", {"answer": ["Paris"], "settings": {"case_sensitive": True}}, "paris", 0.0),
    ("short_answer", {"answer": ["New  York"], "settings": {}}, "new york", 1.0),
    ("short_answer", {"answer": ["Paris"], "settings": {}}, "Lyon", 0.0),
    ("fill_in_blanks", {"answer": [["red"], ["blue", "navy"]], "settings": {}}, ["Red", "navy"], 1.0),
    ("fill_in_blanks", {"answer": [["red"], ["blue", "navy"]], "settings": {}}, ["red", "green"], 0.5),
    ("fill_in_blanks", {"answer": [["red"], ["blue", "navy"]], "settings": {}}, ["x"], 0.0),
    ("essay", {"answer": None}, "An essay.", None),
])
def test_grading(kind: str, question: dict, response, expected) -> None:
    assert TYPES[kind].grade(question, response) == expected


@pytest.mark.parametrize("kind, question, problem", [
    ("single_choice", {"options": OPTIONS, "answer": "z"}, True),
    ("single_choice", {"options": OPTIONS, "answer": "a"}, False),
    ("multiple_choice", {"options": OPTIONS, "answer": ["a", "z"]}, True),
    ("fill_in_blanks", {"title": "{blank} and {blank}", "answer": [["x"]]}, True),
    ("fill_in_blanks", {"title": "{blank} and {blank}", "answer": [["x"], ["y"]]}, False),
])
def test_consistency_checks(kind: str, question: dict, problem: bool) -> None:
    assert (TYPES[kind].check(question) is not None) is problem


def test_student_view_hides_the_answer() -> None:
    view = TYPES["single_choice"].student_view({"title": "t", "options": OPTIONS, "answer": "a", "explanation": "e"})
    assert "answer" not in view and "explanation" not in view and view["options"] == OPTIONS
