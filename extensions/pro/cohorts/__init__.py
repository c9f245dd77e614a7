"""Cohorts: a course's cohorts with dates and a seat limit, their members, the schedule that unlocks sections by date for members, and aggregate progress for editors.

A Pro extension: a plugin of its own (entry point ``pro.cohorts``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins.
"""

from __future__ import annotations

from learnomy_core import hookimpl

PLUGIN_NAME = "pro.cohorts"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro"]
