"""Transaction locks: a second transaction asking for the same lock waits for the first."""

from __future__ import annotations

import threading
from typing import Any, Callable

import pytest
import sqlalchemy as sa

from learnomy_core.locks import lock_name, lock_rows
from learnomy_core.options import get_option


def _second_waits(app: Any, take: Callable[[Any], Any]) -> None:
    """While one transaction holds ``take``'s lock, another taking it waits until commit."""
    acquired = threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with app.storage.engine.begin() as db:
                take(db)
                acquired.set()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with app.storage.engine.begin() as db:
        take(db)
        thread = threading.Thread(target=second)
        thread.start()
        assert not acquired.wait(0.5)
    thread.join(30)
    assert not errors and acquired.is_set()


def test_a_named_lock_is_held_until_commit(app) -> None:
    options = app.tables["options"]
    _second_waits(app, lambda db: lock_name(db, options, "test"))
    with app.storage.engine.connect() as db:
        # The name's row is WordPress-shaped and never autoloaded (MySQL; SQLite needs none).
        assert get_option(db, options, "_learnomy_lock_test") in (None, "")


def test_locked_rows_are_held_until_commit(app, make_user) -> None:
    users = app.tables["users"]
    user_id = make_user("ann")
    query = sa.select(users.c.ID).where(users.c.ID == user_id)
    _second_waits(app, lambda db: lock_rows(db, query))
    with app.storage.engine.begin() as db:
        assert [int(row.ID) for row in lock_rows(db, query)] == [user_id]
        assert lock_rows(db, sa.select(users.c.ID).where(users.c.ID == 0)) == []


def test_lock_rows_needs_a_table(app) -> None:
    if not app.storage.is_sqlite:
        pytest.skip("MySQL locks any select; SQLite needs a table to begin writing on")
    with app.storage.engine.begin() as db:
        with pytest.raises(TypeError):
            lock_rows(db, sa.select(sa.literal(1).label("one")))


def test_a_name_taken_twice_in_one_transaction(app) -> None:
    """The second call is a no-op: on MySQL it would otherwise wait on the lock row
    its own first call created, which its snapshot does not show."""
    from learnomy_core.locks import lock_name

    options = app.tables["options"]
    with app.storage.engine.begin() as db:
        db.execute(sa.select(options.c.option_id).limit(1)).all()  # the snapshot begins before the lock row
        lock_name(db, options, "twice")
        lock_name(db, options, "twice")
    with app.storage.engine.begin() as db:
        lock_name(db, options, "twice")  # a new transaction takes it anew
