"""Pro's question types, built on the Free ``QuestionType`` seam exactly as a
third party's would be: ``matching``, ``ordering``, ``numeric``,
``math_expression`` and ``calculated``."""

from __future__ import annotations

import math
import random
import re
from typing import Any, Optional

from learnomy.controllers.assessment import QuestionType

from .expressions import MAX_LENGTH, ExpressionError, equivalent, evaluate, parse

__all__ = ["Matching", "Ordering", "Numeric", "MathExpression", "Calculated", "PRO_TYPES"]

VARIABLE = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]{0,15}$"}
TOLERANCE = {
    "tolerance": {"type": "number", "minimum": 0, "maximum": 1e9, "default": 0,
                  "description": "How far from the answer a response may be."},
    "tolerance_mode": {"type": "string", "enum": ["absolute", "relative"], "default": "absolute",
                       "description": "absolute: in the answer's units; relative: a fraction of the answer."},
}
PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9_]{0,15})\}")


def _within(response: float, expected: float, settings: dict[str, Any]) -> bool:
    tolerance = float(settings.get("tolerance", 0))
    if settings.get("tolerance_mode") == "relative":
        tolerance *= abs(expected)
    # A hair of slack for binary floating point (0.1 + 0.2 is 0.3 to a student).
    return abs(float(response) - expected) <= tolerance + 1e-9 * max(1.0, abs(expected))


class Matching(QuestionType):
    """Match each prompt (``options``) to one of ``settings.choices``; partial credit per prompt."""

    type, label, category = "matching", "Matching", "choice"
    uses_options = True
    settings_schema = {"type": "object", "additionalProperties": False, "properties": {
        "choices": {"type": "array", "minItems": 2, "maxItems": 50, "required": True, "items": {
            "type": "object", "additionalProperties": False, "properties": {
                "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$", "required": True},
                "text": {"type": "string", "minLength": 1, "maxLength": 2000, "required": True}}}}}}
    answer_schema = {"type": "object", "minProperties": 1, "maxProperties": 50,
                     "additionalProperties": {"type": "string"},
                     "description": "The right choice id for each prompt (option) id."}
    response_schema = {"type": "object", "maxProperties": 50, "additionalProperties": {"type": "string"}}

    def check(self, question: dict[str, Any]) -> Optional[str]:
        prompts = {o["id"] for o in question.get("options") or []}
        choices = {c["id"] for c in (question.get("settings") or {}).get("choices") or []}
        answer = question.get("answer") or {}
        if set(answer) != prompts:
            return "answer must give a choice for every prompt (option) id."
        if not set(answer.values()) <= choices:
            return "answer must name ids of settings.choices."
        return None

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        answer = question["answer"]
        return sum(1 for prompt, choice in answer.items() if response.get(prompt) == choice) / len(answer)


class Ordering(QuestionType):
    """Put ``options`` in order; each item in its right place earns its share.

    The options are shown in an order drawn per attempt (their stored order is
    the answer's, which a student must not see).
    """

    type, label, category = "ordering", "Ordering", "choice"
    uses_options = True
    answer_schema = {"type": "array", "items": {"type": "string"}, "minItems": 2, "uniqueItems": True,
                     "description": "The option ids in the right order."}
    response_schema = {"type": "array", "items": {"type": "string"}, "maxItems": 50, "uniqueItems": True}

    def check(self, question: dict[str, Any]) -> Optional[str]:
        ids = [o["id"] for o in question.get("options") or []]
        return None if sorted(question.get("answer") or []) == sorted(ids) else "answer must order every option id once."

    def prepare(self, question: dict[str, Any], rng: random.Random) -> Optional[dict[str, Any]]:
        order = [o["id"] for o in question.get("options") or []]
        while len(order) > 1 and order == question.get("answer"):
            rng.shuffle(order)
        return {"order": order}

    def student_view(self, question: dict[str, Any]) -> dict[str, Any]:
        view = super().student_view(question)
        order = (question.get("drawn") or {}).get("order")
        if order and view.get("options"):
            by_id = {o["id"]: o for o in view["options"]}
            view["options"] = [by_id[i] for i in order if i in by_id]
        return view

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        answer = question["answer"]
        return sum(1 for i, item in enumerate(answer) if i < len(response) and response[i] == item) / len(answer)


class Numeric(QuestionType):
    """A number, right within a tolerance (absolute or relative to the answer)."""

    type, label, category = "numeric", "Numeric with tolerance", "input"
    settings_schema = {"type": "object", "additionalProperties": False, "properties": dict(TOLERANCE)}
    answer_schema = {"type": "number", "minimum": -1e15, "maximum": 1e15}
    response_schema = {"type": "number", "minimum": -1e15, "maximum": 1e15}

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        return 1.0 if _within(response, float(question["answer"]), question.get("settings") or {}) else 0.0


class MathExpression(QuestionType):
    """An expression, right when it is symbolically the answer (``2x+2`` for ``2(x+1)``)."""

    type, label, category = "math_expression", "Math expression", "input"
    settings_schema = {"type": "object", "additionalProperties": False, "properties": {
        "variables": {"type": "array", "items": VARIABLE, "maxItems": 10, "uniqueItems": True, "default": ["x"],
                      "description": "The names an answer may use."}}}
    answer_schema = {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH}
    response_schema = {"type": "string", "maxLength": MAX_LENGTH}

    def _variables(self, question: dict[str, Any]) -> list[str]:
        return list((question.get("settings") or {}).get("variables", ["x"]))

    def check(self, question: dict[str, Any]) -> Optional[str]:
        try:
            parse(question.get("answer") or "", self._variables(question))
        except ExpressionError as problem:
            return f"answer: {problem}"
        return None

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        # Unparsable, or too costly to decide in time: not the answer.
        return 1.0 if equivalent(question["answer"], str(response), self._variables(question)) else 0.0


class Calculated(QuestionType):
    """A formula over variables drawn per attempt; ``{name}`` in the title shows each value.

    The values are drawn when the attempt starts and stored with it, so the
    grading and every later review see the same numbers.
    """

    type, label, category = "calculated", "Calculated", "input"
    settings_schema = {"type": "object", "additionalProperties": False, "properties": {
        "variables": {"type": "object", "minProperties": 1, "maxProperties": 10, "required": True,
                      "additionalProperties": {"type": "object", "additionalProperties": False, "properties": {
                          "min": {"type": "number", "minimum": -1e9, "maximum": 1e9, "required": True},
                          "max": {"type": "number", "minimum": -1e9, "maximum": 1e9, "required": True},
                          "decimals": {"type": "integer", "minimum": 0, "maximum": 6, "default": 0}}}},
        **TOLERANCE}}
    answer_schema = {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH,
                     "description": "The formula over the variables, e.g. a*b+1."}
    response_schema = {"type": "number", "minimum": -1e15, "maximum": 1e15}

    def check(self, question: dict[str, Any]) -> Optional[str]:
        variables = (question.get("settings") or {}).get("variables") or {}
        bad = [name for name in variables if not re.fullmatch(VARIABLE["pattern"], name)]
        if bad:
            return f"variable names must be letters, digits and _: {', '.join(bad)}."
        if any(spec["min"] > spec["max"] for spec in variables.values()):
            return "each variable's min must not exceed its max."
        try:
            parse(question.get("answer") or "", list(variables))
        except ExpressionError as problem:
            return f"answer: {problem}"
        return None

    def prepare(self, question: dict[str, Any], rng: random.Random) -> Optional[dict[str, Any]]:
        variables = (question.get("settings") or {}).get("variables") or {}
        values = {name: round(rng.uniform(spec["min"], spec["max"]), int(spec.get("decimals", 0)))
                  for name, spec in variables.items()}
        return {"variables": {name: int(v) if float(v).is_integer() else v for name, v in values.items()}}

    def student_view(self, question: dict[str, Any]) -> dict[str, Any]:
        view = super().student_view(question)
        values = (question.get("drawn") or {}).get("variables") or {}
        for field in ("title", "description"):
            if isinstance(view.get(field), str):
                view[field] = PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), view[field])
        return view

    def grade(self, question: dict[str, Any], response: Any) -> Optional[float]:
        values = (question.get("drawn") or {}).get("variables")
        if not values:
            return 0.0
        try:
            expected = evaluate(question["answer"], values)
        except ExpressionError:
            return 0.0  # no value at these numbers: nothing a student could match
        return 1.0 if math.isfinite(expected) and _within(response, expected, question.get("settings") or {}) else 0.0


PRO_TYPES: list[QuestionType] = [Matching(), Ordering(), Numeric(), MathExpression(), Calculated()]
