"""Drip rules: per section, lesson or quiz (a date, days after enrollment, after completing another item), applied through the Free unlock hook.

A Pro extension: a plugin of its own (entry point ``pro.drip``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins.
"""

from __future__ import annotations

from learnomy_core import hookimpl

PLUGIN_NAME = "pro.drip"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro"]
