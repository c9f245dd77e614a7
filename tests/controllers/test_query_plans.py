"""The hot queries' plans on MySQL/MariaDB: no full scan of enrollments, progress
(completions, positions) or quiz attempts, whatever their size (skipped on SQLite).

The hot reads and writes run over tables holding thousands of other students'
rows; every SELECT they send is explained, and a table read whole (``type`` ALL)
among those fails the test.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

API = "/wp-json/learnomy/v1"
WATCHED = ("lrn_enrollments", "lrn_completions", "lrn_positions", "lrn_attempts")
OTHERS = 3000


@pytest.fixture
def mysql_app(app: Any) -> Any:
    if app.storage.engine.dialect.name not in ("mysql", "mariadb"):
        pytest.skip("query plans are checked on MySQL/MariaDB (LEARNOMY_TEST_DATABASE_URL)")
    return app


def _crowd(app: Any, course_id: int, lesson_id: int, quiz_id: int) -> None:
    """Thousands of other students' rows in the watched tables, then fresh statistics."""
    t, when = app.tables, datetime(2026, 1, 1)
    with app.storage.engine.begin() as db:
        db.execute(sa.insert(t["lrn_enrollments"]), [{
            "user_id": 100_000 + i, "course_id": course_id if i % 50 == 0 else 50_000 + i % 500, "status": "active",
            "source": "free", "enrolled_at": when, "progress_percent": 0,
            "live_key": f"{100_000 + i}:{course_id if i % 50 == 0 else 50_000 + i % 500}"} for i in range(OTHERS)])
        db.execute(sa.insert(t["lrn_completions"]), [{
            "user_id": 100_000 + i, "item_type": "lesson", "item_id": lesson_id if i % 50 == 0 else 70_000 + i,
            "course_id": course_id if i % 50 == 0 else 50_000 + i % 500, "completed_at": when} for i in range(OTHERS)])
        db.execute(sa.insert(t["lrn_positions"]), [{
            "user_id": 100_000 + i, "lesson_id": lesson_id if i % 50 == 0 else 70_000 + i,
            "course_id": course_id if i % 50 == 0 else 50_000 + i % 500, "position": 1.0, "percent": 1,
            "updated_at": when} for i in range(OTHERS)])
        db.execute(sa.insert(t["lrn_attempts"]), [{
            "quiz_id": quiz_id if i % 50 == 0 else 60_000 + i % 500, "course_id": course_id if i % 50 == 0 else 50_000 + i % 500,
            "user_id": 100_000 + i, "status": "graded", "started_at": when, "submitted_at": when, "questions": [],
            "answers": {}, "grades": {}, "score": 1.0, "max_score": 1.0, "percent": 100.0, "passed": True}
            for i in range(OTHERS)])
        for name in WATCHED:
            db.exec_driver_sql(f"ANALYZE TABLE {t[name].name}")


def test_hot_queries_never_scan_enrollments_progress_or_attempts(mysql_app: Any, client: Client, people,
                                                                  make_course) -> None:
    course = make_course(lessons=2)
    cid, (first, second) = course["id"], course["lesson_ids"]
    ann, ivy = people["ann"], people["ivy"]
    quiz = client.post(f"{API}/sections/{course['section_id']}/quizzes", json={"title": "Quiz"}, headers=ivy).json["data"]
    assert client.post(f"{API}/courses/{cid}/enroll", headers=ann).status_code == 201
    _crowd(mysql_app, cid, first, quiz["id"])
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and any(name in statement for name in WATCHED):
            sent.append((statement, parameters))

    sa.event.listen(mysql_app.storage.engine, "before_cursor_execute", record)
    try:
        for method, url, who, body in (
            ("POST", f"{API}/lessons/{first}/complete", ann, None),
            ("POST", f"{API}/lessons/{second}/position", ann, {"position": 10}),
            ("GET", f"{API}/courses/{cid}/progress", ann, None),
            ("GET", f"{API}/courses/{cid}/next-step", ann, None),
            ("GET", f"{API}/me/enrollments", ann, None),
            ("GET", f"{API}/me/dashboard", ann, None),
            ("GET", f"{API}/me/quiz-attempts", ann, None),
            ("GET", f"{API}/courses/{cid}/students", ivy, None),
            ("GET", f"{API}/courses/{cid}/gradebook", ivy, None),
            ("GET", f"{API}/courses/{cid}", ann, None),
            ("GET", f"{API}/courses", ann, None),
        ):
            answer = client.open(url, method=method, headers=who, json=body)
            assert answer.status_code < 400, (url, answer.json)
    finally:
        sa.event.remove(mysql_app.storage.engine, "before_cursor_execute", record)
    assert sent
    scans = []
    with mysql_app.storage.engine.connect() as db:
        for statement, parameters in sent:
            plan = db.exec_driver_sql("EXPLAIN " + statement, parameters).mappings().all()
            for step in plan:
                if step["type"] == "ALL" and any(str(step["table"]).endswith(name) for name in WATCHED):
                    scans.append(f"{step['table']}: {' '.join(statement.split())[:300]}")
    assert not scans, "full scans:\n" + "\n".join(scans)


@pytest.mark.parametrize("search", ["user1234@", "USER 123", "Someone"])
def test_the_student_search_walks_the_users_indexes(app: Any, client: Client, people, search: str) -> None:
    """An administrator's search for the start of a login, e-mail or name reads
    the users through their indexes, never the whole table (both databases)."""
    users = app.identity.store.users
    with app.storage.engine.begin() as db:
        db.execute(sa.insert(users), [{
            "user_login": f"user{i}", "user_email": f"user{i}@example.org", "display_name": f"User {i}",
            "user_nicename": f"user{i}", "user_registered": datetime(2026, 1, 1)} for i in range(OTHERS)])
        db.exec_driver_sql(f"ANALYZE {'TABLE ' if db.dialect.name != 'sqlite' else ''}{users.name}")
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {users.name}" in statement:
            sent.append((statement, parameters))

    sa.event.listen(app.storage.engine, "before_cursor_execute", record)
    try:
        answer = client.get(f"{API}/admin/students", query_string={"search": search}, headers=people["admin"])
    finally:
        sa.event.remove(app.storage.engine, "before_cursor_execute", record)
    assert answer.status_code == 200 and len(answer.json["data"]) <= 11, answer.json
    assert len(sent) >= 2  # the count and the page
    scans = []
    with app.storage.engine.connect() as db:
        for statement, parameters in sent:
            if db.dialect.name == "sqlite":
                plan = [str(row[-1]) for row in db.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
                scans += [step for step in plan if step.startswith(f"SCAN {users.name}")]
            else:
                plan = db.exec_driver_sql("EXPLAIN " + statement, parameters).mappings().all()
                scans += [f"{step['type']} {step.get('key')}" for step in plan
                          if str(step["table"]).endswith(users.name) and step["type"] in ("ALL", "index")]
    assert not scans, f"{search}: users read whole: {scans}\n" + "\n".join(s for s, _ in sent)


def test_deleting_an_account_reads_its_webhook_deliveries_by_their_index(app: Any, client: Client, people) -> None:
    """Redacting a deleted account's webhook payloads reads its deliveries through
    the people index, and blanks their attempts' answers through the attempts'
    index, never the whole outbox or log (both databases)."""
    t, when = app.tables, datetime(2026, 1, 1)
    deliveries, about, attempts = t["lrn_webhook_deliveries"], t["lrn_webhook_delivery_people"], t["lrn_webhook_attempts"]
    ann = people.ids["ann"]
    with app.storage.engine.begin() as db:
        db.execute(sa.insert(deliveries), [{
            "id": 1_000 + i, "webhook_id": 1, "event": "acme.people", "message_id": f"msg_{i}", "attempt": 1,
            "status": "succeeded", "created_at": when,
            "body": f'{{"type":"acme.people","data":{{"id":{100_000 + i},"name":"Someone {i}"}}}}'}
            for i in range(OTHERS)])
        db.execute(sa.insert(deliveries).values(
            id=1_000 + OTHERS, webhook_id=1, event="acme.people", message_id="msg_ann", attempt=1, status="succeeded",
            created_at=when, body=f'{{"type":"acme.people","data":{{"id":{ann},"name":"Ann"}}}}'))
        db.execute(sa.insert(about), [{"user_id": 100_000 + i, "delivery_id": 1_000 + i} for i in range(OTHERS)]
                   + [{"user_id": ann, "delivery_id": 1_000 + OTHERS}])
        db.execute(sa.insert(attempts), [{
            "delivery_id": 1_000 + i, "attempt": 1, "response_status": 200, "response_excerpt": f"echo {i}",
            "duration_ms": 1, "created_at": when} for i in range(OTHERS + 1)])
        for table in (deliveries, about, attempts):
            db.exec_driver_sql(f"ANALYZE {'TABLE ' if db.dialect.name != 'sqlite' else ''}{table.name}")
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and about.name in statement or \
                statement.lstrip().upper().startswith("UPDATE") and attempts.name in statement:
            sent.append((statement, parameters))

    sa.event.listen(app.storage.engine, "before_cursor_execute", record)
    try:
        answer = client.delete(f"{API}/admin/students/{ann}", headers=people["admin"])
    finally:
        sa.event.remove(app.storage.engine, "before_cursor_execute", record)
    assert answer.status_code == 200, answer.json
    with app.storage.engine.connect() as db:
        assert '"name":null' in db.execute(sa.select(deliveries.c.body).where(
            deliveries.c.message_id == "msg_ann")).scalar()
        excerpts = dict(db.execute(sa.select(attempts.c.delivery_id, attempts.c.response_excerpt)).all())
    assert excerpts.pop(1_000 + OTHERS) is None and None not in excerpts.values()
    assert sent and any(attempts.name in statement for statement, _ in sent)
    scans = []
    with app.storage.engine.connect() as db:
        for statement, parameters in sent:
            if db.dialect.name == "sqlite":
                plan = [str(row[-1]) for row in db.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
                scans += [step for step in plan if step.startswith("SCAN ")]
            else:
                plan = db.exec_driver_sql("EXPLAIN " + statement, parameters).mappings().all()
                scans += [f"{step['table']} {step['type']} {step.get('key')}" for step in plan
                          if step["type"] in ("ALL", "index")]
    assert not scans, "the outbox read whole: " + str(scans) + "\n" + "\n".join(s for s, _ in sent)
