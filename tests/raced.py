"""Compare what one request changed with what several identical ones changed at once.

``snapshot(app)`` reads every table; ``changes(before, after)`` is what was added and
removed, per table, with what differs between two equal worlds left out: ids,
timestamps, slugs and the digits inside strings (the two worlds hold different rows
of the same shape). Used by the identical-race tests of Free and Pro.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import sqlalchemy as sa
from werkzeug.test import Client

from learnomy_core import LearnomyApp
from tests.racing import race

RACERS = 4
FREE_API = "/wp-json/learnomy/v1"

# Bookkeeping that every request writes, or that a lock creates once.
SKIPPED_TABLES = ("rate_limits", "auth_sessions", "refresh_tokens")
SKIPPED_COLUMNS = {"id", "ID", "slug", "user_nicename", "signature", "verification_code", "key_hash", "token_hash",
                   "secret", "live_key", "pending_key", "message_id", "user_registered",
                   "version",  # a row's version counts writes, as it would for requests one after another
                   # an idempotency key's fingerprint and stored answer hold the world's own ids and
                   # slugs (hashed, or in text); the answers' statuses are compared
                   "body_hash", "response_body"}
Row = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Call:
    """One request: ``method`` on ``path`` (under the API root) as ``who``, with a JSON ``body``."""

    method: str
    path: str
    who: str
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def send(self, client: Client, people: Any, api: str) -> Any:
        """The answer to this request through ``client``."""
        return client.open(f"{api}{self.path}", method=self.method, json=self.body,
                           headers={**people[self.who], **self.headers})


def retried(world: "World", method: str, path: str, who: str, body: dict[str, Any]) -> Call:
    """A creation sent with an ``Idempotency-Key`` (one per world: a key is the
    caller's, and the second world must not replay the first's answer)."""
    return Call(method, path, who, body, {"Idempotency-Key": f"create-{world.run}"})


def _kept(column: str) -> bool:
    return column not in SKIPPED_COLUMNS and not column.endswith(("_id", "_at"))


def _value(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return "<time>"
    if isinstance(value, (list, dict)):
        value = json.dumps(value, sort_keys=True, default=str)
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    if isinstance(value, str):
        return re.sub(r"\d+", "#", value)
    return value


def snapshot(app: LearnomyApp) -> dict[str, Counter[Row]]:
    """Every table's rows, each without the columns that differ between equal worlds."""
    seen: dict[str, Counter[Row]] = {}
    with app.storage.engine.connect() as db:
        for table in app.storage.metadata.sorted_tables:
            if table.name.endswith(SKIPPED_TABLES):
                continue
            rows: Counter[Row] = Counter()
            for row in db.execute(sa.select(table)).mappings():
                if table.name.endswith("options") and str(row["option_name"]).startswith(("_learnomy_lock_", "_transient")):
                    continue
                rows[tuple((name, _value(value)) for name, value in row.items() if _kept(name))] += 1
            seen[table.name] = rows
    return seen


def changes(before: dict[str, Counter[Row]], after: dict[str, Counter[Row]]) -> dict[str, dict[str, list[Row]]]:
    """Per table that changed, the rows ``added`` and ``removed`` between two snapshots."""
    found: dict[str, dict[str, list[Row]]] = {}
    for name in after:
        added, removed = after[name] - before[name], before[name] - after[name]
        if added or removed:
            found[name] = {"added": sorted(added.elements(), key=repr), "removed": sorted(removed.elements(), key=repr)}
    return found


def explain(once: dict[str, Any], raced: dict[str, Any]) -> str:
    """The tables whose changes differ, for a failing assertion's message."""
    lines = []
    for name in sorted(set(once) | set(raced)):
        if once.get(name) != raced.get(name):
            lines.append(f"{name}:\n  one request: {once.get(name)}\n  raced:       {raced.get(name)}")
    return "\n".join(lines)


@dataclass
class World:
    """What a case's setup may use; ``run`` is 0 for the single world, 1 for the raced one."""

    app: LearnomyApp
    client: Client
    people: Any
    make_course: Callable[..., dict[str, Any]]
    run: int

    def post(self, path: str, who: str, *, api: str = FREE_API, **body: Any) -> dict[str, Any]:
        """POST ``body`` to ``path`` under ``api`` as ``who``; the answer's data (it must succeed)."""
        response = self.client.post(f"{api}{path}", json=body, headers=self.people[who])
        assert response.status_code in (200, 201), (path, response.json)
        return response.json["data"]


def compare_with_one(make_app: Callable[..., LearnomyApp], app: LearnomyApp, client: Client, people: Any,
                     make_course: Callable[..., dict[str, Any]], build: Callable[[World], Call],
                     refusals: tuple[int, ...], *, api: str) -> None:
    """Build a world and send it one request; build another and send it RACERS at once.

    The database changes must be the same; each racing answer must have the single
    answer's status or one of ``refusals``, and at least one must succeed.
    """
    call = build(World(app, client, people, make_course, 0))
    before = snapshot(app)
    single = call.send(client, people, api)
    assert single.status_code < 300, single.json
    once = changes(before, snapshot(app))

    call = build(World(app, client, people, make_course, 1))
    before = snapshot(app)
    clients = [Client(make_app()) for _ in range(RACERS)]
    answers = race([lambda c=c: call.send(c, people, api) for c in clients])
    raced = changes(before, snapshot(app))

    statuses = sorted(a.status_code for a in answers)
    assert single.status_code in statuses, [a.json for a in answers]
    assert set(statuses) <= {single.status_code, *refusals}, [a.json for a in answers]
    assert raced == once, explain(once, raced)
