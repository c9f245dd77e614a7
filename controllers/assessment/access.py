"""Assessment data and rules shared by the quiz and attempt routes.

Owns the quiz, question, question-version and attempt tables. Every edit of a
question stores a new version; an attempt records the version of each question it
was given, so editing a question later never changes a past attempt's grade or
review.
"""

from __future__ import annotations

from pathlib import Path
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa

from learnomy_core import Policy, RestRequest, hookimpl
from learnomy_core.errors import NotFound
from learnomy_core.events import emit
from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE

from ..catalog import (
    COURSE_PURGED,
    SECTION_DELETED,
    CourseAccess,
    CourseContext,
    course_of,
    editor_policy,
    enrolled_policy,
    load_course,
    tables,
)
from .question_types import BUILT_IN, QuestionType

QUIZ_DELETED = "quiz.deleted"
QUIZ_MODES = ("graded", "practice", "survey")
FEEDBACK_MODES = ("none", "after_submit", "after_all_attempts")


def assessment_tables(metadata: sa.MetaData, prefix: str) -> None:
    """Declare quizzes, questions, question versions and attempts (``free_0006``)."""
    sa.Table(
        f"{prefix}lrn_quizzes", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("section_id", ID, nullable=False, index=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("description", LONGTEXT, nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("time_limit_minutes", sa.Integer, nullable=False),
        sa.Column("passing_grade", sa.Integer, nullable=False),
        sa.Column("attempts_allowed", sa.Integer, nullable=False),
        sa.Column("randomize_questions", sa.Boolean, nullable=False),
        sa.Column("randomize_answers", sa.Boolean, nullable=False),
        sa.Column("questions_per_attempt", sa.Integer, nullable=False),
        sa.Column("feedback_mode", sa.String(30), nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_questions", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("quiz_id", ID, nullable=False, index=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),  # title, description, points, options, answer, explanation, settings
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_question_versions", metadata,
        sa.Column("question_id", ID, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        **TEXT_TABLE,
    )
    sa.Table(
        f"{prefix}lrn_attempts", metadata,
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("quiz_id", ID, nullable=False, index=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("deadline_at", sa.DateTime, nullable=True),
        sa.Column("submitted_at", sa.DateTime, nullable=True),
        sa.Column("questions", sa.JSON, nullable=False),  # [{id, version, option_order}]
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("grades", sa.JSON, nullable=False),  # {question id: {points, fraction, status, feedback}}
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("max_score", sa.Float, nullable=True),
        sa.Column("percent", sa.Float, nullable=True),
        sa.Column("passed", sa.Boolean, nullable=True),
        # user:quiz while in progress, NULL after: one attempt in progress at a time.
        sa.Column("in_progress_key", sa.String(64), nullable=True, unique=True),
        **TEXT_TABLE,
    )


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    assessment_tables(metadata, prefix)


def on_event(request: RestRequest, event: str, data: Any) -> None:
    # A course deleted for good takes its quizzes with it: questions, their
    # versions and every attempt (answers, grades).
    if event == COURSE_PURGED:
        quizzes = tables(request)("quizzes")
        # The course's own purge says it all: no event per quiz.
        delete_quizzes(request, quizzes.c.course_id == data["id"], announce=False)
    elif event == SECTION_DELETED:
        # A section's quizzes go with it, as its lessons do.
        quizzes = tables(request)("quizzes")
        delete_quizzes(request, quizzes.c.section_id == data["id"])


def delete_quizzes(request: RestRequest, which: Any, *, announce: bool = True) -> None:
    """Delete the quizzes ``which`` selects (a condition on the quizzes table), their
    questions, their attempts, every version of their questions, and the
    completions their passed attempts recorded; then emit ``quiz.deleted``
    (``{id, course_id, section_id, title}``) for each when ``announce``, so
    plugins drop what points at them (a quiz deleted alone or with its section).

    Versions go with the attempts that were given them: those of questions
    deleted earlier (kept then for their attempts) are found through the attempts.
    """
    table = tables(request)
    quizzes, questions, versions, attempts = (table("quizzes"), table("questions"), table("question_versions"),
                                              table("attempts"))
    db = request.db
    doomed = db.execute(sa.select(quizzes.c.id, quizzes.c.course_id, quizzes.c.section_id, quizzes.c.title)
                        .where(which).order_by(quizzes.c.id)).all()
    quiz_ids = [int(r.id) for r in doomed]
    if not quiz_ids:
        return
    question_ids = {int(r[0]) for r in db.execute(sa.select(questions.c.id).where(questions.c.quiz_id.in_(quiz_ids)))}
    for (given,) in db.execute(sa.select(attempts.c.questions).where(attempts.c.quiz_id.in_(quiz_ids))):
        question_ids.update(int(item["id"]) for item in given or [])
    if question_ids:
        db.execute(sa.delete(versions).where(versions.c.question_id.in_(sorted(question_ids))))
    db.execute(sa.delete(attempts).where(attempts.c.quiz_id.in_(quiz_ids)))
    completions = table("completions")
    db.execute(sa.delete(completions).where(completions.c.item_type == "quiz", completions.c.item_id.in_(quiz_ids)))
    db.execute(sa.delete(questions).where(questions.c.quiz_id.in_(quiz_ids)))
    db.execute(sa.delete(quizzes).where(quizzes.c.id.in_(quiz_ids)))
    if announce:
        for row in doomed:
            emit(request, QUIZ_DELETED, {"id": int(row.id), "course_id": int(row.course_id),
                                         "section_id": int(row.section_id), "title": row.title})


def builtin_question_types() -> list[QuestionType]:
    return list(BUILT_IN)


def required_items_of(request: RestRequest, course_ids: list[int]) -> list[dict[str, Any]]:
    table = tables(request)
    quizzes, sections = table("quizzes"), table("sections")
    rows = request.db.execute(
        sa.select(quizzes.c.id, quizzes.c.course_id, quizzes.c.title, quizzes.c.position, quizzes.c.section_id,
                  sections.c.position.label("section_position"))
        .join(sections, sections.c.id == quizzes.c.section_id)
        .where(quizzes.c.course_id.in_(course_ids), quizzes.c.required.is_(True), quizzes.c.mode == "graded"))
    # After the section's lessons: lesson positions are small, quizzes sort past them.
    return [{"course_id": int(r.course_id), "type": "quiz", "id": int(r.id), "title": r.title,
             "order": (r.section_position, int(r.section_id), 1_000_000 + r.position, int(r.id))} for r in rows]


def question_types(request: RestRequest) -> dict[str, QuestionType]:
    """Registered types by name, plugins' included."""
    found: dict[str, QuestionType] = {}
    for answer in reversed(request.app.plugins.hook.learnomy_question_types()):
        for kind in answer or []:
            found[kind.type] = kind
    return found


def quiz_of(request: RestRequest, quiz_id: int) -> tuple[CourseAccess, Any]:
    quizzes = tables(request)("quizzes")
    row = request.db.execute(sa.select(quizzes).where(quizzes.c.id == quiz_id)).first()
    if row is None:
        raise NotFound("Quiz not found.")
    return load_course(request, int(row.course_id)), row


def question_of(request: RestRequest, question_id: int) -> tuple[CourseAccess, Any, Any]:
    questions = tables(request)("questions")
    row = request.db.execute(sa.select(questions).where(questions.c.id == question_id)).first()
    if row is None:
        raise NotFound("Question not found.")
    access, quiz = quiz_of(request, int(row.quiz_id))
    return access, quiz, row


@dataclass
class QuizContext(CourseContext):
    """What an assessment policy loaded: the course, and the quiz, question or attempt.

    :ivar quiz: the quiz the path names (or the quiz of its question or attempt).
    :ivar question: the question the path names.
    :ivar attempt: the attempt the path names.
    :ivar own: the caller is the attempt's student.
    :ivar editor: the caller edits the course.
    """

    quiz: Any = None
    question: Any = None
    attempt: Any = None
    own: bool = False
    editor: bool = False


def quiz_context(kind: str) -> Callable[[RestRequest, int], QuizContext]:
    """How to load the context of a ``quiz`` or ``question`` id (404 if unseen)."""

    def locate(request: RestRequest, item_id: int) -> QuizContext:
        if kind == "quiz":
            access, quiz = quiz_of(request, item_id)
            return QuizContext(access, quiz=quiz, editor=access.is_editor)
        access, quiz, question = question_of(request, item_id)
        return QuizContext(access, quiz=quiz, question=question, editor=access.is_editor)

    return locate


def quiz_editor(kind: str) -> Policy:
    """Editors of the course a quiz or question belongs to; 404 if unseen, 403 for others."""
    return editor_policy(kind, locate=quiz_context(kind))


def quiz_enrolled(*, editors: bool = True) -> Policy:
    """Students enrolled in the quiz's course (and, with ``editors``, its editors)."""
    return enrolled_policy("quiz", editors=editors, locate=quiz_context("quiz"))


def question_resource(row_id: int, quiz_id: int, kind: str, position: int, version: int, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": row_id, "quiz_id": quiz_id, "type": kind, "position": position, "version": version,
            "title": data.get("title", ""), "description": data.get("description", ""), "points": data.get("points", 1),
            "options": data.get("options"), "answer": data.get("answer"), "explanation": data.get("explanation", ""),
            "settings": data.get("settings") or {}}


def reveal_allowed(quiz: Any, attempt_status: str, submitted_count: int) -> bool:
    """Whether a student may see correct answers and explanations now."""
    if attempt_status == "in_progress" or quiz.feedback_mode == "none":
        return False
    if quiz.feedback_mode == "after_submit":
        return True
    return bool(quiz.attempts_allowed) and submitted_count >= quiz.attempts_allowed


def attempts_used(request: RestRequest, quiz_id: int, user_id: int) -> int:
    attempts = tables(request)("attempts")
    return int(request.db.execute(sa.select(sa.func.count()).select_from(attempts).where(
        attempts.c.quiz_id == quiz_id, attempts.c.user_id == user_id)).scalar_one())


def version_data(request: RestRequest, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, dict[str, Any]]]:
    """The stored question versions an attempt was given, one query."""
    versions = tables(request)("question_versions")
    if not pairs:
        return {}
    rows = request.db.execute(sa.select(versions).where(
        sa.tuple_(versions.c.question_id, versions.c.version).in_(pairs)))
    return {(int(r.question_id), int(r.version)): (r.type, r.data) for r in rows}

