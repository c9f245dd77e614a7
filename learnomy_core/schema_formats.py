"""The string ``format`` keywords and ``pattern`` of argument schemas, with WordPress's messages.

Used by :mod:`learnomy_core.schema`. Formats match the whole value (with ``match``
and ``$``, a trailing newline would slip through); a ``uuid`` is lower-case, as
WordPress's ``wp_is_uuid`` wants it; a ``uri`` is ``http`` or ``https`` only (a
``javascript:``, ``data:`` or ``file:`` URL stored here would be served to every
client that links it); a ``date-time`` must still be a date once converted to UTC::

    >>> format_problem("email", "nope", "contact")
    ('rest_invalid_email', 'Invalid email address.')
    >>> format_problem("uuid", "0B0C0D0E-1111-4222-8333-444455556666", "key")
    ('rest_invalid_uuid', 'key is not a valid UUID.')
"""

from __future__ import annotations

import functools
import ipaddress
import re
from datetime import datetime, timezone
from typing import Callable, Optional

__all__ = ["format_problem", "json_pattern"]

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+")
_HEX_COLOR = re.compile(r"#([A-Fa-f0-9]{3}){1,2}")
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?", re.ASCII
)
_URI = re.compile(r"https?://[^\s/?#\x00-\x1f\x7f]+[^\s\x00-\x1f\x7f]*", re.IGNORECASE)
# wp_is_uuid: lower-case hex only.
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _is_date_time(value: str) -> bool:
    if not _DATE_TIME.fullmatch(value):
        return False
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        if parsed.tzinfo is not None:
            # Stored and compared in UTC: 9999-12-31T23:59:59-23:59 is in year 10000.
            parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return False
    return True


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


# format: (check, code, message); "%s" in a message is the parameter, as WordPress
# writes them (some of its format messages do not name the parameter).
_FORMATS: dict[str, tuple[Callable[[str], bool], str, str]] = {
    "email": (lambda v: bool(_EMAIL.fullmatch(v)), "rest_invalid_email", "Invalid email address."),
    "hex-color": (lambda v: bool(_HEX_COLOR.fullmatch(v)), "rest_invalid_hex_color", "Invalid hex color."),
    "date-time": (_is_date_time, "rest_invalid_date", "Invalid date."),
    "uri": (lambda v: bool(_URI.fullmatch(v)), "rest_invalid_url", "%s is not a valid URL."),
    "uuid": (lambda v: bool(_UUID.fullmatch(v)), "rest_invalid_uuid", "%s is not a valid UUID."),
    "ip": (_is_ip, "rest_invalid_ip", "%s is not a valid IP address."),
}


def format_problem(fmt: str, value: str, param: str) -> Optional[tuple[str, str]]:
    """``(code, message)`` when ``value`` is not of ``fmt``; None when it is, or when
    the format is unknown (or ``""``, the empty value every format lets through)."""
    known = _FORMATS.get(fmt)
    if known is None or value == "" or known[0](value):
        return None
    _, code, message = known
    return code, message.replace("%s", param)


@functools.lru_cache(maxsize=512)
def json_pattern(pattern: str) -> re.Pattern[str]:
    """A JSON Schema ``pattern``, compiled so that ``$`` means what it means there.

    JSON Schema patterns are ECMA-262 regular expressions, searched (not anchored)
    in the value; there, ``$`` matches only at the very end of the input. Python's
    ``$`` (like PCRE's, so WordPress's too) also matches before a final newline, so
    ``^[a-z]+$`` would accept ``"admin\\n"``. Each ``$`` outside a character class
    becomes ``\\Z``, which matches only at the very end. The search itself stays a
    search: an unanchored pattern keeps its JSON Schema meaning.
    """
    out: list[str] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index:index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # "[]...]" and "[^]...]": a "]" first in a class is a literal in Python.
            start = index + 1 + (pattern[index + 1:index + 2] == "^")
            if pattern[start:start + 1] == "]":
                out.append(pattern[index:start + 1])
                index = start + 1
                continue
        elif char == "$":
            char = "\\Z"
        out.append(char)
        index += 1
    return re.compile("".join(out))
