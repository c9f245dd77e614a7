"""Spaces: open, course-linked and private community spaces with posts and comments.

A Pro extension: a plugin of its own (entry point ``pro.spaces``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins.

- ``open`` spaces: any logged-in user sees them and joins (``POST
  /spaces/{id}/members``) or leaves (``DELETE /spaces/{id}/members/{user_id}``).
- ``course`` spaces (course-linked): the members are the course's students,
  computed from their enrollments (active or completed, unexpired), never copied;
  joining and leaving answer 409 ``learnomy_space_membership_by_enrollment``.
- ``private`` spaces: moderators add and remove members; to anyone else the space
  and everything in it answers 404.

Moderators are the space's creator, its course's instructors and
administrators: they edit the space, pin, edit and delete any post. Authors edit
and delete their own posts. Events: ``space.member_joined`` and
``space.member_removed`` (``{space_id, user_id, added_by, joined_at}``; for a
course-linked space, when an enrollment is created or deleted:
``{space_id, user_id, enrollment_id}``; for a deleted account's memberships, with
``"reason": "account_deleted"``), and
``space.created|updated|deleted``, ``space.post_created|updated|deleted``,
``space.comment_created``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from learnomy_core import RestRequest, RouteRegistry, hookimpl

from . import posts, spaces
from .tables import declare_tables

PLUGIN_NAME = "pro.spaces"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro", "catalog"]


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    declare_tables(metadata, prefix)


@hookimpl
def learnomy_migration_locations() -> list[str]:
    return [str(Path(__file__).with_name("migrations"))]


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    spaces.register_routes(registry)
    posts.register_routes(registry)


@hookimpl
def learnomy_event(request: RestRequest, event: str, data: Any) -> None:
    spaces.on_event(request, event, data)
