"""Deleting an account (``DELETE /admin/students/{id}``) through Pro: every Pro
extension that keeps personal data handles ``user.deleted`` in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.controllers.conftest import make_course, people  # noqa: F401 - fixtures
from tests.plugins import acme

STUDENTS = "/wp-json/learnomy/v1/admin/students"
OVERRIDES = "pro.commission_rules"
AT = datetime(2026, 11, 2, 10, 0)


def _insert(db: Any, app: LearnomyApp, table: str, **values: Any) -> int:
    return int(db.execute(sa.insert(app.tables[table]).values(**values)).inserted_primary_key[0])


@pytest.fixture
def traces(app: LearnomyApp, people: Any, make_course: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """Oscar (an instructor who also learns) with records in every Pro extension, and bob beside him."""
    course = make_course()
    oscar, bob, ivy = people.ids["oscar"], people.ids["bob"], people.ids["ivy"]
    section_id = course["sections"][0]["id"] if "sections" in course else None
    with app.storage.engine.begin() as db:
        if section_id is None:
            sections = app.tables["lrn_sections"]
            section_id = int(db.execute(sa.select(sections.c.id).where(
                sections.c.course_id == course["id"])).scalars().first())
        space = _insert(db, app, "lrn_pro_spaces", name="Cafe", description="", type="open", course_id=None,
                        owner_id=ivy, created_at=AT, updated_at=AT)
        for user in (oscar, bob):
            _insert(db, app, "lrn_pro_space_members", space_id=space, user_id=user, added_by=user, joined_at=AT)
        mine = _insert(db, app, "lrn_pro_posts", space_id=space, author_id=oscar, content="<p>I live in Leeds</p>",
                       pinned=False, comment_count=1, created_at=AT, updated_at=AT)
        theirs = _insert(db, app, "lrn_pro_posts", space_id=space, author_id=bob, content="<p>Hello</p>",
                         pinned=False, comment_count=2, created_at=AT, updated_at=AT)
        _insert(db, app, "lrn_pro_comments", post_id=mine, author_id=bob, content="Nice", created_at=AT)
        _insert(db, app, "lrn_pro_comments", post_id=theirs, author_id=oscar, content="Call me", created_at=AT)
        _insert(db, app, "lrn_pro_comments", post_id=theirs, author_id=bob, content="Thanks", created_at=AT)
        assignment = _insert(
            db, app, "lrn_pro_assignments", course_id=course["id"], section_id=section_id, title="Essay",
            instructions="", due_at=None, points=10, passing_points=5, allowed_file_types=["pdf"], max_files=1,
            resubmissions_allowed=0, required=False, position=0, created_at=AT, updated_at=AT)
        for user in (oscar, bob):
            _insert(db, app, "lrn_pro_submissions", assignment_id=assignment, course_id=course["id"], user_id=user,
                    attempt=1, content="<p>My essay</p>", file_urls=["https://files.example/essay.pdf"],
                    status="graded", late=True, points=8, feedback="<p>Well done</p>", submitted_at=AT,
                    graded_at=AT, graded_by=ivy)
        cohort = _insert(db, app, "lrn_pro_cohorts", course_id=course["id"], name="Spring", starts_at=AT,
                         ends_at=AT, max_members=10, member_count=2, created_at=AT, updated_at=AT)
        for user in (oscar, bob):
            db.execute(sa.insert(app.tables["lrn_pro_cohort_members"]).values(
                cohort_id=cohort, user_id=user, course_id=course["id"], added_at=AT))
        path = _insert(db, app, "lrn_pro_learning_paths", title="Path", slug="path", description="",
                       status="publish", author_id=ivy, created_at=AT, updated_at=AT)
        for user in (oscar, bob):
            _insert(db, app, "lrn_pro_learning_path_enrollments", path_id=path, user_id=user, enrolled_at=AT,
                    completed_at=AT)
        app.settings.update(db, {OVERRIDES: {"instructor_overrides": [
            {"instructor_id": oscar, "instructor_rate": 90}, {"instructor_id": ivy, "instructor_rate": 80},
            {"instructor_id": oscar, "instructor_rate": 70}]}})
    return {"space": space, "mine": mine, "theirs": theirs, "cohort": cohort, "path": path}


def _rows(app: LearnomyApp, table: str, *where: Any) -> list[Any]:
    t = app.tables[table]
    with app.storage.engine.connect() as db:
        return list(db.execute(sa.select(t).where(*where)).all())


def _overrides(app: LearnomyApp) -> list[dict[str, Any]]:
    with app.storage.engine.connect() as db:
        return list(app.settings.get(db, f"{OVERRIDES}.instructor_overrides"))


def test_deleting_an_account_leaves_nothing_personal_in_pro(
        app: LearnomyApp, client: Client, people: Any, traces: dict[str, Any]) -> None:
    oscar, bob, ivy = people.ids["oscar"], people.ids["bob"], people.ids["ivy"]
    response = client.delete(f"{STUDENTS}/{oscar}", headers=people["admin"])
    assert response.status_code == 200, response.json

    t = app.tables
    # Spaces: the membership, the posts (with the comments under them) and the comments go.
    assert [r.user_id for r in _rows(app, "lrn_pro_space_members")] == [bob]
    # ... and the membership's end is announced, as cohorts announce theirs.
    assert [d for e, d in acme.EVENTS if e == "space.member_removed"] == [
        {"space_id": traces["space"], "user_id": oscar, "added_by": oscar, "joined_at": AT, "reason": "account_deleted"}]
    assert [r.id for r in _rows(app, "lrn_pro_posts")] == [traces["theirs"]]
    assert _rows(app, "lrn_pro_posts")[0].comment_count == 1
    assert [(r.post_id, r.author_id) for r in _rows(app, "lrn_pro_comments")] == [(traces["theirs"], bob)]
    # Assignments: the submission stays for the statistics, with nothing of its author in it.
    kept = _rows(app, "lrn_pro_submissions", t["lrn_pro_submissions"].c.user_id == oscar)
    assert [(r.content, r.file_urls, r.feedback, r.points, r.status, r.late, r.attempt) for r in kept] == [
        ("", [], "", 8, "graded", True, 1)]
    bobs = _rows(app, "lrn_pro_submissions", t["lrn_pro_submissions"].c.user_id == bob)
    assert [(r.content, r.feedback) for r in bobs] == [("<p>My essay</p>", "<p>Well done</p>")]
    # Cohorts: the membership goes and its seat comes back.
    assert [r.user_id for r in _rows(app, "lrn_pro_cohort_members")] == [bob]
    assert _rows(app, "lrn_pro_cohorts")[0].member_count == 1
    # Learning paths: the enrollment stays as an anonymous record, like Free's.
    assert sorted(r.user_id for r in _rows(app, "lrn_pro_learning_path_enrollments")) == sorted([oscar, bob])
    # Commission rules: the instructor's overrides go, the others stay.
    assert _overrides(app) == [{"instructor_id": ivy, "instructor_rate": 80}]
    everything = " ".join(str(r) for name in ("lrn_pro_posts", "lrn_pro_comments", "lrn_pro_submissions")
                          for r in _rows(app, name))
    assert "Leeds" not in everything and "Call me" not in everything


def test_deleting_an_account_through_pro_is_one_transaction(
        app: LearnomyApp, client: Client, people: Any, traces: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from learnomy.extensions.pro import commission_rules

    def broken(request: Any, user_id: int) -> None:
        raise RuntimeError("the database went away")

    # The last extension to act fails: what the others did before it is undone too.
    monkeypatch.setattr(commission_rules, "forget_instructor", broken)
    before = {name: _rows(app, name) for name in (
        "lrn_pro_space_members", "lrn_pro_posts", "lrn_pro_comments", "lrn_pro_submissions",
        "lrn_pro_cohort_members", "lrn_pro_cohorts", "lrn_pro_learning_path_enrollments")}
    response = client.delete(f"{STUDENTS}/{people.ids['oscar']}", headers=people["admin"])
    assert response.status_code == 500
    assert {name: _rows(app, name) for name in before} == before
    assert len(_overrides(app)) == 3
    assert _rows(app, "users", app.tables["users"].c.ID == people.ids["oscar"])
