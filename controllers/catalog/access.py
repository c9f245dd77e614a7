"""The catalog's data and the rules every catalog controller shares.

Owns the ``lrn_*`` tables of courses, taxonomy, curriculum and enrollments (and
their migration), and answers the questions each route asks: may this caller see
this course, edit it, read this lesson now?
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from learnomy_core import Policy, RestRequest, hookimpl
from learnomy_core.errors import ApiError, LessonLocked, NotEnrolled, NotFound, PrerequisitesUnmet
from learnomy_core.locks import lock_rows
from learnomy_core.storage import ID, LONGTEXT, TEXT_TABLE, built_once

NAMESPACE = "learnomy/v1"
ID_ARG: dict[str, dict[str, Any]] = {"id": {"type": "integer", "minimum": 1}}
STATUSES = ("draft", "pending", "publish", "private", "trash")
LEVELS = ("all", "beginner", "intermediate", "advanced")
PRICE_TYPES = ("free", "paid", "membership")
DRIP_MODES = ("none", "date", "after_enrollment", "sequential")
ENROLLMENT_STATUSES = ("active", "suspended", "completed", "expired", "cancelled")
ENROLLMENT_STATUS_FILTER = {"type": "string", "enum": list(ENROLLMENT_STATUSES)}
# An enrollment in one of these holds the user's one place in the course.
LIVE_STATUSES = ("active", "suspended", "completed")
# The event (``learnomy_event``) of a course deleted for good (``force=true``),
# emitted inside the deleting transaction before the catalog's own rows go: each
# plugin deletes or detaches its rows of course ``data["id"]`` there and then, so
# nothing of the course is left for anyone to reach. ``course.deleted`` follows.
COURSE_PURGED = "course.purged"
SECTION_DELETED = "section.deleted"
LESSON_DELETED = "lesson.deleted"


def now() -> datetime:
    """UTC now, naive (as stored), to the second."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def parse_time(value: Optional[str]) -> Optional[datetime]:
    """An RFC 3339 string (validated ``date-time``) as naive UTC."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.replace(microsecond=0)


def slugify(text: str) -> str:
    """WordPress-like ``sanitize_title``: lower case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:180] or "course"


def live_key(user_id: int, course_id: int, status: str) -> Optional[str]:
    """The unique key that lets the database hold one live enrollment per user and course."""
    return f"{user_id}:{course_id}" if status in LIVE_STATUSES else None


# -- tables --------------------------------------------------------------------

def catalog_tables(metadata: sa.MetaData, prefix: str) -> None:
    """Declare every catalog table (the migration ``free_0002`` creates them)."""
    def table(name: str, *columns: Any) -> sa.Table:
        return sa.Table(f"{prefix}lrn_{name}", metadata, *columns, **TEXT_TABLE)

    courses = table(
        "courses",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("slug", sa.String(191), nullable=False, unique=True),
        sa.Column("excerpt", LONGTEXT, nullable=False),
        sa.Column("description", LONGTEXT, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("author_id", ID, nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("language", sa.String(20), nullable=False),
        sa.Column("price_type", sa.String(20), nullable=False),
        sa.Column("price", sa.Integer, nullable=False),
        sa.Column("sale_price", sa.Integer, nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("thumbnail_url", sa.String(500), nullable=False),
        sa.Column("requirements", sa.JSON, nullable=False),
        sa.Column("outcomes", sa.JSON, nullable=False),
        sa.Column("max_students", sa.Integer, nullable=False),
        sa.Column("access_days", sa.Integer, nullable=False),
        sa.Column("drip_mode", sa.String(20), nullable=False),
        sa.Column("certificate_template_id", ID, nullable=True),
        sa.Column("student_count", sa.Integer, nullable=False),
        sa.Column("rating_count", sa.Integer, nullable=False),
        sa.Column("rating_sum", sa.Integer, nullable=False),
        sa.Column("rating_average", sa.Integer, nullable=False),  # hundredths, for keyset order
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("published_at", sa.DateTime, nullable=True),
        # Raised by triggers on every change the course's representation shows (catalog_0002).
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    )
    table(
        "course_instructors",
        sa.Column("course_id", ID, primary_key=True),
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("added_at", sa.DateTime, nullable=False),
    )
    table(
        "course_categories",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(191), nullable=False, unique=True),
        sa.Column("description", LONGTEXT, nullable=False),
        sa.Column("parent_id", ID, nullable=True),
    )
    table(
        "course_tags",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("slug", sa.String(191), nullable=False, unique=True),
    )
    for name, column in (("course_category_links", "category_id"), ("course_tag_links", "tag_id"),
                         ("course_prerequisites", "prerequisite_id")):
        table(
            name,
            sa.Column("course_id", ID, primary_key=True),
            sa.Column(column, ID, primary_key=True),
        )
    table(
        "sections",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("description", LONGTEXT, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    table(
        "lessons",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("section_id", ID, nullable=False, index=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("slug", sa.String(191), nullable=False),
        sa.Column("content", LONGTEXT, nullable=False),
        sa.Column("excerpt", LONGTEXT, nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("video", sa.JSON, nullable=True),
        sa.Column("attachments", sa.JSON, nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("is_preview", sa.Boolean, nullable=False),
        sa.Column("drip_days", sa.Integer, nullable=False),
        sa.Column("available_at", sa.DateTime, nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    table(
        "topics",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("lesson_id", ID, nullable=False, index=True),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("content", LONGTEXT, nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    enrollments = table(
        "enrollments",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID, nullable=False, index=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("enrolled_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=True),
        sa.Column("completed_at", sa.DateTime, nullable=True),
        sa.Column("progress_percent", sa.Integer, nullable=False),
        sa.Column("live_key", sa.String(64), nullable=True, unique=True),
        # Raised by triggers on every change of the enrollment, its completions and positions (catalog_0002).
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    )
    table(
        "completions",
        sa.Column("user_id", ID, primary_key=True),
        sa.Column("item_type", sa.String(20), primary_key=True),
        sa.Column("item_id", ID, primary_key=True),
        sa.Column("course_id", ID, nullable=False, index=True),
        sa.Column("completed_at", sa.DateTime, nullable=False),
    )

    # The catalog list's orders (status, then the order's column, then id) and the
    # enrollments of a course by status (free_0007).
    for column in ("created_at", "title", "student_count", "rating_average"):
        sa.Index(f"{courses.name}_status_{column}", courses.c.status, courses.c[column], courses.c.id)
    sa.Index(f"{enrollments.name}_course_status", enrollments.c.course_id, enrollments.c.status)
    # A student's rows of one course (catalog_0002): progress reads and the version triggers.
    sa.Index(f"{enrollments.name}_user_course", enrollments.c.user_id, enrollments.c.course_id)


def declare_tables(metadata: sa.MetaData, prefix: str) -> None:
    catalog_tables(metadata, prefix)


def tables(request: RestRequest) -> Callable[[str], sa.Table]:
    """``tables(request)("courses")`` is the ``lrn_courses`` table."""
    app_tables = request.app.tables
    return lambda name: app_tables[f"lrn_{name}"]


# -- courses and who may do what -------------------------------------------------

@dataclass
class CourseAccess:
    """A course as the caller sees it."""

    row: Any
    instructor_ids: list[int]
    is_editor: bool

    @property
    def id(self) -> int:
        return int(self.row.id)


def instructor_ids(db: Connection, table: sa.Table, course_ids: Iterable[int]) -> dict[int, list[int]]:
    """Instructors of each course, in one query."""
    ids = list(course_ids)
    found: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for course_id, user_id in db.execute(_instructors_query(table), {"lrn_ids": ids}):
            found[int(course_id)].append(int(user_id))
    return found


@built_once
def _instructors_query(table: sa.Table) -> sa.Select:
    """Built once: every course answer reads it."""
    return (sa.select(table.c.course_id, table.c.user_id)
            .where(table.c.course_id.in_(sa.bindparam("lrn_ids", expanding=True)))
            .order_by(table.c.added_at, table.c.user_id))


def is_editor(user: Any, instructors: list[int]) -> bool:
    return user is not None and (user.is_admin or user.id in instructors)


def may_see(user: Any, status: str, editor: bool) -> bool:
    """Published courses are public; every other status only to editors."""
    return status == "publish" or editor


def visible_courses(request: RestRequest, courses: sa.Table) -> Any:
    """The courses the caller may know exist, as a filter: published, plus those they
    edit; administrators all (:func:`may_see` for a list or a reference)."""
    user = request.user
    if user is not None and user.is_admin:
        return sa.true()
    if user is not None and user.is_instructor:
        mine = tables(request)("course_instructors")
        return sa.or_(courses.c.status == "publish",
                      courses.c.id.in_(sa.select(mine.c.course_id).where(mine.c.user_id == user.id)))
    return courses.c.status == "publish"


def lock_course(request: RestRequest, course_id: int) -> None:
    """Lock the course's row until the transaction ends: what must not interleave in
    one course (its force deletion against a creation's table version; Pro's drip
    rules against moves between its sections) takes it first."""
    courses = tables(request)("courses")
    lock_rows(request.db, sa.select(courses.c.id).where(courses.c.id == course_id))


def load_course(request: RestRequest, course_id: int) -> CourseAccess:
    """The course if the caller may know it exists; 404 otherwise."""
    table = tables(request)
    row = request.db.execute(_course_query(table("courses")), {"lrn_course": course_id}).first()
    if row is None:
        raise NotFound("Course not found.")
    instructors = instructor_ids(request.db, table("course_instructors"), [course_id])[course_id]
    editor = is_editor(request.user, instructors)
    if not may_see(request.user, row.status, editor):
        raise NotFound("Course not found.")
    return CourseAccess(row, instructors, editor)


@built_once
def _course_query(courses: sa.Table) -> sa.Select:
    """Built once: nearly every route reads a course."""
    return sa.select(courses).where(courses.c.id == sa.bindparam("lrn_course"))


def course_of(kind: str, request: RestRequest, item_id: int) -> tuple[CourseAccess, Any]:
    """``(course, item_row)`` for a section, lesson or topic id; 404 if unseen."""
    table = tables(request)
    if kind == "topic":
        topics, lessons = table("topics"), table("lessons")
        row = request.db.execute(
            sa.select(topics, lessons.c.course_id).join(lessons, lessons.c.id == topics.c.lesson_id)
            .where(topics.c.id == item_id)
        ).first()
    else:
        items = table(f"{kind}s")
        row = request.db.execute(sa.select(items).where(items.c.id == item_id)).first()
    if row is None:
        raise NotFound(f"{kind.capitalize()} not found.")
    return load_course(request, int(row.course_id)), row


@dataclass
class CourseContext:
    """What a course policy loaded for the callback: ``request.context_as(CourseContext)``.

    :ivar course: the course as the caller sees it.
    :ivar section: the section the path names (section routes).
    :ivar lesson: the lesson the path names, or the lesson of the topic it names.
    :ivar topic: the topic the path names (topic routes).
    :ivar enrollment: the caller's active enrollment (``enrolled`` policies;
        None for an editor who passes without one).
    :ivar lessons: the caller's lesson access in this course (reading policies).
    """

    course: CourseAccess
    section: Any = None
    lesson: Any = None
    topic: Any = None
    enrollment: Any = None
    lessons: Optional["LessonAccess"] = None


Locate = Callable[[RestRequest, int], CourseContext]


def course_context(kind: str) -> Locate:
    """How to load the context of a ``course``, ``section``, ``lesson`` or ``topic`` id (404 if unseen)."""

    def locate(request: RestRequest, item_id: int) -> CourseContext:
        if kind == "course":
            return CourseContext(load_course(request, item_id))
        access, row = course_of(kind, request, item_id)
        context = CourseContext(access, **{kind: row})
        if kind == "topic":
            lessons = tables(request)("lessons")
            context.lesson = request.db.execute(sa.select(lessons).where(lessons.c.id == row.lesson_id)).one()
        return context

    return locate


def editor_policy(kind: str, param: str = "id", *, locate: Optional[Locate] = None) -> Policy:
    """Editors (instructors of the course at hand) and administrators.

    ``kind`` says what ``param`` names: a ``course``, ``section``, ``lesson`` or
    ``topic`` (another area passes its own ``locate`` for its kinds: a quiz). A
    caller who may not see the course gets 404, one who may see it but not edit
    it 403. The callback reads what was loaded from ``request.context``.
    """
    find = locate or course_context(kind)

    def check(request: RestRequest) -> bool:
        context = request.context = find(request, request.params[param])
        return context.course.is_editor

    return Policy(f"course_editor({kind}:{param})", check)


def enrolled_policy(kind: str, param: str = "id", *, editors: bool = True, unlocked: bool = False,
                    locate: Optional[Locate] = None) -> Policy:
    """Students enrolled in the course at hand (active, unexpired, prerequisites met).

    With ``editors`` (the default), the course's instructors and administrators
    pass too, without an enrollment; without it, the route acts on the caller's
    own enrollment, so only an enrolled student passes. With ``unlocked``, the
    lesson the path names must also be open to them now (drip). A caller who
    may not see the course gets 404; one who may see it but is not enrolled 403,
    saying why (``learnomy_not_enrolled``, ``learnomy_enrollment_expired``,
    ``learnomy_prerequisites_unmet``, ``learnomy_lesson_locked_*``).
    """
    find = locate or course_context(kind)

    def check(request: RestRequest) -> bool:
        context = request.context = find(request, request.params[param])
        if editors and context.course.is_editor:
            return True
        if unlocked and context.lesson is not None:
            context.enrollment = unlocked_enrollment(request, context.course, context.lesson)
        else:
            context.enrollment = active_enrollment(request, context.course)
        return True

    name = "enrolled" if editors else "enrolled_student"
    return Policy(f"{name}({kind}:{param})", check)


# -- enrollment and access -------------------------------------------------------


def live_enrollment(db: Connection, table: Callable[[str], sa.Table], user_id: int, course_id: int) -> Any:
    enrollments = table("enrollments")
    return db.execute(sa.select(enrollments).where(
        enrollments.c.live_key == f"{user_id}:{course_id}")).first()


def unmet_prerequisites(db: Connection, table: Callable[[str], sa.Table], user_id: int, course_id: int) -> list[int]:
    """Prerequisite course ids the user has not completed."""
    prerequisites, enrollments = table("course_prerequisites"), table("enrollments")
    needed = [int(r[0]) for r in db.execute(
        sa.select(prerequisites.c.prerequisite_id).where(prerequisites.c.course_id == course_id))]
    if not needed:
        return []
    done = {int(r[0]) for r in db.execute(
        sa.select(enrollments.c.course_id).where(
            enrollments.c.user_id == user_id, enrollments.c.course_id.in_(needed),
            enrollments.c.status == "completed"))}
    return [c for c in needed if c not in done]


def active_enrollment(request: RestRequest, course: CourseAccess) -> Any:
    """The caller's active, unexpired enrollment in ``course``; 401/403 otherwise."""
    from learnomy_core.errors import NotLoggedIn

    if request.user is None:
        raise NotLoggedIn()
    table = tables(request)
    enrollment = live_enrollment(request.db, table, request.user.id, course.id)
    if enrollment is None or enrollment.status not in ("active", "completed"):
        raise NotEnrolled()
    if enrollment.expires_at is not None and enrollment.expires_at <= now():
        raise NotEnrolled("Your access to this course has expired.", code="learnomy_enrollment_expired")
    # An enrollment a plugin gave (commerce: a membership) may end with what gave it.
    if request.app.plugins.hook.learnomy_enrollment_lapsed(request=request, enrollment=enrollment, course=course.row):
        raise NotEnrolled("Your access to this course has ended.", code="learnomy_enrollment_expired")
    if unmet_prerequisites(request.db, table, request.user.id, course.id):
        raise PrerequisitesUnmet()
    return enrollment


def ordered_lessons(db: Connection, table: Callable[[str], sa.Table], course_id: int) -> list[Any]:
    """The course's lessons in curriculum order (section position, then lesson position)."""
    lessons, sections = table("lessons"), table("sections")
    return list(db.execute(
        sa.select(lessons).join(sections, sections.c.id == lessons.c.section_id)
        .where(lessons.c.course_id == course_id)
        .order_by(sections.c.position, sections.c.id, lessons.c.position, lessons.c.id)
    ))


def lock_of(course_row: Any, lesson: Any, enrollment: Any, previous_done: bool) -> Optional[dict[str, Any]]:
    """Why ``lesson`` is still locked by drip (``{reason, unlocks_at}``), or None."""
    mode = course_row.drip_mode
    if mode == "date" and lesson.available_at is not None and lesson.available_at > now():
        return {"reason": "drip_date", "unlocks_at": lesson.available_at}
    if mode == "after_enrollment" and lesson.drip_days:
        unlocks = enrollment.enrolled_at + timedelta(days=int(lesson.drip_days))
        if unlocks > now():
            return {"reason": "drip_after_enrollment", "unlocks_at": unlocks}
    if mode == "sequential" and not previous_done:
        return {"reason": "sequential", "unlocks_at": None}
    return None


def completed_lessons(db: Connection, table: Callable[[str], sa.Table], user_id: int, course_id: int) -> set[int]:
    completions = table("completions")
    return {int(r[0]) for r in db.execute(
        sa.select(completions.c.item_id).where(
            completions.c.user_id == user_id, completions.c.course_id == course_id,
            completions.c.item_type == "lesson"))}


def lesson_locks(request: RestRequest, course: CourseAccess, enrollment: Any) -> tuple[dict[int, Any], set[int]]:
    """Each lesson's drip lock for the enrolled caller, and the lessons they completed."""
    table = tables(request)
    done = completed_lessons(request.db, table, request.user.id, course.id)
    locks: dict[int, Any] = {}
    previous_done = True
    lessons = ordered_lessons(request.db, table, course.id)
    for lesson in lessons:
        locks[int(lesson.id)] = lock_of(course.row, lesson, enrollment, previous_done)
        previous_done = previous_done and int(lesson.id) in done
    answers: dict[int, list[dict[str, Any]]] = {}
    for answer in request.app.plugins.hook.learnomy_lesson_locks(
            request=request, course=course.row, enrollment=enrollment, lessons=lessons):
        for lesson_id, lock in (answer or {}).items():
            if lesson_id in locks:
                answers.setdefault(lesson_id, []).append(lock)
    for lesson_id, given in answers.items():
        # Free's own drip lock is kept when it applies.
        locks[lesson_id] = locks[lesson_id] or last_lock(given)
    return locks, done


def last_lock(locks: Iterable[Optional[dict[str, Any]]]) -> Optional[dict[str, Any]]:
    """Of several locks on one item (``{reason, unlocks_at}``; None: no lock), the one
    unlocking last; a lock with ``unlocks_at`` None opens on no date, so it is last."""
    found: Optional[dict[str, Any]] = None
    for lock in locks:
        if lock is None:
            continue
        if found is None or (found.get("unlocks_at") is not None and (
                lock.get("unlocks_at") is None or lock["unlocks_at"] > found["unlocks_at"])):
            found = lock
    return found


def unlocked_enrollment(request: RestRequest, course: CourseAccess, lesson: Any) -> Any:
    """The caller's enrollment, once ``lesson`` is unlocked for them (never bypassed)."""
    enrollment = active_enrollment(request, course)
    locks, _ = lesson_locks(request, course, enrollment)
    _refuse_if_locked(locks.get(int(lesson.id)))
    return enrollment


def _refuse_if_locked(lock: Optional[dict[str, Any]]) -> None:
    if lock is not None:
        raise LessonLocked(details=[lock], code=f"learnomy_lesson_locked_{lock['reason']}")


class LessonAccess:
    """Which lessons of one course the caller may open now: the one rule, decided once.

    Editors open every lesson, everyone opens preview lessons, and an enrolled
    student (active, unexpired, prerequisites met) opens the lessons drip has
    unlocked. The lesson route asks :meth:`check` (and answers why not); lesson
    outlines ask :meth:`opens` for each lesson (and show media only then), from
    the same few queries whatever the number of lessons.
    """

    def __init__(self, request: RestRequest, course: CourseAccess) -> None:
        self.request = request
        self.course = course

    @cached_property
    def _student(self) -> tuple[Optional[ApiError], Optional[tuple[dict[int, Any], set[int]]]]:
        """``(why the caller has no access, (drip locks, completed lessons))``; one is None."""
        try:
            enrollment = active_enrollment(self.request, self.course)
        except ApiError as refusal:
            return refusal, None
        return None, lesson_locks(self.request, self.course, enrollment)

    @property
    def progress(self) -> Optional[tuple[dict[int, Any], set[int]]]:
        """Drip locks and completed lessons for an enrolled student; None for editors and visitors."""
        if self.request.user is None or self.course.is_editor:
            return None
        return self._student[1]

    def check(self, lesson: Any) -> None:
        """Raise unless the caller may read ``lesson``'s content now (401/403 saying why)."""
        if self.course.is_editor or lesson.is_preview:
            return
        refusal, view = self._student
        if refusal is not None:
            raise refusal
        _refuse_if_locked(view[0].get(int(lesson.id)) if view is not None else None)

    def opens(self, lesson: Any) -> bool:
        """Whether the caller may open ``lesson`` now."""
        try:
            self.check(lesson)
        except ApiError:
            return False
        return True


def student_record(request: RestRequest, table_name: str, what: str) -> tuple[Any, bool, bool]:
    """``(row, own, editor)`` for a student's record (enrollment, attempt, certificate).

    The record's own student and the editors of its course may know it exists;
    anyone else gets 404.
    """
    table = tables(request)
    records = table(table_name)
    row = request.db.execute(sa.select(records).where(records.c.id == request.params["id"])).first()
    if row is None:
        raise NotFound(f"{what} not found.")
    teachers = instructor_ids(request.db, table("course_instructors"), [int(row.course_id)])[int(row.course_id)]
    editor = is_editor(request.user, teachers)
    own = int(row.user_id) == request.user.id
    if not (own or editor):
        raise NotFound(f"{what} not found.")
    return row, own, editor


@dataclass
class RecordContext:
    """A student's record the policy loaded (an enrollment, a certificate, ...).

    :ivar record: the row.
    :ivar own: the caller is the record's student.
    :ivar editor: the caller edits the record's course.
    """

    record: Any
    own: bool
    editor: bool


def record_policy(name: str, table_name: str, what: str, *, editors_only: bool = False) -> Policy:
    """The record's own student or its course's editors (only editors with ``editors_only``).

    Anyone else gets 404, an own student of an editors-only route 403. The
    callback reads :class:`RecordContext`.
    """

    def check(request: RestRequest) -> bool:
        context = request.context = RecordContext(*student_record(request, table_name, what))
        return context.editor or not editors_only

    return Policy(name, check)
