"""Posts and comments in a space: ``/spaces/{id}/posts``, ``/posts/{id}``, ``/posts/{id}/comments``.

Members read and write; a post's author edits or deletes it, and so does any
moderator of its space, who alone pins posts. Content is HTML, sanitized on write.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core import ALLOW_BATCH, CREATABLE, DELETABLE, EDITABLE, READABLE, RestRequest, created, deleted
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import Forbidden, InvalidParams
from learnomy_core.events import emit
from learnomy_core.html import sanitize_html
from learnomy_core.openapi import BOOL, ID, INT, STR, TIME, route_schema
from learnomy_core.storage import inserted_id
from learnomy.controllers.catalog import ID_ARG, now, tables

from .. import NAMESPACE
from .access import SpaceContext, space_policy

CONTENT = {"type": "string", "minLength": 1, "maxLength": 65535}

POST = route_schema("space_post", {
    "id": ID, "space_id": INT, "author_id": INT, "content": STR, "pinned": BOOL, "comment_count": INT,
    "created_at": TIME, "updated_at": TIME,
})
COMMENT = route_schema("space_comment", {
    "id": ID, "post_id": INT, "author_id": INT, "content": STR, "created_at": TIME,
})


def post_resource(row: Any) -> dict[str, Any]:
    """The Post resource of a row."""
    return {"id": int(row.id), "space_id": int(row.space_id), "author_id": int(row.author_id),
            "content": row.content, "pinned": bool(row.pinned), "comment_count": int(row.comment_count),
            "created_at": row.created_at, "updated_at": row.updated_at}


def comment_resource(row: Any) -> dict[str, Any]:
    """The Comment resource of a row."""
    return {"id": int(row.id), "post_id": int(row.post_id), "author_id": int(row.author_id),
            "content": row.content, "created_at": row.created_at}


def _clean(request: RestRequest) -> str:
    """The sanitized content; 400 when nothing is left of it."""
    content = sanitize_html(request.params["content"])
    if not content.strip():
        raise InvalidParams(details=[{"param": "content", "code": "rest_invalid_param",
                                      "message": "content is empty once sanitized."}])
    return content


def _pinning(request: RestRequest, context: SpaceContext) -> None:
    if "pinned" in request.params and not context.moderator:
        raise Forbidden("Only the space's moderators pin posts.", code="learnomy_moderators_only")


def list_posts(request: RestRequest) -> Any:
    """A space's posts, pinned first, then newest first (members)."""
    space = request.context_as(SpaceContext).space
    posts = tables(request)("pro_posts")
    # Pinned first: a cursor compares numbers, which a boolean column does not take.
    pinned = sa.cast(posts.c.pinned, sa.Integer).label("pinned_rank")
    query = sa.select(posts, pinned).where(posts.c.space_id == space.id)
    return paginate(request, query, [(pinned, True), (posts.c.id, True)],
                    lambda rows: [post_resource(r) for r in rows])


def create_post(request: RestRequest) -> Any:
    """Post to a space (members; only moderators pin)."""
    context = request.context_as(SpaceContext)
    _pinning(request, context)
    posts = tables(request)("pro_posts")
    stamp = now()
    post_id = inserted_id(request.db.execute(sa.insert(posts).values(
        space_id=context.space.id, author_id=request.user.id, content=_clean(request),
        pinned=bool(request.params.get("pinned", False)), comment_count=0, created_at=stamp, updated_at=stamp)))
    post = post_resource(request.db.execute(sa.select(posts).where(posts.c.id == post_id)).one())
    emit(request, "space.post_created", post)
    return created(post, location=f"/{NAMESPACE}/posts/{post_id}")


def update_post(request: RestRequest) -> Any:
    """Edit a post (its author or a moderator; only moderators pin)."""
    context = request.context_as(SpaceContext)
    _pinning(request, context)
    posts = tables(request)("pro_posts")
    changes: dict[str, Any] = {}
    if "content" in request.params:
        changes["content"] = _clean(request)
    if "pinned" in request.params:
        changes["pinned"] = request.params["pinned"]
    if changes:
        request.db.execute(sa.update(posts).where(posts.c.id == context.post.id).values(**changes, updated_at=now()))
    post = post_resource(request.db.execute(sa.select(posts).where(posts.c.id == context.post.id)).one())
    if changes:
        emit(request, "space.post_updated", post)
    return post


def delete_post(request: RestRequest) -> Any:
    """Delete a post with its comments (its author or a moderator)."""
    context = request.context_as(SpaceContext)
    table = tables(request)
    posts, comments = table("pro_posts"), table("pro_comments")
    request.db.execute(sa.delete(comments).where(comments.c.post_id == context.post.id))
    request.db.execute(sa.delete(posts).where(posts.c.id == context.post.id))
    previous = post_resource(context.post)
    emit(request, "space.post_deleted", previous)
    return deleted(previous)


def list_comments(request: RestRequest) -> Any:
    """A post's comments, oldest first (members)."""
    post = request.context_as(SpaceContext).post
    comments = tables(request)("pro_comments")
    query = sa.select(comments).where(comments.c.post_id == post.id)
    # Oldest first: a conversation reads in order.
    return paginate(request, query, [(comments.c.id, False)], lambda rows: [comment_resource(r) for r in rows])


def create_comment(request: RestRequest) -> Any:
    """Comment on a post (members)."""
    post = request.context_as(SpaceContext).post
    table = tables(request)
    posts, comments = table("pro_posts"), table("pro_comments")
    comment_id = inserted_id(request.db.execute(sa.insert(comments).values(
        post_id=post.id, author_id=request.user.id, content=_clean(request), created_at=now())))
    # Counted in the database, so comments posted at once are all counted.
    request.db.execute(sa.update(posts).where(posts.c.id == post.id).values(comment_count=posts.c.comment_count + 1))
    comment = comment_resource(request.db.execute(sa.select(comments).where(comments.c.id == comment_id)).one())
    emit(request, "space.comment_created", {**comment, "space_id": int(post.space_id)})
    return created(comment, location=f"/{NAMESPACE}/posts/{post.id}/comments")


def register_routes(registry: Any) -> None:
    """Register the post and comment routes."""
    register = registry.register_rest_route
    register(NAMESPACE, r"/spaces/(?P<id>[\d]+)/posts", [
        {"methods": READABLE, "callback": list_posts, "permission_callback": space_policy("member"),
         "args": {**ID_ARG, **LIST_ARGS}},
        {"methods": CREATABLE, "callback": create_post, "allow_batch": ALLOW_BATCH, "permission_callback": space_policy("member"),
         "idempotent": True, "args": {**ID_ARG, "content": {**CONTENT, "required": True}, "pinned": {"type": "boolean"}}},
    ], schema=POST)
    register(NAMESPACE, r"/posts/(?P<id>[\d]+)", [
        {"methods": EDITABLE, "callback": update_post, "allow_batch": ALLOW_BATCH, "permission_callback": space_policy("author", post=True),
         "args": {**ID_ARG, "content": CONTENT, "pinned": {"type": "boolean"}}},
        {"methods": DELETABLE, "callback": delete_post, "allow_batch": ALLOW_BATCH, "permission_callback": space_policy("author", post=True),
         "args": ID_ARG},
    ], schema=POST)
    register(NAMESPACE, r"/posts/(?P<id>[\d]+)/comments", [
        {"methods": READABLE, "callback": list_comments, "permission_callback": space_policy("member", post=True),
         "args": {**ID_ARG, **LIST_ARGS}},
        {"methods": CREATABLE, "callback": create_comment, "allow_batch": ALLOW_BATCH, "permission_callback": space_policy("member", post=True),
         "idempotent": True, "args": {**ID_ARG, "content": {**CONTENT, "required": True}}},
    ], schema=COMMENT)
