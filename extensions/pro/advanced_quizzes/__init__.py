"""Advanced quizzes: matching, ordering, numeric, math_expression and calculated
question types through the Free question-type hook.

A Pro extension: a plugin of its own (entry point ``pro.advanced_quizzes``),
switched on and off in the ``pro.extensions`` settings group, built only on the
public API of ``learnomy_core`` and the Free plugins: its types subclass
``learnomy.controllers.assessment.QuestionType`` and arrive through
``learnomy_question_types``, as a stranger's would. It has no routes and no
tables: questions and attempts are the assessment area's.
"""

from __future__ import annotations

from learnomy_core import hookimpl
from learnomy.controllers.assessment import QuestionType

from .types import PRO_TYPES

PLUGIN_NAME = "pro.advanced_quizzes"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro", "assessment"]


@hookimpl
def learnomy_question_types() -> list[QuestionType]:
    return PRO_TYPES
