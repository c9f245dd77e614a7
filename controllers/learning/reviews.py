"""Course reviews: one per enrolled student and course (a unique key in the
database), moderation, and the course's rating kept in step with every change."""

from __future__ import annotations

from pathlib import Path
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from learnomy_core import (
    ADMIN,
    CREATABLE,
    DELETABLE,
    EDITABLE,
    LOGGED_IN,
    PUBLIC,
    READABLE,
    Policy,
    RestRequest,
    created,
    deleted,
    hookimpl,
)
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Conflict, NotFound
from learnomy_core.events import emit
from learnomy_core.html import sanitize_html
from learnomy_core.locks import lock_rows
from learnomy_core.openapi import ID as RESOURCE_ID, INT, STR, TIME, resource_schema
from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE, insert_ignore

from ..catalog import CourseContext, enrolled_policy, COURSE_PURGED, ID_ARG, NAMESPACE, active_enrollment, load_course, now, tables

REVIEW_STATUSES = ("pending", "approved", "rejected", "spam")
REVIEW_ARGS: dict[str, dict[str, Any]] = {
    "rating": {"type": "integer", "minimum": 1, "maximum": 5},
    "content": {"type": "string", "maxLength": 5000},
    **{name: {"readonly": True} for name in ("status", "user_id", "course_id")},
}


def review_table(metadata: sa.MetaData, prefix: str) -> sa.Table:
    """Declare the reviews table (migration ``free_0004``)."""
    return sa.Table(
        f"{prefix}lrn_reviews", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("rating", sa.Integer, nullable=False),
        sa.Column("content", LONGTEXT, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("course_id", "user_id", name=f"{prefix}lrn_reviews_one_per_student"),
        **TEXT_TABLE,
    )


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    review_table(metadata, prefix)


def on_event(request: RestRequest, event: str, data: Any) -> None:
    # A course deleted for good takes its reviews with it.
    if event == COURSE_PURGED:
        reviews = tables(request)("reviews")
        request.db.execute(sa.delete(reviews).where(reviews.c.course_id == data["id"]))


def settings_groups() -> dict[str, dict[str, Any]]:
    return {"reviews": {"type": "object", "properties": {
        "require_approval": {"type": "boolean", "default": False,
                             "description": "New and edited reviews wait for a moderator."},
    }}}


def review_schema() -> dict[str, Any]:
    """A course review."""
    return resource_schema("review", {
        "id": RESOURCE_ID, "course_id": INT, "user_id": INT, "rating": {"type": "integer", "minimum": 1, "maximum": 5},
        "content": STR, "status": STR, "created_at": TIME, "updated_at": TIME,
    }, embed=("id", "rating"))


def review_resource(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "course_id": int(row.course_id), "user_id": int(row.user_id), "rating": row.rating,
            "content": row.content, "status": row.status, "created_at": row.created_at, "updated_at": row.updated_at}


def _refresh_rating(request: RestRequest, course_id: int) -> None:
    """Recount the course's approved reviews in the database itself, in one statement."""
    table = tables(request)
    courses, reviews = table("courses"), table("reviews")
    approved = sa.and_(reviews.c.course_id == course_id, reviews.c.status == "approved")
    count = sa.select(sa.func.count()).select_from(reviews).where(approved).scalar_subquery()
    total = sa.select(sa.func.coalesce(sa.func.sum(reviews.c.rating), 0)).where(approved).scalar_subquery()
    average = sa.select(sa.func.coalesce(sa.func.round(sa.func.avg(reviews.c.rating) * 100), 0)).where(approved).scalar_subquery()
    request.db.execute(sa.update(courses).where(courses.c.id == course_id).values(
        rating_count=count, rating_sum=total, rating_average=sa.cast(average, sa.Integer)))


def _summary(request: RestRequest, course_id: int) -> dict[str, Any]:
    reviews = tables(request)("reviews")
    counts: dict[int, int] = dict(request.db.execute(
        sa.select(reviews.c.rating, sa.func.count()).where(reviews.c.course_id == course_id, reviews.c.status == "approved")
        .group_by(reviews.c.rating)).all())
    total = sum(counts.values())
    average = round(sum(r * c for r, c in counts.items()) / total, 2) if total else 0.0
    return {"rating": {"average": average, "count": total, "distribution": {str(r): counts.get(r, 0) for r in range(1, 6)}}}


def _load(request: RestRequest) -> Any:
    reviews = tables(request)("reviews")
    row = request.db.execute(sa.select(reviews).where(reviews.c.id == request.params["id"])).first()
    if row is None:
        raise NotFound("Review not found.")
    return row


@dataclass
class ReviewContext:
    """The review a review policy loaded."""

    review: Any


def _review_policy(*, admin_may: bool) -> Policy:
    """The review's author (or, for deletion, an administrator); 404 for anyone else."""

    def check(request: RestRequest) -> bool:
        row = _load(request)
        allowed = int(row.user_id) == request.user.id or (admin_may and request.user.is_admin)
        if not allowed:
            raise NotFound("Review not found.")
        request.context = ReviewContext(row)
        return True

    return Policy("review_author_or_admin" if admin_may else "review_author", check)


# -- routes -----------------------------------------------------------------------------

def list_course_reviews(request: RestRequest) -> Any:
    access = load_course(request, request.params["id"])
    reviews = tables(request)("reviews")
    query = sa.select(reviews).where(reviews.c.course_id == access.id, reviews.c.status == "approved")
    return paginate(request, query, [(reviews.c.created_at, True), (reviews.c.id, True)],
                    lambda rows: [review_resource(r) for r in rows], meta=_summary(request, access.id))


def create_review(request: RestRequest) -> Any:
    access = request.context_as(CourseContext).course
    reviews = tables(request)("reviews")
    moderated = request.app.settings.get(request.db, "reviews.require_approval")
    stamp = now()
    inserted = insert_ignore(request.db, reviews, {
        "course_id": access.id, "user_id": request.user.id, "rating": request.params["rating"],
        "content": sanitize_html(request.params.get("content", "")),
        "status": "pending" if moderated else "approved", "created_at": stamp, "updated_at": stamp})
    if not inserted:
        raise Conflict("You have reviewed this course already.", code="learnomy_review_exists")
    row = request.db.execute(sa.select(reviews).where(
        reviews.c.course_id == access.id, reviews.c.user_id == request.user.id)).one()
    _refresh_rating(request, access.id)
    review = review_resource(row)
    emit(request, "review.created", review)
    return created(review, location=f"/{NAMESPACE}/reviews/{row.id}")


def list_reviews(request: RestRequest) -> Any:
    reviews = tables(request)("reviews")
    query = sa.select(reviews)
    for field in ("status", "course"):
        if request.params.get(field):
            query = query.where(reviews.c["course_id" if field == "course" else field] == request.params[field])
    return paginate(request, query, [(reviews.c.id, True)], lambda rows: [review_resource(r) for r in rows],
                    bound_to=[request.params.get("status"), request.params.get("course")])


def get_review(request: RestRequest) -> Any:
    row = _load(request)
    user = request.user
    if row.status != "approved" and not (user is not None and (user.id == int(row.user_id) or user.is_admin)):
        raise NotFound("Review not found.")
    if row.status == "approved":
        load_course(request, int(row.course_id))  # a hidden course hides its reviews
    return review_resource(row)


def update_review(request: RestRequest) -> Any:
    context = request.context_as(ReviewContext)
    row = context.review
    changes: dict[str, Any] = {}
    if "rating" in request.params:
        changes["rating"] = request.params["rating"]
    if "content" in request.params:
        changes["content"] = sanitize_html(request.params["content"])
    if changes:
        if request.app.settings.get(request.db, "reviews.require_approval"):
            changes["status"] = "pending"
        changes["updated_at"] = now()
        reviews = tables(request)("reviews")
        request.db.execute(sa.update(reviews).where(reviews.c.id == row.id).values(**changes))
        _refresh_rating(request, int(row.course_id))
    return review_resource(_load(request))


def delete_review(request: RestRequest) -> Any:
    context = request.context_as(ReviewContext)
    row = context.review
    reviews = tables(request)("reviews")
    request.db.execute(sa.delete(reviews).where(reviews.c.id == row.id))
    _refresh_rating(request, int(row.course_id))
    return deleted(review_resource(row))


def moderate_review(request: RestRequest) -> Any:
    row = _load(request)
    reviews = tables(request)("reviews")
    status = request.params["status"]
    # Guarded by the status: of two identical decisions at once (or one after the
    # other) only the first changes the review, recounts and tells the author.
    changed = request.db.execute(sa.update(reviews).where(reviews.c.id == row.id, reviews.c.status != status)
                                 .values(status=status, updated_at=now())).rowcount == 1
    # A locking read: on MySQL/MariaDB a plain one would show this transaction's
    # snapshot, older than the decision that another request committed meanwhile.
    found = lock_rows(request.db, sa.select(reviews).where(reviews.c.id == row.id))
    if not found:
        raise NotFound("Review not found.")
    review = review_resource(found[0])
    if changed:
        _refresh_rating(request, int(row.course_id))
        emit(request, "review.moderated", review)
    return review


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/reviews", [
        {"methods": READABLE, "callback": list_course_reviews, "permission_callback": PUBLIC,
         "public_cache": True, "args": {**ID_ARG, **LIST_ARGS}},
        {"methods": CREATABLE, "callback": create_review, "permission_callback": enrolled_policy("course", editors=False),
         "args": {**ID_ARG, **REVIEW_ARGS, "rating": {**REVIEW_ARGS["rating"], "required": True}}},
    ], schema=review_schema)
    register(NAMESPACE, "/reviews", {
        "methods": READABLE, "callback": list_reviews, "permission_callback": ADMIN,
        "args": {**LIST_ARGS, "status": {"type": "string", "enum": list(REVIEW_STATUSES)},
                 "course": {"type": "integer", "minimum": 1}},
    }, schema=review_schema)
    register(NAMESPACE, r"/reviews/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_review, "permission_callback": PUBLIC, "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_review, "permission_callback": _review_policy(admin_may=False),
         "args": {**ID_ARG, **REVIEW_ARGS}},
        {"methods": DELETABLE, "callback": delete_review, "permission_callback": _review_policy(admin_may=True),
         "args": ID_ARG},
    ], schema=review_schema)
    register(NAMESPACE, r"/reviews/(?P<id>[\d]+)/moderate", {
        "methods": CREATABLE, "callback": moderate_review, "permission_callback": ADMIN,
        "args": {**ID_ARG, "status": {"type": "string", "enum": list(REVIEW_STATUSES), "required": True}},
    }, schema=review_schema)
