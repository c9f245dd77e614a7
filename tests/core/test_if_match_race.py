"""Two writes sent with the same ``If-Match`` at the same moment: the first wins, the
second compares its ETag with what the first committed and answers 412 (API.md
section 6: a stale value changes nothing), on SQLite and MySQL/MariaDB alike."""

from __future__ import annotations

import time
from typing import Any, Callable

import pytest
from werkzeug.test import Client

from learnomy_core import EDITABLE, LOGGED_IN, PUBLIC, READABLE, hookimpl
from tests.conftest import ALICE
from tests.plugins import acme
from tests.racing import race

ACME = "/wp-json/acme/v1"


@pytest.fixture
def slow_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each widget update waits after its If-Match check, before writing: without the
    core's lock both checks would pass before either write."""
    update = acme.update_widget

    def slow(request: Any) -> Any:
        time.sleep(0.3)
        return update(request)

    monkeypatch.setattr(acme, "update_widget", slow)


@pytest.mark.usefixtures("slow_writes")
@pytest.mark.parametrize("query", ["", "?_jsonp=cb"])
def test_the_second_of_two_writes_with_one_if_match_answers_412(make_app: Callable[..., Any], query: str) -> None:
    client = Client(make_app(plugins=["system", acme]))
    created = client.post(f"{ACME}/widgets", json={"name": "gear"}, headers=ALICE).json["data"]
    url = f"{ACME}/widgets/{created['id']}"
    # The lock's row exists, as after any earlier write with If-Match (without it each
    # racer makes the row and starts its transaction again, which hid a stale snapshot).
    client.patch(url, json={"name": "gear"}, headers={**ALICE, "If-Match": client.get(url).headers["ETag"]})
    etag = client.get(url).headers["ETag"]
    racers = [Client(make_app(plugins=["system", acme])) for _ in range(2)]
    answers = race([lambda c=c, name=name: c.patch(url + query, json={"name": name},
                                                   headers={**ALICE, "If-Match": etag})
                    for c, name in zip(racers, ("first", "second"))])
    if query:  # JSONP, whose check reads the settings before routing: the lock comes first
        assert sorted(a.status_code for a in answers) == [200, 412]
        return
    assert sorted(a.status_code for a in answers) == [200, 412], [a.json for a in answers]
    winner = next(a for a in answers if a.status_code == 200).json["data"]["name"]
    assert client.get(url).json["data"]["name"] == winner
    loser = next(a for a in answers if a.status_code == 412)
    assert loser.json["error"]["code"] == "learnomy_precondition_failed"


def test_writes_to_other_resources_do_not_wait_for_one_another_s_if_match(make_app: Callable[..., Any]) -> None:
    """A write with If-Match on one widget and another without on a second both succeed."""
    client = Client(make_app(plugins=["system", acme]))
    first, second = (client.post(f"{ACME}/widgets", json={"name": n}, headers=ALICE).json["data"] for n in ("a", "b"))
    etag = client.get(f"{ACME}/widgets/{first['id']}").headers["ETag"]
    racers = [Client(make_app(plugins=["system", acme])) for _ in range(2)]
    answers = race([
        lambda: racers[0].patch(f"{ACME}/widgets/{first['id']}", json={"name": "x"}, headers={**ALICE, "If-Match": etag}),
        lambda: racers[1].patch(f"{ACME}/widgets/{second['id']}", json={"name": "y"}, headers=ALICE),
    ])
    assert [a.status_code for a in answers] == [200, 200]


class Retried:
    """A widget route whose PATCH is idempotent: a retry with the same
    ``Idempotency-Key`` and ``If-Match`` replays the first answer."""

    @hookimpl
    def learnomy_register_routes(self, registry: Any) -> None:
        registry.register_rest_route("retried/v1", r"/widgets/(?P<id>[\d]+)", [
            {"methods": READABLE, "callback": acme.get_widget, "permission_callback": PUBLIC, "args": acme.ID_ARG},
            {"methods": EDITABLE, "callback": acme.update_widget, "permission_callback": LOGGED_IN,
             "idempotent": True, "args": {**acme.ID_ARG, **acme.WIDGET_ARGS}},
        ])


def test_an_idempotent_write_with_if_match_replays_its_first_answer(make_app: Callable[..., Any]) -> None:
    """The If-Match lock comes after the idempotency claim's own transaction on SQLite
    (one writer: taken before, the claim would wait on its own request)."""
    client = Client(make_app(plugins=["system", acme, Retried()]))
    created = client.post(f"{ACME}/widgets", json={"name": "gear"}, headers=ALICE).json["data"]
    url = f"/wp-json/retried/v1/widgets/{created['id']}"
    headers = {**ALICE, "If-Match": client.get(url).headers["ETag"], "Idempotency-Key": "rename-1"}
    first = client.patch(url, json={"name": "renamed"}, headers=headers)
    again = client.patch(url, json={"name": "renamed"}, headers=headers)
    assert first.status_code == again.status_code == 200, first.json
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
