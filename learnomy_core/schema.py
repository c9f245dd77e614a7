"""Argument validation and sanitization, as WordPress's REST API does it.

The subset of JSON Schema that ``rest_validate_value_from_schema`` and
``rest_sanitize_value_from_schema`` understand, with WordPress's error codes and
messages, checked in WordPress's order, so a client written against WordPress reads
our ``details`` unchanged::

    >>> validate("7", {"type": "integer", "maximum": 5}, "per_page")
    {'param': 'per_page', 'code': 'rest_out_of_bounds', 'message': 'per_page must be less than or equal to 5'}
    >>> validate(["1", "x"], {"type": "array", "items": {"type": "integer"}}, "ids")
    {'param': 'ids', 'code': 'rest_invalid_type', 'message': 'ids[1] is not of type integer.'}
    >>> sanitize("7", {"type": "integer"})
    7

Like WordPress, query-string values are strings, so ``"7"`` is a valid integer and
``"a,b"`` a valid array; sanitizing turns them into the declared type. A list of
types is tried in the order it is written (``["string", "integer"]`` keeps ``"15"``
a string), ``""`` is a string or an empty array or object but never ``null``, and a
problem inside an array or object names the argument in ``param`` and the place
(``ids[1]``) in its message. The order of checks is WordPress's: ``anyOf``/``oneOf``,
the type and its keywords (array items before their count, object properties before
theirs, number bounds before integrality), ``enum``, then ``format``.

Where WordPress is weak, we are strict, so that what validation lets through can be
stored and served: numbers are read exactly (an integer string is an ``int``, never
a ``float`` on the way), an ``integer`` without bounds of its own must fit a signed
64-bit column and a ``number`` must be a finite double; ``pattern`` and the formats
match the whole value (``$`` does not match before a trailing newline); a ``uri`` is
``http`` or ``https``; a ``date-time`` must still be a date once converted to UTC
(see :mod:`learnomy_core.schema_formats`).
"""

from __future__ import annotations

import json
import math
import re
import sys
from typing import Any, Callable, NamedTuple, Optional

from .schema_formats import format_problem, json_pattern

__all__ = ["validate", "sanitize", "type_of", "Detail", "INT64_MIN", "INT64_MAX"]

Detail = dict[str, str]

_ALLOWED_TYPES = ("array", "object", "string", "number", "integer", "boolean", "null")

# Numbers as JSON and WordPress's is_numeric write them, ASCII digits only: float()
# and int() would also take "nan", "inf", "1_000" and non-ASCII digits.
_NUMERIC = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_INTEGRAL = re.compile(r"[+-]?[0-9]+")
_INTEGER_KEY = re.compile(r"-?[1-9][0-9]*|0")

INT64_MIN = -(2**63)
"""The least ``integer`` a schema without a ``minimum`` accepts."""
INT64_MAX = 2**63 - 1
"""The greatest ``integer`` a schema without a ``maximum`` accepts: what a BIGINT holds."""
_FLOAT_MAX = sys.float_info.max


class _Problem(NamedTuple):
    """What is wrong, where: ``path`` is the place named in the message (``ids[1]``)."""

    code: str
    message: str
    path: str


# -- what counts as each type ----------------------------------------------------------

def _as_number(value: Any) -> int | float | None:
    """``value`` as a number, exactly: an ``int`` when it is written as one, else a
    finite ``float``; None when it is no number (booleans, NaN, infinities, text)."""
    if isinstance(value, str) and len(value) < 19 and value.isascii() and value.isdigit():
        return int(value)  # the common case, an id from the URL: what the patterns below make of it
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
    """An array as WordPress sees one (``rest_is_array``), as a list; None otherwise.

    A list; a scalar split on commas and whitespace (``wp_parse_list``); or a map
    whose keys are all integers, which is what PHP makes of ``ids[1]=a&ids[0]=b``
    and of a JSON object ``{"0": ...}`` (its values, in order).
    """
    if isinstance(value, list):
        return value
    if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return [part for part in re.split(r"[\s,]+", str(value)) if part]
    if isinstance(value, dict) and all(isinstance(k, str) and _INTEGER_KEY.fullmatch(k) for k in value):
        return list(value.values())
    return None


def _as_object(value: Any) -> Optional[dict[str, Any]]:
    """An object as WordPress sees one (``rest_is_object``): a map, ``""`` (empty),
    or a list (a PHP array, keyed by position); None otherwise."""
    if isinstance(value, dict):
        return value
    if isinstance(value, list):
        return {str(index): item for index, item in enumerate(value)}
    if isinstance(value, str) and value == "":
        return {}
    return None


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "array": lambda v: _as_list(v) is not None,
    "object": lambda v: _as_object(v) is not None,
    "integer": lambda v: _as_integer(v) is not None,
    "number": lambda v: _as_number(v) is not None,
    "boolean": _is_boolean,
    "string": lambda v: isinstance(v, str),
    "null": lambda v: v is None,
}


def _best_type(value: Any, types: list[str]) -> Optional[str]:
    """WordPress's ``rest_get_best_type_for_value``: the first listed type the value
    satisfies; ``""`` is a string when a string may be. (An unknown type name lets
    nothing through: WordPress would let anything through.)"""
    if isinstance(value, str) and value == "" and "string" in types:
        return "string"
    for candidate in types:
        check = _CHECKS.get(candidate)
        if check is not None and check(value):
            return candidate
    return None


def type_of(value: Any, schema: dict[str, Any]) -> Optional[str]:
    """The schema type ``value`` is read as (see :func:`_best_type`); ``"any"`` when the
    schema declares none; None when the value fits no declared type."""
    declared = schema.get("type")
    if declared is None:
        return "any"
    if isinstance(declared, str):
        check = _CHECKS.get(declared)
        return declared if check is not None and check(value) else None
    return _best_type(value, list(declared))


# -- messages ---------------------------------------------------------------------------

def _php_text(value: Any) -> str:
    """A scalar as PHP prints it in a message; anything else as JSON."""
    if isinstance(value, bool):
        return "1" if value else ""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (str, int, float)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def _listing(items: list[str]) -> str:
    """WordPress's ``%l``: ``a``, ``a and b``, ``a, b, and c``."""
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    return ", ".join(items[:-1]) + f", and {items[-1]}"


def _count(number: int, one: str, many: str) -> str:
    return (one if number == 1 else many).replace("%d", str(number))


def _type_error(path: str, names: str) -> _Problem:
    return _Problem("rest_invalid_type", f"{path} is not of type {names}.", path)


# -- validation -------------------------------------------------------------------------

def validate(value: Any, schema: dict[str, Any], param: str) -> Optional[Detail]:
    """Check ``value`` against ``schema``; the first problem, or None.

    :param value: the raw value as it arrived (JSON or a query string).
    :param schema: the arg's schema (``type``, ``enum``, bounds, ``items`` ...).
    :param param: the argument's name; a problem deeper inside names its place
        (``tags[2]``) in the message, and the argument in ``param``.
    :returns: a ``{"param", "code", "message"}`` detail, or None when valid.
    """
    problem = _check(value, schema, param)
    if problem is None:
        return None
    return {"param": param, "code": problem.code, "message": problem.message}


def _check(value: Any, schema: dict[str, Any], path: str) -> Optional[_Problem]:
    schema = dict(schema)
    for key, find in (("anyOf", _any_match), ("oneOf", _one_match)):
        if key in schema:
            match = find(value, schema, path)
            if isinstance(match, _Problem):
                return match
            if "type" not in schema and "type" in match:
                schema["type"] = match["type"]
    declared = schema.get("type")
    kind: Optional[str] = None
    if isinstance(declared, (list, tuple)):
        kind = _best_type(value, list(declared))
        if kind is None:
            return _type_error(path, ",".join(declared))
    elif declared is not None:
        kind = declared
        if kind not in _VALIDATORS:
            return _type_error(path, str(declared))
    if kind is not None:
        problem = _VALIDATORS[kind](value, schema, path)
        if problem:
            return problem
    if schema.get("enum"):
        problem = _check_enum(value, {**schema, "type": kind} if kind else schema, path)
        if problem:
            return problem
    fmt = schema.get("format")
    if fmt and isinstance(value, str) and kind not in ("array", "object", "number", "integer", "boolean", "null"):
        found = format_problem(fmt, value, path)
        if found:
            return _Problem(found[0], found[1], path)
    return None


def _check_enum(value: Any, schema: dict[str, Any], path: str) -> Optional[_Problem]:
    clean = sanitize(value, schema)
    if any(_equal(clean, allowed) for allowed in schema["enum"]):
        return None
    shown = [_php_text(v) for v in schema["enum"]]
    if len(shown) == 1:
        return _Problem("rest_not_in_enum", f"{path} is not {shown[0]}.", path)
    return _Problem("rest_not_in_enum", f"{path} is not one of {_listing(shown)}.", path)


def _equal(one: Any, other: Any) -> bool:
    """JSON equality (``rest_are_values_equal``): 1 equals 1.0, ``true`` is not 1,
    maps compare without key order."""
    if isinstance(one, bool) or isinstance(other, bool):
        return isinstance(one, bool) and isinstance(other, bool) and one is other
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(_equal(a, b) for a, b in zip(one, other))
    if isinstance(one, dict) and isinstance(other, dict):
        return one.keys() == other.keys() and all(_equal(one[k], other[k]) for k in one)
    if isinstance(one, (int, float)) and isinstance(other, (int, float)):
        return one == other
    return type(one) is type(other) and one == other


def _validate_null(value: Any, schema: dict[str, Any], path: str) -> Optional[_Problem]:
    return None if value is None else _type_error(path, "null")


def _validate_boolean(value: Any, schema: dict[str, Any], path: str) -> Optional[_Problem]:
    return None if _is_boolean(value) else _type_error(path, "boolean")


def _validate_array(value: Any, schema: dict[str, Any], path: str) -> Optional[_Problem]:
    items = _as_list(value)
    if items is None:
        return _type_error(path, "array")
    item_schema = schema.get("items")
    if item_schema:
        for index, item in enumerate(items):
            problem = _check(item, item_schema, f"{path}[{index}]")
            if problem:
                return problem
    count = len(items)
    if "minItems" in schema and count < schema["minItems"]:
        low = schema["minItems"]
        return _Problem("rest_too_few_items", f"{path} must contain at least "
                        + _count(low, "%d item.", "%d items."), path)
    if "maxItems" in schema and count > schema["maxItems"]:
        high = schema["maxItems"]
        return _Problem("rest_too_many_items", f"{path} must contain at most "
                        + _count(high, "%d item.", "%d items."), path)
    if schema.get("uniqueItems"):
        seen: list[Any] = []
        for item in (sanitize(i, item_schema) for i in items) if item_schema else items:
            if any(_equal(item, earlier) for earlier in seen):
                return _Problem("rest_duplicate_items", f"{path} has duplicate items.", path)
            seen.append(item)
    return None


def _property_schema(name: str, schema: dict[str, Any]) -> Optional[dict[str, Any]]:
    """The schema for property ``name``: ``properties``, then the first matching
    ``patternProperties``, then a schema-valued ``additionalProperties``."""
    properties = schema.get("properties") or {}
    if name in properties:
        return properties[name]
    for pattern, sub in (schema.get("patternProperties") or {}).items():
        if json_pattern(pattern).search(name):
            return sub
    additional = schema.get("additionalProperties")
    return additional if isinstance(additional, dict) else None


def _validate_object(value: Any, schema: dict[str, Any], path: str) -> Optional[_Problem]:
    data = _as_object(value)
    if data is None:
        return _type_error(path, "object")
    properties = schema.get("properties") or {}
    if isinstance(schema.get("required"), list):
        required = list(schema["required"])
    else:
        required = [name for name, sub in properties.items() if sub.get("required") is True]
    for name in required:
        if name not in data:
            return _Problem("rest_property_required", f"{name} is a required property of {path}.", path)
    for name, item in data.items():
        sub = _property_schema(name, schema)
        if sub is None:
            if schema.get("additionalProperties") is False:
                return _Problem("rest_additional_properties_forbidden",
                                f"{name} is not a valid property of Object.", path)
            continue
        problem = _check(item, sub, f"{path}[{name}]")
        if problem:
            return problem
    count = len(data)
    if "minProperties" in schema and count < schema["minProperties"]:
        return _Problem("rest_too_few_properties", f"{path} must contain at least "
                        + _count(schema["minProperties"], "%d property.", "%d properties."), path)
    if "maxProperties" in schema and count > schema["maxProperties"]:
        return _Problem("rest_too_many_properties", f"{path} must contain at most "
                        + _count(schema["maxProperties"], "%d property.", "%d properties."), path)
    return None


def _validate_integer(value: Any, schema: dict[str, Any], path: str) -> Optional[_Problem]:
    number = _as_number(value)
    if number is None:
        return _type_error(path, "integer")
    # WordPress checks the number's keywords first: 1.5 with a minimum of 2 is out of bounds.
    problem = _check_number(number, schema, path, INT64_MIN, INT64_MAX)
    if problem is None and _as_integer(value) is None:
        return _type_error(path, "integer")
    return problem


def _validate_number(value: Any, schema: dict[str, Any], path: str) -> Optional[_Problem]:
    number = _as_number(value)
    if number is None:
        return _type_error(path, "number")
    return _check_number(number, schema, path, -_FLOAT_MAX, _FLOAT_MAX)


def _check_number(
    number: int | float, schema: dict[str, Any], path: str, floor: int | float, ceiling: int | float
) -> Optional[_Problem]:
    """``multipleOf`` and the bounds; ``floor``/``ceiling`` stand in for a bound the
    schema does not declare (a value must still fit where it will be stored)."""
    if "multipleOf" in schema and not _is_multiple(number, schema["multipleOf"]):
        return _Problem("rest_invalid_multiple",
                        f"{path} must be a multiple of {_php_text(schema['multipleOf'])}.", path)
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
    if not (too_low or too_high):
        return None
    # WordPress's wording (and, like it, no full stop).
    if low is not None and high is not None:
        sides = f"{_fmt(low)} ({'exclusive' if low_x else 'inclusive'}) and {_fmt(high)} ({'exclusive' if high_x else 'inclusive'})"
        return _Problem("rest_out_of_bounds", f"{path} must be between {sides}", path)
    if low is not None:
        return _Problem("rest_out_of_bounds",
                        f"{path} must be greater than {'' if low_x else 'or equal to '}{_fmt(low)}", path)
    return _Problem("rest_out_of_bounds",
                    f"{path} must be less than {'' if high_x else 'or equal to '}{_fmt(high)}", path)


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


def _validate_string(value: Any, schema: dict[str, Any], path: str) -> Optional[_Problem]:
    if not isinstance(value, str):
        return _type_error(path, "string")
    length = len(value)
    if "minLength" in schema and length < schema["minLength"]:
        return _Problem("rest_too_short", f"{path} must be at least "
                        + _count(schema["minLength"], "%d character long.", "%d characters long."), path)
    if "maxLength" in schema and length > schema["maxLength"]:
        return _Problem("rest_too_long", f"{path} must be at most "
                        + _count(schema["maxLength"], "%d character long.", "%d characters long."), path)
    if "pattern" in schema and not json_pattern(schema["pattern"]).search(value):
        return _Problem("rest_invalid_pattern", f"{path} does not match pattern {schema['pattern']}.", path)
    return None


_VALIDATORS: dict[str, Callable[[Any, dict[str, Any], str], Optional[_Problem]]] = {
    "null": _validate_null,
    "boolean": _validate_boolean,
    "array": _validate_array,
    "object": _validate_object,
    "integer": _validate_integer,
    "number": _validate_number,
    "string": _validate_string,
}


# -- anyOf and oneOf (WordPress's rest_find_any/one_matching_schema) -------------------

class _Failure(NamedTuple):
    position: int
    schema: dict[str, Any]
    problem: _Problem


def _branches(value: Any, schema: dict[str, Any], key: str, path: str) -> tuple[list[tuple[int, dict[str, Any]]], list[_Failure]]:
    matches: list[tuple[int, dict[str, Any]]] = []
    failures: list[_Failure] = []
    for index, branch in enumerate(schema[key]):
        branch = dict(branch)
        if "type" not in branch and "type" in schema:
            branch["type"] = schema["type"]
        problem = _check(value, branch, path)
        if problem is None:
            matches.append((index, branch))
            if key == "anyOf":
                break
        else:
            failures.append(_Failure(index, branch, problem))
    return matches, failures


def _any_match(value: Any, schema: dict[str, Any], path: str) -> dict[str, Any] | _Problem:
    matches, failures = _branches(value, schema, "anyOf", path)
    return matches[0][1] if matches else _combining_error(value, path, failures)


def _one_match(value: Any, schema: dict[str, Any], path: str) -> dict[str, Any] | _Problem:
    matches, failures = _branches(value, schema, "oneOf", path)
    if not matches:
        return _combining_error(value, path, failures)
    if len(matches) > 1:
        titles = [branch["title"] for _, branch in matches if "title" in branch]
        if len(titles) == len(matches):
            return _Problem("rest_one_of_multiple_matches",
                            f"{path} matches {_listing(titles)}, but should match only one.", path)
        return _Problem("rest_one_of_multiple_matches", f"{path} matches more than one of the expected formats.", path)
    return matches[0][1]


def _combining_error(value: Any, path: str, failures: list[_Failure]) -> _Problem:
    """The one branch worth reporting, or a summary (``rest_get_combining_operation_error``)."""
    if len(failures) == 1:
        return _reason(path, failures[0])
    # A branch that failed only on the value's own type says little.
    telling = [f for f in failures if f.problem.code != "rest_invalid_type" or f.problem.path != path]
    if len(telling) == 1:
        return _reason(path, telling[0])
    if len(telling) > 1 and telling[0].schema.get("type") == "object":
        best, shared = None, 0
        keys = set(value) if isinstance(value, dict) else set()
        for failure in telling:
            count = len(set(failure.schema.get("properties") or {}) & keys)
            if count > shared:
                best, shared = failure, count
        if best is not None:
            return _reason(path, best)
    titles = [f.schema["title"] for f in failures if "title" in f.schema]
    if len(titles) == len(failures):
        return _Problem("rest_no_matching_schema", f"{path} is not a valid {_listing(titles)}.", path)
    return _Problem("rest_no_matching_schema", f"{path} does not match any of the expected formats.", path)


def _reason(path: str, failure: _Failure) -> _Problem:
    reason = failure.problem.message
    if "title" in failure.schema:
        return _Problem("rest_no_matching_schema",
                        f"{path} is not a valid {failure.schema['title']}. Reason: {reason}", path)
    return _Problem("rest_no_matching_schema", f"{path} does not match the expected format. Reason: {reason}", path)


# -- sanitization -----------------------------------------------------------------------

def sanitize(value: Any, schema: dict[str, Any] | None) -> Any:
    """Coerce an already valid ``value`` to its schema type (``"7"`` to ``7``).

    :param value: a value that :func:`validate` accepted.
    :param schema: the same schema.
    :returns: the value as the callback should see it.
    """
    if not schema:
        return value
    for key, find in (("anyOf", _any_match), ("oneOf", _one_match)):
        if key in schema:
            match = find(value, schema, "value")
            if isinstance(match, _Problem):
                return value
            value = sanitize(value, match)
            schema = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
            if "type" not in schema:
                if "type" not in match:
                    return value
                schema["type"] = match["type"]
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
        return [sanitize(item, item_schema) for item in _as_list(value) or []]
    if kind == "object":
        data = _as_object(value) or {}
        return {name: sanitize(item, _property_schema(name, schema)) for name, item in data.items()}
    if kind == "string":
        return value if isinstance(value, str) else str(value)
    return value
