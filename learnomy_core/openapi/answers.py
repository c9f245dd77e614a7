"""What an endpoint answers on success: the shape the OpenAPI document gives it.

Most endpoints never say: the method and the route decide (a ``GET`` with a
``cursor`` argument answers a list page, any other ``GET`` one resource, a
``DELETE`` the deletion, a ``POST`` to a collection a created resource, any other
write the resource). An endpoint that answers otherwise says so with its
``answers`` key, a shorthand or a mapping::

    {"methods": CREATABLE, "callback": enroll, ..., "answers": "created"}
    {"methods": READABLE, "callback": curriculum, ..., "answers": "items"}
    {"methods": READABLE, "callback": me, ..., "answers": {"envelope": False}}

Kept free of the rest of the package: the registry checks the key as it registers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

__all__ = ["Answers", "SHAPES", "parse_answers"]

SHAPES = ("item", "items", "list", "deleted", "file", "html")
"""``item``: ``{"data": resource}``; ``items``: ``{"data": [resource...]}``;
``list``: a page, ``{"data": [...], "meta": {...}}``; ``deleted``:
``{"data": {"deleted": true, "previous": resource}}``; ``file``: bytes (a PDF);
``html``: a page outside the envelope."""

_SHORTHANDS: dict[str, dict[str, Any]] = {
    **{shape: {"shape": shape} for shape in SHAPES},
    "created": {"shape": "item", "status": 201},
    "created_items": {"shape": "items", "status": 201},
}


@dataclass(frozen=True)
class Answers:
    """A success answer: its status, shape, and whether it is in the envelope.

    :ivar status: 200, 201 for a creation (then with ``Location``), 202 for work
        queued, or 207 for several answers in one (a batch).
    :ivar shape: one of :data:`SHAPES`.
    :ivar envelope: ``False`` for WordPress-shaped bodies (``wp/v2``): the
        resource itself rather than ``{"data": ...}``.
    :ivar media_type: the content type of a ``file`` or ``html`` answer.
    :ivar errors: error statuses it answers beyond those every route of its kind
        can (see :mod:`learnomy_core.openapi.document`): ``(402,)``.
    """

    status: int = 200
    shape: str = "item"
    envelope: bool = True
    media_type: Optional[str] = None
    errors: tuple[int, ...] = ()


def parse_answers(value: Any) -> Optional[Answers]:
    """The endpoint's ``answers`` key, checked; None when it has none.

    :raises ValueError: naming what is wrong.
    """
    if value is None:
        return None
    if isinstance(value, Answers):
        return value
    if isinstance(value, str):
        if value not in _SHORTHANDS:
            raise ValueError(f"unknown shorthand {value!r}; expected one of {sorted(_SHORTHANDS)}")
        value = _SHORTHANDS[value]
    if not isinstance(value, Mapping):
        raise ValueError(f"expected a shorthand or a mapping, not {value!r}")
    unknown = set(value) - {"status", "shape", "envelope", "media_type", "errors"}
    if unknown:
        raise ValueError(f"unknown key(s) {sorted(unknown)}")
    status = value.get("status", 200)
    shape = value.get("shape", "item")
    if status not in (200, 201, 202, 207):
        raise ValueError(f"'status' must be 200, 201, 202 (accepted: work queued) or 207 (multi-status), "
                         f"not {status!r}")
    if shape not in SHAPES:
        raise ValueError(f"'shape' must be one of {list(SHAPES)}, not {shape!r}")
    media_type = value.get("media_type")
    if media_type is None and shape in ("file", "html"):
        media_type = "application/octet-stream" if shape == "file" else "text/html"
    errors = value.get("errors", ())
    if not isinstance(errors, (list, tuple)) or not all(isinstance(e, int) and 400 <= e < 600 for e in errors):
        raise ValueError(f"'errors' must be a list of error statuses, not {errors!r}")
    return Answers(status, shape, bool(value.get("envelope", True)), media_type, tuple(errors))
