"""Drip rules: per section, lesson or quiz (a date, days after enrollment, after completing another item), applied through the Free unlock hook.

A Pro extension: a plugin of its own (entry point ``pro.drip``), switched on and
off in the ``pro.extensions`` settings group, built only on the public API of
``learnomy_core`` and the Free plugins. Routes (``learnomy-pro/v1``):
``GET/POST /courses/{id}/drip-rules`` and ``DELETE /drip-rules/{rule_id}``, for the
course's editors. The rules lock lessons through ``learnomy_lesson_locks`` and
quizzes through ``learnomy_quiz_locks``; its table ``lrn_pro_drip_rules`` has its own
Alembic branch (``pro_drip``). Rules on or waiting for a deleted section,
lesson or quiz (``quiz.deleted``) go with it. A rule, or a move of lessons into
another section (``learnomy_check_curriculum``), that would close a cycle of waits
is refused (``learnomy_drip_rule_cycle``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import RestRequest, RouteRegistry, hookimpl
from learnomy.controllers.assessment import QUIZ_DELETED
from learnomy.controllers.catalog import COURSE_PURGED, LESSON_DELETED, SECTION_DELETED

from . import rules

__all__ = ["PLUGIN_NAME"]

PLUGIN_NAME = "pro.drip"


@hookimpl
def learnomy_requires() -> list[str]:
    return ["pro", "catalog", "learning", "assessment"]


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    rules.declare_tables(metadata, prefix)


@hookimpl
def learnomy_migration_locations() -> str:
    return str(Path(__file__).with_name("migrations"))


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    rules.register_routes(registry)


@hookimpl
def learnomy_lesson_locks(request: RestRequest, course: Any, enrollment: Any, lessons: list[Any]) -> dict[int, Any]:
    return rules.lesson_locks(request, course, enrollment, lessons)


@hookimpl
def learnomy_quiz_locks(request: RestRequest, course: Any, enrollment: Any, quiz: Any) -> Optional[dict[str, Any]]:
    return rules.quiz_lock(request, course, enrollment, quiz)


@hookimpl
def learnomy_check_curriculum(request: RestRequest, course_id: int, moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return rules.check_moves(request, course_id, moves)


@hookimpl
def learnomy_event(request: RestRequest, event: str, data: Any) -> None:
    if event == COURSE_PURGED:
        rules.forget(request, int(data["id"]))
    elif event == SECTION_DELETED:
        items = {("section", int(data["id"]))} | {("lesson", int(i)) for i in data.get("lesson_ids") or []}
        rules.forget(request, int(data["course_id"]), items)
    elif event == LESSON_DELETED:
        rules.forget(request, int(data["course_id"]), {("lesson", int(data["id"]))})
    elif event == QUIZ_DELETED:
        # Alone or with its section: the rules on it or waiting for it go.
        rules.forget(request, int(data["course_id"]), {("quiz", int(data["id"]))})
