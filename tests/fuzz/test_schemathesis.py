"""Schemathesis over the generated documents, in-process (WSGI), as three roles.

Every operation of ``learnomy/v1``, ``wp/v2`` and Pro's ``learnomy-pro/v1`` gets examples generated from its
parameters and body schemas (Hypothesis, a fixed seed), sent as an administrator,
an instructor and a student, against a database seeded with a small course
(so that low ids name real rows). It fails on any 5xx, any answer whose status is
not documented, any body or header that does not match the document, and a
content type the document does not name.

Slow for the suite, which runs twice in CI: it runs when
``LEARNOMY_SCHEMATHESIS=1`` (``.ci/run`` sets it, on SQLite);
``LEARNOMY_SCHEMATHESIS_EXAMPLES`` sets the examples per operation (default 12).
``LEARNOMY_SCHEMATHESIS_SEED`` replaces the fixed seed (CI leaves it unset, so its
runs repeat) to reach examples CI never sends; ``LEARNOMY_TEST_DATABASE_URL`` runs
it on MySQL/MariaDB, as for the rest of the suite. One namespace and role at a time:
``pytest 'tests/fuzz/test_schemathesis.py::test_every_operation_answers_as_documented[learnomy/v1-ann]'``.
"""

from __future__ import annotations

import os
from typing import Any, Iterator

import pytest
from werkzeug.test import Client

pytestmark = pytest.mark.skipif(
    os.environ.get("LEARNOMY_SCHEMATHESIS") != "1",
    reason="Schemathesis runs in .ci/run (set LEARNOMY_SCHEMATHESIS=1 to run it here)",
)

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from learnomy_core import LearnomyApp, create_app  # noqa: E402
from learnomy_core.identity.passwords import hash_password  # noqa: E402
from tests.conftest import FREE, PASSWORD, PRO, TEST_COST  # noqa: E402

ROLES = {"administrator": "admin", "lrn_instructor": "ivy", "lrn_student": "ann"}
EXAMPLES = int(os.environ.get("LEARNOMY_SCHEMATHESIS_EXAMPLES", "12"))
# Unset: Hypothesis derives the seed from each test (derandomize), the same on every run.
SEED = os.environ.get("LEARNOMY_SCHEMATHESIS_SEED")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
API = "/wp-json/learnomy/v1"


@pytest.fixture(scope="module")
def fuzzed_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LearnomyApp]:
    """Free and Pro on a fresh database (SQLite unless the suite runs on MySQL/MariaDB),
    with people and a small course."""
    if os.environ.get("LEARNOMY_TEST_DATABASE_URL"):
        url = str(request.getfixturevalue("database_url"))  # a database of its own, dropped after the run
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite'}"
    app = create_app(plugins=[*FREE, *PRO], database_url=url, bcrypt_cost=TEST_COST)
    app.upgrade_database()
    with app.storage.engine.begin() as db:
        for role, login in ROLES.items():
            app.identity.store.create(db, login=login, email=f"{login}@example.org", role=role,
                                      password_hash=hash_password(PASSWORD, TEST_COST))
        # Every example logs in afresh (an example may revoke the caller's tokens):
        # the fuzz is not a brute force, and 429 would hide every other answer.
        app.settings.update(db, {"api": {"rate_limit_per_minute": 100000}})
    _seed(app)
    yield app
    app.storage.dispose()


def _token(client: Client, login: str) -> str:
    response = client.post(f"{API}/auth/token", json={"username": login, "password": PASSWORD})
    assert response.status_code == 200, response.json
    return str(response.json["data"]["access_token"])


def _seed(app: LearnomyApp) -> None:
    """A published course with a section, lessons, a topic and a quiz; the student enrolled."""
    client = Client(app)
    ivy = {"Authorization": f"Bearer {_token(client, 'ivy')}"}
    ann = {"Authorization": f"Bearer {_token(client, 'ann')}"}

    def post(path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        response = client.post(f"{API}{path}", json=body, headers=headers)
        assert response.status_code in (200, 201), (path, response.json)
        return dict(response.json["data"])

    course = post("/courses", {"title": "Fuzzing 101"}, ivy)
    section = post(f"/courses/{course['id']}/sections", {"title": "Part 1"}, ivy)
    lesson = post(f"/sections/{section['id']}/lessons", {"title": "Lesson", "content": "<p>Body</p>"}, ivy)
    post(f"/sections/{section['id']}/lessons", {"title": "Preview", "is_preview": True}, ivy)
    post(f"/lessons/{lesson['id']}/topics", {"title": "Topic", "content": "<p>Topic</p>"}, ivy)
    quiz = post(f"/sections/{section['id']}/quizzes", {"title": "Quiz"}, ivy)
    post(f"/quizzes/{quiz['id']}/questions", {"type": "true_false", "title": "Yes?", "answer": True}, ivy)
    assert client.patch(f"{API}/courses/{course['id']}", json={"status": "publish"}, headers=ivy).status_code == 200
    post(f"/courses/{course['id']}/enroll", {}, ann)
    post(f"/courses/{course['id']}/reviews", {"rating": 5, "content": "Good."}, ann)


def _operations(app: LearnomyApp, namespace: str) -> list[Any]:
    loaded = schemathesis.openapi.from_wsgi(f"/wp-json/{namespace}/openapi.json", app)
    return [result.ok() for result in loaded.get_all_operations()]


def _cases(operation: Any) -> Any:
    """Valid requests and invalid ones (wrong types, out of bounds, missing fields),
    and valid ones about the seeded rows (ids 1 and 2), which random ids rarely hit."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    names = {parameter.name for parameter in operation.path_parameters}
    if names and names <= {"id", "user_id"}:
        strategies += [operation.as_strategy(GenerationMode.POSITIVE, path_parameters={name: seeded for name in names})
                       for seeded in (1, 2)]
    return st.one_of(strategies)


@pytest.mark.parametrize("login", list(ROLES.values()))
@pytest.mark.parametrize("namespace", ["learnomy/v1", "wp/v2", "learnomy-pro/v1"])
def test_every_operation_answers_as_documented(fuzzed_app: LearnomyApp, namespace: str, login: str) -> None:
    """Each operation, ``EXAMPLES`` generated requests; every failure reported at once."""
    failures: list[str] = []
    sent = 0
    for operation in _operations(fuzzed_app, namespace):

        @given(case=_cases(operation))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=SEED is None, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        def run(case: Any) -> None:
            nonlocal sent
            # A fresh token per example: an example may revoke the caller's tokens.
            token = _token(Client(fuzzed_app), login)
            sent += 1
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        if SEED is not None:
            run = seed(int(SEED))(run)
        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    print(f"schemathesis {namespace} as {login}: {sent} requests")
    assert not failures, "\n\n".join(failures)
