"""Quiz attempts: start, save answers, submit and grade, manual grading, resets,
results and the gradebook.

Students never see correct answers or explanations before the quiz's feedback
mode allows: attempts carry each question as :meth:`QuestionType.student_view`
shapes it until then. After the deadline, saves are refused and the attempt is
submitted as it stands (when submitted, or lazily when next read).

An attempt is graded once: of simultaneous submits (a double tap, a retry racing
the original, an offline sync) one grades and answers 200, and the others answer
409 ``learnomy_attempt_submitted``, as a later submit does; events are emitted once.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import CREATABLE, DELETABLE, LOGGED_IN, READABLE, Policy, RestRequest, created, deleted, hookimpl
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import ApiError, AttemptSubmitted, Conflict, DeadlinePassed, InvalidParams, LessonLocked
from learnomy_core.events import emit
from learnomy_core.locks import lock_rows
from learnomy_core.openapi import BOOL, ID, INT, NUM, STR, TIME, array_of, map_of, nullable, obj, resource_schema
from learnomy_core.schema import sanitize, validate
from learnomy_core.storage import insert_ignore

from ..catalog import (
    CourseContext,
    ID_ARG,
    NAMESPACE,
    active_enrollment,
    completed_lessons,
    editor_policy,
    last_lock,
    now,
    ordered_lessons,
    student_record,
    tables,
    user_summaries,
)
from ..learning import recompute
from .access import QuizContext, attempts_used, question_types, quiz_enrolled, quiz_of, reveal_allowed, version_data


def takes_answers(attempt: Any) -> bool:
    """Whether ``attempt`` still takes answers: in progress and before its deadline.

    The server's clock decides, never a time the client reports (an offline
    submission's ``occurred_at`` included).
    """
    return attempt.status == "in_progress" and (attempt.deadline_at is None or attempt.deadline_at > now())


# -- grading -------------------------------------------------------------------------

def with_drawn(version: tuple[str, dict[str, Any]], drawn: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A drawn question's stored version, with the values its type drew for this attempt."""
    kind_name, data = version
    return (kind_name, {**data, "drawn": drawn["drawn"]}) if drawn.get("drawn") is not None else version


def _graded(request: RestRequest, quiz: Any, attempt: Any) -> dict[str, Any]:
    """Score every auto-gradable answer; essays stay pending. Column values to store."""
    kinds = question_types(request)
    versions = version_data(request, [(q["id"], q["version"]) for q in attempt.questions])
    grades: dict[str, Any] = dict(attempt.grades or {})
    score = max_score = 0.0
    pending = False
    for drawn in attempt.questions:
        kind_name, data = with_drawn(versions[(drawn["id"], drawn["version"])], drawn)
        points = float(data.get("points", 1))
        max_score += points
        key = str(drawn["id"])
        if key in grades and grades[key]["status"] == "manual":
            score += grades[key]["points"]
            continue
        response = (attempt.answers or {}).get(key)
        kind = kinds.get(kind_name)
        fraction = None if kind is None else (kind.grade(data, response) if response is not None else
                                             (None if not kind.auto_graded else 0.0))
        if fraction is None:
            pending = True
            grades[key] = {"points": 0.0, "fraction": None, "status": "pending", "feedback": ""}
            continue
        grades[key] = {"points": round(points * fraction, 2), "fraction": fraction, "status": "auto", "feedback": ""}
        score += points * fraction
    values: dict[str, Any] = {"grades": grades, "in_progress_key": None}
    if quiz.mode == "survey":
        return {**values, "status": "submitted", "score": None, "max_score": None, "percent": None, "passed": None}
    percent = round(score * 100 / max_score, 2) if max_score else 0.0
    return {**values, "status": "pending_review" if pending else "graded", "score": round(score, 2),
            "max_score": round(max_score, 2), "percent": percent,
            "passed": None if pending else percent >= quiz.passing_grade}


def _finish(request: RestRequest, quiz: Any, attempt: Any) -> Optional[Any]:
    """Grade and store ``attempt``; a passed required quiz counts toward completion.

    Only from the status ``attempt`` was read in: when another request changed it
    first (five submits at once), nothing is stored or emitted and the answer is
    None. The guarded update decides, so each attempt is graded once.
    """
    attempts = tables(request)("attempts")
    values = _graded(request, quiz, attempt)
    if attempt.submitted_at is None:
        values["submitted_at"] = min(now(), attempt.deadline_at) if attempt.deadline_at else now()
    if request.db.execute(sa.update(attempts).where(attempts.c.id == attempt.id, attempts.c.status == attempt.status)
                          .values(**values)).rowcount != 1:
        return None
    row = request.db.execute(sa.select(attempts).where(attempts.c.id == attempt.id)).one()
    emit(request, "quiz.attempt_submitted", summary(row))
    if row.passed and quiz.required and quiz.mode == "graded":
        insert_ignore(request.db, tables(request)("completions"), {
            "user_id": int(row.user_id), "item_type": "quiz", "item_id": int(quiz.id),
            "course_id": int(quiz.course_id), "completed_at": now()})
        recompute(request, int(row.user_id), int(quiz.course_id))
    return row


def current(request: RestRequest, attempt_id: int) -> Any:
    """The attempt as it is now, past this transaction's snapshot (a locking read)."""
    attempts = tables(request)("attempts")
    return lock_rows(request.db, sa.select(attempts).where(attempts.c.id == attempt_id))[0]


def _expire_if_due(request: RestRequest, quiz: Any, attempt: Any) -> Any:
    """Submit an attempt whose time is over as it stood (lazily, when next touched)."""
    if attempt.status == "in_progress" and not takes_answers(attempt):
        return _finish(request, quiz, attempt) or current(request, int(attempt.id))
    return attempt


def _store_answers(request: RestRequest, attempt: Any, answers: dict[str, Any]) -> Any:
    """Merge checked ``answers`` into an attempt in progress; the fresh row.

    :raises AttemptSubmitted: when another request submitted it meanwhile.
    """
    # Merge into the answers as they are now: two saves at once each keep the other's.
    attempt = current(request, int(attempt.id))
    if attempt.status != "in_progress":
        raise AttemptSubmitted()
    clean = _checked_answers(request, attempt, answers)
    attempts = tables(request)("attempts")
    request.db.execute(sa.update(attempts).where(attempts.c.id == attempt.id)
                       .values(answers={**(attempt.answers or {}), **clean}))
    return request.db.execute(sa.select(attempts).where(attempts.c.id == attempt.id)).one()


def submit(request: RestRequest, quiz: Any, attempt: Any, answers: dict[str, Any]) -> Any:
    """Submit ``attempt`` with its last ``answers``, and grade it: once.

    The one way an attempt is submitted, by its route and by offline sync alike.
    ``answers`` count only while the attempt takes them (:func:`takes_answers`);
    after the deadline it is graded as it stood then.

    :raises AttemptSubmitted: when it was submitted already, or another submit
        of the same attempt finished first.
    """
    if attempt.status != "in_progress":
        raise AttemptSubmitted()
    if answers and takes_answers(attempt):
        attempt = _store_answers(request, attempt, answers)
    finished = _finish(request, quiz, attempt)
    if finished is None:
        raise AttemptSubmitted()
    return finished


# -- resources -------------------------------------------------------------------------

ATTEMPT = {
    "id": ID, "quiz_id": INT, "user_id": INT, "status": STR, "started_at": TIME, "deadline_at": nullable(TIME),
    "submitted_at": nullable(TIME), "score": nullable(NUM), "max_score": nullable(NUM), "percent": nullable(NUM),
    "passed": nullable(BOOL),
}


def attempt_schema() -> dict[str, Any]:
    """A quiz attempt: its summary, and on the attempt itself its questions, answers and grades."""
    return resource_schema("attempt", {
        **ATTEMPT,
        "questions": {**array_of(obj({"id": INT, "type": STR}, required=("id", "type"))),
                      "description": "As drawn; answers and explanations only once revealed."},
        "answers": {**map_of({}), "description": "The responses, by question id."},
        "grades": {**map_of({"type": "object"}), "description": "By question id, once submitted."},
    }, required=list(ATTEMPT), embed=("id", "status"))


def results_schema() -> dict[str, Any]:
    """A quiz's results across its attempts."""
    return resource_schema("quiz_results", {
        "quiz_id": INT, "attempts": INT, "mean_score": nullable(NUM), "pass_rate": nullable(NUM),
        "questions": array_of(obj({"question_id": INT, "answered": INT, "correct_rate": NUM})),
    })


def gradebook_schema() -> dict[str, Any]:
    """A student's row of a course's gradebook: best percent by quiz id."""
    return resource_schema("gradebook_row", {
        "user": obj({"id": INT, "display_name": STR, "avatar_url": STR}, required=("id",)),
        "progress_percent": INT, "grades": map_of(nullable(NUM)),
    })


def summary(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "quiz_id": int(row.quiz_id), "user_id": int(row.user_id), "status": row.status,
            "started_at": row.started_at, "deadline_at": row.deadline_at, "submitted_at": row.submitted_at,
            "score": row.score, "max_score": row.max_score, "percent": row.percent, "passed": row.passed}


def full(request: RestRequest, quiz: Any, row: Any, *, editor: bool) -> dict[str, Any]:
    """The attempt with its questions, as the caller may see them."""
    kinds = question_types(request)
    versions = version_data(request, [(q["id"], q["version"]) for q in row.questions])
    reveal = editor or reveal_allowed(quiz, row.status, attempts_used(request, int(quiz.id), int(row.user_id)))
    questions = []
    for drawn in row.questions:
        kind_name, data = with_drawn(versions[(drawn["id"], drawn["version"])], drawn)
        question = {"id": drawn["id"], "type": kind_name, **data}
        if drawn.get("option_order") and question.get("options"):
            by_id = {o["id"]: o for o in question["options"]}
            question["options"] = [by_id[i] for i in drawn["option_order"] if i in by_id]
        kind = kinds.get(kind_name)
        if not reveal:
            question = kind.student_view(question) if kind else {k: v for k, v in question.items()
                                                                 if k not in ("answer", "explanation")}
        questions.append(question)
    body = {**summary(row), "questions": questions, "answers": row.answers or {}}
    if reveal or row.status != "in_progress":
        grades = row.grades or {}
        body["grades"] = grades if reveal else {k: {"status": g["status"]} for k, g in grades.items()}
    return body


# -- policies ----------------------------------------------------------------------------

def _attempt_policy(who: str) -> Policy:
    """``student``: the attempt's own student; ``editor``: editors; ``either``. 404 otherwise."""

    def check(request: RestRequest) -> bool:
        row, own, editor = student_record(request, "attempts", "Attempt")
        access, quiz = quiz_of(request, int(row.quiz_id))
        request.context = QuizContext(access, quiz=quiz, attempt=row, own=own, editor=editor)
        return {"student": own, "editor": editor, "either": True}[who]

    return Policy(f"attempt_{who}", check)


# -- routes --------------------------------------------------------------------------

def _check_unlocked(request: RestRequest, access: Any, quiz: Any) -> None:
    """Sequential drip: a quiz opens once every lesson before it is complete."""
    if access.row.drip_mode != "sequential":
        return
    table = tables(request)
    sections = dict(request.db.execute(sa.select(table("sections").c.id, table("sections").c.position)
                                       .where(table("sections").c.course_id == access.id)).all())
    here = (sections.get(quiz.section_id, 0), int(quiz.section_id))
    before = {int(lesson.id) for lesson in ordered_lessons(request.db, table, access.id)
              if (sections.get(lesson.section_id, 0), int(lesson.section_id)) <= here}
    missing = before - completed_lessons(request.db, table, request.user.id, access.id)
    if missing:
        raise LessonLocked("Complete the lessons before this quiz first.", code="learnomy_quiz_locked_sequential",
                           details=[{"reason": "sequential", "lesson_ids": sorted(missing)}])


def _check_plugin_locks(request: RestRequest, access: Any, quiz: Any, enrollment: Any) -> None:
    """Plugins' locks on the quiz (``learnomy_quiz_locks``): the one unlocking last refuses."""
    if enrollment is None:
        return
    found = last_lock(request.app.plugins.hook.learnomy_quiz_locks(
        request=request, course=access.row, enrollment=enrollment, quiz=quiz))
    if found is not None:
        raise LessonLocked("This quiz is locked.", code=f"learnomy_quiz_locked_{found['reason']}",
                           details=[{"reason": found["reason"], "unlocks_at": found.get("unlocks_at")}])


def start_attempt(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    access, quiz = context.course, context.quiz
    _check_unlocked(request, access, quiz)
    _check_plugin_locks(request, access, quiz, context.enrollment)
    table = tables(request)
    attempts, questions = table("attempts"), table("questions")
    key = f"{request.user.id}:{quiz.id}"
    current = request.db.execute(sa.select(attempts).where(attempts.c.in_progress_key == key)).first()
    if current is not None and _expire_if_due(request, quiz, current).status == "in_progress":
        raise Conflict("Finish the attempt in progress first.", code="learnomy_attempt_in_progress")
    if quiz.attempts_allowed and attempts_used(request, int(quiz.id), request.user.id) >= quiz.attempts_allowed:
        raise Conflict("No attempts left.", code="learnomy_attempts_exhausted")
    pool = list(request.db.execute(sa.select(questions).where(questions.c.quiz_id == quiz.id)
                                   .order_by(questions.c.position, questions.c.id)))
    if not pool:
        raise Conflict("This quiz has no questions yet.", code="learnomy_quiz_empty")
    shuffler = random.SystemRandom()
    if quiz.randomize_questions:
        shuffler.shuffle(pool)
    if quiz.questions_per_attempt:
        pool = pool[:quiz.questions_per_attempt]
    drawn = []
    kinds = question_types(request)
    for question in pool:
        order = [o["id"] for o in question.data.get("options") or []]
        if quiz.randomize_answers:
            shuffler.shuffle(order)
        entry: dict[str, Any] = {"id": int(question.id), "version": int(question.version), "option_order": order}
        kind = kinds.get(question.type)
        values = kind.prepare(dict(question.data), shuffler) if kind is not None else None
        if values is not None:
            entry["drawn"] = values
        drawn.append(entry)
    started = now()
    values = {"quiz_id": int(quiz.id), "course_id": int(quiz.course_id), "user_id": request.user.id,
              "status": "in_progress", "started_at": started,
              "deadline_at": started + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None,
              "submitted_at": None, "questions": drawn, "answers": {}, "grades": {}, "score": None,
              "max_score": None, "percent": None, "passed": None, "in_progress_key": key}
    if not insert_ignore(request.db, attempts, values):
        raise Conflict("Finish the attempt in progress first.", code="learnomy_attempt_in_progress")
    row = request.db.execute(sa.select(attempts).where(attempts.c.in_progress_key == key)).one()
    return created(full(request, quiz, row, editor=False), location=f"/{NAMESPACE}/attempts/{row.id}")


def list_quiz_attempts(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    access, quiz = context.course, context.quiz
    attempts = tables(request)("attempts")
    query = sa.select(attempts).where(attempts.c.quiz_id == quiz.id)
    if not access.is_editor:
        query = query.where(attempts.c.user_id == request.user.id)
    return paginate(request, query, [(attempts.c.id, True)], lambda rows: [summary(r) for r in rows],
                    bound_to=[request.user.id])


def get_attempt(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    row = _expire_if_due(request, context.quiz, context.attempt)
    return full(request, context.quiz, row, editor=context.editor and int(row.user_id) != request.user.id)


def save_answers(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    row, quiz = context.attempt, context.quiz
    if row.status != "in_progress":
        raise AttemptSubmitted("This attempt is no longer in progress.")
    if not takes_answers(row):
        _finish(request, quiz, row)  # None: another request submitted it as it stood
        request.db.commit()  # the submission stands although this save is refused
        raise DeadlinePassed()
    return full(request, quiz, _store_answers(request, row, request.params["answers"]), editor=False)


def _checked_answers(request: RestRequest, row: Any, given: dict[str, Any]) -> dict[str, Any]:
    kinds = question_types(request)
    versions = version_data(request, [(q["id"], q["version"]) for q in row.questions])
    drawn = {str(q["id"]): (q["id"], q["version"]) for q in row.questions}
    problems, clean = [], {}
    for key, response in given.items():
        if key not in drawn:
            problems.append({"param": f"answers[{key}]", "code": "rest_invalid_param",
                             "message": "This question is not part of the attempt."})
            continue
        kind = kinds.get(versions[drawn[key]][0])
        schema = kind.response_schema if kind else {}
        problem = validate(response, schema, f"answers[{key}]") if response is not None else None
        if problem:
            problems.append(problem)
        else:
            clean[key] = sanitize(response, schema) if response is not None else None
    if problems:
        raise InvalidParams(details=problems)
    return clean


def submit_attempt(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    # Of simultaneous submits one grades and answers 200; the others answer 409, as a
    # later one does: the attempt is no longer in progress.
    finished = submit(request, context.quiz, context.attempt, request.params.get("answers") or {})
    return full(request, context.quiz, finished, editor=False)


def grade_attempt(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    # Grades as they are now: two graders at once neither lose nor double a grade.
    row, quiz = current(request, int(context.attempt.id)), context.quiz
    if row.status != "pending_review":
        raise Conflict("Only attempts pending review are graded by hand.", code="learnomy_attempt_not_pending")
    versions = version_data(request, [(q["id"], q["version"]) for q in row.questions])
    points_of = {str(q["id"]): float(versions[(q["id"], q["version"])][1].get("points", 1)) for q in row.questions}
    grades = dict(row.grades or {})
    problems = []
    for key, grade in request.params["grades"].items():
        if key not in points_of:
            problems.append({"param": f"grades[{key}]", "code": "rest_invalid_param",
                             "message": "This question is not part of the attempt."})
        elif not 0 <= grade["points"] <= points_of[key]:
            problems.append({"param": f"grades[{key}][points]", "code": "rest_out_of_bounds",
                             "message": f"points must be between 0 and {points_of[key]:g}."})
        else:
            grades[key] = {"points": float(grade["points"]), "fraction": grade["points"] / points_of[key] if points_of[key] else 1.0,
                           "status": "manual", "feedback": grade.get("feedback", "")}
    if problems:
        raise InvalidParams(details=problems)
    attempts = tables(request)("attempts")
    request.db.execute(sa.update(attempts).where(attempts.c.id == row.id).values(grades=grades))
    fresh = request.db.execute(sa.select(attempts).where(attempts.c.id == row.id)).one()
    finished = _finish(request, quiz, fresh)
    if finished is None:
        raise Conflict("The attempt changed meanwhile; grade it again.", code="learnomy_attempt_not_pending")
    return full(request, quiz, finished, editor=True)


def reset_attempt(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    row = context.attempt
    previous = summary(row)
    attempts = tables(request)("attempts")
    request.db.execute(sa.delete(attempts).where(attempts.c.id == row.id))
    emit(request, "quiz.attempt_reset", previous)
    return deleted(previous)


def quiz_results(request: RestRequest) -> Any:
    context = request.context_as(QuizContext)
    quiz = context.quiz
    attempts = tables(request)("attempts")
    rows = request.db.execute(sa.select(attempts).where(attempts.c.quiz_id == quiz.id,
                                                        attempts.c.status != "in_progress")).all()
    graded = [r for r in rows if r.percent is not None]
    difficulty: dict[str, list[float]] = {}
    for r in rows:
        for key, grade in (r.grades or {}).items():
            if grade.get("fraction") is not None:
                difficulty.setdefault(key, []).append(grade["fraction"])
    return {
        "quiz_id": int(quiz.id),
        "attempts": len(rows),
        "mean_score": round(sum(r.percent for r in graded) / len(graded), 2) if graded else None,
        "pass_rate": round(sum(1 for r in graded if r.passed) / len(graded), 4) if graded else None,
        "questions": [{"question_id": int(k), "answered": len(v), "correct_rate": round(sum(v) / len(v), 4)}
                      for k, v in sorted(difficulty.items(), key=lambda kv: int(kv[0]))],
    }


def my_attempts(request: RestRequest) -> Any:
    attempts = tables(request)("attempts")
    return paginate(request, sa.select(attempts).where(attempts.c.user_id == request.user.id),
                    [(attempts.c.id, True)], lambda rows: [summary(r) for r in rows], bound_to=[request.user.id])


def gradebook(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    access = context.course
    table = tables(request)
    enrollments, quizzes, attempts = table("enrollments"), table("quizzes"), table("attempts")
    quiz_rows = request.db.execute(sa.select(quizzes.c.id, quizzes.c.title).where(quizzes.c.course_id == access.id)
                                   .order_by(quizzes.c.position, quizzes.c.id)).all()
    query = sa.select(enrollments).where(enrollments.c.course_id == access.id, enrollments.c.live_key.is_not(None))

    def render(rows: list[Any]) -> list[dict[str, Any]]:
        users = [int(r.user_id) for r in rows]
        best: dict[tuple[int, int], Optional[float]] = {}
        if users:
            for user_id, quiz_id, percent in request.db.execute(
                    sa.select(attempts.c.user_id, attempts.c.quiz_id, sa.func.max(attempts.c.percent))
                    .where(attempts.c.course_id == access.id, attempts.c.user_id.in_(users))
                    .group_by(attempts.c.user_id, attempts.c.quiz_id)):
                best[(int(user_id), int(quiz_id))] = percent
        people = user_summaries(request, users)
        return [{"user": people.get(int(r.user_id), {"id": int(r.user_id)}), "progress_percent": r.progress_percent,
                 "grades": {str(q.id): best.get((int(r.user_id), int(q.id))) for q in quiz_rows}} for r in rows]

    return paginate(request, query, [(enrollments.c.id, False)], render,
                    meta={"quizzes": [{"id": int(q.id), "title": q.title} for q in quiz_rows]})


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    from .access import quiz_editor

    register(NAMESPACE, r"/quizzes/(?P<id>[\d]+)/attempts", [
        {"methods": CREATABLE, "callback": start_attempt, "permission_callback": quiz_enrolled(editors=False), "sensitive": True,
         "args": ID_ARG},
        {"methods": READABLE, "callback": list_quiz_attempts, "permission_callback": quiz_enrolled(),
         "args": {**ID_ARG, **LIST_ARGS}},
    ], schema=attempt_schema)
    register(NAMESPACE, r"/attempts/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_attempt, "permission_callback": _attempt_policy("either"),
         "args": ID_ARG},
        {"methods": DELETABLE, "callback": reset_attempt, "permission_callback": _attempt_policy("editor"),
         "args": ID_ARG},
    ], schema=attempt_schema)
    answers_arg = {"type": "object", "maxProperties": 1000}
    register(NAMESPACE, r"/attempts/(?P<id>[\d]+)/answers", {
        "methods": "PUT", "callback": save_answers, "permission_callback": _attempt_policy("student"),
        "args": {**ID_ARG, "answers": {**answers_arg, "required": True}},
    }, schema=attempt_schema)
    register(NAMESPACE, r"/attempts/(?P<id>[\d]+)/submit", {
        "methods": CREATABLE, "callback": submit_attempt, "permission_callback": _attempt_policy("student"),
        "args": {**ID_ARG, "answers": answers_arg},
    }, schema=attempt_schema)
    register(NAMESPACE, r"/attempts/(?P<id>[\d]+)/grade", {
        "methods": CREATABLE, "callback": grade_attempt, "permission_callback": _attempt_policy("editor"),
        "args": {**ID_ARG, "grades": {"type": "object", "required": True, "minProperties": 1, "additionalProperties": {
            "type": "object", "additionalProperties": False, "properties": {
                "points": {"type": "number", "minimum": 0, "required": True},
                "feedback": {"type": "string", "maxLength": 20000}}}}},
    }, schema=attempt_schema)
    register(NAMESPACE, r"/quizzes/(?P<id>[\d]+)/results", {
        "methods": READABLE, "callback": quiz_results, "permission_callback": quiz_editor("quiz"), "args": ID_ARG,
    }, schema=results_schema)
    register(NAMESPACE, "/me/quiz-attempts", {
        "methods": READABLE, "callback": my_attempts, "permission_callback": LOGGED_IN, "args": LIST_ARGS,
    }, schema=attempt_schema)
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/gradebook", {
        "methods": READABLE, "callback": gradebook, "permission_callback": editor_policy("course"),
        "args": {**ID_ARG, **LIST_ARGS},
    }, schema=gradebook_schema)
