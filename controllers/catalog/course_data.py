"""Course resources: validating a course body, writing it, and rendering rows.

Shared by the course routes (``courses.py``) and anything that shows courses.
Rendering a page of courses costs four queries whatever its size: instructors,
categories, tags and prerequisites are loaded for all rows at once.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Optional, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from learnomy_core import RestRequest
from learnomy_core.errors import Conflict, InvalidParams
from learnomy_core.html import sanitize_html
from learnomy_core.openapi import ID, INT, NUM, STR, TIME, array_of, nullable, obj, resource_schema
from learnomy_core.params import joined_problems
from learnomy_core.storage import built_once, inserted_id

from .access import (
    DRIP_MODES,
    LEVELS,
    PRICE_TYPES,
    STATUSES,
    now,
    tables,
    visible_courses,
)

LINKS = {  # body field -> (link table, its column, target table)
    "category_ids": ("course_category_links", "category_id", "course_categories"),
    "tag_ids": ("course_tag_links", "tag_id", "course_tags"),
    "prerequisite_ids": ("course_prerequisites", "prerequisite_id", "courses"),
}
ID_LIST = {"type": "array", "items": {"type": "integer", "minimum": 1}, "uniqueItems": True, "maxItems": 100}
TEXT_LIST = {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 500}, "maxItems": 50}

COURSE_ARGS: dict[str, dict[str, Any]] = {
    "title": {"type": "string", "minLength": 1, "maxLength": 255},
    "slug": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 180},
    "excerpt": {"type": "string", "maxLength": 5000},
    "description": {"type": "string", "maxLength": 200000},
    "status": {"type": "string", "enum": list(STATUSES)},
    "level": {"type": "string", "enum": list(LEVELS)},
    "language": {"type": "string", "pattern": "^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*$", "maxLength": 20},
    "price_type": {"type": "string", "enum": list(PRICE_TYPES)},
    "price": {"type": "integer", "minimum": 0, "maximum": 100_000_000},
    "sale_price": {"type": ["integer", "null"], "minimum": 0, "maximum": 100_000_000},
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "duration_minutes": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
    "thumbnail_url": {"anyOf": [{"type": "string", "format": "uri", "maxLength": 500}, {"type": "string", "enum": [""]}]},
    "requirements": TEXT_LIST,
    "outcomes": TEXT_LIST,
    "max_students": {"type": "integer", "minimum": 0, "maximum": 10_000_000},
    "access_days": {"type": "integer", "minimum": 0, "maximum": 36500},
    "drip_mode": {"type": "string", "enum": list(DRIP_MODES)},
    "certificate_template_id": {"type": ["integer", "null"], "minimum": 1},
    "category_ids": ID_LIST,
    "tag_ids": ID_LIST,
    "prerequisite_ids": ID_LIST,
    # Derived or owned by the server: refused, never silently ignored.
    **{name: {"readonly": True} for name in (
        "author_id", "instructor_ids", "student_count", "rating", "created_at", "updated_at", "published_at",
    )},
}
DEFAULTS: dict[str, Any] = {
    "excerpt": "", "description": "", "status": "draft", "level": "all", "language": "en",
    "price_type": "free", "price": 0, "sale_price": None, "duration_minutes": 0, "thumbnail_url": "",
    "requirements": [], "outcomes": [], "max_students": 0, "access_days": 0, "drip_mode": "none",
    "certificate_template_id": None,
}
COLUMNS = [name for name in COURSE_ARGS if name not in LINKS and not COURSE_ARGS[name].get("readonly")]


def _bad(param: str, message: str, code: str = "rest_invalid_param") -> dict[str, str]:
    return {"param": param, "code": code, "message": message}


def check_course_body(request: RestRequest, merged: dict[str, Any], course_id: Optional[int]) -> None:
    """Cross-field and reference checks a schema cannot express; 400 listing each."""
    problems = []
    if merged["price_type"] == "paid" and merged["price"] <= 0:
        problems.append(_bad("price", "A paid course needs a price above zero."))
    if merged.get("sale_price") is not None and merged["sale_price"] > merged["price"]:
        problems.append(_bad("sale_price", "sale_price cannot exceed price."))
    table = tables(request)
    for field, (link_name, column, target) in LINKS.items():
        wanted = request.params.get(field)
        if not wanted:
            continue
        if field == "prerequisite_ids" and course_id in wanted:
            problems.append(_bad(field, "A course cannot be its own prerequisite."))
            continue
        target_table = table(target)
        query = sa.select(target_table.c.id).where(target_table.c.id.in_(wanted))
        if field == "prerequisite_ids":
            # Only courses the caller may know exist (or the course's own prerequisites
            # already): another instructor's draft answers as a missing id does.
            link = table(link_name)
            query = query.where(sa.or_(visible_courses(request, target_table), target_table.c.id.in_(
                sa.select(link.c[column]).where(link.c.course_id == (course_id or 0)))))
        found = {int(r[0]) for r in request.db.execute(query)}
        missing = [i for i in wanted if i not in found]
        if missing:
            problems.append(_bad(field, f"{field} names unknown ids: {missing}."))
    # What other areas own (a certificate template, ...) they check themselves.
    problems += joined_problems(request.app.plugins.hook.learnomy_check_course(
        request=request, course_id=course_id, values=merged))
    if problems:
        raise InvalidParams(details=problems)


_T = TypeVar("_T")
SLUG_ATTEMPTS = 50


def unique_slug(db: Connection, courses: sa.Table, wanted: str, course_id: Optional[int] = None,
                also_taken: Iterable[str] = ()) -> str:
    """``wanted``, or ``wanted-2``, ``-3``... as WordPress makes slugs unique."""
    base = wanted[:180]
    taken = {r[0] for r in db.execute(
        sa.select(courses.c.slug).where(courses.c.slug.like(f"{base}%"),
                                        courses.c.id != (course_id or 0)))}
    taken.update(also_taken)
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def with_unique_slug(db: Connection, courses: sa.Table, wanted: str, write: Callable[[str], _T],
                     course_id: Optional[int] = None) -> _T:
    """``write(slug)`` (an insert or update of course ``course_id``) under ``wanted`` or
    the first free ``wanted-N``, also when other requests want the same slug at once.

    Between looking and writing, a racing request may take the slug: the write then
    fails on the unique key (only that statement is undone, on SQLite and MySQL
    alike) and the next free slug is tried. The slugs that failed are remembered,
    as a REPEATABLE READ snapshot may not show the racer's row.
    """
    failed: set[str] = set()
    for _ in range(SLUG_ATTEMPTS):
        slug = unique_slug(db, courses, wanted, course_id, failed)
        try:
            return write(slug)
        except sa.exc.IntegrityError:
            failed.add(slug)
    raise Conflict("Too many courses want this slug at once; try again.", code="learnomy_slug_taken")


def clean_values(params: dict[str, Any]) -> dict[str, Any]:
    """Column values from validated params, HTML sanitized."""
    values = {name: params[name] for name in COLUMNS if name in params and name != "slug"}
    for field in ("description", "excerpt"):
        if field in values:
            values[field] = sanitize_html(values[field])
    return values


def set_links(db: Connection, request: RestRequest, course_id: int, params: dict[str, Any]) -> None:
    """Replace the course's categories, tags and prerequisites named in ``params``."""
    table = tables(request)
    for field, (link_name, column, _) in LINKS.items():
        if field not in params:
            continue
        link = table(link_name)
        db.execute(sa.delete(link).where(link.c.course_id == course_id))
        if params[field]:
            db.execute(sa.insert(link), [{"course_id": course_id, column: target} for target in params[field]])


def link_ids(db: Connection, request: RestRequest, course_ids: list[int]) -> dict[str, dict[int, list[int]]]:
    """``{field: {course_id: [ids]}}`` for every link table, one query each."""
    table = tables(request)
    result: dict[str, dict[int, list[int]]] = {}
    for field, (link_name, column, _) in LINKS.items():
        found: dict[int, list[int]] = {i: [] for i in course_ids}
        if course_ids:
            rows = db.execute(_links_query(table(link_name), column), {"lrn_ids": course_ids})
            for course_id, target in rows:
                found[int(course_id)].append(int(target))
        result[field] = found
    return result


@built_once
def _links_query(link: sa.Table, column: str) -> sa.Select:
    """A link table's targets for a list of courses, built once (every course answer reads four)."""
    return (sa.select(link.c.course_id, link.c[column])
            .where(link.c.course_id.in_(sa.bindparam("lrn_ids", expanding=True))).order_by(link.c[column]))


def _relation_ids(
    db: Connection, request: RestRequest, course_ids: list[int], *, with_instructors: bool,
) -> dict[str, dict[int, list[int]]]:
    """:func:`link_ids`, and with ``with_instructors`` the ``instructor_ids`` (in the
    order ``access.instructor_ids`` gives them), all in one query: one round trip
    where there were up to four."""
    table = tables(request)
    fields = [*LINKS, "instructor_ids"] if with_instructors else [*LINKS]
    result: dict[str, dict[int, list[int]]] = {field: {i: [] for i in course_ids} for field in fields}
    if course_ids:
        links = tuple((table(link_name), column) for link_name, column, _ in LINKS.values())
        statement = _relations_query(links, table("course_instructors") if with_instructors else None)
        for kind, course_id, target, _ in db.execute(statement, {"lrn_ids": course_ids}):
            result[fields[kind]][int(course_id)].append(int(target))
    return result


@built_once
def _relations_query(links: tuple[tuple[sa.Table, str], ...], teaching: Optional[sa.Table]) -> sa.CompoundSelect:
    """The link tables' targets (and with ``teaching`` the instructors, by when they
    were added) of a list of courses, built once: one round trip where there were
    four, on every course answer. ``lrn_kind`` numbers the parts in ``LINKS`` order."""
    ids: Any = sa.bindparam("lrn_ids", expanding=True)
    parts = [sa.select(sa.literal_column(str(kind)).label("lrn_kind"), link.c.course_id.label("course_id"),
                       link.c[column].label("target"), sa.null().label("lrn_order"))
             .where(link.c.course_id.in_(ids)) for kind, (link, column) in enumerate(links)]
    if teaching is not None:
        parts.append(sa.select(sa.literal_column(str(len(links))), teaching.c.course_id, teaching.c.user_id,
                               teaching.c.added_at).where(teaching.c.course_id.in_(ids)))
    return sa.union_all(*parts).order_by(*map(sa.literal_column, ("lrn_kind", "lrn_order", "target")))


def render_courses(
    request: RestRequest, rows: Iterable[Any], instructors: Optional[dict[int, list[int]]] = None,
) -> list[dict[str, Any]]:
    """Course resources for rows of ``lrn_courses``, relations batch-loaded (one query).

    :param instructors: instructor ids by course when the caller loaded them already.
    """
    rows = list(rows)
    ids = [int(r.id) for r in rows]
    links = _relation_ids(request.db, request, ids, with_instructors=instructors is None)
    found = links.pop("instructor_ids", None)
    instructors = instructors if instructors is not None else found or {}
    return [course_resource(row, instructors[int(row.id)], {f: links[f][int(row.id)] for f in LINKS})
            for row in rows]


def course_schema() -> dict[str, Any]:
    """The course resource (RESOURCES.md), as ``course_resource`` renders it."""
    ids = array_of(INT)
    return resource_schema("course", {
        "id": ID, "title": STR, "slug": STR, "excerpt": STR, "description": STR,
        "status": {"type": "string", "enum": list(STATUSES)}, "author_id": INT,
        "instructor_ids": ids, "category_ids": ids, "tag_ids": ids,
        "level": {"type": "string", "enum": list(LEVELS)}, "language": STR,
        "price_type": {"type": "string", "enum": list(PRICE_TYPES)}, "price": INT, "sale_price": nullable(INT),
        "currency": STR, "duration_minutes": INT, "thumbnail_url": STR,
        "requirements": array_of(STR), "outcomes": array_of(STR), "max_students": INT, "access_days": INT,
        "prerequisite_ids": ids, "drip_mode": {"type": "string", "enum": list(DRIP_MODES)},
        "certificate_template_id": nullable(INT), "student_count": INT,
        "rating": obj({"average": NUM, "count": INT}, required=("average", "count")),
        "created_at": TIME, "updated_at": TIME, "published_at": nullable(TIME),
    }, embed=("id", "title", "slug", "excerpt", "status", "thumbnail_url"))


def course_resource(row: Any, instructors: list[int], links: dict[str, list[int]]) -> dict[str, Any]:
    return {
        "id": int(row.id), "title": row.title, "slug": row.slug, "excerpt": row.excerpt,
        "description": row.description, "status": row.status, "author_id": int(row.author_id),
        "instructor_ids": instructors, "category_ids": links["category_ids"], "tag_ids": links["tag_ids"],
        "level": row.level, "language": row.language, "price_type": row.price_type, "price": row.price,
        "sale_price": row.sale_price, "currency": row.currency, "duration_minutes": row.duration_minutes,
        "thumbnail_url": row.thumbnail_url, "requirements": row.requirements or [],
        "outcomes": row.outcomes or [], "max_students": row.max_students, "access_days": row.access_days,
        "prerequisite_ids": links["prerequisite_ids"], "drip_mode": row.drip_mode,
        "certificate_template_id": row.certificate_template_id, "student_count": row.student_count,
        "rating": {"average": round(row.rating_average / 100, 2), "count": row.rating_count},
        "created_at": row.created_at, "updated_at": row.updated_at, "published_at": row.published_at,
    }


def require_lessons_to_publish(request: RestRequest, course_id: int) -> None:
    lessons = tables(request)("lessons")
    if request.db.execute(sa.select(lessons.c.id).where(lessons.c.course_id == course_id).limit(1)).first() is None:
        raise Conflict("A course needs at least one lesson before it is published.", code="learnomy_course_empty")


def new_course_values(request: RestRequest, author_id: int) -> dict[str, Any]:
    """Every column of a new course from the params and defaults."""
    stamp = now()
    currency = request.app.settings.get(request.db, "general.currency")
    return {
        **DEFAULTS, "currency": currency, **clean_values(request.params), "author_id": author_id,
        "student_count": 0, "rating_count": 0, "rating_sum": 0, "rating_average": 0,
        "created_at": stamp, "updated_at": stamp, "published_at": None,
    }


def copy_rows(db: Connection, table: sa.Table, rows: list[Any], change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[int, int]:
    """Insert copies of ``rows`` (new ids); old id -> new id."""
    mapping = {}
    for row in rows:
        values = {k: v for k, v in row._mapping.items() if k != "id"}
        mapping[int(row.id)] = inserted_id(db.execute(sa.insert(table).values(**change(values))))
    return mapping
