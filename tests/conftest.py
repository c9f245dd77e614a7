"""Shared fixtures: a fresh database per test run, apps with explicit plugin lists.

The suite runs on SQLite by default. Set ``LEARNOMY_TEST_DATABASE_URL`` to a
MySQL/MariaDB server URL (``mysql+pymysql://root@127.0.0.1:3306/test``) to run it
there: the run creates its own database beside the named one and drops it after.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp, create_app
from learnomy_core.identity.passwords import hash_password
from tests.openapi_check import check_answer, effective_method
from tests.plugins import acme, mailbox, numeric_type

FREE = ["system", "identity", "catalog", "learning", "assessment", "commerce", "communication", "admin"]
PRO = ["pro", *(f"pro.{name}" for name in (
    "cohorts", "learning_paths", "spaces", "assignments", "analytics", "drip",
    "advanced_quizzes", "webhooks_pro", "commission_rules"))]
ALL_PLUGINS = [*FREE, *PRO, acme, mailbox, numeric_type]
TEST_COST = 4  # bcrypt cost for tests: the algorithm is the same, the wait is not
PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = os.environ.get("LEARNOMY_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'learnomy-test.sqlite'}"
        return
    url = sa.engine.make_url(base)
    name = f"learnomy_test_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(url)
    with server.begin() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.begin() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        server.dispose()


@pytest.fixture(scope="session")
def migrated(database_url: str) -> Iterator[LearnomyApp]:
    """Every plugin's migrations applied once for the run."""
    app = create_app(plugins=ALL_PLUGINS, database_url=database_url)
    app.upgrade_database()
    yield app
    app.storage.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Empty every table after a test that touched the database, but the table
    versions' rows, which the migrations make (``count_changes``) as they make triggers."""
    yield
    if "migrated" not in request.fixturenames:
        return
    app: LearnomyApp = request.getfixturevalue("migrated")
    with app.storage.engine.begin() as connection:
        for table in reversed(app.storage.metadata.sorted_tables):
            if table is not app.tables["lrn_table_versions"]:
                connection.execute(table.delete())


@pytest.fixture
def make_app(migrated: LearnomyApp, database_url: str) -> Iterator[Callable[..., LearnomyApp]]:
    """Build apps on the test database: ``make_app(plugins=[...], **config)``."""
    built: list[LearnomyApp] = []

    def factory(plugins: Any = None, **config: Any) -> LearnomyApp:
        config.setdefault("database_url", database_url)
        config.setdefault("bcrypt_cost", TEST_COST)
        app = create_app(plugins=ALL_PLUGINS if plugins is None else plugins, **config)
        built.append(app)
        return app

    yield factory
    for app in built:
        app.storage.dispose()


@pytest.fixture
def app(make_app: Callable[..., LearnomyApp]) -> LearnomyApp:
    return make_app()


@pytest.fixture
def client(app: LearnomyApp) -> Client:
    return Client(app)


def user(user_id: int = 1, *caps: str) -> dict[str, str]:
    """Headers that the acme test plugin authenticates as ``user_id``."""
    return {"X-Test-User": f"{user_id}:{','.join(caps)}"}


ADMIN = user(1, "manage_options")
ALICE = user(2)
BOB = user(3)


@pytest.fixture
def make_user(app: LearnomyApp) -> Callable[..., int]:
    """Create a user straight in the database: ``make_user("ann", "lrn_student")``."""

    def factory(login: str, role: str = "lrn_student", *, password: str = PASSWORD,
                password_hash: str | None = None, email: str | None = None) -> int:
        with app.storage.engine.begin() as db:
            return app.identity.store.create(
                db, login=login, email=email or f"{login}@example.org", role=role,
                password_hash=password_hash or hash_password(password, TEST_COST),
            )

    return factory


def login(client: Client, username: str, password: str = PASSWORD) -> dict[str, Any]:
    """Log in through the API; the token pair."""
    response = client.post("/wp-json/learnomy/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.json
    return response.json["data"]


def bearer(pair_or_token: Any) -> dict[str, str]:
    token = pair_or_token["access_token"] if isinstance(pair_or_token, dict) else pair_or_token
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(autouse=True)
def _answers_match_the_document(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every answer of a route with a resource schema must match the OpenAPI document
    (tests/openapi_check.py): its status documented, its body the documented shape."""
    problems: list[str] = []
    handle = LearnomyApp.handle

    def checked(self: LearnomyApp, environ: dict[str, Any], rest_path: str) -> tuple[int, list[tuple[str, str]], bytes]:
        status, headers, body = handle(self, environ, rest_path)
        problem = check_answer(self, effective_method(environ), rest_path, status, headers, body)
        if problem:
            problems.append(problem)
        return status, headers, body

    monkeypatch.setattr(LearnomyApp, "handle", checked)
    yield
    assert not problems, "answers that do not match the OpenAPI document:\n" + "\n".join(problems)


@pytest.fixture(autouse=True)
def _empty_mailbox() -> Iterator[None]:
    mailbox.SENT.clear()
    acme.EVENTS.clear()
    yield


@pytest.fixture
def make_wordpress(app: LearnomyApp) -> Callable[..., Any]:
    """Install a WordPress beside ``app``: ``make_wordpress("6.1.9", users_can_register="1")``."""
    from tests.wordpress import WordPress

    def factory(version: str = "6.8.8", **options: str) -> WordPress:
        return WordPress(app, version).install(**options)

    return factory


@pytest.fixture
def ann(make_user: Callable[..., int]) -> int:
    """A student."""
    return make_user("ann", "lrn_student")


@pytest.fixture
def ann_auth(client: Client, ann: int) -> dict[str, str]:
    """The student's bearer header."""
    return bearer(login(client, "ann"))


@contextmanager
def recorded_statements(app: LearnomyApp) -> Iterator[list[str]]:
    """The SQL statements ``app`` sends while the block runs (for query-count tests)."""
    seen: list[str] = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    sa.event.listen(app.storage.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        sa.event.remove(app.storage.engine, "before_cursor_execute", listener)
