"""WordPress route regexes as werkzeug rules.

``/ns/v1/items/(?P<id>[\\d]+)`` becomes ``/ns/v1/items/<wp0:id>``, with one converter
class per distinct group regex, so that werkzeug's state machine does the matching
(its cost is path depth, not rule count). An unnamed group (``(?:red|blue)``, or
``(?:/(?P<id>[\\d]+))?`` with its quantifier) becomes a converter under a name that
never reaches the parameters; such a route reads its values with its whole regex.
Literal text between groups is matched lower-cased (matching is case-insensitive,
as in WordPress); regex outside a group is refused rather than read literally.
"""

from __future__ import annotations

import re

from werkzeug.routing import BaseConverter

__all__ = ["to_rule", "group_end"]

_ANONYMOUS = "_anon"  # werkzeug names for unnamed groups; never reach url_params
# Literal text between groups: URL characters, and escaped punctuation (``\-``).
# No quantifier or class outside a group (``/e/\d+``): it would be read literally.
_LITERAL = re.compile(r"(?:\\[^A-Za-z0-9]|[A-Za-z0-9_\-/.~:@!&',;=])*")
_QUANTIFIER = re.compile(r"(?:[?*+]|\{\d*(?:,\d*)?\})\??")


def to_rule(
    pattern: str,
    converters: dict[str, type[BaseConverter]],
    by_regex: dict[str, str],
) -> tuple[str, re.Pattern[str], bool]:
    """Turn ``/ns/v1/items/(?P<id>[\\d]+)`` into a werkzeug rule string.

    Each distinct group regex gets one converter class; the route's full regex
    (case-insensitive, like WordPress's ``preg_match('@^...$@i')``) is kept to
    re-read values in their original case. An unnamed group (with its quantifier,
    ``(?:/(?P<id>[\\d]+))?``) gets a converter too, under a name that never reaches
    the parameters: such a route reads its values with its whole regex.

    :returns: the rule string, the route's regex, and whether values must be
        re-read with it.
    """
    out: list[str] = []
    position = 0
    anonymous = 0
    while position < len(pattern):
        start = _next_group(pattern, position)
        literal = pattern[position:] if start < 0 else pattern[position:start]
        if not _LITERAL.fullmatch(literal):
            raise ValueError(
                "route regex outside groups is not supported; "
                "put every variable part in a group: (?P<name>...) or (?:...)"
            )
        out.append(re.sub(r"\\(.)", r"\1", literal).lower())
        if start < 0:
            break
        if pattern.startswith("(?P<", start):
            name_end = pattern.index(">", start)
            name = pattern[start + 4:name_end]
            if not name.isidentifier() or name.startswith(_ANONYMOUS):
                raise ValueError(f"group name {name!r} is not a valid identifier")
            end = group_end(pattern, name_end + 1)
            regex = pattern[name_end + 1:end]
            position = end + 1
        elif pattern.startswith("(?:", start) or not pattern.startswith("(?", start):
            end = group_end(pattern, start + 1)
            quantifier = _QUANTIFIER.match(pattern, end + 1)
            position = quantifier.end() if quantifier else end + 1
            regex = pattern[start:position]
            name = f"{_ANONYMOUS}{anonymous}"
            anonymous += 1
        else:
            raise ValueError(f"unsupported group {pattern[start:start + 4]!r}...; use (?P<name>...) or (?:...)")
        try:
            re.compile(regex)
        except re.error as exc:
            raise ValueError(f"invalid regex in group {name!r}: {exc}") from None
        converter = by_regex.get(regex)
        if converter is None:
            converter = by_regex[regex] = f"wp{len(by_regex)}"
            converters[converter] = type(
                f"WordPressGroup{len(by_regex)}",
                (BaseConverter,),
                {"regex": f"(?i:{regex})", "part_isolating": not _may_match_slash(regex)},
            )
        out.append(f"<{converter}:{name}>")
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"invalid route regex: {exc}") from None
    return "".join(out), compiled, anonymous > 0


def _next_group(pattern: str, position: int) -> int:
    """Index of the next unescaped ``(`` at or after ``position``, or -1."""
    index = position
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            return index
        index += 1
    return -1


def _may_match_slash(regex: str) -> bool:
    """Whether a group can span path segments (werkzeug then matches it across them)."""
    return "/" in regex or re.search(f"(?:{regex})", "/") is not None


def group_end(pattern: str, index: int) -> int:
    """Index of the parenthesis closing the group whose body starts at ``index``."""
    depth = 1
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    raise ValueError("unbalanced parentheses in route regex")
