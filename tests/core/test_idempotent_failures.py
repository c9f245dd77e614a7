"""An idempotent request that fails after writing: its claim on the key is released
once its transaction has rolled back (on SQLite, releasing it earlier waited on that
transaction until the database timed out: a 500 after 30 seconds), so a retry runs."""

from __future__ import annotations

from typing import Any, Callable

from werkzeug.test import Client

from learnomy_core import CREATABLE, LOGGED_IN, hookimpl
from tests.conftest import ALICE
from tests.plugins import acme


class Failing:
    """``POST /failing/v1/widgets``: writes a widget, then refuses (409), idempotently."""

    @hookimpl
    def learnomy_register_routes(self, registry: Any) -> None:
        registry.register_rest_route("failing/v1", "/widgets", {
            "methods": CREATABLE, "callback": acme.write_then_fail, "permission_callback": LOGGED_IN,
            "idempotent": True})


def test_a_failure_after_a_write_releases_the_key_at_once(make_app: Callable[..., Any]) -> None:
    app = make_app(plugins=["system", acme, Failing()])
    client = Client(app)
    headers = {**ALICE, "Idempotency-Key": "try-1"}
    for _ in range(2):  # the second is a retry the released key lets run again
        answer = client.post("/wp-json/failing/v1/widgets", json={}, headers=headers)
        assert answer.status_code == 409, answer.json
        assert answer.json["error"]["code"] == "acme_second_step"
    with app.storage.engine.connect() as db:
        assert db.execute(app.tables["lrn_idempotency_keys"].select()).first() is None
        assert db.execute(app.tables["lrn_acme_widgets"].select()).first() is None
