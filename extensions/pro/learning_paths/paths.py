"""Learning paths: ordered courses, some optional; enrolling; progress through the path.

Decisions (docs/pro/learning-paths.md):

- A path is its author's (an instructor) to edit, and administrators'. Drafts are
  seen only by them (404 for anyone else); published paths by everyone.
- Steps may name published courses, or courses the caller edits.
- Enrolling (``POST /learning-paths/{id}/enroll``) records the caller's place in
  the path and enrolls them in each step's course they may take without paying,
  through the Free ``learning.enroll`` (source ``free``, or the source a plugin's
  ``learnomy_course_entitlement`` answers for a course that is not free: a
  membership). Courses to buy are not enrolled: the answer lists them with their
  prices and the checkout request that buys them. Courses whose prerequisites are
  unmet are enrolled later, when a course completed meets them. Enrolling again
  is harmless and picks up steps added since; ``path.enrolled`` is sent once.
- Progress comes from the courses' own progress: a step's percent is its
  enrollment's (100 once completed); the path's percent is the mean over the
  steps that count, the required ones (or all, when every step is optional). The
  path is completed, once, when every step that counts is: ``path.completed``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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
    Policy,
    RestRequest,
    created,
    deleted,
)
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import ApiError, Conflict, Forbidden, NotEnrolled, NotFound
from learnomy_core.events import emit
from learnomy_core.html import sanitize_html
from learnomy_core.locks import lock_rows
from learnomy_core.openapi import BOOL, ID, INT, STR, TIME, array_of, nullable, obj, route_schema
from learnomy_core.params import bad_param, check_references
from learnomy_core.storage import insert_ignore
from learnomy.controllers.catalog import ID_ARG, live_enrollment, now, unmet_prerequisites
from learnomy.controllers.catalog import tables as free_tables
from learnomy.controllers.learning import enroll

from .tables import tables

NAMESPACE = "learnomy-pro/v1"
FREE_NAMESPACE = "learnomy/v1"
STATUSES = ("draft", "publish")
MAX_STEPS = 100
# What enrolling did with each step's course.
OUTCOMES = ("enrolled", "already_enrolled", "payment_required", "prerequisites_unmet", "course_full", "unavailable")
STEP_STATUSES = ("not_enrolled", "not_started", "in_progress", "completed")



def slugify(text: str) -> str:
    """Lower case ASCII words joined by hyphens, as WordPress's ``sanitize_title``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:180] or "path"


# -- rendering ------------------------------------------------------------------------

STEP = obj({"course_id": INT, "position": INT, "optional": BOOL,
            "course": nullable(obj({"id": INT, "title": STR, "price_type": STR}))},
           required=("course_id", "position", "optional"))
PATH_SCHEMA = route_schema("pro_learning_path", {
    "id": ID, "title": STR, "slug": STR, "description": STR, "status": {"type": "string", "enum": list(STATUSES)},
    "author_id": INT, "steps": array_of(STEP), "created_at": TIME, "updated_at": TIME,
}, embed=("id", "title", "slug", "status"))
CHECKOUT = obj({
    "route": STR, "method": STR,
    "items": array_of(obj({"type": STR, "id": INT}, required=("type", "id"))),
    "courses": array_of(obj({"course_id": INT, "title": STR, "price_type": STR, "price": INT,
                             "sale_price": nullable(INT), "currency": STR})),
}, required=("route", "method", "items", "courses"))
ENROLLMENT_SCHEMA = route_schema("pro_learning_path_enrollment", {
    "path_id": INT, "user_id": INT, "enrolled_at": TIME, "completed_at": nullable(TIME), "newly_enrolled": BOOL,
    "courses": array_of(obj({"course_id": INT, "result": {"type": "string", "enum": list(OUTCOMES)},
                             "enrollment_id": nullable(INT)}, required=("course_id", "result"))),
    "checkout": nullable(CHECKOUT),
})
PROGRESS_SCHEMA = route_schema("pro_learning_path_progress", {
    "path_id": INT, "percent": {"type": "integer", "minimum": 0, "maximum": 100},
    "steps": array_of(obj({"course_id": INT, "optional": BOOL,
                           "status": {"type": "string", "enum": list(STEP_STATUSES)},
                           "percent": {"type": "integer", "minimum": 0, "maximum": 100}},
                          required=("course_id", "optional", "status", "percent"))),
    "enrolled_at": TIME, "completed_at": nullable(TIME),
})


def steps_of(request: RestRequest, path_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each path's steps in order, with their courses (published ones named), one query."""
    steps, courses = tables(request)["steps"], free_tables(request)("courses")
    found: dict[int, list[dict[str, Any]]] = {path_id: [] for path_id in path_ids}
    if not path_ids:
        return found
    rows = request.db.execute(
        sa.select(steps, courses.c.title, courses.c.status, courses.c.price_type)
        .outerjoin(courses, courses.c.id == steps.c.course_id)
        .where(steps.c.path_id.in_(path_ids)).order_by(steps.c.path_id, steps.c.position))
    for r in rows:
        course = ({"id": int(r.course_id), "title": r.title, "price_type": r.price_type}
                  if r.status == "publish" else None)
        found[int(r.path_id)].append({"course_id": int(r.course_id), "position": int(r.position),
                                      "optional": bool(r.optional), "course": course})
    return found


def render_paths(request: RestRequest, rows: list[Any]) -> list[dict[str, Any]]:
    steps = steps_of(request, [int(r.id) for r in rows])
    return [{"id": int(r.id), "title": r.title, "slug": r.slug, "description": r.description, "status": r.status,
             "author_id": int(r.author_id), "steps": steps[int(r.id)], "created_at": r.created_at,
             "updated_at": r.updated_at} for r in rows]


# -- who may do what ---------------------------------------------------------------------

@dataclass
class PathContext:
    """What the path policies loaded: ``request.context_as(PathContext)``.

    :ivar path: the path's row.
    :ivar editor: the caller edits it (its author, or an administrator).
    """

    path: Any
    editor: bool


def load_path(request: RestRequest, path_id: int) -> PathContext:
    """The path, if the caller may know it exists (published, or theirs to edit); 404 otherwise."""
    paths = tables(request)["paths"]
    row = request.db.execute(sa.select(paths).where(paths.c.id == path_id)).first()
    user = request.user
    editor = user is not None and (user.is_admin or int(row.author_id) == user.id) if row is not None else False
    if row is None or not (row.status == "publish" or editor):
        raise NotFound("Learning path not found.")
    return PathContext(row, editor)


def path_policy(name: str, *, editors_only: bool, login: bool = True) -> Policy:
    """Whoever may see the path; with ``editors_only``, only its editors (403 for others who see it)."""

    def check(request: RestRequest) -> bool:
        context = request.context = load_path(request, request.params["id"])
        return context.editor or not editors_only

    return Policy(name, check, requires_login=login)


# -- paths --------------------------------------------------------------------------------

def visible(request: RestRequest, paths: sa.Table) -> Any:
    """Published paths, and the caller's own; administrators all."""
    user = request.user
    if user is not None and user.is_admin:
        return sa.true()
    if user is not None:
        return sa.or_(paths.c.status == "publish", paths.c.author_id == user.id)
    return paths.c.status == "publish"


def list_paths(request: RestRequest) -> Any:
    paths = tables(request)["paths"]
    query = sa.select(paths).where(visible(request, paths))
    status = request.params.get("status")
    if status:
        query = query.where(paths.c.status == status)
    user_id = request.user.id if request.user is not None else None
    return paginate(request, query, [(paths.c.id, True)], lambda rows: render_paths(request, rows),
                    bound_to=[status, user_id])


def _one(request: RestRequest, path_id: int) -> dict[str, Any]:
    paths = tables(request)["paths"]
    return render_paths(request, [request.db.execute(sa.select(paths).where(paths.c.id == path_id)).one()])[0]


def _claim_slug(request: RestRequest, wanted: str, values: dict[str, Any]) -> int:
    """Insert the path under ``wanted`` or the first free ``wanted-N``; its id.

    Each try is an ``INSERT`` the unique key may refuse, so two paths of one
    title created at once each get their own slug.
    """
    paths = tables(request)["paths"]
    taken = {r[0] for r in request.db.execute(sa.select(paths.c.slug).where(
        sa.or_(paths.c.slug == wanted, paths.c.slug.like(f"{wanted}-%"))))}
    number = 1
    while True:
        slug = wanted if number == 1 else f"{wanted}-{number}"
        number += 1
        if slug in taken:
            continue
        if insert_ignore(request.db, paths, {**values, "slug": slug}):
            return int(request.db.execute(sa.select(paths.c.id).where(paths.c.slug == slug)).scalar_one())


def create_path(request: RestRequest) -> Any:
    params = request.params
    stamp = now()
    values = {"title": params["title"].strip(), "description": sanitize_html(params.get("description") or ""),
              "status": params["status"], "author_id": request.user.id, "created_at": stamp, "updated_at": stamp}
    new_id = _claim_slug(request, params.get("slug") or slugify(values["title"]), values)
    path = _one(request, new_id)
    emit(request, "path.created", path)
    return created(path, location=f"/{NAMESPACE}/learning-paths/{new_id}")


def get_path(request: RestRequest) -> Any:
    return _one(request, int(request.context_as(PathContext).path.id))


def update_path(request: RestRequest) -> Any:
    row = request.context_as(PathContext).path
    params = request.params
    values: dict[str, Any] = {}
    if "title" in params:
        values["title"] = params["title"].strip()
    if "description" in params:
        values["description"] = sanitize_html(params["description"] or "")
    if "status" in params:
        values["status"] = params["status"]
    paths = tables(request)["paths"]
    if "slug" in params and params["slug"] != row.slug:
        try:
            request.db.execute(sa.update(paths).where(paths.c.id == row.id).values(slug=params["slug"]))
        except sa.exc.IntegrityError:
            raise Conflict("Another learning path has this slug.", code="learnomy_slug_taken") from None
    if values:
        request.db.execute(sa.update(paths).where(paths.c.id == row.id).values(**values, updated_at=now()))
    path = _one(request, int(row.id))
    emit(request, "path.updated", path)
    return path


def delete_path(request: RestRequest) -> Any:
    row = request.context_as(PathContext).path
    t = tables(request)
    # Locked first: of two deletions at once, the second finds no path and answers 404.
    if not lock_rows(request.db, sa.select(t["paths"].c.id).where(t["paths"].c.id == row.id)):
        raise NotFound("Learning path not found.")
    previous = _one(request, int(row.id))
    # The courses' own enrollments stay: the student keeps what they were enrolled in.
    request.db.execute(sa.delete(t["steps"]).where(t["steps"].c.path_id == row.id))
    request.db.execute(sa.delete(t["enrollments"]).where(t["enrollments"].c.path_id == row.id))
    request.db.execute(sa.delete(t["paths"]).where(t["paths"].c.id == row.id))
    emit(request, "path.deleted", previous)
    return deleted(previous)


def put_steps(request: RestRequest) -> Any:
    row = request.context_as(PathContext).path
    entries = request.params["steps"]
    wanted = [int(e["course_id"]) for e in entries]
    free = free_tables(request)
    courses, teachers = free("courses"), free("course_instructors")
    user = request.user
    usable: set[int] = set()
    if wanted:
        query = sa.select(courses.c.id).where(courses.c.id.in_(wanted))
        if not user.is_admin:
            query = query.where(sa.or_(courses.c.status == "publish", courses.c.id.in_(
                sa.select(teachers.c.course_id).where(teachers.c.user_id == user.id))))
        usable = {int(r[0]) for r in request.db.execute(query)}
    check_references("steps", "course_id", wanted, usable,
                     "course_id names no published course, nor one you edit.")
    t = tables(request)
    # Two editors saving at once: one after the other, never a mix of both.
    lock_rows(request.db, sa.select(t["paths"]).where(t["paths"].c.id == row.id))
    request.db.execute(sa.delete(t["steps"]).where(t["steps"].c.path_id == row.id))
    if entries:
        request.db.execute(sa.insert(t["steps"]), [
            {"path_id": int(row.id), "course_id": int(e["course_id"]), "position": index,
             "optional": bool(e.get("optional", False))} for index, e in enumerate(entries)])
    request.db.execute(sa.update(t["paths"]).where(t["paths"].c.id == row.id).values(updated_at=now()))
    path = _one(request, int(row.id))
    emit(request, "path.updated", path)
    return path


# -- enrolling ------------------------------------------------------------------------------

def enroll_in_courses(request: RestRequest, user_id: int, course_ids: list[int]) -> list[dict[str, Any]]:
    """Enroll the user in each course they may take without paying; what became of each.

    Through the Free ``learning.enroll``, as self-enrollment does: published
    courses only, prerequisites met, the course's seat limit kept, and for a
    course that is not free the enrollment ``source`` a plugin's
    ``learnomy_course_entitlement`` answers (a membership), else ``payment_required``.
    """
    free = free_tables(request)
    courses = free("courses")
    rows = {int(r.id): r for r in request.db.execute(sa.select(courses).where(courses.c.id.in_(course_ids)))} \
        if course_ids else {}
    outcomes = []
    for course_id in course_ids:
        course = rows.get(course_id)
        outcome: dict[str, Any] = {"course_id": course_id, "result": "unavailable", "enrollment_id": None}
        outcomes.append(outcome)
        if course is None or course.status != "publish":
            continue
        existing = live_enrollment(request.db, free, user_id, course_id)
        if existing is not None:
            outcome.update(result="already_enrolled", enrollment_id=int(existing.id))
            continue
        source: Optional[str] = "free"
        if course.price_type != "free":
            source = request.app.plugins.hook.learnomy_course_entitlement(
                request=request, user_id=user_id, course=course)
        if source is None:
            outcome["result"] = "payment_required"
            continue
        if unmet_prerequisites(request.db, free, user_id, course_id):
            outcome["result"] = "prerequisites_unmet"
            continue
        try:
            enrollment = enroll(request, user_id, course, source=source)
        except ApiError as refusal:
            # A full course refuses before writing anything; any other refusal
            # (a racing enrollment of the same student) fails the whole request.
            if refusal.code != "learnomy_course_full":
                raise
            outcome["result"] = "course_full"
            continue
        outcome.update(result="enrolled", enrollment_id=int(enrollment["id"]))
    return outcomes


def checkout_of(request: RestRequest, outcomes: list[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """What ``POST /learnomy/v1/checkout`` needs to buy the courses to pay for; None if none."""
    to_buy = [o["course_id"] for o in outcomes if o["result"] == "payment_required"]
    if not to_buy:
        return None
    courses = free_tables(request)("courses")
    rows = {int(r.id): r for r in request.db.execute(sa.select(courses).where(courses.c.id.in_(to_buy)))}
    return {
        "route": f"/{FREE_NAMESPACE}/checkout", "method": "POST",
        "items": [{"type": "course", "id": course_id} for course_id in to_buy],
        "courses": [{"course_id": course_id, "title": rows[course_id].title,
                     "price_type": rows[course_id].price_type, "price": int(rows[course_id].price),
                     "sale_price": rows[course_id].sale_price, "currency": rows[course_id].currency}
                    for course_id in to_buy],
    }


def _path_enrollment(request: RestRequest, path_id: int, user_id: int) -> Any:
    enrollments = tables(request)["enrollments"]
    return request.db.execute(sa.select(enrollments).where(
        enrollments.c.path_id == path_id, enrollments.c.user_id == user_id)).first()


def enroll_in_path(request: RestRequest) -> Any:
    path = request.context_as(PathContext).path
    if path.status != "publish":
        raise Forbidden("This learning path is not open for enrollment.", code="learnomy_path_not_open")
    user_id = request.user.id
    enrollments = tables(request)["enrollments"]
    newly = insert_ignore(request.db, enrollments, {"path_id": int(path.id), "user_id": user_id,
                                                    "enrolled_at": now(), "completed_at": None})
    steps = steps_of(request, [int(path.id)])[int(path.id)]
    outcomes = enroll_in_courses(request, user_id, [s["course_id"] for s in steps])
    record = _path_enrollment(request, int(path.id), user_id)
    data = {"path_id": int(path.id), "user_id": user_id, "enrolled_at": record.enrolled_at}
    if newly:
        emit(request, "path.enrolled", data)
    completed_at = check_completion(request, path.id, user_id) or record.completed_at
    return {**data, "completed_at": completed_at, "newly_enrolled": newly, "courses": outcomes,
            "checkout": checkout_of(request, outcomes)}


# -- progress and completion ----------------------------------------------------------------------

def _counted(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps completion counts: the required ones, or all when every step is optional."""
    required = [s for s in steps if not s["optional"]]
    return required or steps


def step_progress(request: RestRequest, user_id: int, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each step's status and percent from the user's enrollment in its course (one query)."""
    enrollments = free_tables(request)("enrollments")
    ids = [s["course_id"] for s in steps]
    found = {int(r.course_id): r for r in request.db.execute(
        sa.select(enrollments.c.course_id, enrollments.c.status, enrollments.c.progress_percent)
        .where(enrollments.c.user_id == user_id, enrollments.c.course_id.in_(ids),
               enrollments.c.live_key.is_not(None)))} if ids else {}
    out = []
    for step in steps:
        row = found.get(step["course_id"])
        if row is None:
            status, percent = "not_enrolled", 0
        elif row.status == "completed":
            status, percent = "completed", 100
        else:
            percent = int(row.progress_percent)
            status = "in_progress" if percent > 0 else "not_started"
        out.append({"course_id": step["course_id"], "optional": step["optional"], "status": status,
                    "percent": percent})
    return out


def check_completion(request: RestRequest, path_id: int, user_id: int) -> Any:
    """Mark the user's path completed once every step that counts is; when it was (or None)."""
    steps = steps_of(request, [int(path_id)])[int(path_id)]
    if not steps:
        return None
    progress = {s["course_id"]: s for s in step_progress(request, user_id, steps)}
    if any(progress[s["course_id"]]["status"] != "completed" for s in _counted(steps)):
        return None
    enrollments = tables(request)["enrollments"]
    stamp = now()
    marked = request.db.execute(sa.update(enrollments).where(
        enrollments.c.path_id == path_id, enrollments.c.user_id == user_id, enrollments.c.completed_at.is_(None))
        .values(completed_at=stamp)).rowcount
    record = _path_enrollment(request, int(path_id), user_id)
    if marked == 1:
        # Once: a guarded UPDATE, so two completions racing announce it once.
        emit(request, "path.completed", {"path_id": int(path_id), "user_id": user_id,
                                         "enrolled_at": record.enrolled_at, "completed_at": stamp})
    return record.completed_at if record is not None else None


def path_progress(request: RestRequest) -> Any:
    path = request.context_as(PathContext).path
    record = _path_enrollment(request, int(path.id), request.user.id)
    if record is None:
        raise NotEnrolled("You are not enrolled in this learning path.")
    steps = steps_of(request, [int(path.id)])[int(path.id)]
    progress = step_progress(request, request.user.id, steps)
    counted = {s["course_id"] for s in _counted(steps)}
    percents = [p["percent"] for p in progress if p["course_id"] in counted]
    percent = int(round(sum(percents) / len(percents))) if percents else 0
    return {"path_id": int(path.id), "percent": percent, "steps": progress, "enrolled_at": record.enrolled_at,
            "completed_at": record.completed_at}


def on_course_completed(request: RestRequest, user_id: int, course_id: int) -> None:
    """A course of the user's paths completed: complete those paths when due, and
    enroll in the paths' courses this completion meets the prerequisites of."""
    t = tables(request)
    steps, enrollments = t["steps"], t["enrollments"]
    path_ids = [int(r[0]) for r in request.db.execute(
        sa.select(enrollments.c.path_id).join(steps, steps.c.path_id == enrollments.c.path_id)
        .where(enrollments.c.user_id == user_id, steps.c.course_id == course_id))]
    if not path_ids:
        return
    prerequisites = free_tables(request)("course_prerequisites")
    waiting = [int(r[0]) for r in request.db.execute(
        sa.select(steps.c.course_id).distinct()
        .join(prerequisites, prerequisites.c.course_id == steps.c.course_id)
        .where(steps.c.path_id.in_(path_ids), prerequisites.c.prerequisite_id == course_id))]
    if waiting:
        enroll_in_courses(request, user_id, waiting)
    for path_id in path_ids:
        check_completion(request, path_id, user_id)


def purge_course(request: RestRequest, course_id: int) -> None:
    """A course deleted for good leaves every path's steps."""
    steps = tables(request)["steps"]
    request.db.execute(sa.delete(steps).where(steps.c.course_id == course_id))


# -- routes ----------------------------------------------------------------------------------

TITLE_ARG = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[\s\S]*\S[\s\S]*$"}
SLUG_ARG = {"type": "string", "maxLength": 180, "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}
DESCRIPTION_ARG = {"type": ["string", "null"], "maxLength": 100_000}
STATUS_ARG = {"type": "string", "enum": list(STATUSES)}
READONLY = {name: {"readonly": True} for name in ("author_id", "steps", "created_at", "updated_at")}
STEPS_ARG = {"type": "array", "maxItems": MAX_STEPS, "required": True, "items": {
    "type": "object", "additionalProperties": False, "required": ["course_id"],
    "properties": {"course_id": {"type": "integer", "minimum": 1}, "optional": {"type": "boolean"}}}}


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    seen, editor = path_policy("path_visible", editors_only=False, login=False), path_policy(
        "path_editor", editors_only=True)
    register(NAMESPACE, "/learning-paths", [
        {"methods": READABLE, "callback": list_paths, "permission_callback": PUBLIC,
         "args": {**LIST_ARGS, "status": STATUS_ARG}},
        {"methods": CREATABLE, "callback": create_path, "allow_batch": ALLOW_BATCH, "permission_callback": INSTRUCTOR,
         "idempotent": True, "args": {"title": {**TITLE_ARG, "required": True}, "slug": SLUG_ARG, "description": DESCRIPTION_ARG,
                  "status": {**STATUS_ARG, "default": "draft"}, **READONLY}},
    ], schema=PATH_SCHEMA)
    register(NAMESPACE, r"/learning-paths/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_path, "permission_callback": seen, "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_path, "allow_batch": ALLOW_BATCH, "permission_callback": editor,
         "args": {**ID_ARG, "title": TITLE_ARG, "slug": SLUG_ARG, "description": DESCRIPTION_ARG,
                  "status": STATUS_ARG, **READONLY}},
        {"methods": DELETABLE, "callback": delete_path, "allow_batch": ALLOW_BATCH, "permission_callback": editor, "args": ID_ARG},
    ], schema=PATH_SCHEMA)
    register(NAMESPACE, r"/learning-paths/(?P<id>[\d]+)/steps", {
        "methods": "PUT", "callback": put_steps, "allow_batch": ALLOW_BATCH, "permission_callback": editor,
        "args": {**ID_ARG, "steps": STEPS_ARG},
    }, schema=PATH_SCHEMA)
    register(NAMESPACE, r"/learning-paths/(?P<id>[\d]+)/enroll", {
        "methods": CREATABLE, "callback": enroll_in_path,
        "permission_callback": path_policy("path_visible_enroll", editors_only=False), "args": ID_ARG,
    }, schema=ENROLLMENT_SCHEMA)
    register(NAMESPACE, r"/learning-paths/(?P<id>[\d]+)/progress", {
        "methods": READABLE, "callback": path_progress,
        "permission_callback": path_policy("path_visible_progress", editors_only=False), "args": ID_ARG,
    }, schema=PROGRESS_SCHEMA)
