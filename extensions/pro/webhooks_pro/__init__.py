"""Webhooks Pro: lifts Free's limit of three webhook endpoints and adds Pro's events to the catalog.

A Pro extension: a plugin of its own (entry point ``pro.webhooks_pro``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins.
"""

from __future__ import annotations

from learnomy_core import hookimpl

PLUGIN_NAME = "pro.webhooks_pro"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro"]
