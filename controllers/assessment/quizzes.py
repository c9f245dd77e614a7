"""Quiz and question routes: authoring (editors), the course outline (public),
quiz settings (enrolled students), and the registered question types."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from learnomy_core import (
    ALLOW_BATCH,
    CREATABLE,
    DELETABLE,
    EDITABLE,
    INSTRUCTOR,
    LOGGED_IN,
    PUBLIC,
    READABLE,
    RestRequest,
    created,
    deleted,
    hookimpl,
)
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import InvalidParams, NotFound
from learnomy_core.html import sanitize_html
from learnomy_core.openapi import BOOL, ID, INT, NUM, STR, array_of, nullable, obj, resource_schema
from learnomy_core.schema import sanitize, validate
from learnomy_core.storage import inserted_id

from ..catalog import ID_ARG, NAMESPACE, CourseContext, editor_policy, load_course, tables
from .access import (
    FEEDBACK_MODES,
    QUIZ_MODES,
    QuizContext,
    delete_quizzes,
    question_resource,
    question_types,
    quiz_editor,
    quiz_enrolled,
    quiz_of,
)

QUIZ_ARGS: dict[str, dict[str, Any]] = {
    "title": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": {"type": "string", "maxLength": 20000},
    "mode": {"type": "string", "enum": list(QUIZ_MODES)},
    "time_limit_minutes": {"type": "integer", "minimum": 0, "maximum": 10000},
    "passing_grade": {"type": "integer", "minimum": 0, "maximum": 100},
    "attempts_allowed": {"type": "integer", "minimum": 0, "maximum": 1000},
    "randomize_questions": {"type": "boolean"},
    "randomize_answers": {"type": "boolean"},
    "questions_per_attempt": {"type": "integer", "minimum": 0, "maximum": 1000},
    "feedback_mode": {"type": "string", "enum": list(FEEDBACK_MODES)},
    "required": {"type": "boolean"},
}
QUIZ_DEFAULTS = {"description": "", "mode": "graded", "time_limit_minutes": 0, "passing_grade": 70,
                 "attempts_allowed": 0, "randomize_questions": False, "randomize_answers": False,
                 "questions_per_attempt": 0, "feedback_mode": "after_submit", "required": False}
QUESTION_ARGS: dict[str, dict[str, Any]] = {
    "type": {"type": "string", "minLength": 1, "maxLength": 40},
    "title": {"type": "string", "minLength": 1, "maxLength": 5000},
    "description": {"type": "string", "maxLength": 20000},
    "points": {"type": "number", "minimum": 0, "maximum": 1000},
    "options": {"type": ["array", "null"]},
    "answer": {},
    "explanation": {"type": "string", "maxLength": 20000},
    "settings": {"type": "object"},
}
ORDER_ARG = {"order": {"type": "array", "items": {"type": "integer", "minimum": 1}, "uniqueItems": True,
                       "minItems": 1, "maxItems": 1000, "required": True}}


QUIZ = {
    "id": ID, "course_id": INT, "section_id": INT, "title": STR, "description": STR, "mode": STR,
    "time_limit_minutes": INT, "passing_grade": NUM, "attempts_allowed": INT, "randomize_questions": BOOL,
    "randomize_answers": BOOL, "questions_per_attempt": INT, "feedback_mode": STR, "required": BOOL,
    "position": INT, "question_count": {"type": "integer", "description": "On the quiz itself."},
}


def quiz_schema() -> dict[str, Any]:
    """A quiz."""
    return resource_schema("quiz", QUIZ, required=[n for n in QUIZ if n != "question_count"],
                           embed=("id", "title"))


def question_schema() -> dict[str, Any]:
    """A quiz question, as editors see it (answer and explanation included)."""
    return resource_schema("question", {
        "id": ID, "quiz_id": INT, "type": STR, "position": INT, "version": INT, "title": STR,
        "description": STR, "points": NUM, "options": nullable(array_of(obj({"id": STR, "text": STR}))),
        "answer": {"description": "The correct answer; its type depends on the question type."},
        "explanation": STR, "settings": {"type": "object"},
    }, embed=("id", "title", "type"))


def question_type_schema() -> dict[str, Any]:
    """A question type and the JSON Schemas of its settings, answer and response."""
    return resource_schema("question_type", {
        "type": STR, "label": STR, "category": STR, "auto_graded": BOOL, "settings_schema": {"type": "object"},
        "answer_schema": {"type": "object"}, "response_schema": {"type": "object"}, "uses_options": BOOL,
    })


def quiz_resource(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "course_id": int(row.course_id), "section_id": int(row.section_id), "title": row.title,
            "description": row.description, "mode": row.mode, "time_limit_minutes": row.time_limit_minutes,
            "passing_grade": row.passing_grade, "attempts_allowed": row.attempts_allowed,
            "randomize_questions": bool(row.randomize_questions), "randomize_answers": bool(row.randomize_answers),
            "questions_per_attempt": row.questions_per_attempt, "feedback_mode": row.feedback_mode,
            "required": bool(row.required), "position": row.position}


def _quiz_values(request: RestRequest) -> dict[str, Any]:
    values = {k: request.params[k] for k in QUIZ_ARGS if k in request.params}
    if "description" in values:
        values["description"] = sanitize_html(values["description"])
    return values


# -- quizzes ---------------------------------------------------------------------------

def list_course_quizzes(request: RestRequest) -> Any:
    access = load_course(request, request.params["id"])
    quizzes = tables(request)("quizzes")
    return paginate(request, sa.select(quizzes).where(quizzes.c.course_id == access.id),
                    [(quizzes.c.position, False), (quizzes.c.id, False)], lambda rows: [quiz_resource(r) for r in rows])


def create_quiz(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    access, section = context.course, context.section
    quizzes = tables(request)("quizzes")
    highest = request.db.execute(sa.select(sa.func.max(quizzes.c.position)).where(
        quizzes.c.section_id == section.id)).scalar()
    values = {**QUIZ_DEFAULTS, **_quiz_values(request), "course_id": access.id, "section_id": section.id,
              "position": (highest or 0) + 1}
    new_id = inserted_id(request.db.execute(sa.insert(quizzes).values(**values)))
    row = request.db.execute(sa.select(quizzes).where(quizzes.c.id == new_id)).one()
    return created(quiz_resource(row), location=f"/{NAMESPACE}/quizzes/{new_id}")


def get_quiz(request: RestRequest) -> Any:
    quiz = request.context_as(QuizContext).quiz
    data = quiz_resource(quiz)
    questions = tables(request)("questions")
    data["question_count"] = request.db.execute(sa.select(sa.func.count()).select_from(questions).where(
        questions.c.quiz_id == quiz.id)).scalar_one()
    return data


def update_quiz(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    quizzes = tables(request)("quizzes")
    values = _quiz_values(request)
    if values:
        request.db.execute(sa.update(quizzes).where(quizzes.c.id == context.quiz.id).values(**values))
    return quiz_resource(request.db.execute(sa.select(quizzes).where(quizzes.c.id == context.quiz.id)).one())


def delete_quiz(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    quizzes = tables(request)("quizzes")
    previous = quiz_resource(context.quiz)
    delete_quizzes(request, quizzes.c.id == context.quiz.id)
    return deleted(previous)


# -- questions -------------------------------------------------------------------------

def _question_data(request: RestRequest, kind_name: str, base: dict[str, Any]) -> dict[str, Any]:
    """The merged question data, validated by its type; 400 listing each problem."""
    kinds = question_types(request)
    kind = kinds.get(kind_name)
    if kind is None:
        raise InvalidParams(details=[{"param": "type", "code": "rest_not_in_enum",
                                      "message": f"type is not one of {', '.join(sorted(kinds))}."}])
    data = {**base, **{k: request.params[k] for k in QUESTION_ARGS if k in request.params and k != "type"}}
    data.setdefault("points", 1)
    data.setdefault("settings", {})
    problems = []
    from .question_types import OPTIONS_SCHEMA

    checks = [("settings", kind.settings_schema)]
    if kind.uses_options:
        checks.append(("options", OPTIONS_SCHEMA))
    elif request.params.get("options"):
        # A type without options must not keep whatever was sent as its options.
        problems.append({"param": "options", "code": "rest_invalid_param",
                         "message": f"options do not apply to {kind.type} questions."})
    else:
        data["options"] = None
    if kind.answer_schema.get("type") != "null":
        checks.append(("answer", kind.answer_schema))
    for field, schema in checks:
        problem = validate(data.get(field), schema, field)
        if problem:
            problems.append(problem)
        else:
            data[field] = sanitize(data.get(field), schema)
    if not problems:
        sentence = kind.check(data)
        if sentence:
            problems.append({"param": "answer", "code": "rest_invalid_param", "message": sentence})
    if problems:
        raise InvalidParams(details=problems)
    for field in ("description", "explanation"):
        if field in data:
            data[field] = sanitize_html(data[field])
    return data


def _save_version(request: RestRequest, question_id: int, version: int, kind: str, data: dict[str, Any]) -> None:
    request.db.execute(sa.insert(tables(request)("question_versions")).values(
        question_id=question_id, version=version, type=kind, data=data))


def _resource(row: Any) -> dict[str, Any]:
    return question_resource(int(row.id), int(row.quiz_id), row.type, row.position, row.version, row.data)


def list_questions(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    questions = tables(request)("questions")
    return paginate(request, sa.select(questions).where(questions.c.quiz_id == context.quiz.id),
                    [(questions.c.position, False), (questions.c.id, False)], lambda rows: [_resource(r) for r in rows])


def create_question(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    if "type" not in request.params:
        raise InvalidParams(details=[{"param": "type", "code": "rest_missing_callback_param", "message": "type is required."}])
    data = _question_data(request, request.params["type"], {})
    questions = tables(request)("questions")
    highest = request.db.execute(sa.select(sa.func.max(questions.c.position)).where(
        questions.c.quiz_id == context.quiz.id)).scalar()
    new_id = inserted_id(request.db.execute(sa.insert(questions).values(
        quiz_id=context.quiz.id, type=request.params["type"], position=(highest or 0) + 1, version=1, data=data,
    )))
    _save_version(request, int(new_id), 1, request.params["type"], data)
    row = request.db.execute(sa.select(questions).where(questions.c.id == new_id)).one()
    return created(_resource(row), location=f"/{NAMESPACE}/questions/{new_id}")


def get_question(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    return _resource(context.question)


def update_question(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    questions = tables(request)("questions")
    # Claim the next version first: the update takes the row's write lock, so
    # edits arriving together queue here, and each then reads the question as the
    # edit before it left it (never two edits making the same version).
    claimed = request.db.execute(sa.update(questions).where(questions.c.id == context.question.id)
                                 .values(version=questions.c.version + 1))
    if claimed.rowcount == 0:
        raise NotFound("Question not found.")
    row = request.db.execute(sa.select(questions).where(questions.c.id == context.question.id)).one()
    kind = request.params.get("type", row.type)
    data = _question_data(request, kind, dict(row.data))
    request.db.execute(sa.update(questions).where(questions.c.id == row.id).values(type=kind, data=data))
    _save_version(request, int(row.id), int(row.version), kind, data)
    return _resource(request.db.execute(sa.select(questions).where(questions.c.id == row.id)).one())


def delete_question(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    questions = tables(request)("questions")
    previous = _resource(context.question)
    # Its versions stay: past attempts still show and grade what they were given.
    request.db.execute(sa.delete(questions).where(questions.c.id == context.question.id))
    return deleted(previous)


def reorder_questions(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    questions = tables(request)("questions")
    current = {int(r[0]) for r in request.db.execute(sa.select(questions.c.id).where(questions.c.quiz_id == context.quiz.id))}
    if set(request.params["order"]) != current:
        raise InvalidParams(details=[{"param": "order", "code": "rest_invalid_param",
                                      "message": "order must name exactly the quiz's questions, each once."}])
    for position, question_id in enumerate(request.params["order"], start=1):
        request.db.execute(sa.update(questions).where(questions.c.id == question_id).values(position=position))
    rows = request.db.execute(sa.select(questions).where(questions.c.quiz_id == context.quiz.id)
                              .order_by(questions.c.position)).all()
    return [_resource(r) for r in rows]


def list_question_types(request: RestRequest) -> Any:
    return [kind.describe() for kind in question_types(request).values()]


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    quiz_edit, question_edit, section_edit = quiz_editor("quiz"), quiz_editor("question"), editor_policy("section")
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/quizzes", {
        "methods": READABLE, "callback": list_course_quizzes, "permission_callback": PUBLIC,
        "args": {**ID_ARG, **LIST_ARGS},
    }, schema=quiz_schema)
    register(NAMESPACE, r"/sections/(?P<id>[\d]+)/quizzes", {
        "methods": CREATABLE, "callback": create_quiz, "allow_batch": ALLOW_BATCH, "permission_callback": section_edit,
        "idempotent": True, "args": {**ID_ARG, **QUIZ_ARGS, "title": {**QUIZ_ARGS["title"], "required": True}},
        "answers": "created",
    }, schema=quiz_schema)
    register(NAMESPACE, r"/quizzes/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_quiz, "permission_callback": quiz_enrolled(), "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_quiz, "allow_batch": ALLOW_BATCH, "permission_callback": quiz_edit, "args": {**ID_ARG, **QUIZ_ARGS}},
        {"methods": DELETABLE, "callback": delete_quiz, "allow_batch": ALLOW_BATCH, "permission_callback": quiz_edit, "args": ID_ARG},
    ], schema=quiz_schema)
    register(NAMESPACE, r"/quizzes/(?P<id>[\d]+)/questions", [
        {"methods": READABLE, "callback": list_questions, "permission_callback": quiz_edit,
         "args": {**ID_ARG, **LIST_ARGS}},
        {"methods": CREATABLE, "callback": create_question, "allow_batch": ALLOW_BATCH, "permission_callback": quiz_edit,
         "idempotent": True, "args": {**ID_ARG, **QUESTION_ARGS, "title": {**QUESTION_ARGS["title"], "required": True}}},
    ], schema=question_schema)
    register(NAMESPACE, r"/quizzes/(?P<id>[\d]+)/questions/reorder", {
        "methods": CREATABLE, "callback": reorder_questions, "permission_callback": quiz_edit,
        "args": {**ID_ARG, **ORDER_ARG}, "answers": "items",
    }, schema=question_schema)
    register(NAMESPACE, r"/questions/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_question, "permission_callback": question_edit, "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_question, "allow_batch": ALLOW_BATCH, "permission_callback": question_edit,
         "args": {**ID_ARG, **QUESTION_ARGS}},
        {"methods": DELETABLE, "callback": delete_question, "allow_batch": ALLOW_BATCH, "permission_callback": question_edit, "args": ID_ARG},
    ], schema=question_schema)
    register(NAMESPACE, "/question-types", {
        "methods": READABLE, "callback": list_question_types, "permission_callback": INSTRUCTOR,
        "answers": "items",
    }, schema=question_type_schema)
