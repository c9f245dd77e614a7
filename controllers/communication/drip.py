""""A lesson is open": notifications for lessons that drip opens after enrollment.

When a student is enrolled in a course whose lessons open a number of days after
enrollment, one job per such lesson is queued for the moment it opens; the job
notifies the student then, if they are still enrolled.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from learnomy_core import RestRequest
from learnomy_core.jobs import JobContext, JobKind, enqueue

from .notifications import notify

UNLOCK_JOB = "lesson.unlocked"


def on_event(request: RestRequest, event: str, data: Any) -> None:
    if event != "enrollment.created" or not isinstance(data, dict) or "id" not in data:
        return
    t = request.app.tables
    enrollments, courses, lessons = t["lrn_enrollments"], t["lrn_courses"], t["lrn_lessons"]
    enrollment = request.db.execute(sa.select(enrollments).where(enrollments.c.id == data["id"])).first()
    if enrollment is None:
        return
    mode = request.db.execute(sa.select(courses.c.drip_mode).where(courses.c.id == enrollment.course_id)).scalar()
    if mode != "after_enrollment":
        return
    for lesson_id, days in request.db.execute(sa.select(lessons.c.id, lessons.c.drip_days).where(
            lessons.c.course_id == enrollment.course_id, lessons.c.drip_days > 0)).all():
        enqueue(request.db, UNLOCK_JOB,
                {"enrollment_id": int(enrollment.id), "lesson_id": int(lesson_id)},
                run_at=enrollment.enrolled_at + timedelta(days=int(days)),
                dedupe_key=f"unlock:{enrollment.id}:{lesson_id}")


def unlocked(job: JobContext) -> None:
    t = job.app.tables
    enrollments, lessons = t["lrn_enrollments"], t["lrn_lessons"]
    enrollment = job.db.execute(sa.select(enrollments).where(
        enrollments.c.id == job.payload["enrollment_id"])).first()
    lesson = job.db.execute(sa.select(lessons).where(lessons.c.id == job.payload["lesson_id"])).first()
    if enrollment is None or lesson is None or enrollment.status not in ("active", "completed"):
        return  # left the course, or the lesson is gone: nothing to tell
    notify(job.db, job.app, UNLOCK_JOB, [int(enrollment.user_id)],
           {"user_id": int(enrollment.user_id), "course_id": int(enrollment.course_id), "lesson_id": int(lesson.id),
            "title": lesson.title})


def job_kinds() -> dict[str, JobKind]:
    return {UNLOCK_JOB: JobKind(unlocked)}
