"""The courses' table version (``catalog_0003``) is one row that every course creation,
deletion and status change writes: a force deletion takes it before the rows it
deletes, as a creation takes it (its course's insert) before the rows it adds."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.controllers.learning.test_progress import _waiting_for_a_lock
from tests.racing import race

API = "/wp-json/learnomy/v1"


def test_deleting_the_newest_course_while_one_is_created_deadlocks_nothing(
        make_app: Callable[..., LearnomyApp], people: Any, make_course: Any) -> None:
    """The deletion has deleted the newest course's instructors (on MySQL/MariaDB a lock
    on the gap after them, where the new course's instructor goes) when a course is
    created; it deletes the course itself once the creation waits. Had the deletion
    not taken the table version first, each waited for the other (a 500)."""
    course = make_course()
    deleting, creating = Client(make_app()), Client(make_app())
    app = deleting.application
    courses = app.tables["lrn_courses"].name  # type: ignore[attr-defined]
    midway, deleter = threading.Event(), threading.local()

    def pause(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if (getattr(deleter, "is_it", False) and not midway.is_set()
                and statement.lstrip().upper().startswith(f"DELETE FROM {courses.upper()} ")):
            midway.set()  # the course's own row next: everything hanging on it is gone
            if app.storage.is_sqlite:  # type: ignore[attr-defined]
                time.sleep(0.3)  # one writer: the creation waits for the whole deletion anyway
            else:
                deadline = time.monotonic() + 20
                while not _waiting_for_a_lock(app):  # type: ignore[arg-type]
                    assert time.monotonic() < deadline, "the creation never waited for the deletion"
                    time.sleep(0.02)

    def delete() -> Any:
        deleter.is_it = True
        return deleting.delete(f"{API}/courses/{course['id']}?force=true", headers=people["ivy"])

    def create_when_midway() -> Any:
        assert midway.wait(20)
        return creating.post(f"{API}/courses", json={"title": "New"}, headers=people["oscar"])

    engine = app.storage.engine  # type: ignore[attr-defined]
    sa.event.listen(engine, "before_cursor_execute", pause)
    try:
        deleted, created = race([delete, create_when_midway])
    finally:
        sa.event.remove(engine, "before_cursor_execute", pause)
    assert (deleted.status_code, created.status_code) == (200, 201), (deleted.json, created.json)
