"""Building envelope responses: what callbacks return.

A callback may return plain data (wrapped as ``{"data": ...}`` with 200) or one of
the helpers below::

    return created({"id": 7, ...}, location=f"/learnomy/v1/widgets/7")
    return listing(rows, total=120, cursor_next=cursor)
    return deleted(previous)
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

__all__ = ["RestResponse", "ok", "created", "listing", "deleted", "file", "trim_fields"]


class RestResponse:
    """A REST answer before serialisation; ``after_dispatch`` hooks may edit it.

    :ivar body: the JSON-able body (the whole envelope).
    :ivar status: the HTTP status.
    :ivar headers: extra headers.
    :ivar envelope: ``False`` for WordPress-shaped bodies (index, ``wp/v2``) that
        ``_fields`` must not reach into as ``data``.
    :ivar content_type: set for a body that is not JSON (``bytes``: a PDF).
    """

    __slots__ = ("body", "status", "headers", "envelope", "content_type")

    def __init__(
        self,
        body: Any,
        status: int = 200,
        headers: Optional[Mapping[str, str]] = None,
        *,
        envelope: bool = True,
        content_type: Optional[str] = None,
    ) -> None:
        self.body = body
        self.status = status
        self.headers = dict(headers or {})
        self.envelope = envelope
        self.content_type = content_type

    def __repr__(self) -> str:
        return f"<RestResponse {self.status}>"


def ok(data: Any, *, status: int = 200, headers: Optional[Mapping[str, str]] = None) -> RestResponse:
    """A single resource: ``{"data": data}``."""
    return RestResponse({"data": data}, status, headers)


def created(data: Any, *, location: str) -> RestResponse:
    """A created resource: 201 with ``Location`` (relative to the REST root)."""
    return RestResponse({"data": data}, 201, {"Location": location})


def listing(
    items: list[Any],
    *,
    total: int,
    cursor_next: Optional[str],
    meta: Optional[Mapping[str, Any]] = None,
    per_page: Optional[int] = None,
    next_url: Optional[str] = None,
) -> RestResponse:
    """A list page with ``meta.total`` and ``meta.cursor_next``, and WordPress's
    paging headers for clients that page by headers (node-wpapi, ``api-fetch``):
    ``X-WP-Total``, ``X-WP-TotalPages`` (with ``per_page``) and
    ``Link: <next_url>; rel="next"`` while there is a next page.

    :param per_page: the page size, for ``X-WP-TotalPages``.
    :param next_url: the absolute URL of the next page (the next cursor's).
    """
    body_meta = {"total": total, "cursor_next": cursor_next, **(meta or {})}
    headers = {"X-WP-Total": str(total)}
    if per_page:
        headers["X-WP-TotalPages"] = str(-(-total // per_page))
    if next_url and cursor_next:
        headers["Link"] = f'<{next_url}>; rel="next"'
    return RestResponse({"data": items, "meta": body_meta}, 200, headers)


def deleted(previous: Any) -> RestResponse:
    """A deletion: ``{"data": {"deleted": true, "previous": ...}}``."""
    return RestResponse({"data": {"deleted": True, "previous": previous}})


def file(content: bytes, content_type: str, filename: str) -> RestResponse:
    """A file download (a certificate PDF): the bytes as they are, with a filename."""
    return RestResponse(content, 200, {"Content-Disposition": f'attachment; filename="{filename}"'},
                        envelope=False, content_type=content_type)


def trim_fields(value: Any, fields: list[str]) -> Any:
    """Keep only ``fields`` (dotted paths reach into nested objects) of each object.

    >>> trim_fields({"id": 1, "author": {"name": "a", "email": "b"}, "x": 2}, ["id", "author.name"])
    {'id': 1, 'author': {'name': 'a'}}
    """
    if isinstance(value, list):
        return [trim_fields(item, fields) for item in value]
    if not isinstance(value, dict):
        return value
    tree: dict[str, Any] = {}
    for path in fields:
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is True:
                break
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = True
    return _apply_tree(value, tree)


def _apply_tree(value: Any, tree: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_apply_tree(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, sub in tree.items():
        if key in value:
            out[key] = value[key] if sub is True else _apply_tree(value[key], sub)
    return out
