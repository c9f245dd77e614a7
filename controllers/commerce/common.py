"""What every commerce module shares: tables, money arithmetic, settings, resources."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Optional

import sqlalchemy as sa

from learnomy_core import RestRequest
from learnomy_core.params import bad_param

from ..catalog import NAMESPACE, now, parse_time, tables

__all__ = ["NAMESPACE", "now", "parse_time", "tables", "percent_of", "split", "bad_param", "settings_groups",
           "commissions", "payments", "add_interval", "mask_details"]

CURRENCY_ARG = {"type": "string", "pattern": "^[A-Za-z]{3}$"}
MONEY_ARG = {"type": "integer", "minimum": 0, "maximum": 10**12}


def percent_of(amount: int, percent: Any) -> int:
    """``percent`` % of ``amount`` minor units, rounded half up to the unit (API.md 11)."""
    value = Decimal(int(amount)) * Decimal(str(percent)) / Decimal(100)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def ratio(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, in exact integer arithmetic."""
    return (2 * int(numerator) + int(denominator)) // (2 * int(denominator))


def split(amount: int, parts: int) -> list[int]:
    """``amount`` in ``parts`` equal shares; the remainder goes to the first (the owner)."""
    share, rest = divmod(int(amount), parts)
    return [share + rest] + [share] * (parts - 1)



def add_interval(start: datetime, interval: str, count: int) -> Optional[datetime]:
    """The end of ``count`` intervals from ``start`` (None: lifetime). Months keep the day,
    clamped to the month's last (Jan 31 + 1 month is Feb 28 or 29)."""
    if interval == "lifetime":
        return None
    if interval == "day":
        return start + timedelta(days=count)
    if interval == "week":
        return start + timedelta(weeks=count)
    months = count * (12 if interval == "year" else 1)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    for day in range(start.day, 27, -1):
        try:
            return start.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return start.replace(year=year, month=month, day=min(start.day, 28))


def mask_details(details: Any) -> Any:
    """Payout details with every value but its last four characters hidden."""
    if not isinstance(details, dict):
        return {}
    masked: dict[str, Any] = {}
    for key, value in details.items():
        text = str(value)
        masked[key] = ("•" * max(len(text) - 4, 0) + text[-4:]) if len(text) > 4 else "•" * len(text)
    return masked


def settings_groups() -> dict[str, dict[str, Any]]:
    """The ``payments`` and ``commissions`` settings groups."""
    secret = {"type": "string", "maxLength": 255, "default": "", "writeOnly": True}
    return {
        "payments": {"type": "object", "properties": {
            "manual": {"type": "object", "additionalProperties": False, "default": {"enabled": True},
                       "description": "Bank transfer or cash; an administrator completes the order.",
                       "properties": {"enabled": {"type": "boolean"},
                                      "instructions": {"type": "string", "maxLength": 2000}}},
            "stripe": {"type": "object", "additionalProperties": False, "default": {},
                       "description": "Stripe Checkout; listed once secret_key and webhook_secret are set.",
                       "properties": {"secret_key": secret, "webhook_secret": secret,
                                      "publishable_key": {"type": "string", "maxLength": 255},
                                      "success_url": {"type": "string", "format": "uri", "maxLength": 500},
                                      "cancel_url": {"type": "string", "format": "uri", "maxLength": 500}}},
        }},
        "commissions": {"type": "object", "properties": {
            "instructor_rate": {"type": "number", "minimum": 0, "maximum": 100, "default": 80,
                                "description": "Percent of a course's price its instructors keep."},
            "holding_days": {"type": "integer", "minimum": 0, "maximum": 365, "default": 14},
            "minimum_withdrawal": {"type": "object", "default": {},
                                   "additionalProperties": {"type": "integer", "minimum": 0}},
            "course_overrides": {"type": "array", "default": [], "items": {
                "type": "object", "additionalProperties": False, "required": ["course_id", "instructor_rate"],
                "properties": {"course_id": {"type": "integer", "minimum": 1},
                               "instructor_rate": {"type": "number", "minimum": 0, "maximum": 100}}}},
        }},
    }


def commissions(request: RestRequest) -> dict[str, Any]:
    """The ``commissions`` settings group."""
    return request.app.settings.group(request.db, "commissions")


def payments(request: RestRequest) -> dict[str, Any]:
    """The ``payments`` settings group."""
    return request.app.settings.group(request.db, "payments")


Table = Callable[[str], sa.Table]


