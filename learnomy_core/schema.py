"""Argument validation and sanitization, as WordPress's REST API does it.

The subset of JSON Schema that ``rest_validate_value_from_schema`` and
``rest_sanitize_value_from_schema`` understand, with WordPress's error codes, so a
client written against WordPress reads our ``details`` unchanged::

    >>> validate("7", {"type": "integer", "maximum": 5}, "per_page")
    {'param': 'per_page', 'code': 'rest_out_of_bounds', 'message': 'per_page must be less than or equal to 5'}
    >>> sanitize("7", {"type": "integer"})
    7

Like WordPress, query-string values are strings, so ``"7"`` is a valid integer and
``"a,b"`` a valid array; sanitizing turns them into the declared type.

Where WordPress is weak, we are strict, so that what validation lets through can be
stored and served: numbers are read exactly (an integer string is an ``int``, never
a ``float`` on the way), an ``integer`` without bounds of its own must fit a signed
64-bit column and a ``number`` must be a finite double; ``pattern`` and the formats
match the whole value (``$`` does not match before a trailing newline); a ``uri`` is
``http`` or ``https``; a ``date-time`` must still be a date once converted to UTC.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
import sys
import uuid as uuid_module
from datetime import datetime, timezone
from typing import Any, Optional

__all__ = ["validate", "sanitize", "type_of", "Detail", "INT64_MIN", "INT64_MAX"]

Detail = dict[str, str]

# WordPress's rest_get_best_type_for_value order.
_TYPE_ORDER = ("array", "object", "integer", "number", "boolean", "string", "null")

# Formats are matched whole (fullmatch): with ``match`` and ``$``, a trailing
# newline would slip through.
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-']+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+")
_HEX_COLOR = re.compile(r"#([A-Fa-f0-9]{3}){1,2}")
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?", re.ASCII
)
# Only the web's schemes: a javascript:, data: or file: URL stored here would be
# served to every client that links it.
_URI = re.compile(r"https?://[^\s/?#\x00-\x1f\x7f]+[^\s\x00-\x1f\x7f]*", re.IGNORECASE)
# Numbers as JSON and WordPress's is_numeric write them, ASCII digits only: float()
# and int() would also take "nan", "inf", "1_000" and non-ASCII digits.
_NUMERIC = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGRAL = re.compile(r"[+-]?[0-9]+")

INT64_MIN = -(2**63)
"""The least ``integer`` a schema without a ``minimum`` accepts."""
INT64_MAX = 2**63 - 1
"""The greatest ``integer`` a schema without a ``maximum`` accepts: what a BIGINT holds."""
_FLOAT_MAX = sys.float_info.max


def _detail(param: str, code: str, message: str) -> Detail:
    return {"param": param, "code": code, "message": message}


def _as_number(value: Any) -> int | float | None:
    """``value`` as a number, exactly: an ``int`` when it is written as one, else a
    finite ``float``; None when it is no number (booleans, NaN, infinities, text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip()
        if not _NUMERIC.fullmatch(text):
            return None
        try:
            number: int | float = int(text) if _INTEGRAL.fullmatch(text) else float(text)
        except ValueError:  # more digits than int() reads (sys.get_int_max_str_digits)
            return None
        return number if isinstance(number, int) or math.isfinite(number) else None
    return None


def _as_integer(value: Any) -> Optional[int]:
    """``value`` as an exact ``int`` (``"7"``, ``7.0`` and ``"1e3"`` are integers), or None."""
    number = _as_number(value)
    if isinstance(number, float):
        return int(number) if number.is_integer() else None
    return number


def _is_integer(value: Any) -> bool:
    return _as_integer(value) is not None


def _is_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return value in (0, 1)
    return isinstance(value, str) and value.lower() in ("true", "false", "1", "0")


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def _as_list(value: Any) -> Optional[list[Any]]:
    """A list, or a WordPress comma/space separated string list (wp_parse_list)."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,]+", value) if part]
    return None


_CHECKS = {
    "array": lambda v: _as_list(v) is not None,
    "object": lambda v: isinstance(v, dict) or v == "",
    "integer": _is_integer,
    "number": lambda v: _as_number(v) is not None,
    "boolean": _is_boolean,
    "string": lambda v: isinstance(v, str),
    "null": lambda v: v is None or v == "",
}


def type_of(value: Any, schema: dict[str, Any]) -> Optional[str]:
    """The schema type ``value`` satisfies first, in WordPress's order, or None."""
    declared = schema.get("type")
    if declared is None:
        return "any"
    types = [declared] if isinstance(declared, str) else list(declared)
    for candidate in _TYPE_ORDER:
        if candidate in types and _CHECKS[candidate](value):
            return candidate
    return None


def _matching_schemas(value: Any, schema: dict[str, Any], key: str, param: str) -> list[dict]:
    return [sub for sub in schema[key] if validate(value, {**_without(schema, key), **sub}, param) is None]


def _without(schema: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in (key, "anyOf", "oneOf")}


def validate(value: Any, schema: dict[str, Any], param: str) -> Optional[Detail]:
    """Check ``value`` against ``schema``; the first problem, or None.

    :param value: the raw value as it arrived (JSON or a query string).
    :param schema: the arg's schema (``type``, ``enum``, bounds, ``items`` ...).
    :param param: the name to report, ``tags[2]`` style for nested values.
    :returns: a ``{"param", "code", "message"}`` detail, or None when valid.
    """
    if "anyOf" in schema:
        if not _matching_schemas(value, schema, "anyOf", param):
            return _detail(param, "rest_no_matching_schema", f"{param} does not match any of the expected formats.")
        return None
    if "oneOf" in schema:
        matches = _matching_schemas(value, schema, "oneOf", param)
        if not matches:
            return _detail(param, "rest_no_matching_schema", f"{param} does not match any of the expected formats.")
        if len(matches) > 1:
            return _detail(param, "rest_one_of_multiple_matches", f"{param} matches more than one of the expected formats.")
        return None

    kind = type_of(value, schema)
    if kind is None:
        declared = schema["type"]
        names = declared if isinstance(declared, str) else ",".join(declared)
        return _detail(param, "rest_invalid_type", f"{param} is not of type {names}.")

    if "enum" in schema and sanitize(value, {**schema, "type": kind}) not in schema["enum"]:
        allowed = ", ".join(str(v) for v in schema["enum"])
        return _detail(param, "rest_not_in_enum", f"{param} is not one of {allowed}.")

    checker = _VALIDATORS.get(kind)
    return checker(value, schema, param) if checker else None


def _validate_array(value: Any, schema: dict[str, Any], param: str) -> Optional[Detail]:
    items = _as_list(value) or []
    if "minItems" in schema and len(items) < schema["minItems"]:
        return _detail(param, "rest_too_few_items", f"{param} must contain at least {schema['minItems']} items.")
    if "maxItems" in schema and len(items) > schema["maxItems"]:
        return _detail(param, "rest_too_many_items", f"{param} must contain at most {schema['maxItems']} items.")
    item_schema = schema.get("items")
    if item_schema:
        for index, item in enumerate(items):
            problem = validate(item, item_schema, f"{param}[{index}]")
            if problem:
                return problem
    if schema.get("uniqueItems"):
        seen: list[Any] = []
        for item in (sanitize(i, item_schema) for i in items) if item_schema else items:
            if item in seen:
                return _detail(param, "rest_duplicate_items", f"{param} has duplicate items.")
            seen.append(item)
    return None


def _validate_object(value: Any, schema: dict[str, Any], param: str) -> Optional[Detail]:
    data = value if isinstance(value, dict) else {}
    properties = schema.get("properties", {})
    required = list(schema["required"]) if isinstance(schema.get("required"), list) else []
    required += [name for name, sub in properties.items() if sub.get("required") is True]
    for name in required:
        if name not in data:
            return _detail(param, "rest_property_required", f"{name} is a required property of {param}.")
    if "minProperties" in schema and len(data) < schema["minProperties"]:
        return _detail(param, "rest_too_few_properties", f"{param} must contain at least {schema['minProperties']} properties.")
    if "maxProperties" in schema and len(data) > schema["maxProperties"]:
        return _detail(param, "rest_too_many_properties", f"{param} must contain at most {schema['maxProperties']} properties.")
    additional = schema.get("additionalProperties", True)
    for name, item in data.items():
        sub = properties.get(name)
        if sub is None and isinstance(additional, dict):
            sub = additional
        if sub is None:
            if additional is False:
                return _detail(
                    param,
                    "rest_additional_properties_forbidden",
                    f"{name} is not a valid property of Object.",
                )
            continue
        problem = validate(item, sub, f"{param}[{name}]")
        if problem:
            return problem
    return None


def _validate_integer(value: Any, schema: dict[str, Any], param: str) -> Optional[Detail]:
    return _check_number(_as_integer(value), schema, param, INT64_MIN, INT64_MAX)  # type: ignore[arg-type]


def _validate_number(value: Any, schema: dict[str, Any], param: str) -> Optional[Detail]:
    return _check_number(_as_number(value), schema, param, -_FLOAT_MAX, _FLOAT_MAX)  # type: ignore[arg-type]


def _check_number(
    number: int | float, schema: dict[str, Any], param: str, floor: int | float, ceiling: int | float
) -> Optional[Detail]:
    """``multipleOf`` and the bounds; ``floor``/``ceiling`` stand in for a bound the
    schema does not declare (a value must still fit where it will be stored)."""
    if "multipleOf" in schema and not _is_multiple(number, schema["multipleOf"]):
        return _detail(param, "rest_invalid_multiple", f"{param} must be a multiple of {schema['multipleOf']}.")
    low, high = schema.get("minimum"), schema.get("maximum")
    low_x, high_x = schema.get("exclusiveMinimum", False), schema.get("exclusiveMaximum", False)
    # Draft 6 style: exclusiveMinimum is itself the bound.
    if not isinstance(low_x, bool):
        low, low_x = low_x, True
    if not isinstance(high_x, bool):
        high, high_x = high_x, True
    too_low = low is not None and (number <= low if low_x else number < low)
    too_high = high is not None and (number >= high if high_x else number > high)
    if not (too_low or too_high):
        # Python compares ints and floats exactly, whatever their size.
        if low is None and number < floor:
            low, too_low = floor, True
        if high is None and number > ceiling:
            high, too_high = ceiling, True
    if too_low or too_high:
        parts = []
        if low is not None:
            parts.append(f"greater than {'' if low_x else 'or equal to '}{_fmt(low)}")
        if high is not None:
            parts.append(f"less than {'' if high_x else 'or equal to '}{_fmt(high)}")
        return _detail(param, "rest_out_of_bounds", f"{param} must be {' and '.join(parts)}")
    return None


def _is_multiple(number: int | float, step: int | float) -> bool:
    if isinstance(number, int) and isinstance(step, int) and not isinstance(step, bool):
        return step != 0 and number % step == 0
    try:
        ratio = number / step
    except (OverflowError, ZeroDivisionError):
        return False
    return math.isfinite(ratio) and math.isclose(ratio, round(ratio), abs_tol=1e-9)


def _fmt(number: Any) -> str:
    if isinstance(number, int):
        return str(number)
    return str(int(number)) if float(number).is_integer() and abs(number) < 1e16 else str(number)


def _validate_string(value: Any, schema: dict[str, Any], param: str) -> Optional[Detail]:
    length = len(value)
    if "minLength" in schema and length < schema["minLength"]:
        return _detail(param, "rest_too_short", f"{param} must be at least {schema['minLength']} characters long.")
    if "maxLength" in schema and length > schema["maxLength"]:
        return _detail(param, "rest_too_long", f"{param} must be at most {schema['maxLength']} characters long.")
    if "pattern" in schema and not _pattern(schema["pattern"]).search(value):
        return _detail(param, "rest_invalid_pattern", f"{param} does not match pattern {schema['pattern']}.")
    fmt = schema.get("format")
    if fmt and value != "" and not _FORMATS.get(fmt, lambda v: True)(value):
        code, what = _FORMAT_ERRORS[fmt]
        return _detail(param, code, f"{param} is not a valid {what}.")
    return None


@functools.lru_cache(maxsize=512)
def _pattern(pattern: str) -> re.Pattern[str]:
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


def _is_uuid(value: str) -> bool:
    try:
        uuid_module.UUID(value)
    except ValueError:
        return False
    return len(value) == 36


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


_FORMATS = {
    "email": lambda v: bool(_EMAIL.fullmatch(v)),
    "hex-color": lambda v: bool(_HEX_COLOR.fullmatch(v)),
    "date-time": _is_date_time,
    "uri": lambda v: bool(_URI.fullmatch(v)),
    "uuid": _is_uuid,
    "ip": _is_ip,
}
_FORMAT_ERRORS = {
    "email": ("rest_invalid_email", "email address"),
    "hex-color": ("rest_invalid_hex_color", "hex color"),
    "date-time": ("rest_invalid_date", "date"),
    "uri": ("rest_invalid_url", "URL"),
    "uuid": ("rest_invalid_uuid", "UUID"),
    "ip": ("rest_invalid_ip", "IP address"),
}
_VALIDATORS = {
    "array": _validate_array,
    "object": _validate_object,
    "integer": _validate_integer,
    "number": _validate_number,
    "string": _validate_string,
}


def sanitize(value: Any, schema: dict[str, Any] | None) -> Any:
    """Coerce an already valid ``value`` to its schema type (``"7"`` to ``7``).

    :param value: a value that :func:`validate` accepted.
    :param schema: the same schema.
    :returns: the value as the callback should see it.
    """
    if not schema:
        return value
    for key in ("anyOf", "oneOf"):
        if key in schema:
            for sub in schema[key]:
                merged = {**_without(schema, key), **sub}
                if validate(value, merged, "value") is None:
                    return sanitize(value, merged)
            return value
    kind = type_of(value, schema)
    if kind == "integer":
        return _as_integer(value)
    if kind == "number":
        # A JSON integer stays one; text becomes a float, as WordPress's (float).
        return value if isinstance(value, int) else float(_as_number(value))  # type: ignore[arg-type]
    if kind == "boolean":
        return _to_bool(value)
    if kind == "null":
        return None
    if kind == "array":
        item_schema = schema.get("items")
        items = _as_list(value) or []
        return [sanitize(item, item_schema) for item in items]
    if kind == "object":
        if not isinstance(value, dict):
            return {}
        properties = schema.get("properties", {})
        additional = schema.get("additionalProperties")
        return {
            name: sanitize(item, properties.get(name, additional if isinstance(additional, dict) else None))
            for name, item in value.items()
        }
    if kind == "string":
        return value if isinstance(value, str) else str(value)
    return value
