"""Build the benchmark's data set fast: one bcrypt hash, bulk inserts.

Default size: 2,000 users, 10,000 published courses (two sections of three
lessons each), 100,000 enrollments. ``quick`` is a tenth of that. ``scale=10``
makes ten times the users and enrollments (the scaling measures). On SQLite
(a file under ``bench/results``) or on a MySQL/MariaDB server (a database of
its own, ``<database>_bench_<size>`` after the URL's database, or
``learnomy_bench_<size>`` when it names none; dropped and made again).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterable, Optional

import sqlalchemy as sa

from learnomy_core import LearnomyApp, create_app
from learnomy_core.identity.app_passwords import generate
from learnomy_core.identity.passwords import fast_hash, hash_password
from learnomy_core.identity.users import serialize_php

PASSWORD = "bench password 1"
SITE_URL = "http://127.0.0.1"  # one token issuer in process and over HTTP
# The Free plugins: Pro is not measured (its extensions need the root plugin `pro`).
FREE_PLUGINS = ["system", "identity", "catalog", "learning", "assessment", "commerce", "communication", "admin"]
SIZES = {"full": (2000, 10000, 100000), "quick": (200, 1000, 10000), "smoke": (40, 200, 400)}


@dataclass
class DataSet:
    """What the measurements need to know about the data they run on."""

    app: LearnomyApp
    url: str
    users: int
    courses: int
    enrollments: int
    student_login: str
    admin_login: str
    instructor_login: str
    app_password: str
    course_id: int
    progress_course_id: int
    free_course_ids: list[int]
    bcrypt_cost: int


def server_database(server: str, name: str) -> str:
    """The URL of the database called after ``name`` on ``server``: ``<database>_<name>``
    after the URL's database (``learnomy_<name>`` when it names none), so two people
    benching on one server, each with a database of their own, never drop each
    other's data set mid-run."""
    url = sa.engine.make_url(server)
    return url.set(database=f"{url.database or 'learnomy'}_" + name.replace("-", "_")).render_as_string(
        hide_password=False)


def database(directory: Path, name: str, server: Optional[str]) -> str:
    """A fresh, empty database called ``name``: a SQLite file, or one on ``server``."""
    if not server:
        path = directory / f"{name}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    target = server_database(server, name)
    db_name = sa.engine.make_url(target).database
    engine = sa.create_engine(server)
    with engine.begin() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {db_name}")
        connection.exec_driver_sql(f"CREATE DATABASE {db_name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    engine.dispose()
    return target


CHUNK = 20000


def _insert(db: Any, table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
    """Insert in chunks: a million rows never sit in memory at once."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            db.execute(sa.insert(table), batch)
            batch = []
    if batch:
        db.execute(sa.insert(table), batch)


def build(directory: Path, size: str = "full", seed: int = 7, *, server: Optional[str] = None,
          scale: int = 1, counts: Optional[tuple[int, int]] = None, name: Optional[str] = None) -> DataSet:
    """A fresh database (SQLite under ``directory``, or on ``server``) holding the
    data set; ``scale`` multiplies its users and enrollments (courses stay), and
    ``counts`` sets them (``(users, enrollments)``: the load mode's)."""
    users, courses, enrollments = SIZES[size]
    users, enrollments = counts or (users * scale, enrollments * scale)
    directory.mkdir(parents=True, exist_ok=True)
    url = database(directory, name or f"bench-{size}" + (f"-x{scale}" if scale != 1 else ""), server)
    app = create_app(database_url=url, secret_key="bench secret key, not for production",
                     site_url=SITE_URL, plugins=FREE_PLUGINS)
    app.upgrade_database()
    rng = random.Random(seed)
    cost = app.config["bcrypt_cost"]
    hashed = hash_password(PASSWORD, cost)  # once, shared by every account
    secret = generate()
    t = app.tables
    start = datetime(2025, 1, 1)
    instructors = max(2, SIZES[size][0] // 20)  # the catalog's teachers do not grow with the students
    with app.storage.engine.begin() as db:
        _insert(db, t["users"], ({
            "ID": i, "user_login": f"user{i}", "user_pass": hashed, "user_nicename": f"user{i}",
            "user_email": f"user{i}@bench.test", "user_url": "", "user_registered": start,
            "user_activation_key": "", "user_status": 0, "display_name": f"User {i}",
        } for i in range(1, users + 1)))
        _insert(db, t["usermeta"], ({
            "user_id": i, "meta_key": "wp_capabilities",
            "meta_value": serialize_php({"administrator" if i == 1 else "lrn_instructor" if i <= instructors else "lrn_student": True}),
        } for i in range(1, users + 1)))
        db.execute(sa.insert(t["usermeta"]).values(
            user_id=users, meta_key="_application_passwords",
            meta_value=serialize_php([{"uuid": "0b0c0d0e-1111-4222-8333-444455556666", "app_id": "", "name": "bench",
                                       "password": fast_hash(secret), "created": 1, "last_used": None, "last_ip": None}])))
        course_rows, links, sections, lessons = [], [], [], []
        authors = {}
        lesson_id = section_id = 0
        for c in range(1, courses + 1):
            author = authors[c] = rng.randint(2, instructors)
            when = start + timedelta(minutes=c)
            course_rows.append({
                "id": c, "title": f"Course {c:05d} {rng.choice(['Python', 'SQL', 'Design', 'Music'])}",
                "slug": f"course-{c}", "excerpt": "A course.", "description": "<p>About.</p>", "status": "publish",
                "author_id": author, "level": "all", "language": "en", "price_type": "free", "price": 0,
                "sale_price": None, "currency": "USD", "duration_minutes": 60, "thumbnail_url": "",
                "requirements": [], "outcomes": [], "max_students": 0, "access_days": 0, "drip_mode": "none",
                "certificate_template_id": None, "student_count": 0, "rating_count": 0, "rating_sum": 0,
                "rating_average": rng.randint(0, 500), "created_at": when, "updated_at": when, "published_at": when,
            })
            links.append({"course_id": c, "user_id": author, "added_at": when})
            for s in (1, 2):
                section_id += 1
                sections.append({"id": section_id, "course_id": c, "title": f"Part {s}", "description": "", "position": s})
                for p in (1, 2, 3):
                    lesson_id += 1
                    lessons.append({"id": lesson_id, "course_id": c, "section_id": section_id, "title": f"Lesson {p}",
                                    "slug": f"lesson-{p}", "content": "<p>Body</p>", "excerpt": "", "type": "text",
                                    "video": None, "attachments": [], "duration_minutes": 5, "is_preview": False,
                                    "drip_days": 0, "available_at": None, "position": p})
        _insert(db, t["lrn_courses"], course_rows)
        _insert(db, t["lrn_course_instructors"], links)
        _insert(db, t["lrn_sections"], sections)
        _insert(db, t["lrn_lessons"], lessons)
        # Every student enrolls in about the same number of distinct courses; the
        # last user (the measured student) in the courses ``enrolled`` lists.
        students = list(range(instructors + 1, users + 1))
        per, extra = divmod(enrollments, len(students))
        enrolled: list[int] = []

        def enrollment_rows() -> Iterable[dict[str, Any]]:
            for index, u in enumerate(students):
                chosen = sorted(rng.sample(range(1, courses + 1), per + (1 if index < extra else 0)))
                if u == users:
                    enrolled.extend(chosen)
                for c in chosen:
                    yield {"user_id": u, "course_id": c, "status": "active", "source": "free", "enrolled_at": start,
                           "expires_at": None, "completed_at": None, "progress_percent": 0, "live_key": f"{u}:{c}"}

        _insert(db, t["lrn_enrollments"], enrollment_rows())
        courses_table = t["lrn_courses"]
        counts = sa.select(sa.func.count()).select_from(t["lrn_enrollments"]).where(
            t["lrn_enrollments"].c.course_id == courses_table.c.id).scalar_subquery()
        db.execute(sa.update(courses_table).values(student_count=counts))
        # The measured student's progress in one course: two lessons done, a resume position.
        progress_course = enrolled[0]
        first_lesson = (progress_course - 1) * 6 + 1
        _insert(db, t["lrn_completions"], ({"user_id": users, "item_type": "lesson", "item_id": first_lesson + k,
                                            "course_id": progress_course, "completed_at": start + timedelta(days=k)}
                                           for k in (0, 1)))
        db.execute(sa.insert(t["lrn_positions"]).values(user_id=users, lesson_id=first_lesson + 2,
                                                        course_id=progress_course, position=42.0, percent=30,
                                                        updated_at=start, occurred_at=start))
    # Statistics for the planners, as after any bulk load (SQLite plans without them
    # by guesswork: a join may start from the wrong table).
    with app.storage.engine.begin() as db:
        if db.dialect.name == "sqlite":
            db.exec_driver_sql("ANALYZE")
        else:
            for table in ("users", "usermeta", "lrn_courses", "lrn_enrollments", "lrn_lessons", "lrn_sections",
                          "lrn_course_instructors", "lrn_completions", "lrn_positions"):
                db.exec_driver_sql(f"ANALYZE TABLE {t[table].name}")
    free = [c for c in range(1, courses + 1) if c not in set(enrolled)][:50]
    course_id = courses // 2
    return DataSet(app, url, users, courses, enrollments, student_login=f"user{users}", admin_login="user1",
                   instructor_login=f"user{authors[course_id]}", app_password=secret, course_id=course_id,
                   progress_course_id=progress_course, free_course_ids=free, bcrypt_cost=cost)
