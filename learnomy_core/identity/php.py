"""PHP's ``serialize`` and ``unserialize``, as WordPress stores arrays in meta and
option values (roles, capabilities, application passwords, session tokens)."""

from __future__ import annotations

from typing import Any, Optional

import phpserialize

__all__ = ["serialize_php", "unserialize_php"]


def serialize_php(value: Any) -> str:
    """PHP's ``serialize``, as WordPress writes meta and option values."""
    return phpserialize.dumps(value).decode("utf-8")


def unserialize_php(raw: Optional[str]) -> Any:
    """PHP's ``unserialize`` (lists come back as dicts keyed 0..n-1); None on garbage.

    A value holding a PHP object also answers None: nothing here may rewrite what
    it cannot read back whole.
    """
    if not raw:
        return None
    try:
        return phpserialize.loads(raw.encode("utf-8"), decode_strings=True)
    except (ValueError, EOFError, TypeError):
        return None
