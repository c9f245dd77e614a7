"""Curriculum routes: sections, lessons and topics, their order, and who may read
lesson content (editors always; enrolled students once drip and prerequisites
allow; preview lessons everyone). Outlines (the curriculum, a section's lessons)
show a lesson's media URLs only to those who may open it (:func:`lesson_outline`)."""

from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

from learnomy_core import (
    ALLOW_BATCH,
    CREATABLE,
    DELETABLE,
    EDITABLE,
    PUBLIC,
    READABLE,
    Policy,
    RestRequest,
    created,
    deleted,
    hookimpl,
)
from learnomy_core.cursors import LIST_ARGS, paginate
from learnomy_core.errors import InvalidParams
from learnomy_core.events import emit
from learnomy_core.html import sanitize_html
from learnomy_core.openapi import BOOL, ID, INT, STR, TIME, array_of, nullable, obj, resource_schema
from learnomy_core.params import joined_problems
from learnomy_core.storage import inserted_id

from .access import (
    LESSON_DELETED,
    SECTION_DELETED,
    ID_ARG,
    NAMESPACE,
    CourseAccess,
    LessonAccess,
    course_of,
    CourseContext,
    course_context,
    editor_policy,
    load_course,
    parse_time,
    slugify,
    tables,
)

ORDER_ARG = {"order": {"type": "array", "items": {"type": "integer", "minimum": 1}, "uniqueItems": True,
                       "minItems": 1, "maxItems": 1000, "required": True}}
SECTION_ARGS = {
    "title": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": {"type": "string", "maxLength": 20000},
}
LESSON_ARGS = {
    "title": {"type": "string", "minLength": 1, "maxLength": 255},
    "content": {"type": "string", "maxLength": 500000},
    "excerpt": {"type": "string", "maxLength": 5000},
    "type": {"type": "string", "enum": ["text", "video"]},
    "video": {"type": ["object", "null"], "additionalProperties": False, "properties": {
        "provider": {"type": "string", "enum": ["youtube", "vimeo", "html5", "external"], "required": True},
        "url": {"type": "string", "format": "uri", "maxLength": 500, "required": True},
        "duration_seconds": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
    }},
    "attachments": {"type": "array", "maxItems": 50, "items": {
        "type": "object", "additionalProperties": False, "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 255, "required": True},
            "url": {"type": "string", "format": "uri", "maxLength": 500, "required": True},
        }}},
    "duration_minutes": {"type": "integer", "minimum": 0, "maximum": 100000},
    "is_preview": {"type": "boolean"},
    "drip_days": {"type": "integer", "minimum": 0, "maximum": 3650},
    "available_at": {"type": ["string", "null"], "format": "date-time"},
}
TOPIC_ARGS = {
    "title": {"type": "string", "minLength": 1, "maxLength": 255},
    "content": {"type": "string", "maxLength": 500000},
    "duration_minutes": {"type": "integer", "minimum": 0, "maximum": 100000},
}


def _required(args: dict[str, Any], *names: str) -> dict[str, Any]:
    return {**args, **{n: {**args[n], "required": True} for n in names}}


# -- resources ----------------------------------------------------------------------

def section_schema() -> dict[str, Any]:
    """A section of a course's curriculum."""
    return resource_schema("section", _SECTION, embed=("id", "title"))


_SECTION = {"id": ID, "course_id": INT, "title": STR, "description": STR, "position": INT}
_LESSON = {
    "id": ID, "course_id": INT, "section_id": INT, "title": STR, "slug": STR, "excerpt": STR,
    "type": STR, "video": nullable(obj({"provider": STR, "url": nullable(STR), "duration_seconds": INT})),
    "attachments": array_of(obj({"title": STR, "url": nullable(STR)})), "duration_minutes": INT,
    "is_preview": BOOL, "drip_days": INT, "available_at": nullable(TIME), "position": INT,
    "content": {"type": "string", "description": "The body: on the lesson and on creation, not in outlines."},
    "completed": {"type": "boolean", "description": "For an enrolled student."},
    "locked": {**nullable(obj({"reason": STR, "unlocks_at": nullable(TIME)})),
               "description": "Why an enrolled student cannot open it yet; null when open."},
}
_LESSON_REQUIRED = [name for name in _LESSON if name not in ("content", "completed", "locked")]


def lesson_schema() -> dict[str, Any]:
    """A lesson: the whole of it, or its outline (no body)."""
    return resource_schema("lesson", _LESSON, required=_LESSON_REQUIRED, embed=("id", "title", "type"))


def curriculum_schema() -> dict[str, Any]:
    """A section in the curriculum, with the outlines of its lessons."""
    topic = {k: v for k, v in topic_schema().items() if k in ("type", "properties", "required", "additionalProperties")}
    lesson = {"type": "object", "properties": {**lesson_schema()["properties"], "topics": array_of(topic)},
              "required": [*_LESSON_REQUIRED, "topics"], "additionalProperties": False}
    return resource_schema("curriculum_section", {**_SECTION, "lessons": array_of(lesson)}, embed=("id", "title"))


def topic_schema() -> dict[str, Any]:
    """A topic of a lesson."""
    return resource_schema("topic", {
        "id": ID, "lesson_id": INT, "title": STR, "duration_minutes": INT, "position": INT,
        "content": {"type": "string", "description": "The body, where the caller may read it."},
    }, required=("id", "lesson_id", "title", "duration_minutes", "position"), embed=("id", "title"))


def section_resource(row: Any) -> dict[str, Any]:
    return {"id": int(row.id), "course_id": int(row.course_id), "title": row.title,
            "description": row.description, "position": row.position}


def lesson_resource(row: Any, *, with_content: bool) -> dict[str, Any]:
    """The whole lesson, media included: for callers who may open it."""
    lesson = {
        "id": int(row.id), "course_id": int(row.course_id), "section_id": int(row.section_id),
        "title": row.title, "slug": row.slug, "excerpt": row.excerpt, "type": row.type,
        "video": row.video, "attachments": row.attachments or [], "duration_minutes": row.duration_minutes,
        "is_preview": bool(row.is_preview), "drip_days": row.drip_days, "available_at": row.available_at,
        "position": row.position,
    }
    if with_content:
        lesson["content"] = row.content
    return lesson


def lesson_outline(row: Any, access: LessonAccess) -> dict[str, Any]:
    """A lesson in an outline (curriculum, section lists): every outline is rendered here.

    No body; media only for callers who may open the lesson (``access``):
    otherwise ``video.url`` and each attachment's ``url`` are null, so the outline
    still says there is a 12-minute video and two handouts without handing out
    what the lesson route would refuse. An enrolled student also sees
    ``completed`` and ``locked``.
    """
    lesson = lesson_resource(row, with_content=False)
    if not access.opens(row):
        lesson["video"] = {**row.video, "url": None} if row.video else row.video
        lesson["attachments"] = [{**attachment, "url": None} for attachment in lesson["attachments"]]
    return _with_progress(lesson, access.progress)


def topic_resource(row: Any, *, with_content: bool) -> dict[str, Any]:
    topic = {"id": int(row.id), "lesson_id": int(row.lesson_id), "title": row.title,
             "duration_minutes": row.duration_minutes, "position": row.position}
    if with_content:
        topic["content"] = row.content
    return topic


def _with_progress(lesson: dict[str, Any], view: Optional[tuple[dict[int, Any], set[int]]]) -> dict[str, Any]:
    if view is not None:
        locks, done = view
        lesson["completed"] = lesson["id"] in done
        lesson["locked"] = locks.get(lesson["id"])
    return lesson


def curriculum_of(request: RestRequest, access: CourseAccess) -> list[dict[str, Any]]:
    """Sections, lessons and topics in order, without bodies; three queries."""
    table = tables(request)
    sections, lessons, topics = table("sections"), table("lessons"), table("topics")
    db = request.db
    section_rows = list(db.execute(sa.select(sections).where(sections.c.course_id == access.id)
                                   .order_by(sections.c.position, sections.c.id)))
    lesson_rows = list(db.execute(sa.select(lessons).where(lessons.c.course_id == access.id)
                                  .order_by(lessons.c.position, lessons.c.id)))
    topic_rows = list(db.execute(
        sa.select(topics).where(topics.c.lesson_id.in_(sa.select(lessons.c.id).where(lessons.c.course_id == access.id)))
        .order_by(topics.c.position, topics.c.id)))
    lesson_access = LessonAccess(request, access)
    topics_of: dict[int, list[dict[str, Any]]] = {}
    for row in topic_rows:
        topics_of.setdefault(int(row.lesson_id), []).append(topic_resource(row, with_content=False))
    lessons_of: dict[int, list[dict[str, Any]]] = {}
    for row in lesson_rows:
        lesson = lesson_outline(row, lesson_access)
        lesson["topics"] = topics_of.get(int(row.id), [])
        lessons_of.setdefault(int(row.section_id), []).append(lesson)
    return [{**section_resource(row), "lessons": lessons_of.get(int(row.id), [])} for row in section_rows]


# -- reading policies -------------------------------------------------------------------

def _reader(kind: str) -> Policy:
    """Lesson or topic content: editors, preview lessons, or enrolled and unlocked students."""

    locate = course_context(kind)

    def check(request: RestRequest) -> bool:
        context = request.context = locate(request, request.params["id"])
        context.lessons = LessonAccess(request, context.course)
        context.lessons.check(context.lesson)
        return True

    return Policy(f"enrolled_or_preview({kind}:id)", check, requires_login=False)


# -- sections ---------------------------------------------------------------------------

def _next_position(request: RestRequest, table: sa.Table, column: str, parent_id: int) -> int:
    highest = request.db.execute(sa.select(sa.func.max(table.c.position)).where(table.c[column] == parent_id)).scalar()
    return 1 if highest is None else int(highest) + 1


def list_sections(request: RestRequest) -> Any:
    access = load_course(request, request.params["id"])
    sections = tables(request)("sections")
    query = sa.select(sections).where(sections.c.course_id == access.id)
    return paginate(request, query, [(sections.c.position, False), (sections.c.id, False)],
                    lambda rows: [section_resource(r) for r in rows])


def create_section(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    access = context.course
    sections = tables(request)("sections")
    values = {"course_id": access.id, "title": request.params["title"],
              "description": sanitize_html(request.params.get("description", "")),
              "position": _next_position(request, sections, "course_id", access.id)}
    new_id = inserted_id(request.db.execute(sa.insert(sections).values(**values)))
    row = request.db.execute(sa.select(sections).where(sections.c.id == new_id)).one()
    return created(section_resource(row), location=f"/{NAMESPACE}/sections/{new_id}")


def update_section(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    sections = tables(request)("sections")
    changes = {k: request.params[k] for k in SECTION_ARGS if k in request.params}
    if "description" in changes:
        changes["description"] = sanitize_html(changes["description"])
    if changes:
        request.db.execute(sa.update(sections).where(sections.c.id == context.section.id).values(**changes))
    return section_resource(request.db.execute(sa.select(sections).where(sections.c.id == context.section.id)).one())


def _delete_lessons(request: RestRequest, lesson_ids: Any) -> None:
    table = tables(request)
    topics, completions, lessons = table("topics"), table("completions"), table("lessons")
    request.db.execute(sa.delete(topics).where(topics.c.lesson_id.in_(lesson_ids)))
    request.db.execute(sa.delete(completions).where(completions.c.item_type == "lesson",
                                                    completions.c.item_id.in_(lesson_ids)))
    request.db.execute(sa.delete(lessons).where(lessons.c.id.in_(lesson_ids)))


def delete_section(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    table = tables(request)
    sections, lessons = table("sections"), table("lessons")
    previous = section_resource(context.section)
    ids = [int(r[0]) for r in request.db.execute(sa.select(lessons.c.id).where(lessons.c.section_id == context.section.id))]
    # Before the rows go, inside this transaction: what other areas hang on the
    # section (its quizzes) or its lessons (resume positions) goes with them.
    emit(request, SECTION_DELETED, {**previous, "lesson_ids": ids})
    if ids:
        _delete_lessons(request, ids)
    request.db.execute(sa.delete(sections).where(sections.c.id == context.section.id))
    return deleted(previous)


def _bad_order(message: str) -> InvalidParams:
    return InvalidParams(details=[{"param": "order", "code": "rest_invalid_param", "message": message}])


def reorder_sections(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    access = context.course
    sections = tables(request)("sections")
    current = {int(r[0]) for r in request.db.execute(sa.select(sections.c.id).where(sections.c.course_id == access.id))}
    order = request.params["order"]
    if set(order) != current:
        raise _bad_order("order must name exactly the course's sections, each once.")
    for position, section_id in enumerate(order, start=1):
        request.db.execute(sa.update(sections).where(sections.c.id == section_id).values(position=position))
    rows = request.db.execute(sa.select(sections).where(sections.c.course_id == access.id)
                              .order_by(sections.c.position)).all()
    return [section_resource(r) for r in rows]


# -- lessons ----------------------------------------------------------------------------

def _lesson_values(request: RestRequest, existing: Any = None) -> dict[str, Any]:
    params = request.params
    values = {k: params[k] for k in LESSON_ARGS if k in params}
    for field in ("content", "excerpt"):
        if field in values:
            values[field] = sanitize_html(values[field])
    if "available_at" in values:
        values["available_at"] = parse_time(values["available_at"])
    if values.get("type") == "video" and not (values.get("video") or (existing is not None and existing.video)):
        raise InvalidParams(details=[{"param": "video", "code": "rest_property_required",
                                      "message": "A video lesson needs video.provider and video.url."}])
    return values


def list_lessons(request: RestRequest) -> Any:
    access, section = course_of("section", request, request.params["id"])
    lessons = tables(request)("lessons")
    lesson_access = LessonAccess(request, access)
    query = sa.select(lessons).where(lessons.c.section_id == section.id)
    return paginate(request, query, [(lessons.c.position, False), (lessons.c.id, False)],
                    lambda rows: [lesson_outline(r, lesson_access) for r in rows])


def create_lesson(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    access, section = context.course, context.section
    lessons = tables(request)("lessons")
    values = {"title": "", "content": "", "excerpt": "", "type": "text", "video": None, "attachments": [],
              "duration_minutes": 0, "is_preview": False, "drip_days": 0, "available_at": None,
              **_lesson_values(request)}
    values.update(course_id=access.id, section_id=section.id, slug=slugify(values["title"]),
                  position=_next_position(request, lessons, "section_id", section.id))
    new_id = inserted_id(request.db.execute(sa.insert(lessons).values(**values)))
    row = request.db.execute(sa.select(lessons).where(lessons.c.id == new_id)).one()
    return created(lesson_resource(row, with_content=True), location=f"/{NAMESPACE}/lessons/{new_id}")


def get_lesson(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    lesson = lesson_resource(context.lesson, with_content=True)
    return _with_progress(lesson, context.lessons.progress if context.lessons is not None else None)


def update_lesson(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    lessons = tables(request)("lessons")
    values = _lesson_values(request, context.lesson)
    if "title" in values:
        values["slug"] = slugify(values["title"])
    if values:
        request.db.execute(sa.update(lessons).where(lessons.c.id == context.lesson.id).values(**values))
    row = request.db.execute(sa.select(lessons).where(lessons.c.id == context.lesson.id)).one()
    return lesson_resource(row, with_content=True)


def delete_lesson(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    previous = lesson_resource(context.lesson, with_content=True)
    emit(request, LESSON_DELETED, previous)
    _delete_lessons(request, [context.lesson.id])
    return deleted(previous)


def reorder_lessons(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    access, section = context.course, context.section
    lessons = tables(request)("lessons")
    order = request.params["order"]
    rows = {int(r.id): r for r in request.db.execute(sa.select(lessons).where(lessons.c.id.in_(order)))}
    in_section = {int(r[0]) for r in request.db.execute(sa.select(lessons.c.id).where(lessons.c.section_id == section.id))}
    if any(int(rows[i].course_id) != access.id for i in rows) or len(rows) != len(order):
        raise _bad_order("order may only name lessons of this course.")
    if not in_section <= set(order):
        raise _bad_order("order must keep every lesson of the section; move one out from its new section.")
    # Lessons coming from another section: what other areas hang on a lesson's
    # section (Pro's drip rules) may refuse the move, before anything moves.
    moves = [{"type": "lesson", "id": lesson_id, "section_id": int(section.id), "param": f"order[{index}]"}
             for index, lesson_id in enumerate(order) if int(rows[lesson_id].section_id) != section.id]
    if moves:
        problems = joined_problems(request.app.plugins.hook.learnomy_check_curriculum(
            request=request, course_id=int(access.id), moves=moves))
        if problems:
            raise InvalidParams(details=problems)
    for position, lesson_id in enumerate(order, start=1):
        request.db.execute(sa.update(lessons).where(lessons.c.id == lesson_id)
                           .values(position=position, section_id=section.id))
    result = request.db.execute(sa.select(lessons).where(lessons.c.section_id == section.id)
                                .order_by(lessons.c.position)).all()
    lesson_access = LessonAccess(request, access)  # an editor's: every lesson opens
    return [lesson_outline(r, lesson_access) for r in result]


# -- topics -----------------------------------------------------------------------------

def list_topics(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    topics = tables(request)("topics")
    query = sa.select(topics).where(topics.c.lesson_id == context.lesson.id)
    return paginate(request, query, [(topics.c.position, False), (topics.c.id, False)],
                    lambda rows: [topic_resource(r, with_content=True) for r in rows])


def _topic_values(request: RestRequest) -> dict[str, Any]:
    values = {k: request.params[k] for k in TOPIC_ARGS if k in request.params}
    if "content" in values:
        values["content"] = sanitize_html(values["content"])
    return values


def create_topic(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    lesson = context.lesson
    topics = tables(request)("topics")
    values = {"content": "", "duration_minutes": 0, **_topic_values(request), "lesson_id": lesson.id,
              "position": _next_position(request, topics, "lesson_id", lesson.id)}
    new_id = inserted_id(request.db.execute(sa.insert(topics).values(**values)))
    row = request.db.execute(sa.select(topics).where(topics.c.id == new_id)).one()
    return created(topic_resource(row, with_content=True), location=f"/{NAMESPACE}/topics/{new_id}")


def get_topic(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    return topic_resource(context.topic, with_content=True)


def update_topic(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    topics = tables(request)("topics")
    values = _topic_values(request)
    if values:
        request.db.execute(sa.update(topics).where(topics.c.id == context.topic.id).values(**values))
    return topic_resource(request.db.execute(sa.select(topics).where(topics.c.id == context.topic.id)).one(),
                          with_content=True)


def delete_topic(request: RestRequest) -> Any:
    context = request.context_as(CourseContext)
    topics = tables(request)("topics")
    previous = topic_resource(context.topic, with_content=True)
    request.db.execute(sa.delete(topics).where(topics.c.id == context.topic.id))
    return deleted(previous)


def register_routes(registry: Any) -> None:
    register = registry.register_rest_route
    course_editor, section_editor = editor_policy("course"), editor_policy("section")
    lesson_editor, topic_editor = editor_policy("lesson"), editor_policy("topic")
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/sections", [
        {"methods": READABLE, "callback": list_sections, "permission_callback": PUBLIC, "args": {**ID_ARG, **LIST_ARGS}},
        {"methods": CREATABLE, "callback": create_section, "allow_batch": ALLOW_BATCH, "permission_callback": course_editor,
         "idempotent": True, "args": {**ID_ARG, **_required(SECTION_ARGS, "title")}},
    ], schema=section_schema)
    register(NAMESPACE, r"/courses/(?P<id>[\d]+)/sections/reorder", {
        "methods": CREATABLE, "callback": reorder_sections, "permission_callback": course_editor,
        "args": {**ID_ARG, **ORDER_ARG},
        "answers": "items",
    }, schema=section_schema)
    register(NAMESPACE, r"/sections/(?P<id>[\d]+)", [
        {"methods": EDITABLE, "callback": update_section, "allow_batch": ALLOW_BATCH, "permission_callback": section_editor,
         "args": {**ID_ARG, **SECTION_ARGS}},
        {"methods": DELETABLE, "callback": delete_section, "allow_batch": ALLOW_BATCH, "permission_callback": section_editor, "args": ID_ARG},
    ], schema=section_schema)
    register(NAMESPACE, r"/sections/(?P<id>[\d]+)/lessons", [
        {"methods": READABLE, "callback": list_lessons, "permission_callback": PUBLIC, "args": {**ID_ARG, **LIST_ARGS}},
        {"methods": CREATABLE, "callback": create_lesson, "allow_batch": ALLOW_BATCH, "permission_callback": section_editor,
         "idempotent": True, "args": {**ID_ARG, **_required(LESSON_ARGS, "title")}},
    ], schema=lesson_schema)
    register(NAMESPACE, r"/sections/(?P<id>[\d]+)/lessons/reorder", {
        "methods": CREATABLE, "callback": reorder_lessons, "permission_callback": section_editor,
        "args": {**ID_ARG, **ORDER_ARG},
        "answers": "items",
    }, schema=lesson_schema)
    register(NAMESPACE, r"/lessons/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_lesson, "permission_callback": _reader("lesson"), "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_lesson, "allow_batch": ALLOW_BATCH, "permission_callback": lesson_editor,
         "args": {**ID_ARG, **LESSON_ARGS}},
        {"methods": DELETABLE, "callback": delete_lesson, "allow_batch": ALLOW_BATCH, "permission_callback": lesson_editor, "args": ID_ARG},
    ], schema=lesson_schema)
    register(NAMESPACE, r"/lessons/(?P<id>[\d]+)/topics", [
        {"methods": READABLE, "callback": list_topics, "permission_callback": _reader("lesson"),
         "args": {**ID_ARG, **LIST_ARGS}},
        {"methods": CREATABLE, "callback": create_topic, "allow_batch": ALLOW_BATCH, "permission_callback": lesson_editor,
         "idempotent": True, "args": {**ID_ARG, **_required(TOPIC_ARGS, "title")}},
    ], schema=topic_schema)
    register(NAMESPACE, r"/topics/(?P<id>[\d]+)", [
        {"methods": READABLE, "callback": get_topic, "permission_callback": _reader("topic"), "args": ID_ARG},
        {"methods": EDITABLE, "callback": update_topic, "allow_batch": ALLOW_BATCH, "permission_callback": topic_editor,
         "args": {**ID_ARG, **TOPIC_ARGS}},
        {"methods": DELETABLE, "callback": delete_topic, "allow_batch": ALLOW_BATCH, "permission_callback": topic_editor, "args": ID_ARG},
    ], schema=topic_schema)
