"""Query strings and form bodies read the way PHP reads them, so WordPress clients work.

WordPress sees ``$_GET`` and ``$_POST`` as PHP builds them, and its clients send
parameters accordingly: node-wpapi and ``@wordpress/url`` write lists as
``ids[]=1&ids[]=2`` or ``ids[0]=1&ids[1]=2`` and maps as ``a[k]=v``::

    >>> php_params([("ids[]", "1"), ("ids[]", "2"), ("a[k]", "v"), ("n", "1"), ("n", "2")])
    {'ids': ['1', '2'], 'a': {'k': 'v'}, 'n': '2'}

PHP's rules, as ``php_register_variable_ex`` applies them: a repeated plain key
keeps the last value; ``[]`` appends; a key that is a canonical integer
(``0``, ``12``, ``-3``) is an integer key, so ``a[0]=x&a[1]=y`` is a list; a later
value replaces an earlier one of another shape (``a=1&a[]=2`` gives ``["2"]``);
leading spaces of a name are dropped and ``.`` and spaces before the first ``[``
become ``_``; a ``[`` that is never closed becomes ``_`` at the first level and
ends the name deeper down; text after a ``]`` that is not another ``[`` is
ignored; a name nested deeper than :data:`MAX_NESTING` is dropped whole. A PHP
array whose keys are exactly ``0..n-1`` in order becomes a list, any other a dict
with string keys (as JSON would show it).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Optional, Union

__all__ = ["php_params", "MAX_NESTING"]

MAX_NESTING = 64
"""PHP's ``max_input_nesting_level``: deeper names are dropped, as PHP drops them."""

_INTEGER_KEY = re.compile(r"-?[1-9][0-9]{0,18}|0")
_INT64 = (-(2**63), 2**63 - 1)
_SPECIAL = ("[", ".", " ")

Key = Union[int, str]


class _PhpArray(dict[Key, Any]):
    """An ordered PHP array: integer or string keys, and the next index ``[]`` takes."""

    __slots__ = ("next_index",)

    def __init__(self) -> None:
        super().__init__()
        self.next_index = 0

    def put(self, key: Optional[Key], value: Any) -> None:
        if key is None:
            key = self.next_index
        if isinstance(key, int) and key >= self.next_index:
            self.next_index = key + 1
        self[key] = value


def php_params(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Decoded ``(name, value)`` pairs, in order, as PHP's ``$_GET``/``$_POST``.

    :param pairs: what a query string or urlencoded body decodes to, repeats
        included (werkzeug's ``MultiDict.items(multi=True)``).
    :returns: top-level names to strings, lists and dicts.
    """
    pairs = list(pairs)
    plain: dict[str, Any] = {}
    for name, value in pairs:
        if any(char in name for char in _SPECIAL):
            break
        plain[name] = value  # the last one wins, as in PHP
    else:
        return plain
    top = _PhpArray()
    for name, value in pairs:
        _insert(top, name, value)
    return {str(key): _finish(value) for key, value in top.items()}


def _insert(top: _PhpArray, name: str, value: str) -> None:
    name = name.lstrip(" ")
    bracket = name.find("[")
    base = (name if bracket < 0 else name[:bracket]).replace(" ", "_").replace(".", "_")
    if not base:
        return  # PHP drops a variable without a name ("[a]=1", "=1")
    keys: list[Optional[str]] = []
    position = bracket
    while position >= 0:
        if len(keys) >= MAX_NESTING:
            return
        start = position + 1
        probe = start + 1 if name[start:start + 1] == " " else start
        if name[probe:probe + 1] == "]":
            keys.append(None)  # "[]" (or "[ ]"): the next index
            end = probe
        else:
            end = name.find("]", start)
            if end < 0:
                if not keys:
                    # Never closed at the first level: the "[" is part of the name.
                    rest = name[start:]
                    for char in _SPECIAL:
                        rest = rest.replace(char, "_")
                    base = f"{base}_{rest}"
                break  # deeper down, the unclosed part is dropped
            keys.append(name[start:end])
        position = end + 1 if name[end + 1:end + 2] == "[" else -1
    container: _PhpArray = top
    index: Optional[Key] = _key(base)
    for key in keys:
        child = container.get(index) if index is not None else None
        if not isinstance(child, _PhpArray):
            child = _PhpArray()
            container.put(index, child)
        container, index = child, (None if key is None else _key(key))
    container.put(index, value)


def _key(text: str) -> Key:
    """PHP's array key for ``text``: an int for a canonical 64-bit integer string."""
    if _INTEGER_KEY.fullmatch(text):
        number = int(text)
        if _INT64[0] <= number <= _INT64[1]:
            return number
    return text


def _finish(value: Any) -> Any:
    if not isinstance(value, _PhpArray):
        return value
    items = [(key, _finish(member)) for key, member in value.items()]
    if all(key == position for position, (key, _) in enumerate(items)):
        return [member for _, member in items]
    return {str(key): member for key, member in items}
