"""Membership analytics: active members, new members, cancellations, churn rate, MRR and ARPU per currency, time series and retention.

A Pro extension: a plugin of its own (entry point ``pro.analytics``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins: commerce's tables (through
``app.tables``) and the administration's period machinery
(``learnomy.controllers.admin``: ``parse_period_range``, ``period_bucket``,
``fill_periods``). It adds no tables of its own.
"""

from __future__ import annotations

from learnomy_core import RouteRegistry, hookimpl

from . import memberships

PLUGIN_NAME = "pro.analytics"

__all__: list[str] = []


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro", "admin", "commerce"]


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    memberships.register_routes(registry)
