"""Keyset pagination with opaque, tamper-evident cursors.

A cursor carries the sort key of the last row of a page, bound to the list's
filters and order, and signed with the site secret: a changed cursor, or one
presented to another list or filter set, is refused with 400. Pages are fetched
``WHERE (sort key) > (last key) ORDER BY sort key LIMIT n``, so page 1,000 costs
what page 1 costs, and rows inserted or deleted between pages are never skipped
or repeated::

    page = keyset_page(db, select(courses), [(courses.c.created_at, True), (courses.c.id, True)],
                       after=decode_cursor(secret, binding, params.get("cursor")), per_page=20)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .errors import InvalidParams

__all__ = ["encode_cursor", "decode_cursor", "keyset_page", "Page", "binding_of", "paginate", "page_version",
           "LIST_ARGS"]

_SIG_BYTES = 16


def binding_of(*parts: Any) -> str:
    """A stable digest of what a cursor is bound to (route, filters, order)."""
    raw = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def encode_cursor(secret: bytes, binding: str, values: Sequence[Any]) -> str:
    """An opaque cursor for the row whose sort key is ``values``."""
    payload = json.dumps([binding, list(values)], default=str, separators=(",", ":")).encode()
    signature = hmac.new(secret, payload, hashlib.sha256).digest()[:_SIG_BYTES]
    return base64.urlsafe_b64encode(signature + payload).rstrip(b"=").decode()


def decode_cursor(secret: bytes, binding: str, cursor: Optional[str]) -> Optional[list[Any]]:
    """The sort key in ``cursor``, or None for the first page.

    :raises InvalidParams: when the cursor was altered or belongs to another list.
    """
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        signature, payload = raw[:_SIG_BYTES], raw[_SIG_BYTES:]
        expected = hmac.new(secret, payload, hashlib.sha256).digest()[:_SIG_BYTES]
        if not hmac.compare_digest(signature, expected):
            raise ValueError("signature")
        bound, values = json.loads(payload)
        if bound != binding or not isinstance(values, list):
            raise ValueError("binding")
    except (ValueError, TypeError):
        raise InvalidParams(details=[{
            "param": "cursor",
            "code": "rest_invalid_param",
            "message": "cursor is invalid, altered, or belongs to another list or filter.",
        }]) from None
    return values


@dataclass
class Page:
    """One page of rows, and the sort key after which the next page starts."""

    rows: list[Any]
    next_key: Optional[list[Any]]


def keyset_page(
    connection: Connection,
    query: sa.Select,
    order: Sequence[tuple[sa.ColumnElement[Any], bool]],
    after: Optional[Sequence[Any]],
    per_page: int,
) -> Page:
    """Fetch the page of ``query`` after the sort key ``after``.

    :param order: ``(column, descending)`` pairs, ending with a unique column
        (the id) so the order is total; columns must not be NULL.
    :param after: the key from :func:`decode_cursor`, or None.
    :param per_page: rows per page.
    """
    if after is not None:
        if len(after) != len(order):
            raise InvalidParams(details=[{"param": "cursor", "code": "rest_invalid_param",
                                          "message": "cursor does not fit this list."}])
        query = query.where(_after(order, [_restore(c, v) for (c, _), v in zip(order, after)]))
    query = query.order_by(*[c.desc() if desc else c.asc() for c, desc in order]).limit(per_page + 1)
    rows = list(connection.execute(query))
    if len(rows) <= per_page:
        return Page(rows, None)
    rows = rows[:per_page]
    last = rows[-1]._mapping
    return Page(rows, [_jsonable(last[column]) for column, _ in order])


def _after(order: Sequence[tuple[sa.ColumnElement[Any], bool]], key: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``(a, b) > (x, y)`` expanded, honouring each column's direction."""
    clauses = []
    for index, (column, descending) in enumerate(order):
        beyond = column < key[index] if descending else column > key[index]
        equal = [order[i][0] == key[i] for i in range(index)]
        clauses.append(sa.and_(*equal, beyond))
    # The redundant bound on the leading column lets an index range-scan from the
    # cursor instead of filtering every row before it: page 1,000 costs page 1.
    lead, lead_descending = order[0]
    return sa.and_(lead <= key[0] if lead_descending else lead >= key[0], sa.or_(*clauses))


def _restore(column: sa.ColumnElement[Any], value: Any) -> Any:
    """Turn a cursor's JSON value back into the column's Python type."""
    if isinstance(value, str) and isinstance(column.type, sa.DateTime):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise InvalidParams(details=[{"param": "cursor", "code": "rest_invalid_param",
                                          "message": "cursor does not fit this list."}]) from None
    return value


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


LIST_ARGS: dict[str, dict[str, Any]] = {
    "per_page": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    "cursor": {"type": "string", "maxLength": 1024},
}
"""The ``per_page`` and ``cursor`` args every list endpoint takes."""


def paginate(
    request: Any,
    query: sa.Select,
    order: Sequence[tuple[sa.ColumnElement[Any], bool]],
    render: Callable[[list[Any]], list[Any]],
    *,
    bound_to: Sequence[Any] = (),
    meta: Optional[dict[str, Any]] = None,
) -> Any:
    """A list answer: count, one keyset page, the next cursor; two queries plus ``render``'s.

    The answer carries ``X-WP-Total``, ``X-WP-TotalPages`` and, while there is a
    next page, ``Link: <this URL with the next cursor>; rel="next"``.

    :param query: the filtered query (no ORDER BY or LIMIT).
    :param order: ``(column, descending)`` pairs ending with a unique column.
    :param render: turns the page's rows into resources (batch-load what it needs).
    :param bound_to: what else the cursor is bound to (filters, order, the caller).
    """
    from .response import listing

    binding = binding_of(request.route.pattern if request.route else "", request.url_params, *bound_to)
    secret = request.app.secret_key
    memo = getattr(request, "memo", {})
    after = memo[("page_after", binding)] if ("page_after", binding) in memo else decode_cursor(
        secret, binding, request.params.get("cursor"))
    per_page = request.params["per_page"]
    fetched = memo.pop(("page_rows", binding), None)
    found = memo.pop(("page_keys", binding), None)
    if fetched is not None:
        # The validator read this page's rows already (no 304 could follow), in this transaction.
        page = Page(*fetched)
    elif found is not None:
        # The validator walked this page already, in this transaction: fetch its rows by key.
        keys, next_key = found
        key_column = order[-1][0]
        rows = list(request.db.execute(query.where(key_column.in_(keys)))) if keys else []
        position = {key: index for index, key in enumerate(keys)}
        rows.sort(key=lambda row: position[row._mapping[key_column]])
        page = Page(rows, next_key)
    else:
        page = keyset_page(request.db, query, order, after, per_page)
    # COUNT(*) over the same FROM and WHERE: databases answer it from an index,
    # where counting a wrapped subquery makes them materialise the rows first.
    total = memo.pop(("page_total", binding), None)
    if total is None:
        total = request.db.execute(
            query.with_only_columns(sa.func.count(), maintain_column_froms=True).order_by(None)
        ).scalar_one()
    cursor = encode_cursor(secret, binding, page.next_key) if page.next_key else None
    next_url = request.url_with(cursor=cursor) if cursor else None
    return listing(render(page.rows), total=total, cursor_next=cursor, meta=meta, per_page=per_page, next_url=next_url)


def page_version(
    request: Any,
    query: sa.Select,
    order: Sequence[tuple[sa.ColumnElement[Any], bool]],
    versions: Sequence[sa.ColumnElement[Any]],
    *,
    bound_to: Sequence[Any] = (),
) -> Optional[str]:
    """A list's validator token (see ``validator`` in ``docs/plugins.md``): the
    page's keys and row ``versions``, whether a next page follows, and the total,
    in one query (the count rides along as a scalar subquery). Takes the same
    ``query``, ``order`` and ``bound_to`` as :func:`paginate`; None for a cursor
    :func:`paginate` would refuse (the route then answers its 400).

    When no ``304`` can follow (:attr:`RestRequest.may_revalidate`) that one query
    reads the page's rows themselves, which :func:`paginate` then hands to its
    ``render`` (each with one more column at the end, ``lrn_total``).

    The filters and page are in the request's query string, which the ETag covers.
    """
    binding = binding_of(request.route.pattern if request.route else "", request.url_params, *bound_to)
    full = not request.may_revalidate
    try:
        after = request.memo[("page_after", binding)] = decode_cursor(
            request.app.secret_key, binding, request.params.get("cursor"))
        total = query.with_only_columns(sa.func.count(), maintain_column_froms=True).order_by(None).scalar_subquery()
        keyed = (query.add_columns(total.label("lrn_total")) if full else
                 query.with_only_columns(*[column for column, _ in order], *versions, total.label("lrn_total"),
                                         maintain_column_froms=True))
        page = keyset_page(request.db, keyed, order, after, request.params["per_page"])
    except InvalidParams:
        return None
    if not page.rows:
        count = request.db.execute(
            query.with_only_columns(sa.func.count(), maintain_column_froms=True).order_by(None)).scalar_one()
        return f"empty:{count}"
    total_count = page.rows[0][-1]
    # Read in this transaction's snapshot: paginate reuses the count and the page (its
    # rows, or its keys: the order's last column, unique) rather than walk the index again.
    request.memo[("page_total", binding)] = total_count
    shown = [column for column, _ in order] + list(versions)
    if full:
        request.memo[("page_rows", binding)] = (page.rows, page.next_key)
        values = [[row._mapping[column] for column in shown] for row in page.rows]
    else:
        request.memo[("page_keys", binding)] = ([row[len(order) - 1] for row in page.rows], page.next_key)
        values = [row[:-1] for row in page.rows]
    keys = ";".join(",".join(str(value) for value in row) for row in values)
    return f"{total_count}:{page.next_key is not None}:{keys}"
