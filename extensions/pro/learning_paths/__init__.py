"""Learning paths: ordered courses with optional steps, enrollment in the path (and its free courses), progress through the path.

A Pro extension: a plugin of its own (entry point ``pro.learning_paths``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins.
"""

from __future__ import annotations

from learnomy_core import hookimpl

PLUGIN_NAME = "pro.learning_paths"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro"]
