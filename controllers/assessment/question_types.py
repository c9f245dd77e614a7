"""Question types: the seam through which quizzes grow.

A type says how its question's ``options``/``answer``/``settings`` are validated
(schemas plus :meth:`QuestionType.check`), how a response is validated and graded
(``1.0`` full, a fraction for partial, ``None`` while a person must grade it), and
what a student may see. Free registers six through ``learnomy_question_types``;
Pro and third parties add theirs through the same hook, with no change here::

    class Numeric(QuestionType):
        type, label, category = "numeric", "Numeric", "input"
        answer_schema = {"type": "number"}
        response_schema = {"type": "number"}

        def grade(self, question, response):
            return 1.0 if abs(response - question["answer"]) <= question["settings"].get("tolerance", 0) else 0.0
"""

from __future__ import annotations

import random
import re
from typing import Any, Optional

__all__ = ["QuestionType", "BUILT_IN"]

OPTIONS_SCHEMA = {
    "type": "array", "minItems": 2, "maxItems": 50,
    "items": {"type": "object", "additionalProperties": False, "properties": {
        "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$", "required": True},
        "text": {"type": "string", "minLength": 1, "maxLength": 2000, "required": True},
    }},
}


class QuestionType:
    """One kind of question. Subclass and set the class attributes; override
    :meth:`check` and :meth:`grade`."""

    type: str = ""
    label: str = ""
    category: str = "choice"
    auto_graded: bool = True
    uses_options: bool = False
    settings_schema: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
    answer_schema: dict[str, Any] = {}
    response_schema: dict[str, Any] = {}

    def describe(self) -> dict[str, Any]:
        """The entry of ``GET /question-types``."""
        return {"type": self.type, "label": self.label, "category": self.category,
                "auto_graded": self.auto_graded, "settings_schema": self.settings_schema,
                "answer_schema": self.answer_schema, "response_schema": self.response_schema,
                "uses_options": self.uses_options}

    def check(self, question: dict[str, Any]) -> Optional[str]:
        """A sentence saying what is inconsistent in ``question`` (options vs answer), or None."""
        return None

    def prepare(self, question: dict[str, Any], rng: random.Random) -> Optional[dict[str, Any]]:
        """Values drawn for one attempt (random numbers, a shuffle), or None.

        Called once when an attempt draws the question; what it answers (JSON) is
        stored with the attempt and handed back as ``question["drawn"]`` to
        :meth:`grade` and :meth:`student_view`, so grading and every later review
        see the same values.
        """
        return None

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        """The fraction of the points ``response`` earns; None when a person grades it."""
        raise NotImplementedError

    def student_view(self, question: dict[str, Any]) -> dict[str, Any]:
        """What a student may see before feedback: no answer, no explanation."""
        return {key: value for key, value in question.items() if key not in ("answer", "explanation")}


def _option_ids(question: dict[str, Any]) -> set[str]:
    return {option["id"] for option in question.get("options") or []}


class SingleChoice(QuestionType):
    type, label = "single_choice", "Single choice"
    uses_options = True
    answer_schema = {"type": "string", "minLength": 1}
    response_schema = {"type": "string", "minLength": 1}

    def check(self, question: dict[str, Any]) -> Optional[str]:
        return None if question.get("answer") in _option_ids(question) else "answer must be one of the option ids."

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        return 1.0 if response == question["answer"] else 0.0


class MultipleChoice(QuestionType):
    type, label = "multiple_choice", "Multiple choice"
    uses_options = True
    answer_schema = {"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": True}
    response_schema = {"type": "array", "items": {"type": "string"}, "uniqueItems": True}

    def check(self, question: dict[str, Any]) -> Optional[str]:
        return None if set(question.get("answer") or []) <= _option_ids(question) else "answer must name option ids."

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        correct, chosen = set(question["answer"]), set(response)
        # Each right choice earns its share; each wrong one takes a share back.
        earned = (len(chosen & correct) - len(chosen - correct)) / len(correct)
        return max(0.0, min(1.0, earned))


class TrueFalse(QuestionType):
    type, label = "true_false", "True or false"
    answer_schema = {"type": "boolean"}
    response_schema = {"type": "boolean"}

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        return 1.0 if bool(response) is bool(question["answer"]) else 0.0


def _normalise(text: str, case_sensitive: bool) -> str:
    text = re.sub(r"\s+", " ", text.strip())
    return text if case_sensitive else text.casefold()


class ShortAnswer(QuestionType):
    type, label, category = "short_answer", "Short answer", "input"
    settings_schema = {"type": "object", "additionalProperties": False, "properties": {
        "case_sensitive": {"type": "boolean", "default": False}}}
    answer_schema = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 500}, "minItems": 1}
    response_schema = {"type": "string", "maxLength": 500}

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        sensitive = bool((question.get("settings") or {}).get("case_sensitive"))
        accepted = {_normalise(a, sensitive) for a in question["answer"]}
        return 1.0 if _normalise(str(response), sensitive) in accepted else 0.0


class FillInTheBlanks(QuestionType):
    type, label, category = "fill_in_blanks", "Fill in the blanks", "input"
    settings_schema = ShortAnswer.settings_schema
    answer_schema = {"type": "array", "minItems": 1, "items": {
        "type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 200}, "minItems": 1}}
    response_schema = {"type": "array", "items": {"type": "string", "maxLength": 200}}

    def check(self, question: dict[str, Any]) -> Optional[str]:
        blanks = str(question.get("title", "")).count("{blank}") + str(question.get("description", "")).count("{blank}")
        answers = len(question.get("answer") or [])
        return None if blanks in (0, answers) else "give one list of accepted answers per {blank}."

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        sensitive = bool((question.get("settings") or {}).get("case_sensitive"))
        blanks = question["answer"]
        right = sum(1 for i, accepted in enumerate(blanks)
                    if i < len(response) and _normalise(response[i], sensitive) in {_normalise(a, sensitive) for a in accepted})
        return right / len(blanks)


class Essay(QuestionType):
    type, label, category = "essay", "Essay", "open"
    auto_graded = False
    answer_schema = {"type": "null"}
    response_schema = {"type": "string", "maxLength": 50000}

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        return None


BUILT_IN = [SingleChoice(), MultipleChoice(), TrueFalse(), ShortAnswer(), FillInTheBlanks(), Essay()]
