"""Who sees a space, who belongs to it, who moderates it: decided in one place.

- **open**: every logged-in user sees it and may join; its members are those who
  joined (or were added).
- **course** (course-linked): its members are the course's students, computed from
  the live enrollments whenever asked, never copied; nobody joins or leaves it
  but by enrolling. Only its members and moderators know it exists.
- **private**: members are added by moderators; anyone else gets 404 for the
  space and everything in it.

Moderators (the space's "editors") are its creator, the instructors of its course
(course-linked spaces) and administrators. Moderators are members of every space
they moderate, and may edit or delete any post in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import Policy, RestRequest
from learnomy_core.errors import ApiError, Forbidden, NotFound
from learnomy.controllers.catalog import active_enrollment, load_course, now, tables

TYPES = ("open", "course", "private")
# Enrollments that make a student a member of the course's space.
MEMBER_STATUSES = ("active", "completed")


@dataclass
class SpaceContext:
    """What a space policy loaded: ``request.context_as(SpaceContext)``.

    :ivar space: the space's row.
    :ivar member: the caller belongs to the space (moderators always do).
    :ivar moderator: the caller moderates the space.
    :ivar post: the post the path names (post routes).
    """

    space: Any
    member: bool
    moderator: bool
    post: Any = None


def load_space(request: RestRequest, space_id: int) -> SpaceContext:
    """The space as the caller sees it; 404 when they may not know it exists."""
    spaces = tables(request)("pro_spaces")
    row = request.db.execute(sa.select(spaces).where(spaces.c.id == space_id)).first()
    if row is None:
        raise NotFound("Space not found.")
    user = request.user
    if user.is_admin or int(row.owner_id) == user.id:
        return SpaceContext(row, member=True, moderator=True)
    if row.type == "course":
        try:
            course = load_course(request, int(row.course_id))
        except NotFound:
            raise NotFound("Space not found.") from None
        if course.is_editor:
            return SpaceContext(row, member=True, moderator=True)
        try:
            active_enrollment(request, course)
        except ApiError:
            raise NotFound("Space not found.") from None
        return SpaceContext(row, member=True, moderator=False)
    members = tables(request)("pro_space_members")
    joined = request.db.execute(sa.select(members.c.user_id).where(
        members.c.space_id == row.id, members.c.user_id == user.id)).first() is not None
    if row.type == "private" and not joined:
        raise NotFound("Space not found.")
    return SpaceContext(row, member=joined, moderator=False)


def load_post(request: RestRequest, post_id: int) -> SpaceContext:
    """The post with its space as the caller sees it; 404 when they may not see the space."""
    posts = tables(request)("pro_posts")
    row = request.db.execute(sa.select(posts).where(posts.c.id == post_id)).first()
    if row is None:
        raise NotFound("Post not found.")
    try:
        context = load_space(request, int(row.space_id))
    except NotFound:
        raise NotFound("Post not found.") from None
    context.post = row
    return context


def space_policy(need: str, *, post: bool = False) -> Policy:
    """The caller may ``see`` the space, is a ``member``, is its ``moderator``, or
    (post routes) is the post's ``author`` or a moderator.

    The path's ``id`` names a space, or a post with ``post``. A caller who may not
    see the space gets 404; one who sees it but lacks the rest 403.
    """

    def check(request: RestRequest) -> bool:
        context = request.context = (load_post if post else load_space)(request, request.params["id"])
        if need == "see":
            return True
        if need == "member":
            if not context.member:
                raise Forbidden("Join the space first.", code="learnomy_not_space_member")
            return True
        if need == "author":
            if not context.member and not context.moderator:
                raise Forbidden("Join the space first.", code="learnomy_not_space_member")
            return context.moderator or int(context.post.author_id) == request.user.id
        return context.moderator

    return Policy(f"space_{need}({'post' if post else 'space'}:id)", check)


def visible_spaces(request: RestRequest) -> Optional[sa.ColumnElement[bool]]:
    """The condition on ``pro_spaces`` of the spaces the caller sees (None: all of them)."""
    user = request.user
    if user.is_admin:
        return None
    table = tables(request)
    spaces, members = table("pro_spaces"), table("pro_space_members")
    teaching = table("course_instructors")
    enrollments, live = _member_enrollments(request)
    enrolled = sa.select(enrollments.c.course_id).where(enrollments.c.user_id == user.id, live)
    taught = sa.select(teaching.c.course_id).where(teaching.c.user_id == user.id)
    joined = sa.select(members.c.space_id).where(members.c.user_id == user.id)
    return sa.or_(
        spaces.c.type == "open",
        spaces.c.owner_id == user.id,
        sa.and_(spaces.c.type == "private", spaces.c.id.in_(joined)),
        sa.and_(spaces.c.type == "course", sa.or_(spaces.c.course_id.in_(enrolled), spaces.c.course_id.in_(taught))),
    )


def _member_enrollments(request: RestRequest) -> Any:
    """The enrollments that make their students members of a course's space."""
    enrollments = tables(request)("enrollments")
    return enrollments, sa.and_(
        enrollments.c.live_key.is_not(None), enrollments.c.status.in_(MEMBER_STATUSES),
        sa.or_(enrollments.c.expires_at.is_(None), enrollments.c.expires_at > now()))


def member_counts(request: RestRequest, rows: list[Any]) -> dict[int, int]:
    """Each space's member count: two queries whatever the number and kinds of spaces."""
    counts = {int(r.id): 0 for r in rows}
    if not rows:
        return counts
    members = tables(request)("pro_space_members")
    enrollments, live = _member_enrollments(request)
    # A deleted account's enrollments stay, anonymised; it belongs to no space.
    users = request.app.tables["users"]
    # Both queries run even when one finds nothing: a page costs the same whatever it holds.
    explicit = [int(r.id) for r in rows if r.type != "course"]
    for space_id, count in request.db.execute(
            sa.select(members.c.space_id, sa.func.count()).where(members.c.space_id.in_(explicit))
            .group_by(members.c.space_id)):
        counts[int(space_id)] = int(count)
    by_course: dict[int, list[int]] = {}
    for r in rows:
        if r.type == "course":
            by_course.setdefault(int(r.course_id), []).append(int(r.id))
    for course_id, count in request.db.execute(
            sa.select(enrollments.c.course_id, sa.func.count(sa.distinct(enrollments.c.user_id)))
            .join(users, users.c.ID == enrollments.c.user_id)
            .where(enrollments.c.course_id.in_(list(by_course)), live).group_by(enrollments.c.course_id)):
        for space_id in by_course[int(course_id)]:
            counts[space_id] = int(count)
    return counts


def course_memberships(request: RestRequest, user_id: int) -> list[Any]:
    """The course-linked spaces ``user_id`` belongs to, each with the enrollment
    that makes them a member (``space_id``, ``enrollment_id``), by space."""
    spaces = tables(request)("pro_spaces")
    enrollments, live = _member_enrollments(request)
    return list(request.db.execute(
        sa.select(spaces.c.id.label("space_id"), sa.func.min(enrollments.c.id).label("enrollment_id"))
        .join(enrollments, enrollments.c.course_id == spaces.c.course_id)
        .where(spaces.c.type == "course", enrollments.c.user_id == user_id, live)
        .group_by(spaces.c.id).order_by(spaces.c.id)))


def memberships(request: RestRequest, rows: list[Any]) -> set[int]:
    """The ids among ``rows`` of the spaces the caller belongs to: three queries."""
    user = request.user
    mine = {int(r.id) for r in rows if user.is_admin or int(r.owner_id) == user.id}
    if not rows:
        return mine
    table = tables(request)
    members, teaching = table("pro_space_members"), table("course_instructors")
    enrollments, live = _member_enrollments(request)
    explicit = [int(r.id) for r in rows if r.type != "course"]
    mine.update(int(s) for s in request.db.execute(sa.select(members.c.space_id).where(
        members.c.user_id == user.id, members.c.space_id.in_(explicit))).scalars())
    course_ids = sorted({int(r.course_id) for r in rows if r.type == "course"})
    courses = {int(c) for c in request.db.execute(sa.select(enrollments.c.course_id).where(
        enrollments.c.user_id == user.id, enrollments.c.course_id.in_(course_ids), live)).scalars()}
    courses.update(int(c) for c in request.db.execute(sa.select(teaching.c.course_id).where(
        teaching.c.user_id == user.id, teaching.c.course_id.in_(course_ids))).scalars())
    mine.update(int(r.id) for r in rows if r.type == "course" and int(r.course_id) in courses)
    return mine
