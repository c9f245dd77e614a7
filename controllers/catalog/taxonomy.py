"""Course categories (a tree, with course counts) and tags."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core import (
    ADMIN,
    ALLOW_BATCH,
    CREATABLE,
    DELETABLE,
    EDITABLE,
    INSTRUCTOR,
    PUBLIC,
    READABLE,
    RestRequest,
    created,
    deleted,
    hookimpl,
)
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, InvalidParams, NotFound
from learnomy_core.openapi import ID, INT, STR, nullable, resource_schema
from learnomy_core.storage import inserted_id

from .access import ID_ARG, NAMESPACE, slugify, tables

TERM_ARGS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "slug": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 180},
}
CATEGORY_ARGS = {
    **TERM_ARGS,
    "description": {"type": "string", "maxLength": 5000},
    "parent_id": {"type": ["integer", "null"], "minimum": 1},
}


def _counts(request: RestRequest, link_name: str, column: str, ids: list[int]) -> dict[int, int]:
    """Published courses per term, in one query."""
    table = tables(request)
    link, courses = table(link_name), table("courses")
    rows: Any = request.db.execute(
        sa.select(link.c[column], sa.func.count()).join(courses, courses.c.id == link.c.course_id)
        .where(link.c[column].in_(ids), courses.c.status == "publish").group_by(link.c[column])
    ) if ids else []
    return {int(term): int(count) for term, count in rows}


def category_schema() -> dict[str, Any]:
    """A course category."""
    return resource_schema("course_category", {
        "id": ID, "name": STR, "slug": STR, "course_count": INT, "description": STR, "parent_id": nullable(INT),
    }, embed=("id", "name", "slug"))


def tag_schema() -> dict[str, Any]:
    """A course tag."""
    return resource_schema("course_tag", {"id": ID, "name": STR, "slug": STR, "course_count": INT},
                           embed=("id", "name", "slug"))


def _render(request: RestRequest, rows: list[Any], *, category: bool) -> list[dict[str, Any]]:
    link, column = ("course_category_links", "category_id") if category else ("course_tag_links", "tag_id")
    counts = _counts(request, link, column, [int(r.id) for r in rows])
    result = []
    for row in rows:
        term = {"id": int(row.id), "name": row.name, "slug": row.slug, "course_count": counts.get(int(row.id), 0)}
        if category:
            term.update(description=row.description, parent_id=int(row.parent_id) if row.parent_id else None)
        result.append(term)
    return result


def _unique_slug(request: RestRequest, table: sa.Table, wanted: str, term_id: int = 0) -> str:
    taken = request.db.execute(sa.select(table.c.id).where(table.c.slug == wanted, table.c.id != term_id)).first()
    if taken is not None:
        raise _slug_taken()
    return wanted


def _slug_taken() -> Conflict:
    return Conflict("Another term uses this slug.", code="learnomy_term_exists")


def _write_term(request: RestRequest, statement: Any) -> Any:
    """Run the insert or update of a term; a slug taken meanwhile by a racing request is a 409.

    The check above reads before writing; the unique key decides when two requests
    want one slug at the same moment (only the failed statement is undone).
    """
    try:
        return request.db.execute(statement)
    except sa.exc.IntegrityError:
        raise _slug_taken() from None


def _check_parent(request: RestRequest, table: sa.Table, parent_id: Any, term_id: int = 0) -> None:
    """The parent exists and is not the category itself or one of its descendants."""
    if parent_id is None:
        return
    seen, current = set(), parent_id
    while current is not None:
        if current == term_id or current in seen:
            raise InvalidParams(details=[{"param": "parent_id", "code": "rest_invalid_param",
                                          "message": "parent_id would make a loop."}])
        seen.add(current)
        row = request.db.execute(sa.select(table.c.parent_id).where(table.c.id == current)).first()
        if row is None:
            raise InvalidParams(details=[{"param": "parent_id", "code": "rest_invalid_param",
                                          "message": "parent_id names no category."}])
        current = int(row.parent_id) if row.parent_id else None


def _load(request: RestRequest, table: sa.Table) -> Any:
    row = request.db.execute(sa.select(table).where(table.c.id == request.params["id"])).first()
    if row is None:
        raise NotFound("Term not found.")
    return row


# -- categories ---------------------------------------------------------------------

def list_categories(request: RestRequest) -> Any:
    categories = tables(request)("course_categories")
    query = sa.select(categories)
    if "parent" in request.params:
        parent = request.params["parent"]
        query = query.where(categories.c.parent_id.is_(None) if parent == 0 else categories.c.parent_id == parent)
    return paginate(request, query, [(categories.c.name, False), (categories.c.id, False)],
                    lambda rows: _render(request, rows, category=True), bound_to=[request.params.get("parent")])


def create_category(request: RestRequest) -> Any:
    categories = tables(request)("course_categories")
    params = request.params
    _check_parent(request, categories, params.get("parent_id"))
    values = {"name": params["name"], "description": params.get("description", ""),
              "slug": _unique_slug(request, categories, params.get("slug") or slugify(params["name"])),
              "parent_id": params.get("parent_id")}
    new_id = inserted_id(_write_term(request, sa.insert(categories).values(**values)))
    row = request.db.execute(sa.select(categories).where(categories.c.id == new_id)).one()
    return created(_render(request, [row], category=True)[0], location=f"/{NAMESPACE}/course-categories/{new_id}")


def update_category(request: RestRequest) -> Any:
    categories = tables(request)("course_categories")
    row = _load(request, categories)
    params = request.params
    changes: dict[str, Any] = {k: params[k] for k in ("name", "description", "parent_id") if k in params}
    if "parent_id" in params:
        _check_parent(request, categories, params["parent_id"], int(row.id))
    if "slug" in params:
        changes["slug"] = _unique_slug(request, categories, params["slug"], int(row.id))
    if changes:
        _write_term(request, sa.update(categories).where(categories.c.id == row.id).values(**changes))
    fresh = request.db.execute(sa.select(categories).where(categories.c.id == row.id)).one()
    return _render(request, [fresh], category=True)[0]


def delete_category(request: RestRequest) -> Any:
    table = tables(request)
    categories, links = table("course_categories"), table("course_category_links")
    row = _load(request, categories)
    previous = _render(request, [row], category=True)[0]
    # As WordPress does: children move up to the deleted category's parent.
    request.db.execute(sa.update(categories).where(categories.c.parent_id == row.id).values(parent_id=row.parent_id))
    request.db.execute(sa.delete(links).where(links.c.category_id == row.id))
    request.db.execute(sa.delete(categories).where(categories.c.id == row.id))
    return deleted(previous)


# -- tags -----------------------------------------------------------------------------

def list_tags(request: RestRequest) -> Any:
    tags = tables(request)("course_tags")
    return paginate(request, sa.select(tags), [(tags.c.name, False), (tags.c.id, False)],
                    lambda rows: _render(request, rows, category=False))


def create_tag(request: RestRequest) -> Any:
    tags = tables(request)("course_tags")
    params = request.params
    slug = _unique_slug(request, tags, params.get("slug") or slugify(params["name"]))
    new_id = inserted_id(_write_term(request, sa.insert(tags).values(name=params["name"], slug=slug)))
    row = request.db.execute(sa.select(tags).where(tags.c.id == new_id)).one()
    return created(_render(request, [row], category=False)[0], location=f"/{NAMESPACE}/course-tags/{new_id}")


def delete_tag(request: RestRequest) -> Any:
    table = tables(request)
    tags, links = table("course_tags"), table("course_tag_links")
    row = _load(request, tags)
    previous = _render(request, [row], category=False)[0]
    request.db.execute(sa.delete(links).where(links.c.tag_id == row.id))
    request.db.execute(sa.delete(tags).where(tags.c.id == row.id))
    return deleted(previous)


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    required_name = {"name": {**TERM_ARGS["name"], "required": True}}
    register(NAMESPACE, "/course-categories", [
        {"methods": READABLE, "callback": list_categories, "permission_callback": PUBLIC, "public_cache": True,
         "args": {**LIST_ARGS, "parent": {"type": "integer", "minimum": 0,
                                          "description": "Children of this category; 0 for top level."}}},
        {"methods": CREATABLE, "callback": create_category, "allow_batch": ALLOW_BATCH, "permission_callback": ADMIN,
         "idempotent": True, "args": {**CATEGORY_ARGS, **required_name}},
    ], schema=category_schema)
    register(NAMESPACE, r"/course-categories/(?P<id>[\d]+)", [
        {"methods": EDITABLE, "callback": update_category, "allow_batch": ALLOW_BATCH, "permission_callback": ADMIN,
         "args": {**ID_ARG, **CATEGORY_ARGS}},
        {"methods": DELETABLE, "callback": delete_category, "allow_batch": ALLOW_BATCH, "permission_callback": ADMIN, "args": ID_ARG},
    ], schema=category_schema)
    register(NAMESPACE, "/course-tags", [
        {"methods": READABLE, "callback": list_tags, "permission_callback": PUBLIC, "public_cache": True,
         "args": LIST_ARGS},
        {"methods": CREATABLE, "callback": create_tag, "allow_batch": ALLOW_BATCH, "permission_callback": INSTRUCTOR,
         "idempotent": True, "args": {**TERM_ARGS, **required_name}},
    ], schema=tag_schema)
    register(NAMESPACE, r"/course-tags/(?P<id>[\d]+)", {
        "methods": DELETABLE, "callback": delete_tag, "allow_batch": ALLOW_BATCH, "permission_callback": ADMIN, "args": ID_ARG,
    }, schema=tag_schema)
