"""The migrations build exactly the tables the plugins declare: a declaration
changed without a migration (or the reverse) fails here."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from learnomy_core import LearnomyApp
from learnomy_core.identity.passwords import hash_password
from learnomy_core.identity.tokens import pass_check


def test_every_declared_table_and_column_exists_after_upgrade(migrated: LearnomyApp) -> None:
    inspector = sa.inspect(migrated.storage.engine)
    present = set(inspector.get_table_names())
    for table in migrated.storage.metadata.sorted_tables:
        assert table.name in present, f"{table.name} is declared but no migration creates it"
        columns = {column["name"] for column in inspector.get_columns(table.name)}
        assert columns == set(table.columns.keys()), f"{table.name}: migrated {sorted(columns)}"


def test_nothing_is_left_to_upgrade(migrated: LearnomyApp) -> None:
    assert migrated.storage.pending_revisions(migrated.migration_locations()) == set()


# -- ids are never reused ---------------------------------------------------------------

def _declared_tables() -> dict[str, sa.Table]:
    from tests.conftest import ALL_PLUGINS

    from learnomy_core import create_app

    app = create_app(plugins=ALL_PLUGINS, database_url="sqlite://")
    return dict(app.storage.metadata.tables)


ID_TABLES = sorted(name for name, table in _declared_tables().items() if table.autoincrement_column is not None)


def _sample(column: sa.Column) -> Any:
    """A value the column accepts, unique enough for unique keys."""
    if isinstance(column.type, sa.JSON):
        return {}
    kind = column.type.python_type
    if kind is str:
        return uuid.uuid4().hex[: getattr(column.type, "length", None) or 32]
    return {int: 1, float: 1.0, bool: False, datetime: datetime(2026, 1, 1)}[kind]


def _insert(db: Any, table: sa.Table) -> int:
    values = {c.name: _sample(c) for c in table.columns
              if c is not table.autoincrement_column and not c.nullable and c.default is None
              and c.server_default is None}
    return int(db.execute(table.insert().values(**values)).inserted_primary_key[0])


def test_every_table_with_an_id_is_covered() -> None:
    assert {"wp_options", "wp_users", "wp_usermeta", "wp_lrn_courses", "wp_lrn_questions",
            "wp_lrn_certificate_templates", "wp_lrn_acme_widgets"} <= set(ID_TABLES)


@pytest.mark.parametrize("name", ID_TABLES)
def test_the_newest_rows_id_is_not_handed_out_again(migrated: LearnomyApp, name: str) -> None:
    table = migrated.storage.metadata.tables[name]
    engine = migrated.storage.engine
    with engine.begin() as db:
        first = _insert(db, table)
    with engine.begin() as db:
        db.execute(table.delete().where(table.autoincrement_column == first))
    with engine.begin() as db:
        assert _insert(db, table) > first


def _created_with_autoincrement(db: Any, name: str) -> bool:
    sql = db.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :n"), {"n": name}).scalar()
    return "AUTOINCREMENT" in sql.upper()


def test_sqlite_tables_made_before_are_rebuilt_keeping_rows_and_keys(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from learnomy_core import create_app, storage
    from tests.conftest import FREE

    app = create_app(plugins=FREE, database_url=f"sqlite:///{tmp_path / 'old.sqlite'}")
    locations = app.migration_locations()
    with monkeypatch.context() as patch:  # a database migrated before ids were kept
        patch.setattr(storage, "_on_create", lambda *args, **kwargs: None)
        app.storage.upgrade(locations, "core_0002")
        app.storage.upgrade(locations, "free_0007")
    engine = app.storage.engine
    inspector = sa.inspect(engine)
    made_before = set(inspector.get_table_names())  # later revisions' tables are made with AUTOINCREMENT
    ids = [name for name in ID_TABLES if name in made_before]
    keys = {name: (inspector.get_indexes(name), inspector.get_unique_constraints(name)) for name in ids}
    courses = app.storage.metadata.tables["wp_lrn_courses"]
    # The columns of that time (catalog_0002 adds ``version`` later).
    then = sa.select(*[c for c in courses.c if c.name != "version"]).order_by(courses.c.id)
    with engine.begin() as db:
        assert not _created_with_autoincrement(db, "wp_lrn_courses")
        kept = [_insert(db, courses) for _ in range(3)]
        rows = db.execute(then).all()

    app.storage.upgrade(locations)

    inspector = sa.inspect(engine)
    with engine.begin() as db:
        assert all(_created_with_autoincrement(db, name) for name in ids)
        assert db.execute(then).all() == rows
        db.execute(courses.delete().where(courses.c.id == kept[-1]))
    for name in ids:  # every key kept (later revisions may add indexes: catalog_0002's on enrollments)
        indexes, uniques = keys[name]
        assert [i for i in inspector.get_indexes(name) if i in indexes] == indexes, name
        assert inspector.get_unique_constraints(name) == uniques, name
    with engine.begin() as db:
        assert _insert(db, courses) > kept[-1]
    engine.dispose()


def test_certificates_issued_before_get_a_copy_of_their_template(tmp_path: Path) -> None:
    from learnomy_core import create_app
    from tests.conftest import FREE

    app = create_app(plugins=FREE, database_url=f"sqlite:///{tmp_path / 'old.sqlite'}")
    locations = app.migration_locations()
    app.storage.upgrade(locations, "free_0008")
    stamp = datetime(2026, 1, 1)
    templates = sa.table("wp_lrn_certificate_templates", *(sa.column(c) for c in (
        "id", "title", "body", "orientation", "author_id", "created_at", "updated_at")))
    old = sa.table("wp_lrn_certificates", *(sa.column(c) for c in (
        "user_id", "course_id", "template_id", "verification_code", "student_name", "course_title",
        "instructor_name", "signature", "issued_at")))
    with app.storage.engine.begin() as db:
        db.execute(templates.insert().values(id=7, title="Classic", body="For {student_name}", orientation="portrait",
                                             author_id=1, created_at=stamp, updated_at=stamp))
        for code, template_id in (("a", 7), ("b", None), ("c", 8)):  # 8: deleted before the upgrade
            db.execute(old.insert().values(user_id=1, course_id=1, template_id=template_id, verification_code=code,
                                           student_name="ann", course_title="Course", instructor_name="ivy",
                                           signature="", issued_at=stamp))

    app.storage.upgrade(locations)

    certificates = app.storage.metadata.tables["wp_lrn_certificates"]
    with app.storage.engine.connect() as db:
        copies = {r.verification_code: (r.template_title, r.template_body, r.template_orientation)
                  for r in db.execute(certificates.select())}
    assert copies == {"a": ("Classic", "For {student_name}", "portrait"), "b": (None, None, None),
                      "c": (None, None, None)}
    app.storage.dispose()


def test_migrated_schema_is_the_declared_schema(migrated: LearnomyApp) -> None:
    """Alembic's own comparison, types and indexes included, finds nothing to change."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    version_table = migrated.storage.version_table

    def include(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
        return not (kind == "table" and name == version_table)

    with migrated.storage.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": include})
        assert compare_metadata(context, migrated.storage.metadata) == []


def test_sessions_open_before_core_0005_keep_working(tmp_path: Path) -> None:
    """The fingerprint of open sessions is taken from their user's current hash."""
    from werkzeug.test import Client

    from learnomy_core import create_app
    from tests.conftest import FREE, PASSWORD, bearer, login

    app = create_app(plugins=FREE, database_url=f"sqlite:///{tmp_path / 'old.sqlite'}", bcrypt_cost=4)
    locations = app.migration_locations()
    app.storage.upgrade(locations, "core_0004")
    app.storage.upgrade(locations, "free_0009")
    with app.storage.engine.begin() as db:
        user_id = app.identity.store.create(db, login="ann", email="ann@example.org", role="lrn_student",
                                            password_hash=hash_password(PASSWORD, 4))
    old = sa.table("wp_lrn_auth_sessions", *(sa.column(c) for c in (
        "id", "user_id", "created_at", "last_used_at", "revoked_at", "ip", "user_agent")))
    with app.storage.engine.begin() as db:
        db.execute(old.insert().values(id="a" * 32, user_id=user_id, created_at=datetime(2026, 1, 1),
                                       last_used_at=datetime(2026, 1, 1), ip="", user_agent=""))

    app.storage.upgrade(locations)

    sessions = app.storage.metadata.tables["wp_lrn_auth_sessions"]
    with app.storage.engine.connect() as db:
        row = db.execute(sessions.select()).one()
        user_pass = app.identity.store.get(db, user_id).user_pass
    assert row.pass_check == pass_check(user_pass) and row.wp_verifier is None
    now = datetime.now(timezone.utc)
    token = app.identity.tokens._encode({  # an access token of that session, as issued before
        "iss": "http://localhost", "sub": str(user_id), "iat": now, "exp": now + timedelta(minutes=5),
        "jti": "x", "typ": "access", "sid": "a" * 32, "ver": 0})
    client = Client(app)
    assert client.get("/wp-json/learnomy/v1/me", headers=bearer(token)).status_code == 200
    assert client.get("/wp-json/learnomy/v1/me", headers=bearer(login(client, "ann"))).status_code == 200
    app.storage.dispose()


def test_webhook_deliveries_stored_before_are_indexed_by_the_people_they_hold(tmp_path: Path) -> None:
    """So that deleting an account finds them too (communication_0002)."""
    from learnomy_core import create_app
    from tests.conftest import FREE

    app = create_app(plugins=FREE, database_url=f"sqlite:///{tmp_path / 'old.sqlite'}")
    locations = app.migration_locations()
    app.storage.upgrade(locations, "communication_0001")
    old = sa.table("wp_lrn_webhook_deliveries", *(sa.column(c) for c in (
        "id", "webhook_id", "event", "message_id", "body", "attempt", "status", "created_at")))
    bodies = {
        1: {"type": "review.created", "data": {"id": 8, "user_id": 7, "content": "Mine."}},
        2: {"type": "enrollment.created", "data": {"id": 40, "user_id": 7, "course_id": 12}},  # nothing personal
        3: {"type": "acme.people", "data": {"people": [{"id": 5, "email": "e@example.org"}, {"id": 6, "name": None}]}},
    }
    with app.storage.engine.begin() as db:
        for delivery_id, body in bodies.items():
            db.execute(old.insert().values(id=delivery_id, webhook_id=1, event=body["type"], message_id=f"m{delivery_id}",
                                           body=json.dumps(body), attempt=1, status="succeeded",
                                           created_at=datetime(2026, 1, 1)))
        db.execute(old.insert().values(id=4, webhook_id=1, event="x", message_id="m4", body="not json", attempt=0,
                                       status="pending", created_at=datetime(2026, 1, 1)))

    app.storage.upgrade(locations)

    about = app.storage.metadata.tables["wp_lrn_webhook_delivery_people"]
    with app.storage.engine.connect() as db:
        assert sorted((r.user_id, r.delivery_id) for r in db.execute(about.select())) == [(5, 3), (7, 1)]
    app.storage.dispose()
