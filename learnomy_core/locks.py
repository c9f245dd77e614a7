"""Locks that last until the transaction ends, alike on SQLite and MySQL/MariaDB.

A read-modify-write (a PHP-serialized meta value, "is this login free?" before an
insert) is safe only when nobody else runs the same steps between the read and
the write. Lock what stands for the resource first, then read, then write; commit
or rollback releases the lock::

    lock_rows(db, sa.select(users.c.ID).where(users.c.ID == user_id))   # this user is ours
    items = lock_rows(db, sa.select(meta.c.meta_value).where(...))        # read the latest
    db.execute(sa.update(meta)...)                                        # write

Where a row may not exist yet (the first application password, a login nobody has
taken), lock a row that surely exists instead (the user's own row), or a name with
:func:`lock_name`. Locking a missing row would not serialise anything on MySQL:
two transactions may hold the same gap lock, and their inserts then deadlock.

A single guarded write needs no lock: an atomic conditional update (``UPDATE ...
WHERE status = 'in_progress'``, checked by its row count) decides the winner by
itself, as enrollment seats and attempt submissions do.

How: on MySQL/MariaDB, ``SELECT ... FOR UPDATE``; another transaction asking for
the same rows waits, and a locking read sees the latest committed data (a plain
read sees the transaction's snapshot, which may be older). On SQLite one writer
holds the whole database and pysqlite begins a transaction only at the first
write, so a write that changes nothing, made before anything is read, takes the
lock: every read after it sees the latest data, and no other writer commits until
this transaction ends.
"""

from __future__ import annotations

import weakref
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .storage import insert_ignore

__all__ = ["lock_rows", "lock_name", "lock_name_first"]

_NAME_PREFIX = "_learnomy_lock_"


def lock_rows(db: Connection, query: sa.Select) -> list[Any]:
    """``query``'s rows, locked until the transaction ends (none may match).

    :param query: a select whose first ``FROM`` is a table.
    """
    if db.dialect.name == "sqlite":
        _take_write_lock(db, query)
        return list(db.execute(query))
    return list(db.execute(query.with_for_update()))


def lock_name(db: Connection, options: sa.Table, name: str) -> None:
    """Hold the lock called ``name`` until the transaction ends.

    For a resource that has no row of its own to lock (every user's login and
    email, say). The lock is a row of the options table, created once, in a
    transaction of its own so that two first users cannot deadlock on it.

    Taking it again in the same transaction is a no-op: on MySQL the plain read
    below would not see a lock row this transaction's own first call created
    (its snapshot is older), and creating it again would wait on ourselves.

    :param options: the app's ``{prefix}options`` table.
    """
    transaction = db.get_transaction()
    held: dict[str, Any] = db.info.setdefault("learnomy_held_locks", {})
    if transaction is not None and transaction.is_active:
        mine = held.get(name)
        if mine is not None and mine() is transaction:
            return
    key = f"{_NAME_PREFIX}{name}"
    where = options.c.option_name == key
    if db.dialect.name != "sqlite" and db.execute(sa.select(options.c.option_id).where(where)).first() is None:
        _make_lock_row(db, options, key)
    lock_rows(db, sa.select(options.c.option_id).where(where))
    _remember(db, name, transaction)


def lock_name_first(db: Connection, options: sa.Table, name: str) -> None:
    """:func:`lock_name`, taken as the first statement of ``db``'s transaction and
    reading nothing before the wait: on MySQL/MariaDB a transaction's snapshot is
    taken at its first plain read, so every read after this lock sees what the
    lock's previous holder committed (after :func:`lock_name`'s own first read, or
    any read before it, the snapshot may be older than the lock). For a check that
    must see the latest state and then write on it, such as ``If-Match``.

    On MySQL, a lock row that does not exist yet is made in a transaction of its
    own after rolling this one back (it has done nothing yet), so that no gap lock
    is held meanwhile.
    """
    key = f"{_NAME_PREFIX}{name}"
    query = sa.select(options.c.option_id).where(options.c.option_name == key)
    if not lock_rows(db, query) and db.dialect.name != "sqlite":
        db.rollback()
        _make_lock_row(db, options, key)
        lock_rows(db, query)
    _remember(db, name, db.get_transaction())


def _make_lock_row(db: Connection, options: sa.Table, key: str) -> None:
    """The lock's row, made in a transaction of its own (two first takers cannot
    deadlock on it; a second maker finds it made)."""
    with db.engine.begin() as own:
        insert_ignore(own, options, {"option_name": key, "option_value": "", "autoload": "no"})


def _remember(db: Connection, name: str, transaction: Any) -> None:
    """Note that ``transaction`` holds ``name`` (:func:`lock_name` takes it once)."""
    if transaction is not None:
        db.info.setdefault("learnomy_held_locks", {})[name] = weakref.ref(transaction)


def _take_write_lock(db: Connection, query: sa.Select) -> None:
    """SQLite: begin writing (an update that matches nothing) so the database is ours."""
    froms = query.get_final_froms()
    table = froms[0] if froms else None
    if not isinstance(table, sa.Table) or not table.primary_key.columns:
        raise TypeError("lock_rows needs a select whose first FROM is a table with a primary key")
    column = next(iter(table.primary_key.columns))
    db.execute(sa.update(table).where(sa.false()).values({column.name: column}))
