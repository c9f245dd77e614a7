"""Storage: what the engine refuses to write, and how the pool hands connections out and back."""

from __future__ import annotations

import math
import time
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from learnomy_core.storage import (
    _ENDED, _RETURNED, PING_IDLE_SECONDS, Storage, _ping_if_idle, _reset, built_once, first_compiled, release,
)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_json_columns_refuse_nan_and_infinity(value: float) -> None:
    storage = Storage("sqlite://", "wp_")
    table = sa.Table("wp_scores", storage.metadata, sa.Column("data", sa.JSON))
    storage.metadata.create_all(storage.engine)
    try:
        with pytest.raises(sa.exc.StatementError), storage.engine.begin() as db:
            db.execute(table.insert().values(data={"points": value}))
        with storage.engine.begin() as db:
            db.execute(table.insert().values(data={"points": 1.5}))
            assert db.execute(sa.select(table.c.data)).scalar_one() == {"points": 1.5}
    finally:
        storage.dispose()


# -- the pool: one round trip fewer per request each way ----------------------------------

@pytest.mark.parametrize("commit", [True, False])
def test_a_released_connection_leaves_no_snapshot_behind(database_url: str, commit: bool) -> None:
    """After release() the pool sends no ROLLBACK of its own, and yet the next use of
    the connection reads afresh (on MariaDB a transaction left open would keep its
    snapshot: the next request would see the database as it was)."""
    storage = Storage(database_url, "wp_")
    table = sa.Table("wp_release_probe", storage.metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("value", sa.Integer))
    storage.metadata.create_all(storage.engine)
    other = sa.create_engine(database_url)
    resets: list[Any] = []
    sa.event.listen(storage.engine, "reset", lambda dbapi, record, state: resets.append(record.info.copy()),
                    insert=True)  # before the pool's own reset reads the mark
    try:
        with other.begin() as db:
            db.execute(table.insert().values(id=1, value=1))
        seen = []
        for _ in range(2):
            connection = storage.connect()
            seen.append(connection.execute(sa.select(table.c.value)).scalar_one())
            release(connection, commit)
            with other.begin() as db:
                db.execute(table.update().values(value=2))
        assert seen == [1, 2]
        assert [_ENDED in info for info in resets] == [True, True]  # each reset saw release() end it
    finally:
        other.dispose()
        storage.dispose()  # first: a transaction left open would hold the table
        table.drop(storage.engine)
        storage.dispose()


def test_the_pool_rolls_back_what_release_did_not_end() -> None:
    calls: list[str] = []
    dbapi = SimpleNamespace(rollback=lambda: calls.append("rollback"))
    state = SimpleNamespace(transaction_was_reset=False, asyncio_safe=True)
    record = SimpleNamespace(info={_ENDED: True})
    _reset(dbapi, record, state)
    assert calls == []
    _reset(dbapi, record, state)  # closed without release(): whatever is open is rolled back
    assert calls == ["rollback"]


def test_only_an_idle_connection_is_pinged_and_a_dead_one_invalidates_the_pool() -> None:
    pinged: list[Any] = []

    class Dialect:
        loaded_dbapi = SimpleNamespace(Error=OSError)

        def do_ping(self, dbapi_connection: Any) -> None:
            pinged.append(dbapi_connection)
            raise OSError("server has gone away")

    checkout = _ping_if_idle(Dialect())
    record = SimpleNamespace(info={_RETURNED: time.monotonic(), _ENDED: True})
    checkout("in use", record, None)
    assert pinged == [] and _ENDED not in record.info
    record.info[_RETURNED] -= PING_IDLE_SECONDS + 1
    with pytest.raises(sa.exc.InvalidatePoolError):
        checkout("idle", record, None)
    assert pinged == ["idle"]


def test_a_read_on_the_drivers_cursor_alone_is_rolled_back_by_the_pool(database_url: str) -> None:
    """first_compiled reads on the driver's cursor, which SQLAlchemy does not see
    begin a transaction (nor commit it): the pool must end it, or on MariaDB the
    next request would read that read's snapshot."""
    storage = Storage(database_url, "wp_")
    table = sa.Table("wp_release_probe", storage.metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("value", sa.Integer))
    storage.metadata.create_all(storage.engine)
    other = sa.create_engine(database_url)
    statement = sa.select(table.c.value).where(table.c.id == sa.bindparam("lrn_id"))
    try:
        with other.begin() as db:
            db.execute(table.insert().values(id=1, value=1))
        for expected in (1, 2):
            connection = storage.connect()
            seen = first_compiled(connection, statement, {"lrn_id": 1})
            release(connection, True)
            assert seen == (expected,)
            with other.begin() as db:
                db.execute(table.update().values(value=2))
    finally:
        other.dispose()
        storage.dispose()  # first: a transaction left open would hold the table
        table.drop(storage.engine)
        storage.dispose()


# -- statements built once, kept with their tables ----------------------------------------

@built_once
def _by_id(table: sa.Table, column: str) -> sa.Select:
    return sa.select(table.c[column]).where(table.c.id == sa.bindparam("lrn_id"))


def test_a_statement_is_built_once_per_set_of_tables() -> None:
    """Same tables and values: the same statement. Another app's tables (another
    metadata): its own, which the first app's metadata does not hold."""
    first, second = sa.MetaData(), sa.MetaData()
    tables = [sa.Table("wp_things", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.Text))
              for metadata in (first, second)]
    assert _by_id(tables[0], "name") is _by_id(tables[0], "name")
    assert _by_id(tables[0], "name") is not _by_id(tables[0], "id")
    assert _by_id(tables[1], "name") is not _by_id(tables[0], "name")
    assert len(first.info[_by_id]) == 2 and len(second.info[_by_id]) == 1


def test_a_builder_without_tables_is_refused() -> None:
    with pytest.raises(TypeError, match="built_once needs a table"):
        _by_id(None, "name")  # type: ignore[arg-type]
