"""Advanced quizzes: matching, ordering, numeric, math_expression and calculated question types through the Free question-type hook.

A Pro extension: a plugin of its own (entry point ``pro.advanced_quizzes``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins.
"""

from __future__ import annotations

from learnomy_core import hookimpl

PLUGIN_NAME = "pro.advanced_quizzes"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro"]
