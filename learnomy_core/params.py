"""A request's parameters, as WordPress merges, validates and sanitizes them.

WordPress's order of sources, earlier winning: the JSON body, the form body, the
query string (both read as PHP reads them), the args' defaults; except that URL
parameters win over all (no ``?id=7`` overriding the path's id). A ``GET``,
``HEAD`` or ``OPTIONS`` body is never read. Then, for each arg: ``required``; a
field the caller may not write; its ``validate_callback``; its schema; and, once
every arg is valid, its ``sanitize_callback`` or the schema's sanitizing::

    request.params = parse_params(request, endpoint)   # the server does this

Problems are reported all at once, one detail per arg, naming the arg in
``param`` (a problem inside an array or object names its place in the message).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional

from .errors import ApiError, InvalidParams, MissingParams
from .schema import sanitize, validate

if TYPE_CHECKING:  # pragma: no cover
    from .registry import Endpoint
    from .request import RestRequest

__all__ = ["parse_params", "bad_param", "check_references", "reference_problems", "joined_problems"]


def parse_params(request: "RestRequest", endpoint: "Endpoint") -> dict[str, Any]:
    """Every parameter of ``request`` for ``endpoint``, merged, validated and sanitized.

    :raises MissingParams: required args are missing (each listed).
    :raises InvalidParams: args fail their callbacks or schemas (each listed).
    :raises ApiError: the body cannot be read (see ``RestRequest.body_params``).
    """
    json_params, form_params = request.body_params()  # none for GET, HEAD, OPTIONS
    # WordPress's order (JSON, form, query, defaults; earlier wins), except
    # that URL parameters win over all (no ?id=7 overriding the path's id).
    merged: dict[str, Any] = {}
    for name, schema in endpoint.args.items():
        if "default" in schema:
            merged[name] = schema["default"]
    merged.update(request.query_params)
    merged.update(form_params)
    merged.update(json_params)
    merged.update(request.url_params)
    merged.pop("_method", None)
    missing = [n for n, s in endpoint.args.items() if s.get("required") and n not in merged]
    if missing:
        raise MissingParams(
            f"Missing parameter(s): {', '.join(missing)}",
            details=[{"param": n, "code": "rest_missing_callback_param",
                      "message": f"{n} is required."} for n in missing],
        )
    problems = []
    done: set[str] = set()
    for name, schema in endpoint.args.items():
        if name not in merged:
            continue
        number = _plain_id(merged[name], schema)
        if number is not None:
            merged[name] = number
            done.add(name)
            continue
        problem = _writable(request, name, schema) or _validate_arg(request, name, merged[name], schema)
        if problem:
            problems.append(problem)
    if not problems:
        for name, schema in endpoint.args.items():
            if name in merged and name not in done:
                merged[name], problem = _sanitize_arg(request, name, merged[name], schema)
                if problem:
                    problems.append(problem)
    if problems:
        raise InvalidParams(
            f"Invalid parameter(s): {', '.join(p['param'] for p in problems)}", details=problems
        )
    return merged


_PLAIN_INTEGER_KEYS = frozenset(("type", "minimum", "maximum", "description"))


def _plain_id(value: Any, schema: Mapping[str, Any]) -> Optional[int]:
    """The common case done quickly (an id in the URL, on every request): a string of
    ASCII digits for a bare ``integer`` arg within its bounds is that integer, as
    validation and sanitization would make it. None: take the general path."""
    if (isinstance(value, str) and 0 < len(value) < 19 and value.isascii() and value.isdigit()
            and schema.get("type") == "integer" and _PLAIN_INTEGER_KEYS.issuperset(schema)):
        number = int(value)
        if number >= schema.get("minimum", number) and number <= schema.get("maximum", number):
            return number
    return None


def _writable(request: "RestRequest", name: str, schema: Mapping[str, Any]) -> Optional[dict[str, str]]:
    """Refuse, never silently drop, a field the caller may not write."""
    guard = schema.get("write_policy")
    if schema.get("readonly") or (guard is not None and not guard(request)):
        return {"param": name, "code": "rest_invalid_param", "message": f"{name} cannot be set by you."}
    return None


def _validate_arg(request: "RestRequest", name: str, value: Any, schema: Mapping[str, Any]) -> Optional[dict[str, str]]:
    """The arg's first problem, in WordPress's order: its ``validate_callback``, then
    the schema (WordPress's default sanitizer validates first).

    The schema is skipped only when the arg brings both a ``validate_callback`` and
    a ``sanitize_callback`` of its own, as in WordPress; an arg with a custom
    ``sanitize_callback`` alone is still validated against its schema (WordPress
    would not: what reaches a callback here has passed validation).
    """
    validator = schema.get("validate_callback")
    if validator is not None:
        try:
            answer = validator(value, request, name)
        except ApiError as exc:
            answer = exc
        if isinstance(answer, ApiError):
            return {"param": name, "code": answer.code, "message": answer.message}
        if answer is not None and not answer:  # False, 0, "": Python's "no"
            return {"param": name, "code": "rest_invalid_param", "message": "Invalid parameter."}
        if "sanitize_callback" in schema:
            return None
    return validate(value, schema, name)  # type: ignore[arg-type]


def _sanitize_arg(
    request: "RestRequest", name: str, value: Any, schema: Mapping[str, Any]
) -> tuple[Any, Optional[dict[str, str]]]:
    """The value the callback sees: the arg's ``sanitize_callback`` when it has one
    (a false one leaves the value as sent; one may return or raise an ``ApiError``
    to refuse it), else the schema's sanitization."""
    if "sanitize_callback" not in schema:
        return sanitize(value, schema), None  # type: ignore[arg-type]
    sanitizer = schema["sanitize_callback"]
    if not sanitizer:
        return value, None
    try:
        result = sanitizer(value, request, name)
    except ApiError as exc:
        result = exc
    if isinstance(result, ApiError):
        return value, {"param": name, "code": result.code, "message": result.message}
    return result, None


def bad_param(param: str, message: str, code: str = "rest_invalid_param") -> InvalidParams:
    """A 400 naming one argument (``rest_invalid_param`` unless ``code`` says otherwise)."""
    return InvalidParams(f"Invalid parameter(s): {param}", details=[{"param": param, "code": code, "message": message}])


def check_references(list_name: str, key: str, wanted: list[int], usable: set[int], message: str) -> None:
    """Refuse a list whose items name rows the caller may not use, or one row twice.

    ``wanted`` holds each item's ``key`` in the order sent (``steps[2].course_id``);
    every problem is answered at once and nothing is written.

    :param message: why an item outside ``usable`` is refused.
    :raises InvalidParams: listing each bad or repeated item.
    """
    problems = reference_problems(list_name, key, wanted, usable, message)
    if problems:
        raise InvalidParams(f"Invalid parameter(s): {list_name}", details=problems)


def reference_problems(list_name: str, key: str, wanted: list[int], usable: set[int],
                       message: str) -> list[dict[str, Any]]:
    """What :func:`check_references` refuses, as a list of error details (for a hook
    that answers its problems instead of raising them, such as
    ``learnomy_check_settings``); empty when all is well."""
    problems: list[dict[str, Any]] = []
    seen: set[int] = set()
    for index, value in enumerate(wanted):
        if value not in usable:
            problems.append({"param": f"{list_name}[{index}].{key}", "code": "rest_invalid_param",
                             "message": message})
        elif value in seen:
            problems.append({"param": f"{list_name}[{index}].{key}", "code": "rest_duplicate_param",
                             "message": "Each appears once."})
        seen.add(value)
    return problems


def joined_problems(answers: Iterable[Optional[list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """Every plugin's answer to a check hook (``learnomy_check_course``,
    ``learnomy_check_curriculum``, ``learnomy_check_settings``), joined into one
    list of error details, to refuse at once."""
    return [problem for answer in answers for problem in answer or []]
