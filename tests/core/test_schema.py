"""Argument schemas: WordPress's validation codes, then sanitization."""

from __future__ import annotations

from typing import Any, Optional

import pytest

from learnomy_core.schema import sanitize, validate

INT = {"type": "integer"}


@pytest.mark.parametrize("value, schema, code", [
    # types, and type lists
    (5, INT, None),
    ("5", INT, None),
    ("5.0", INT, None),
    ("5.5", INT, "rest_invalid_type"),
    (True, INT, "rest_invalid_type"),
    ("abc", {"type": "number"}, "rest_invalid_type"),
    ("1.5", {"type": "number"}, None),
    ("true", {"type": "boolean"}, None),
    ("yes", {"type": "boolean"}, "rest_invalid_type"),
    (5, {"type": "string"}, "rest_invalid_type"),
    (None, {"type": "null"}, None),
    ("x", {"type": ["integer", "string"]}, None),
    ([1], {"type": ["integer", "string"]}, "rest_invalid_type"),
    ({"a": 1}, {"type": "object"}, None),
    ("a", {"type": "object"}, "rest_invalid_type"),
    # bounds and multiples
    (0, {"type": "integer", "minimum": 1}, "rest_out_of_bounds"),
    (1, {"type": "integer", "minimum": 1, "exclusiveMinimum": True}, "rest_out_of_bounds"),
    (10, {"type": "integer", "maximum": 10}, None),
    (10, {"type": "integer", "maximum": 10, "exclusiveMaximum": True}, "rest_out_of_bounds"),
    (7, {"type": "integer", "multipleOf": 5}, "rest_invalid_multiple"),
    (0.3, {"type": "number", "multipleOf": 0.1}, None),
    # strings
    ("ab", {"type": "string", "minLength": 3}, "rest_too_short"),
    ("abcd", {"type": "string", "maxLength": 3}, "rest_too_long"),
    ("abc", {"type": "string", "pattern": "^[0-9]+$"}, "rest_invalid_pattern"),
    ("b", {"type": "string", "enum": ["a", "c"]}, "rest_not_in_enum"),
    ("2", {"type": "integer", "enum": [1, 2]}, None),
    # formats
    ("me@example.org", {"type": "string", "format": "email"}, None),
    ("not-an-email", {"type": "string", "format": "email"}, "rest_invalid_email"),
    ("2026-06-13T10:42:00Z", {"type": "string", "format": "date-time"}, None),
    ("2026-13-13T10:42:00Z", {"type": "string", "format": "date-time"}, "rest_invalid_date"),
    ("https://example.org/a?b=c", {"type": "string", "format": "uri"}, None),
    ("example.org", {"type": "string", "format": "uri"}, "rest_invalid_url"),
    ("0b0c0d0e-1111-4222-8333-444455556666", {"type": "string", "format": "uuid"}, None),
    ("0b0c0d0e", {"type": "string", "format": "uuid"}, "rest_invalid_uuid"),
    ("2001:db8::1", {"type": "string", "format": "ip"}, None),
    ("300.1.1.1", {"type": "string", "format": "ip"}, "rest_invalid_ip"),
    ("#a0b1c2", {"type": "string", "format": "hex-color"}, None),
    ("a0b1c2", {"type": "string", "format": "hex-color"}, "rest_invalid_hex_color"),
    # arrays
    ("a,b", {"type": "array", "items": {"type": "string"}}, None),
    ([1, "x"], {"type": "array", "items": INT}, "rest_invalid_type"),
    ([], {"type": "array", "minItems": 1}, "rest_too_few_items"),
    ([1, 2, 3], {"type": "array", "maxItems": 2}, "rest_too_many_items"),
    ([1, "1"], {"type": "array", "items": INT, "uniqueItems": True}, "rest_duplicate_items"),
    # objects
    ({"a": 1}, {"type": "object", "required": ["b"]}, "rest_property_required"),
    ({}, {"type": "object", "properties": {"b": {"type": "string", "required": True}}}, "rest_property_required"),
    ({"x": 1}, {"type": "object", "properties": {"a": INT}, "additionalProperties": False},
     "rest_additional_properties_forbidden"),
    ({"x": "y"}, {"type": "object", "additionalProperties": INT}, "rest_invalid_type"),
    ({"a": "z"}, {"type": "object", "properties": {"a": INT}}, "rest_invalid_type"),
    ({}, {"type": "object", "minProperties": 1}, "rest_too_few_properties"),
    ({"a": 1, "b": 2}, {"type": "object", "maxProperties": 1}, "rest_too_many_properties"),
    # anyOf / oneOf
    ("x", {"anyOf": [INT, {"type": "string"}]}, None),
    ([1], {"anyOf": [INT, {"type": "string"}]}, "rest_no_matching_schema"),
    (3, {"oneOf": [INT, {"type": "number"}]}, "rest_one_of_multiple_matches"),
    ("x", {"oneOf": [INT, {"type": "boolean"}]}, "rest_no_matching_schema"),
])
def test_validation_codes(value: Any, schema: dict, code: Optional[str]) -> None:
    problem = validate(value, schema, "p")
    assert (problem and problem["code"]) == code
    if problem:
        assert problem["param"].startswith("p") and problem["message"]


def test_nested_problems_name_the_path_in_the_message_and_the_arg_in_param() -> None:
    schema = {"type": "object", "properties": {"tags": {"type": "array", "items": INT}}}
    problem = validate({"tags": [1, "x"]}, schema, "meta")
    assert problem["param"] == "meta"
    assert problem["message"] == "meta[tags][1] is not of type integer."


def test_bounds_message_reads_like_wordpress() -> None:
    problem = validate(101, {"type": "integer", "minimum": 1, "maximum": 100}, "per_page")
    assert problem["message"] == "per_page must be between 1 (inclusive) and 100 (inclusive)"


@pytest.mark.parametrize("value, schema, expected", [
    ("7", INT, 7),
    ("7.0", INT, 7),
    ("2.5", {"type": "number"}, 2.5),
    ("false", {"type": "boolean"}, False),
    ("1", {"type": "boolean"}, True),
    ("a, b c", {"type": "array", "items": {"type": "string"}}, ["a", "b", "c"]),
    ("1,2", {"type": "array", "items": INT}, [1, 2]),
    ({"n": "3"}, {"type": "object", "properties": {"n": INT}}, {"n": 3}),
    ("", {"type": ["null", "string"]}, ""),  # WordPress tries string before null
    (None, {"type": "null"}, None),  # "" is not null (WordPress): see the WordPress-wording tests
    ("3", {"anyOf": [INT, {"type": "string"}]}, 3),
    ("3", None, "3"),
])
def test_sanitization(value: Any, schema: Any, expected: Any) -> None:
    assert sanitize(value, schema) == expected


# -- what validation lets through can be stored and served -----------------------------

INT64_MAX = 2**63 - 1
URI = {"type": "string", "format": "uri"}
USERNAME = {"type": "string", "pattern": r"^[A-Za-z0-9_.\-]{3,60}$"}


@pytest.mark.parametrize("value, schema, code", [
    # integers: exact, and within 64 bits unless the schema's own bounds say otherwise
    (INT64_MAX, INT, None),
    (-INT64_MAX - 1, INT, None),
    (INT64_MAX + 1, INT, "rest_out_of_bounds"),
    (-INT64_MAX - 2, INT, "rest_out_of_bounds"),
    (str(INT64_MAX + 1), INT, "rest_out_of_bounds"),
    (10**400, INT, "rest_out_of_bounds"),
    ("9" * 400, INT, "rest_out_of_bounds"),
    (1e308, INT, "rest_out_of_bounds"),
    ("1e308", INT, "rest_out_of_bounds"),
    (2**64, {"type": "integer", "maximum": 2**70}, None),
    (2**64, {"type": "integer", "minimum": 1}, "rest_out_of_bounds"),
    ("9" * 5000, INT, "rest_invalid_type"),  # more digits than int() reads
    # what float() and int() would take but JSON and WordPress do not
    ("NaN", INT, "rest_invalid_type"),
    ("Infinity", {"type": "number"}, "rest_invalid_type"),
    ("inf", {"type": "number"}, "rest_invalid_type"),
    (float("nan"), {"type": "number"}, "rest_invalid_type"),
    (float("inf"), INT, "rest_invalid_type"),
    ("1_000", INT, "rest_invalid_type"),
    ("\u0661\u0662", INT, "rest_invalid_type"),  # Arabic-Indic digits
    (" 12 ", INT, None),
    # numbers: finite doubles
    (10**400, {"type": "number"}, "rest_out_of_bounds"),
    (1e308, {"type": "number", "multipleOf": 1e-300}, "rest_invalid_multiple"),
    (10**30, {"type": "integer", "maximum": 10**31, "multipleOf": 7}, "rest_invalid_multiple"),
    # dates that overflow once in UTC
    ("9999-12-31T23:59:59-23:59", {"type": "string", "format": "date-time"}, "rest_invalid_date"),
    ("0001-01-01T00:00:00+01:00", {"type": "string", "format": "date-time"}, "rest_invalid_date"),
    ("9999-12-31T23:59:59Z", {"type": "string", "format": "date-time"}, None),
    # uri: http and https only
    ("javascript:alert(1)", URI, "rest_invalid_url"),
    ("javascript://example.org/%0Aalert(1)", URI, "rest_invalid_url"),
    ("JavaScript://x", URI, "rest_invalid_url"),
    ("data://text/html,<script>", URI, "rest_invalid_url"),
    ("file:///etc/passwd", URI, "rest_invalid_url"),
    ("ftp://example.org/file", URI, "rest_invalid_url"),
    ("HTTPS://example.org/a", URI, None),
    ("http://example.org/a\n", URI, "rest_invalid_url"),
    ("http://exa\x00mple.org/", URI, "rest_invalid_url"),
    # whole-value formats: no trailing newline
    ("me@example.org\n", {"type": "string", "format": "email"}, "rest_invalid_email"),
    ("#a0b1c2\n", {"type": "string", "format": "hex-color"}, "rest_invalid_hex_color"),
    ("2026-06-13T10:42:00Z\n", {"type": "string", "format": "date-time"}, "rest_invalid_date"),
])
def test_values_that_could_not_be_stored_or_served_are_refused(value: Any, schema: dict, code: Optional[str]) -> None:
    problem = validate(value, schema, "p")
    assert (problem and problem["code"]) == code


@pytest.mark.parametrize("value, pattern, matches", [
    ("admin", USERNAME["pattern"], True),
    ("admin\n", USERNAME["pattern"], False),  # Python's (and PCRE's) $ matches before a final newline
    ("a\n", "^a$", False),
    ("xabcx", "abc", True),  # JSON Schema patterns search: unanchored stays unanchored
    ("abc\n", "abc", True),
    ("a$", r"^a\$$", True),  # an escaped $ is a dollar sign
    ("a$", "^a[$]$", True),  # so is one in a class
    ("a]$", "^a[]$]+$", True),  # a class opening with ]
    ("ab", "^a(b|$)", True),
    ("a\n", "^a(b|$)", False),
])
def test_patterns_match_as_json_schema_says(value: str, pattern: str, matches: bool) -> None:
    problem = validate(value, {"type": "string", "pattern": pattern}, "p")
    assert (problem is None) is matches


@pytest.mark.parametrize("value, schema, expected", [
    (str(2**53 + 1), INT, 2**53 + 1),  # through float it would be 2**53
    ("1e3", INT, 1000),
    (1e3, INT, 1000),
    ("7", {"type": "number"}, 7.0),
    (7, {"type": "number"}, 7),
])
def test_numbers_are_sanitized_exactly(value: Any, schema: dict, expected: Any) -> None:
    result = sanitize(value, schema)
    assert result == expected and type(result) is type(expected)


# -- WordPress's wording and order ---------------------------------------------------------

NUM = {"type": "number"}


@pytest.mark.parametrize("value, schema, message", [
    # bounds: WordPress's sentences, without a full stop
    (0, {"type": "integer", "minimum": 1}, "p must be greater than or equal to 1"),
    (1, {"type": "integer", "minimum": 1, "exclusiveMinimum": True}, "p must be greater than 1"),
    (9, {"type": "integer", "maximum": 5}, "p must be less than or equal to 5"),
    (5, {"type": "integer", "maximum": 5, "exclusiveMaximum": True}, "p must be less than 5"),
    (3, {"type": "integer", "minimum": 1, "maximum": 2}, "p must be between 1 (inclusive) and 2 (inclusive)"),
    (2, {"type": "integer", "minimum": 1, "maximum": 2, "exclusiveMaximum": True},
     "p must be between 1 (inclusive) and 2 (exclusive)"),
    (1, {"type": "integer", "minimum": 1, "maximum": 2, "exclusiveMinimum": True},
     "p must be between 1 (exclusive) and 2 (inclusive)"),
    (7, {"type": "integer", "multipleOf": 5}, "p must be a multiple of 5."),
    # lengths and counts, singular and plural
    ("", {"type": "string", "minLength": 1}, "p must be at least 1 character long."),
    ("a", {"type": "string", "minLength": 2}, "p must be at least 2 characters long."),
    ("ab", {"type": "string", "maxLength": 1}, "p must be at most 1 character long."),
    ("abc", {"type": "string", "maxLength": 2}, "p must be at most 2 characters long."),
    ([], {"type": "array", "minItems": 1}, "p must contain at least 1 item."),
    ([1, 2, 3], {"type": "array", "maxItems": 2}, "p must contain at most 2 items."),
    ({}, {"type": "object", "minProperties": 1}, "p must contain at least 1 property."),
    ({"a": 1, "b": 2}, {"type": "object", "maxProperties": 1}, "p must contain at most 1 property."),
    ({"a": 1, "b": 2, "c": 3}, {"type": "object", "maxProperties": 2}, "p must contain at most 2 properties."),
    # enums, WordPress list style
    ("x", {"type": "string", "enum": ["a"]}, "p is not a."),
    ("x", {"type": "string", "enum": ["gutenberg", "WordPress"]}, "p is not one of gutenberg and WordPress."),
    ("x", {"type": "string", "enum": ["a", "b", "c"]}, "p is not one of a, b, and c."),
    (3, {"type": "integer", "enum": [1, 2]}, "p is not one of 1 and 2."),
    # formats
    ("2016-06-30", {"type": "string", "format": "date-time"}, "Invalid date."),
    ("nope", {"type": "string", "format": "email"}, "Invalid email address."),
    ("red", {"type": "string", "format": "hex-color"}, "Invalid hex color."),
    ("300.1.1.1", {"type": "string", "format": "ip"}, "p is not a valid IP address."),
    ("0B0C0D0E-1111-4222-8333-444455556666", {"type": "string", "format": "uuid"}, "p is not a valid UUID."),
    # types
    ("15x", {"type": ["integer", "null"]}, "p is not of type integer,null."),
    ("", {"type": "null"}, "p is not of type null."),
    ("abc", {"type": "string", "pattern": "^[0-9]+$"}, "p does not match pattern ^[0-9]+$."),
    ({"a": 1}, {"type": "object", "required": ["b"]}, "b is a required property of p."),
    ({"x": 1}, {"type": "object", "additionalProperties": False}, "x is not a valid property of Object."),
    ({"x_1": "a"}, {"type": "object", "patternProperties": {"^x_": INT}}, "p[x_1] is not of type integer."),
    # anyOf / oneOf
    ([1], {"anyOf": [INT]}, "p does not match the expected format. Reason: p is not of type integer."),
    ([1], {"anyOf": [{"title": "Count", **INT}]}, "p is not a valid Count. Reason: p is not of type integer."),
    ([1], {"anyOf": [INT, {"type": "string"}]}, "p does not match any of the expected formats."),
    ([1], {"anyOf": [{"title": "A", **INT}, {"title": "B", "type": "string"}]}, "p is not a valid A and B."),
    (3, {"oneOf": [INT, NUM]}, "p matches more than one of the expected formats."),
    (3, {"oneOf": [{"title": "A", **INT}, {"title": "B", **NUM}]}, "p matches A and B, but should match only one."),
    # among object branches, the one sharing most property names with the value is reported
    ({"a": "x"}, {"anyOf": [{"type": "object", "properties": {"b": INT}, "additionalProperties": False},
                            {"type": "object", "properties": {"a": INT}}]},
     "p does not match the expected format. Reason: p[a] is not of type integer."),
])
def test_messages_read_like_wordpress(value: Any, schema: dict, message: str) -> None:
    problem = validate(value, schema, "p")
    assert problem is not None and problem["message"] == message


@pytest.mark.parametrize("value, schema, expected", [
    ("15", {"type": ["string", "integer"]}, "15"),  # tried in the order written
    ("15", {"type": ["integer", "string"]}, 15),
    ("", {"type": ["null", "string"]}, ""),        # "" is a string when it may be
    (None, {"type": ["integer", "null"]}, None),
    ("5", {"type": ["boolean", "integer"]}, 5),
    ("1", {"type": ["boolean", "integer"]}, True),
    ({"1": "a", "0": "b"}, {"type": "array"}, ["a", "b"]),  # PHP's numeric array (ids[1]=a&ids[0]=b)
    ([1, 2], {"type": "object"}, {"0": 1, "1": 2}),          # a PHP array is an object too
])
def test_type_lists_and_php_shapes(value: Any, schema: dict, expected: Any) -> None:
    assert validate(value, schema, "p") is None
    assert sanitize(value, schema) == expected


@pytest.mark.parametrize("value, schema", [
    ("", {"type": "null"}),
    ("", {"type": ["integer", "null"]}),
    ("0B0C0D0E-1111-4222-8333-444455556666", {"type": "string", "format": "uuid"}),
    ({"a": 1}, {"type": "array"}),
    ("x", {"type": "interger"}),  # a misspelt type lets nothing through (WordPress would)
])
def test_as_strict_as_wordpress(value: Any, schema: dict) -> None:
    assert validate(value, schema, "p") is not None


@pytest.mark.parametrize("value, schema, code", [
    # WordPress's order: items before their count, number keywords before integrality,
    # the type's keywords before enum, enum before format
    (["x"], {"type": "array", "items": INT, "minItems": 2}, "rest_invalid_type"),
    (1.5, {"type": "integer", "minimum": 2}, "rest_out_of_bounds"),
    ("abcdef", {"type": "string", "maxLength": 3, "enum": ["a"]}, "rest_too_long"),
    ("not-a-date", {"type": "string", "enum": ["b"], "format": "date-time"}, "rest_not_in_enum"),
    ({"a": "x"}, {"type": "object", "properties": {"a": INT}, "maxProperties": 0}, "rest_invalid_type"),
])
def test_checks_run_in_wordpress_order(value: Any, schema: dict, code: str) -> None:
    assert validate(value, schema, "p")["code"] == code  # type: ignore[index]
