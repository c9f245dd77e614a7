"""Commission rules: per-instructor commission rates through the Free commission hook.

A Pro extension: a plugin of its own (entry point ``pro.commission_rules``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins.
"""

from __future__ import annotations

from learnomy_core import hookimpl

PLUGIN_NAME = "pro.commission_rules"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro"]
