"""A third-party plugin that adds a question type with no change to Free code."""

from learnomy_core import hookimpl
from learnomy.controllers.assessment import QuestionType

PLUGIN_NAME = "numeric_type"


class Numeric(QuestionType):
    type, label, category = "numeric", "Numeric with tolerance", "input"
    settings_schema = {"type": "object", "additionalProperties": False,
                       "properties": {"tolerance": {"type": "number", "minimum": 0, "default": 0}}}
    answer_schema = {"type": "number"}
    response_schema = {"type": "number"}

    def grade(self, question, response):
        tolerance = float((question.get("settings") or {}).get("tolerance", 0))
        return 1.0 if abs(float(response) - float(question["answer"])) <= tolerance else 0.0


@hookimpl
def learnomy_question_types():
    return [Numeric()]
