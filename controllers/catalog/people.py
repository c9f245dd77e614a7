"""Public instructor profiles (``/instructors``) and the user summaries that
catalog resources embed."""

from __future__ import annotations

from typing import Any, Iterable

import sqlalchemy as sa

from learnomy_core import PUBLIC, READABLE, RestRequest, hookimpl
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import NotFound
from learnomy_core.openapi import ID, INT, NUM, STR, obj, resource_schema

from .access import NAMESPACE, tables


SUMMARY = {"id": ID, "display_name": STR, "avatar_url": STR}
"""What :func:`user_summaries` answers for a user, as JSON Schema properties."""


def instructor_schema() -> dict[str, Any]:
    """A public instructor profile."""
    return resource_schema("instructor", {
        **SUMMARY, "course_count": INT, "student_count": INT,
        "rating": obj({"average": NUM, "count": INT}, required=("average", "count")),
    }, embed=("id", "display_name", "avatar_url"))


def user_summaries(request: RestRequest, user_ids: Iterable[int], *, with_email: bool = False) -> dict[int, dict[str, Any]]:
    """``{id: {id, display_name, avatar_url}}`` for the users that exist, one query."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    store = request.app.identity.store
    found = {}
    for row in request.db.execute(store.select().where(store.users.c.ID.in_(ids))):
        user = store.from_row(row)
        summary = {"id": user.id, "display_name": user.display_name, "avatar_url": user.avatar_url}
        if with_email:
            summary["email"] = user.email
        found[user.id] = summary
    return found


def _figures(request: RestRequest) -> Any:
    """Per instructor of published courses: course count, students, rating sums."""
    table = tables(request)
    links, courses = table("course_instructors"), table("courses")
    return (
        sa.select(
            links.c.user_id.label("user_id"),
            sa.func.count(courses.c.id).label("course_count"),
            sa.func.sum(courses.c.student_count).label("student_count"),
            sa.func.sum(courses.c.rating_sum).label("rating_sum"),
            sa.func.sum(courses.c.rating_count).label("rating_count"),
        )
        .join(courses, courses.c.id == links.c.course_id)
        .where(courses.c.status == "publish")
        .group_by(links.c.user_id)
        .subquery()
    )


def _profiles(request: RestRequest, rows: list[Any]) -> list[dict[str, Any]]:
    people = user_summaries(request, [int(r.user_id) for r in rows])
    result = []
    for row in rows:
        person = people.get(int(row.user_id))
        if person is None:
            continue
        count = int(row.rating_count or 0)
        result.append({
            **person,
            "course_count": int(row.course_count),
            "student_count": int(row.student_count or 0),
            "rating": {"average": round(int(row.rating_sum or 0) / count, 2) if count else 0.0, "count": count},
        })
    return result


def list_instructors(request: RestRequest) -> Any:
    figures = _figures(request)
    return paginate(request, sa.select(figures), [(figures.c.user_id, False)],
                    lambda rows: _profiles(request, rows))


def get_instructor(request: RestRequest) -> Any:
    figures = _figures(request)
    row = request.db.execute(sa.select(figures).where(figures.c.user_id == request.params["id"])).first()
    profiles = _profiles(request, [row]) if row is not None else []
    if not profiles:
        raise NotFound("Instructor not found.")
    return profiles[0]


def register_routes(registry: Any) -> None:
    registry.register_rest_route(NAMESPACE, "/instructors", {
        "methods": READABLE, "callback": list_instructors, "permission_callback": PUBLIC,
        "public_cache": True, "args": LIST_ARGS,
    }, schema=instructor_schema)
    registry.register_rest_route(NAMESPACE, r"/instructors/(?P<id>[\d]+)", {
        "methods": READABLE, "callback": get_instructor, "permission_callback": PUBLIC,
        "public_cache": True, "args": {"id": {"type": "integer", "minimum": 1}},
    }, schema=instructor_schema)
