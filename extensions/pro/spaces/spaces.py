"""Spaces and their members: ``/spaces``, ``/spaces/{id}``, ``/spaces/{id}/members``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core import ALLOW_BATCH, CREATABLE, DELETABLE, EDITABLE, INSTRUCTOR, LOGGED_IN, READABLE, RestRequest, created, deleted
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, Forbidden, InvalidParams, NotFound
from learnomy_core.events import emit
from learnomy_core.html import sanitize_html
from learnomy_core.locks import lock_rows
from learnomy_core.openapi import BOOL, ID, INT, STR, TIME, nullable, route_schema
from learnomy_core.storage import insert_ignore, inserted_id
from learnomy.controllers.catalog import COURSE_PURGED, ID_ARG, load_course, now, tables, user_summaries

from .. import NAMESPACE
from .access import TYPES, SpaceContext, course_memberships, member_counts, memberships, space_policy, visible_spaces

MEMBER_JOINED = "space.member_joined"
MEMBER_REMOVED = "space.member_removed"

ARGS: dict[str, dict[str, Any]] = {
    "name": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": {"type": "string", "maxLength": 65535},
}

SPACE = route_schema("space", {
    "id": ID, "name": STR, "description": STR, "type": {"type": "string", "enum": list(TYPES)},
    "course_id": nullable(INT), "owner_id": INT, "member_count": INT, "is_member": BOOL,
    "created_at": TIME, "updated_at": TIME,
})
MEMBER = route_schema("space_member", {
    "space_id": INT, "user_id": INT, "added_by": INT, "joined_at": TIME,
})


def resources(request: RestRequest, rows: list[Any]) -> list[dict[str, Any]]:
    """Space resources for ``rows``: a constant number of queries for any number of spaces."""
    counts = member_counts(request, rows)
    mine = memberships(request, rows)
    return [{
        "id": int(r.id), "name": r.name, "description": r.description, "type": r.type,
        "course_id": int(r.course_id) if r.course_id is not None else None, "owner_id": int(r.owner_id),
        "member_count": counts[int(r.id)], "is_member": int(r.id) in mine,
        "created_at": r.created_at, "updated_at": r.updated_at,
    } for r in rows]


def _reload(request: RestRequest, space_id: int) -> dict[str, Any]:
    spaces = tables(request)("pro_spaces")
    return resources(request, [request.db.execute(sa.select(spaces).where(spaces.c.id == space_id)).one()])[0]


def on_event(request: RestRequest, event: str, data: Any) -> None:
    """Delete the course-linked spaces of a course deleted for good; announce the
    members an enrollment adds to or takes from course-linked spaces."""
    spaces = tables(request)("pro_spaces")
    if event == COURSE_PURGED:
        # A course deleted for good takes its course-linked spaces with it.
        purge(request, [int(i) for i in request.db.execute(
            sa.select(spaces.c.id).where(spaces.c.course_id == data["id"])).scalars()])
    elif event in ("enrollment.created", "enrollment.deleted"):
        # A course-linked space's members are its course's students: enrolling joins
        # them, unenrolling removes them, and the events say so as for other spaces.
        linked = request.db.execute(sa.select(spaces.c.id).where(
            spaces.c.type == "course", spaces.c.course_id == data["course_id"])).scalars()
        joined = event == "enrollment.created"
        for space_id in linked:
            emit(request, MEMBER_JOINED if joined else MEMBER_REMOVED, {
                "space_id": int(space_id), "user_id": int(data["user_id"]), "enrollment_id": int(data["id"]),
                **({"joined_at": data.get("enrolled_at")} if joined else {})})
    elif event == "user.deleted":
        forget_user(request, int(data["id"]))


def forget_user(request: RestRequest, user_id: int) -> None:
    """A deleted account's memberships, posts (with the comments under them) and
    comments go, in the deletion's transaction.

    Deleted rather than blanked: WordPress's ``wp_delete_user`` without a
    reassignment deletes the user's posts (and a post's deletion takes its
    comments, as ``DELETE /posts/{id}`` does here), and a post with neither author
    nor content would only be noise in a space's feed. The spaces the account
    created stay (their ``owner_id`` then leads nowhere; administrators moderate them).

    Each membership that goes is announced as ``space.member_removed`` with
    ``"reason": "account_deleted"`` (as cohorts announce theirs), so that an
    integration mirroring a space's members drops the account too. Members of
    course-linked spaces are their course's enrollments, which stay (anonymised):
    the account leaves those spaces all the same (a deleted account counts in no
    space's ``member_count``), announced as an unenrollment's removal is, with the
    reason.
    """
    table = tables(request)
    members, posts, comments = table("pro_space_members"), table("pro_posts"), table("pro_comments")
    db = request.db
    held = db.execute(sa.select(members).where(members.c.user_id == user_id).order_by(members.c.space_id)).all()
    db.execute(sa.delete(members).where(members.c.user_id == user_id))
    for row in held:
        emit(request, MEMBER_REMOVED, {**_membership(row), "reason": "account_deleted"})
    for row in course_memberships(request, user_id):
        emit(request, MEMBER_REMOVED, {"space_id": int(row.space_id), "user_id": user_id,
                                       "enrollment_id": int(row.enrollment_id), "reason": "account_deleted"})
    mine = sa.select(posts.c.id).where(posts.c.author_id == user_id)
    db.execute(sa.delete(comments).where(comments.c.post_id.in_(mine)))
    db.execute(sa.delete(posts).where(posts.c.author_id == user_id))
    commented = [int(i) for i in db.execute(
        sa.select(comments.c.post_id).where(comments.c.author_id == user_id).distinct()).scalars()]
    if commented:
        db.execute(sa.delete(comments).where(comments.c.author_id == user_id))
        # Recounted rather than decremented: exact whatever else happened to the post.
        db.execute(sa.update(posts).where(posts.c.id.in_(commented)).values(comment_count=sa.select(
            sa.func.count()).select_from(comments).where(comments.c.post_id == posts.c.id).scalar_subquery()))


def purge(request: RestRequest, space_ids: list[int]) -> None:
    """Delete spaces with their members, posts and comments."""
    if not space_ids:
        return
    table = tables(request)
    spaces, members, posts, comments = (table(n) for n in ("pro_spaces", "pro_space_members", "pro_posts",
                                                           "pro_comments"))
    request.db.execute(sa.delete(comments).where(
        comments.c.post_id.in_(sa.select(posts.c.id).where(posts.c.space_id.in_(space_ids)))))
    request.db.execute(sa.delete(posts).where(posts.c.space_id.in_(space_ids)))
    request.db.execute(sa.delete(members).where(members.c.space_id.in_(space_ids)))
    request.db.execute(sa.delete(spaces).where(spaces.c.id.in_(space_ids)))


# -- spaces -----------------------------------------------------------------------------

def list_spaces(request: RestRequest) -> Any:
    """The spaces the caller may see, newest first (``type``, ``course_id`` filters)."""
    spaces = tables(request)("pro_spaces")
    query = sa.select(spaces)
    condition = visible_spaces(request)
    if condition is not None:
        query = query.where(condition)
    if "type" in request.params:
        query = query.where(spaces.c.type == request.params["type"])
    if "course_id" in request.params:
        query = query.where(spaces.c.course_id == request.params["course_id"])
    return paginate(request, query, [(spaces.c.id, True)], lambda rows: resources(request, rows),
                    bound_to=[request.user.id, request.params.get("type"), request.params.get("course_id")])


def create_space(request: RestRequest) -> Any:
    """Create an open, course-linked (``course_id``, the course's editors) or private space."""
    params = request.params
    kind = params["type"]
    course_id = params.get("course_id")
    if (kind == "course") != (course_id is not None):
        raise InvalidParams(details=[{
            "param": "course_id", "code": "rest_invalid_param",
            "message": "course_id is required for a course-linked space, and only for one."}])
    if course_id is not None:
        try:
            course = load_course(request, course_id)
        except NotFound:
            raise InvalidParams(details=[{"param": "course_id", "code": "rest_invalid_param",
                                          "message": "No such course."}]) from None
        if not course.is_editor:
            raise Forbidden("Only the course's instructors may link a space to it.")
    spaces = tables(request)("pro_spaces")
    stamp = now()
    space_id = inserted_id(request.db.execute(sa.insert(spaces).values(
        name=params["name"], description=sanitize_html(params.get("description", "")), type=kind,
        course_id=course_id, owner_id=request.user.id, created_at=stamp, updated_at=stamp)))
    if kind != "course":
        # The creator belongs to the space they made (and counts as a member).
        request.db.execute(sa.insert(tables(request)("pro_space_members")).values(
            space_id=space_id, user_id=request.user.id, added_by=request.user.id, joined_at=stamp))
    space = _reload(request, space_id)
    emit(request, "space.created", space)
    return created(space, location=f"/{NAMESPACE}/spaces/{space_id}")


def get_space(request: RestRequest) -> Any:
    """One space the caller may see."""
    return _reload(request, int(request.context_as(SpaceContext).space.id))


def update_space(request: RestRequest) -> Any:
    """Rename or describe a space, or switch it between open and private (moderators)."""
    row = request.context_as(SpaceContext).space
    changes: dict[str, Any] = {}
    if "name" in request.params:
        changes["name"] = request.params["name"]
    if "description" in request.params:
        changes["description"] = sanitize_html(request.params["description"])
    if "type" in request.params and request.params["type"] != row.type:
        # Open and private swap freely; a course-linked space stays one (its members are computed).
        if row.type == "course" or request.params["type"] == "course":
            raise InvalidParams(details=[{"param": "type", "code": "rest_invalid_param",
                                          "message": "A space becomes or stops being course-linked only when created."}])
        changes["type"] = request.params["type"]
    spaces = tables(request)("pro_spaces")
    if changes:
        request.db.execute(sa.update(spaces).where(spaces.c.id == row.id).values(**changes, updated_at=now()))
    space = _reload(request, int(row.id))
    if changes:
        emit(request, "space.updated", space)
    return space


def delete_space(request: RestRequest) -> Any:
    """Delete a space with its members, posts and comments (moderators)."""
    row = request.context_as(SpaceContext).space
    spaces = tables(request)("pro_spaces")
    # Locked first: of two deletions at once, the second finds no space and answers 404.
    if not lock_rows(request.db, sa.select(spaces.c.id).where(spaces.c.id == row.id)):
        raise NotFound("Space not found.")
    previous = _reload(request, int(row.id))
    purge(request, [int(row.id)])
    emit(request, "space.deleted", previous)
    return deleted(previous)


# -- members ------------------------------------------------------------------------------

def _membership(row: Any) -> dict[str, Any]:
    return {"space_id": int(row.space_id), "user_id": int(row.user_id), "added_by": int(row.added_by),
            "joined_at": row.joined_at}


def _refuse_course_space(space: Any) -> None:
    if space.type == "course":
        raise Conflict("The members of a course-linked space are the course's students: enroll or unenroll instead.",
                       code="learnomy_space_membership_by_enrollment")


def add_member(request: RestRequest) -> Any:
    """Join an open space, or (moderators) add someone to an open or private space."""
    context = request.context_as(SpaceContext)
    space = context.space
    user_id = request.params.get("user_id", request.user.id)
    _refuse_course_space(space)
    if user_id != request.user.id or space.type == "private":
        if not context.moderator:
            raise Forbidden("Only the space's moderators may add members.")
        if user_id not in user_summaries(request, [user_id]):
            raise InvalidParams(details=[{"param": "user_id", "code": "rest_invalid_param",
                                          "message": "No such user."}])
    members = tables(request)("pro_space_members")
    values = {"space_id": int(space.id), "user_id": user_id, "added_by": request.user.id, "joined_at": now()}
    if not insert_ignore(request.db, members, values):
        raise Conflict("Already a member of this space.", code="learnomy_already_space_member")
    membership = _membership(request.db.execute(sa.select(members).where(
        members.c.space_id == space.id, members.c.user_id == user_id)).one())
    emit(request, MEMBER_JOINED, membership)
    return created(membership, location=f"/{NAMESPACE}/spaces/{space.id}/members/{user_id}")


def remove_member(request: RestRequest) -> Any:
    """Leave a space, or (moderators) remove someone from it."""
    context = request.context_as(SpaceContext)
    space = context.space
    user_id = request.params["user_id"]
    _refuse_course_space(space)
    if user_id != request.user.id and not context.moderator:
        raise Forbidden("Only the space's moderators may remove members.")
    if user_id == int(space.owner_id):
        raise Conflict("The space's creator cannot leave it; delete the space instead.",
                       code="learnomy_space_owner")
    members = tables(request)("pro_space_members")
    where = sa.and_(members.c.space_id == space.id, members.c.user_id == user_id)
    row = request.db.execute(sa.select(members).where(where)).first()
    if row is None:
        raise NotFound("Not a member of this space.")
    request.db.execute(sa.delete(members).where(where))
    previous = _membership(row)
    emit(request, MEMBER_REMOVED, {**previous, "removed_by": request.user.id})
    return deleted(previous)


def register_routes(registry: Any) -> None:
    """Register the space and member routes."""
    register = registry.register_rest_route
    kind = {"type": "string", "enum": list(TYPES)}
    register(NAMESPACE, r"/spaces", [
        {"methods": READABLE, "callback": list_spaces, "permission_callback": LOGGED_IN,
         "args": {**LIST_ARGS, "type": kind, "course_id": {"type": "integer", "minimum": 1}}},
        {"methods": CREATABLE, "callback": create_space, "allow_batch": ALLOW_BATCH, "permission_callback": INSTRUCTOR,
         "idempotent": True, "args": {**ARGS, "name": {**ARGS["name"], "required": True}, "type": {**kind, "required": True},
                  "course_id": {"type": "integer", "minimum": 1}}},
    ], schema=SPACE)
    register(NAMESPACE, r"/spaces/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_space, "permission_callback": space_policy("see"), "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_space, "allow_batch": ALLOW_BATCH, "permission_callback": space_policy("moderator"),
         "args": {**ID_ARG, **ARGS, "type": kind}},
        {"methods": DELETABLE, "callback": delete_space, "allow_batch": ALLOW_BATCH, "permission_callback": space_policy("moderator"),
         "args": ID_ARG},
    ], schema=SPACE)
    register(NAMESPACE, r"/spaces/(?P<id>[\d]+)/members", {
        "methods": CREATABLE, "callback": add_member, "allow_batch": ALLOW_BATCH, "permission_callback": space_policy("see"), "answers": "created",
        "args": {**ID_ARG, "user_id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    }, schema=MEMBER)
    register(NAMESPACE, r"/spaces/(?P<id>[\d]+)/members/(?P<user_id>[\d]+)", {
        "methods": DELETABLE, "callback": remove_member, "allow_batch": ALLOW_BATCH, "permission_callback": space_policy("see"),
        "args": {**ID_ARG, "user_id": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}},
    }, schema=MEMBER)
