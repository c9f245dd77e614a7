"""Spaces: open, course-linked and private community spaces with posts and comments.

A Pro extension: a plugin of its own (entry point ``pro.spaces``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins.
"""

from __future__ import annotations

from learnomy_core import hookimpl

PLUGIN_NAME = "pro.spaces"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro"]
