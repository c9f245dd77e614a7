"""Membership analytics: active members, new members, cancellations, churn, MRR and ARPU per currency, time series and retention.

A Pro extension: a plugin of its own (entry point ``pro.analytics``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins.
"""

from __future__ import annotations

from learnomy_core import hookimpl

PLUGIN_NAME = "pro.analytics"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro"]
