"""Administration: students, instructors and their applications, settings,
reports, API keys and background jobs, for administrators (ENDPOINTS.md,
"Administration and system").

Builds on every other Free area; nothing builds on it. Other packages import
what they need from here (``__all__``), never from the modules inside.
"""

from __future__ import annotations

from learnomy_core import RouteRegistry, hookimpl

from . import reports
from .periods import (
    DEFAULT_PERIODS,
    INTERVALS,
    MAX_PERIODS,
    PERIOD_ARGS,
    PeriodRange,
    fill_periods,
    next_period,
    parse_bounds,
    parse_instant,
    parse_period_range,
    period_bucket,
    period_key,
    period_start,
)

PLUGIN_NAME = "admin"

__all__: list[str] = [
    # The period machinery of time-series reports (reports.py; Pro's analytics reuse it).
    "DEFAULT_PERIODS",
    "INTERVALS",
    "MAX_PERIODS",
    "PERIOD_ARGS",
    "PeriodRange",
    "fill_periods",
    "next_period",
    "parse_bounds",
    "parse_instant",
    "parse_period_range",
    "period_bucket",
    "period_key",
    "period_start",
]


@hookimpl
def learnomy_requires() -> list[str]:
    return ["identity", "catalog", "learning", "assessment", "commerce", "communication"]


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    # Each module of this package registers its routes here as it lands.
    reports.register_routes(registry)
