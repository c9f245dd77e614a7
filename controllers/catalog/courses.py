"""Course routes: the catalog list, CRUD, duplicate, curriculum, instructors.

Visibility: everyone sees published courses; editors (the course's instructors)
also their other statuses; administrators everything. A course the caller may not
see answers 404 ``learnomy_not_found``, in lists and by id.

Instructors: every editor may add a co-instructor; removing one is the owner's or
an administrator's (or the co-instructor's own, stepping down), and the owner
leaves only when an administrator names who takes over (:func:`remove_instructor`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import (
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
from learnomy_core.cursors import LIST_ARGS, binding_of, decode_cursor, page_version, paginate
from learnomy_core.errors import ApiError, Conflict, Forbidden, InvalidParams, NotFound, OwnerRemoval
from learnomy_core.events import emit
from learnomy_core.locks import lock_rows
from learnomy_core.openapi import BOOL, resource_schema
from learnomy_core.storage import built_once, first_compiled, insert_ignore, inserted_id
from learnomy_core.table_versions import lock_table_version, table_version

from .access import (
    CourseContext,
    COURSE_PURGED,
    ENROLLMENT_STATUS_FILTER,
    ID_ARG,
    LEVELS,
    NAMESPACE,
    PRICE_TYPES,
    STATUSES,
    editor_policy,
    load_course,
    lock_course,
    now,
    slugify,
    tables,
    visible_courses,
)
from .course_data import (
    course_schema,
    COURSE_ARGS,
    DEFAULTS,
    LINKS,
    check_course_body,
    clean_values,
    copy_rows,
    link_ids,
    new_course_values,
    render_courses,
    require_lessons_to_publish,
    set_links,
    with_unique_slug,
)
from .curriculum import curriculum_of, curriculum_schema
from .people import SUMMARY, user_summaries

COURSE = r"/courses/(?P<id>[\d]+)"
ORDERS = {"date": "created_at", "title": "title", "popularity": "student_count", "rating": "rating_average"}


# -- list and read ------------------------------------------------------------------

def _course_list(request: RestRequest) -> tuple[Any, list[tuple[Any, bool]], list[Any]]:
    """The list's filtered query, its order and what its cursors are bound to (built
    once per request: the validator and the list both use them)."""
    built: Optional[tuple[Any, list[tuple[Any, bool]], list[Any]]] = request.memo.get("course_list")
    if built is None:
        built = request.memo["course_list"] = _build_course_list(request)
    return built


def _build_course_list(request: RestRequest) -> tuple[Any, list[tuple[Any, bool]], list[Any]]:
    table = tables(request)
    courses = table("courses")
    params = request.params
    query = sa.select(courses).where(visible_courses(request, courses))
    status = params.get("status")
    query = query.where(courses.c.status == status) if status else query.where(courses.c.status != "trash")
    if params.get("search"):
        needle = "%" + params["search"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(courses.c.title.like(needle, escape="\\"), courses.c.excerpt.like(needle, escape="\\")))
    for field in ("level", "price_type"):
        if params.get(field):
            query = query.where(courses.c[field] == params[field])
    for param, link_name, column in (("category", "course_category_links", "category_id"),
                                     ("tag", "course_tag_links", "tag_id"),
                                     ("instructor", "course_instructors", "user_id")):
        if params.get(param):
            link = table(link_name)
            query = query.where(courses.c.id.in_(sa.select(link.c.course_id).where(link.c[column] == params[param])))
    descending = params["order"] == "desc"
    order = [(courses.c[ORDERS[params["orderby"]]], descending), (courses.c.id, descending)]
    filters = {k: params.get(k) for k in ("search", "category", "tag", "instructor", "level", "price_type",
                                          "status", "orderby", "order")}
    who = request.user.id if request.user is not None else None
    return query, order, [filters, who]


def list_courses(request: RestRequest) -> Any:
    query, order, bound_to = _course_list(request)
    return paginate(request, query, order, lambda rows: render_courses(request, rows), bound_to=bound_to)


def course_list_version(request: RestRequest) -> Optional[str]:
    """The course list's validator: the page's course ids and versions, and the total."""
    params, user = request.params, request.user
    if not any(params.get(name) for name in _FILTERS) and (user is None or not (user.is_admin or user.is_instructor)):
        return _catalog_page_version(request)
    query, order, bound_to = _course_list(request)
    return page_version(request, query, order, [tables(request)("courses").c.version], bound_to=bound_to)


_FILTERS = ("search", "category", "tag", "instructor", "level", "price_type", "status")


@built_once
def _catalog_page_query(courses: sa.Table, versions: sa.Table, column: str, descending: bool, after: bool,
                        rows: bool) -> sa.Select:
    """A page of the published catalog in one order (``after`` a cursor's key,
    ``lrn_k0``/``lrn_k1``), with the courses' table version (``catalog_0003``),
    built once: the sort key, the id and the version, and with ``rows`` the whole
    rows and the total (the list's, for a full read)."""
    visible = courses.c.status == "publish"
    ordered = [courses.c[column], courses.c.id]
    if rows:
        total = sa.select(sa.func.count()).select_from(courses).where(visible).scalar_subquery()
        shown = [*courses.c, total.label("lrn_total")]
    else:
        shown = [*ordered, courses.c.version]
    query = sa.select(*shown, table_version(versions, "lrn_courses").label("lrn_courses_version")).where(visible)
    if after:
        k0, k1 = sa.bindparam("lrn_k0", type_=ordered[0].type), sa.bindparam("lrn_k1", type_=ordered[1].type)
        lead, key = ordered
        beyond = (lambda c, k: c < k) if descending else (lambda c, k: c > k)
        # As keyset_page writes it: the bound on the lead column lets the index range-scan.
        query = query.where(lead <= k0 if descending else lead >= k0,
                            sa.or_(beyond(lead, k0), sa.and_(lead == k0, beyond(key, k1))))
    return (query.order_by(*[c.desc() if descending else c.asc() for c in ordered])
            .limit(sa.bindparam("lrn_limit")))


def _catalog_page_version(request: RestRequest) -> Optional[str]:
    """:func:`page_version` for the list's commonest form (a page of the published
    catalog, as a visitor or a student sees it) from a statement built once. What
    ``page_version`` reads, except the total: the courses' table version covers it
    (it rises whenever a course is added or removed or its status changes), one
    primary-key lookup where counting 10,000 courses cost most of a ``304``. When
    no ``304`` can follow, the same query reads the page's rows and the total, which
    it leaves for ``paginate``."""
    params, user = request.params, request.user
    per_page, column = params["per_page"], ORDERS[params["orderby"]]
    filters = {k: params.get(k) for k in (*_FILTERS, "orderby", "order")}
    binding = binding_of(request.route.pattern if request.route else "", request.url_params,
                         filters, user.id if user is not None else None)
    courses = tables(request)("courses")
    values: dict[str, Any] = {"lrn_limit": per_page + 1}
    after = None
    if params.get("cursor"):
        try:
            after = decode_cursor(request.app.secret_key, binding, params["cursor"])
            if after is None or len(after) != 2:
                return None
            lead = after[0]
            if isinstance(lead, str) and isinstance(courses.c[column].type, sa.DateTime):
                lead = datetime.fromisoformat(lead)
        except (InvalidParams, ValueError):
            return None  # the list answers its 400
        values.update(lrn_k0=lead, lrn_k1=after[1])
    # A full read follows: its rows come with the versions, one query for both.
    full = not request.may_revalidate
    statement = _catalog_page_query(courses, request.app.tables["lrn_table_versions"], column, params["order"] == "desc",
                                    after is not None, full)
    rows = request.db.execute(statement, values).all()
    if not rows or rows[0][-1] is None:
        return None  # an empty page, or nothing keeps the table version: the list answers as always
    if full:
        lead_at, id_at, version_at = (courses.c.keys().index(name) for name in (column, "id", "version"))
        request.memo[("page_total", binding)] = rows[0][-2]
    else:
        lead_at, id_at, version_at = 0, 1, 2
    table_changes, more, rows = rows[0][-1], len(rows) > per_page, rows[:per_page]
    last = rows[-1]
    next_key = [last[lead_at].isoformat() if hasattr(last[lead_at], "isoformat") else last[lead_at],
                last[id_at]] if more else None
    request.memo[("page_after", binding)] = after
    if full:
        request.memo[("page_rows", binding)] = (rows, next_key)
    else:
        request.memo[("page_keys", binding)] = ([row[id_at] for row in rows], next_key)
    keys = ";".join(f"{row[lead_at]},{row[id_at]},{row[version_at]}" for row in rows)
    return f"{table_changes}:{more}:{keys}"


@built_once
def _course_version_query(courses: sa.Table, teaching: Optional[sa.Table]) -> sa.Select:
    """The course's status and version, and whether the caller teaches it (with
    ``teaching``), built once. Not the row: a 304 needs none of it."""
    teaches = (sa.exists().where(teaching.c.course_id == courses.c.id, teaching.c.user_id == sa.bindparam("lrn_user"))
               if teaching is not None else sa.false())
    return (sa.select(courses.c.status, courses.c.version, teaches.label("lrn_teaches"))
            .where(courses.c.id == sa.bindparam("lrn_course")))


def course_version(request: RestRequest) -> Optional[str]:
    """The course read's validator: the course's version (links, instructors and
    counters included: see ``catalog_0002``), when the caller may see it."""
    table = tables(request)
    user = request.user
    course_id = request.params["id"]
    if user is None or user.is_admin:
        statement = _course_version_query(table("courses"), None)
        row = first_compiled(request.db, statement, {"lrn_course": course_id})
    else:
        statement = _course_version_query(table("courses"), table("course_instructors"))
        row = first_compiled(request.db, statement, {"lrn_course": course_id, "lrn_user": user.id})
    if row is None:
        return None
    status, version, teaches = row
    editor = user is not None and (user.is_admin or bool(teaches))
    if status != "publish" and not editor:
        return None  # the read answers 404: nothing to revalidate
    return f"course:{version}:{int(editor)}"


def get_course(request: RestRequest) -> Any:
    access = load_course(request, request.params["id"])
    return render_courses(request, [access.row], {access.id: access.instructor_ids})[0]


# -- write ---------------------------------------------------------------------------

def create_course(request: RestRequest) -> Any:
    params = request.params
    if params.get("status", "draft") not in ("draft", "pending"):
        raise InvalidParams(details=[{"param": "status", "code": "rest_invalid_param",
                                      "message": "A new course starts as draft or pending."}])
    check_course_body(request, {**DEFAULTS, **params}, None)
    table = tables(request)
    courses = table("courses")
    values = new_course_values(request, request.user.id)
    course_id = with_unique_slug(
        request.db, courses, params.get("slug") or slugify(params["title"]),
        lambda slug: inserted_id(request.db.execute(sa.insert(courses).values(**values, slug=slug))))
    request.db.execute(sa.insert(table("course_instructors")).values(
        course_id=course_id, user_id=request.user.id, added_at=values["created_at"]))
    set_links(request.db, request, course_id, params)
    course = _render_one(request, course_id)
    emit(request, "course.created", course)
    return created(course, location=f"/{NAMESPACE}/courses/{course_id}")


def _render_one(request: RestRequest, course_id: int) -> dict[str, Any]:
    courses = tables(request)("courses")
    return render_courses(request, [request.db.execute(sa.select(courses).where(courses.c.id == course_id)).one()])[0]


def update_course(request: RestRequest) -> Any:
    access = request.context_as(CourseContext).course
    params = request.params
    row = access.row
    merged = {**row._mapping, **params}
    check_course_body(request, merged, access.id)
    values = clean_values(params)
    courses = tables(request)("courses")
    publishing = params.get("status") == "publish" and row.status != "publish"
    if publishing:
        require_lessons_to_publish(request, access.id)
        if row.published_at is None:
            values["published_at"] = now()
    values["updated_at"] = now()

    def write(**slug: str) -> None:
        request.db.execute(sa.update(courses).where(courses.c.id == access.id).values(**values, **slug))

    if "slug" in params:
        with_unique_slug(request.db, courses, params["slug"], lambda slug: write(slug=slug), access.id)
    else:
        write()
    set_links(request.db, request, access.id, params)
    course = _render_one(request, access.id)
    emit(request, "course.updated", course)
    if publishing:
        emit(request, "course.published", course)
    return course


def delete_course(request: RestRequest) -> Any:
    access = request.context_as(CourseContext).course
    previous = _render_one(request, access.id)
    table = tables(request)
    courses, enrollments = table("courses"), table("enrollments")
    if not request.params["force"]:
        request.db.execute(sa.update(courses).where(courses.c.id == access.id)
                           .values(status="trash", updated_at=now()))
        emit(request, "course.deleted", previous)
        return deleted(previous)
    active = request.db.execute(sa.select(sa.func.count()).select_from(enrollments).where(
        enrollments.c.course_id == access.id, enrollments.c.status == "active")).scalar_one()
    if active and not request.user.is_admin:
        raise Conflict("The course has active enrollments; only an administrator may delete it.",
                       code="learnomy_course_has_enrollments")
    # The course's row, then the courses' table version, before any row goes: the
    # order a status change takes them in (its update, then the trigger's). Deleting
    # the course's row writes the version last, and a creation meanwhile writes it
    # first, then inserts where this deletes (each waited for the other).
    lock_course(request, access.id)
    lock_table_version(request.db, request.app.tables["lrn_table_versions"], "lrn_courses")
    # Every plugin deletes or detaches what it keeps for the course, in this
    # transaction (quizzes and attempts, reviews, positions, ...); then the catalog's own rows go.
    emit(request, COURSE_PURGED, previous)
    _delete_catalog_rows(request, access.id)
    emit(request, "course.deleted", previous)
    return deleted(previous)


def _delete_catalog_rows(request: RestRequest, course_id: int) -> None:
    """The course and the catalog rows that hang on it: curriculum, enrollments,
    completions, instructors, taxonomy links, prerequisites both ways."""
    table = tables(request)
    lessons = table("lessons")
    lesson_ids = sa.select(lessons.c.id).where(lessons.c.course_id == course_id)
    request.db.execute(sa.delete(table("topics")).where(table("topics").c.lesson_id.in_(lesson_ids)))
    for name in ("lessons", "sections", "enrollments", "completions", "course_instructors",
                 "course_category_links", "course_tag_links", "course_prerequisites"):
        item = table(name)
        request.db.execute(sa.delete(item).where(item.c.course_id == course_id))
    prerequisites = table("course_prerequisites")
    request.db.execute(sa.delete(prerequisites).where(prerequisites.c.prerequisite_id == course_id))
    request.db.execute(sa.delete(table("courses")).where(table("courses").c.id == course_id))


def duplicate_course(request: RestRequest) -> Any:
    access = request.context_as(CourseContext).course
    table = tables(request)
    db = request.db
    courses = table("courses")
    stamp = now()
    values = {k: v for k, v in access.row._mapping.items() if k not in ("id", "slug")}
    values.update(
        title=f"{access.row.title} (copy)"[:255], status="draft", author_id=request.user.id,
        student_count=0, rating_count=0, rating_sum=0, rating_average=0, created_at=stamp, updated_at=stamp,
        published_at=None,
    )
    new_id = with_unique_slug(db, courses, f"{access.row.slug}-copy", lambda slug: int(
        inserted_id(db.execute(sa.insert(courses).values(**values, slug=slug)))))
    db.execute(sa.insert(table("course_instructors")).values(course_id=new_id, user_id=request.user.id, added_at=stamp))
    links = link_ids(db, request, [access.id])
    set_links(db, request, new_id, {field: links[field][access.id] for field in LINKS})
    sections, lessons, topics = table("sections"), table("lessons"), table("topics")
    section_map = copy_rows(db, sections, list(db.execute(sa.select(sections).where(sections.c.course_id == access.id))),
                            lambda v: {**v, "course_id": new_id})
    old_lessons = list(db.execute(sa.select(lessons).where(lessons.c.course_id == access.id)))
    lesson_map = copy_rows(db, lessons, old_lessons,
                           lambda v: {**v, "course_id": new_id, "section_id": section_map[int(v["section_id"])]})
    if lesson_map:
        old_topics = list(db.execute(sa.select(topics).where(topics.c.lesson_id.in_(list(lesson_map)))))
        copy_rows(db, topics, old_topics, lambda v: {**v, "lesson_id": lesson_map[int(v["lesson_id"])]})
    course = _render_one(request, new_id)
    emit(request, "course.created", course)
    return created(course, location=f"/{NAMESPACE}/courses/{new_id}")


# -- curriculum, instructors ------------------------------------------------

def get_curriculum(request: RestRequest) -> Any:
    return curriculum_of(request, load_course(request, request.params["id"]))


def list_instructors(request: RestRequest) -> Any:
    access = load_course(request, request.params["id"])
    people = user_summaries(request, access.instructor_ids)
    return [{**people[i], "is_owner": i == int(access.row.author_id)} for i in access.instructor_ids if i in people]


def add_instructor(request: RestRequest) -> Any:
    access = request.context_as(CourseContext).course
    user_id = request.params["user_id"]
    store = request.app.identity.store
    row = store.get(request.db, user_id)
    if row is None or not store.from_row(row).is_instructor:
        raise InvalidParams(details=[{"param": "user_id", "code": "rest_invalid_param",
                                      "message": "user_id must name an instructor."}])
    # The link's primary key decides between two racing additions: the loser inserts
    # nothing and answers like a request that came second.
    if user_id in access.instructor_ids or not insert_ignore(request.db, tables(request)("course_instructors"), {
            "course_id": access.id, "user_id": user_id, "added_at": now()}):
        raise Conflict("This user already teaches the course.", code="learnomy_already_instructor")
    request.params["id"] = access.id
    emit(request, "course.updated", _render_one(request, access.id))
    return created(list_instructors(request), location=f"/{NAMESPACE}/courses/{access.id}/instructors")


def remove_instructor(request: RestRequest) -> Any:
    """Remove an instructor from a course.

    The owner (``author_id``) and administrators remove co-instructors; a
    co-instructor may remove only themselves (403 otherwise). The owner is
    removed only by an administrator who names ``new_owner_id``, one of the
    course's other instructors, to take the course over (403 for anyone else,
    409 ``learnomy_new_owner_required`` without it). The last instructor stays (409).
    """
    access = request.context_as(CourseContext).course
    user_id, new_owner = request.params["user_id"], request.params.get("new_owner_id")
    table = tables(request)
    courses, link = table("courses"), table("course_instructors")
    # Read under the course's lock: two removals at once cannot leave it without
    # an instructor, or owned by someone who no longer teaches it.
    owner = int(lock_rows(request.db, sa.select(courses.c.author_id).where(courses.c.id == access.id))[0][0])
    teaching = [int(r[0]) for r in lock_rows(request.db, sa.select(link.c.user_id).where(link.c.course_id == access.id))]
    if user_id not in teaching:
        raise NotFound("This user does not teach the course.")
    caller = request.user
    if user_id == owner:
        if not caller.is_admin:
            raise OwnerRemoval()
    elif not (caller.is_admin or caller.id in (owner, user_id)):
        raise Forbidden("Only the course owner or an administrator removes a co-instructor.")
    remaining = [i for i in teaching if i != user_id]
    if not remaining:
        raise Conflict("A course keeps at least one instructor.", code="learnomy_last_instructor")
    if user_id == owner and new_owner is None:
        raise Conflict("Name new_owner_id, one of the course's other instructors, to remove its owner.",
                       code="learnomy_new_owner_required")
    if new_owner is not None and (user_id != owner or new_owner not in remaining):
        raise InvalidParams(details=[{"param": "new_owner_id", "code": "rest_invalid_param", "message": (
            "new_owner_id must name another instructor of the course." if user_id == owner
            else "new_owner_id applies only when the owner is removed.")}])
    request.db.execute(sa.delete(link).where(link.c.course_id == access.id, link.c.user_id == user_id))
    if new_owner is not None:
        request.db.execute(sa.update(courses).where(courses.c.id == access.id).values(author_id=new_owner))
    previous = user_summaries(request, [user_id]).get(user_id, {"id": user_id})
    emit(request, "course.updated", _render_one(request, access.id))
    return deleted(previous)


def course_instructor_schema() -> dict[str, Any]:
    """An instructor of a course: who they are, and whether they own it."""
    return resource_schema("course_instructor", {**SUMMARY, "is_owner": BOOL}, embed=("id", "display_name"))


def removed_instructor_schema() -> dict[str, Any]:
    """An instructor removed from a course, as they were."""
    return resource_schema("removed_instructor", SUMMARY, required=("id",))


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    editor = editor_policy("course")
    register(NAMESPACE, "/courses", [
        {"methods": READABLE, "callback": list_courses, "permission_callback": PUBLIC, "public_cache": True,
         "validator": course_list_version, "args": {
             **LIST_ARGS,
             "search": {"type": "string", "maxLength": 200},
             "category": {"type": "integer", "minimum": 1},
             "tag": {"type": "integer", "minimum": 1},
             "instructor": {"type": "integer", "minimum": 1},
             "level": {"type": "string", "enum": list(LEVELS)},
             "price_type": {"type": "string", "enum": list(PRICE_TYPES)},
             "status": {"type": "string", "enum": list(STATUSES)},
             "orderby": {"type": "string", "enum": list(ORDERS), "default": "date"},
             "order": {"type": "string", "enum": ["asc", "desc"], "default": "desc"},
         }},
        {"methods": CREATABLE, "callback": create_course, "allow_batch": ALLOW_BATCH, "permission_callback": INSTRUCTOR,
         "idempotent": True, "args": {**COURSE_ARGS, "title": {**COURSE_ARGS["title"], "required": True}}},
    ], schema=course_schema)
    register(NAMESPACE, COURSE, [
        {"methods": READABLE, "callback": get_course, "permission_callback": PUBLIC, "public_cache": True,
         "validator": course_version, "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_course, "allow_batch": ALLOW_BATCH, "permission_callback": editor,
         "args": {**ID_ARG, **COURSE_ARGS}},
        {"methods": DELETABLE, "callback": delete_course, "allow_batch": ALLOW_BATCH, "permission_callback": editor,
         "args": {**ID_ARG, "force": {"type": "boolean", "default": False}}},
    ], schema=course_schema)
    register(NAMESPACE, f"{COURSE}/duplicate", {
        "methods": CREATABLE, "callback": duplicate_course, "permission_callback": editor, "args": ID_ARG,
        "idempotent": True, "answers": "created",
    }, schema=course_schema)
    register(NAMESPACE, f"{COURSE}/curriculum", {
        "methods": READABLE, "callback": get_curriculum, "permission_callback": PUBLIC, "args": ID_ARG,
        "answers": "items",
    }, schema=curriculum_schema)
    register(NAMESPACE, f"{COURSE}/instructors", [
        {"methods": READABLE, "callback": list_instructors, "permission_callback": PUBLIC, "args": ID_ARG,
         "answers": "items"},
        {"methods": CREATABLE, "callback": add_instructor, "permission_callback": editor,
         "args": {**ID_ARG, "user_id": {"type": "integer", "minimum": 1, "required": True}},
         "answers": "created_items"},
    ], schema=course_instructor_schema)
    register(NAMESPACE, rf"{COURSE}/instructors/(?P<user_id>[\d]+)", {
        "methods": DELETABLE, "callback": remove_instructor, "permission_callback": editor,
        "args": {**ID_ARG, "user_id": {"type": "integer", "minimum": 1},
                 "new_owner_id": {"type": "integer", "minimum": 1,
                                  "description": "Who takes the course over when its owner is removed."}},
    }, schema=removed_instructor_schema)
