"""Assignments: per-section assignments, submissions with text and file URLs, grading, and completion through the Free completion hook.

A Pro extension: a plugin of its own (entry point ``pro.assignments``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins.
"""

from __future__ import annotations

from learnomy_core import hookimpl

PLUGIN_NAME = "pro.assignments"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro"]
