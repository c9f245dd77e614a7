"""Assessment: quizzes, versioned questions, question types (a plugin seam),
attempts with deadlines, grading, results and the gradebook. Builds on learning
and the catalog.

Other packages import what they need from here (``__all__``), never from the
modules inside.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core import RestRequest, RouteRegistry, hookimpl

from .. import migration_folders
from ..learning import SyncItemType
from . import access, attempts, quizzes
from .access import QUIZ_DELETED
from .question_types import QuestionType
from .sync_items import QUIZ_ATTEMPT_SUBMIT

PLUGIN_NAME = "assessment"

__all__ = ["QUIZ_DELETED", "QuestionType"]


@hookimpl
def learnomy_requires() -> list[str]:
    return ["catalog", "learning"]


@hookimpl
def learnomy_register_tables(metadata: sa.MetaData, prefix: str) -> None:
    access.declare_tables(metadata, prefix)


@hookimpl
def learnomy_migration_locations() -> list[str]:
    return migration_folders(__file__)


@hookimpl
def learnomy_register_routes(registry: RouteRegistry) -> None:
    for module in (quizzes, attempts):
        module.register_routes(registry)


@hookimpl
def learnomy_question_types() -> list[QuestionType]:
    return access.builtin_question_types()


@hookimpl
def learnomy_event(request: RestRequest, event: str, data: dict[str, Any]) -> None:
    access.on_event(request, event, data)


@hookimpl
def learnomy_required_items(request: RestRequest, course_ids: list[int]) -> list[dict[str, Any]]:
    return access.required_items_of(request, course_ids)


@hookimpl
def learnomy_sync_item_types() -> list[SyncItemType]:
    return [QUIZ_ATTEMPT_SUBMIT]
