"""The database: engine, per-request connections, tables and migrations.

SQLite (a local file) is the embedded default; MySQL and MariaDB through
``mysql+pymysql://`` are the production engines. A request's connection is
opened lazily; failing to reach the database raises
:class:`~learnomy_core.errors.Unavailable` (503) and the next request tries afresh,
so the app recovers by itself when the database returns. A pooled connection is
pinged before use only after :data:`PING_IDLE_SECONDS` idle, and goes back to the
pool without a second ``ROLLBACK`` after the request's commit (:func:`release`):
on a database server each is a round trip per request.

Column types shared by plugins' tables and migrations live here so that every
table speaks WordPress's dialect on MySQL (``BIGINT UNSIGNED`` ids, ``LONGTEXT``).

Ids are never handed out twice, on any table of any plugin: see
:func:`never_reuse_ids`.
"""

from __future__ import annotations

import functools
import json
import os
import time
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Connection, Engine

from .errors import Unavailable

__all__ = [
    "inserted_id", "release", "Storage", "ID", "LONGTEXT", "TEXT_TABLE", "is_disconnect", "insert_ignore", "RETRY_AFTER_SECONDS",
           "never_reuse_ids", "ids_never_reused", "storage_of", "first_compiled", "built_once"]

# WordPress's id columns: BIGINT(20) UNSIGNED on MySQL; SQLite needs INTEGER to
# make a primary key an alias of its rowid (autoincrement).
ID = sa.BigInteger().with_variant(mysql.BIGINT(unsigned=True), "mysql", "mariadb").with_variant(
    sa.Integer(), "sqlite"
)
LONGTEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
# Table options so MySQL/MariaDB store full Unicode, as WordPress's own tables do.
TEXT_TABLE: dict[str, Any] = {"mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_unicode_520_ci"}

RETRY_AFTER_SECONDS = 5
# A pooled connection idle longer than this is pinged before it is handed out
# (a server restart, or a proxy or firewall dropping idle connections, is then
# met with a fresh connection). One in steady use is not: the ping would be a
# round trip on every request, and a connection the server dropped mid-traffic
# fails its first statement, which invalidates the whole pool (that request
# answers 503 with Retry-After, the next ones connect afresh).
PING_IDLE_SECONDS = 5.0
_RETURNED = "lrn_returned_at"  # when the connection went back to the pool (its record's info)
_ENDED = "lrn_transaction_ended"  # committed or rolled back just before its release: nothing to reset
# Weak both ways: a Storage holds its engine, so a strong value would keep its own
# key, and with it every app ever built (its engine, metadata and tables), alive.
_OWNERS: "weakref.WeakKeyDictionary[Engine, weakref.ref[Storage]]" = weakref.WeakKeyDictionary()
_MIGRATIONS = Path(__file__).with_name("migrations")


def never_reuse_ids(table: sa.Table) -> None:
    """Have SQLite give ``table``'s surrogate id to one row only, ever (``AUTOINCREMENT``).

    Without it SQLite numbers a new row max(id) + 1: delete the newest course and
    the next course gets its id, and everything still naming the old id (quizzes,
    attempts, certificates, cursors, caches, other systems) silently points at the
    newcomer. With ``AUTOINCREMENT`` SQLite keeps the highest id it ever gave in
    ``sqlite_sequence``. MySQL and MariaDB (InnoDB) never go back either: their
    counter survives deletes and, since MariaDB 10.2.4 and MySQL 8.0, restarts.
    A no-op for tables without a single integer id column.
    """
    if table.autoincrement_column is not None:
        table.dialect_kwargs["sqlite_autoincrement"] = True


def _on_create(table: sa.Table, connection: Connection, **_: Any) -> None:
    if connection.dialect.name == "sqlite":
        never_reuse_ids(table)


@contextmanager
def ids_never_reused() -> Iterator[None]:
    """While migrations run: every table created (``op.create_table``,
    ``Table.create``, a batch operation's rebuilt copy) gets :func:`never_reuse_ids`.

    So no plugin's revision has to remember the option, and rebuilding a table on
    SQLite (which reflects no ``AUTOINCREMENT``) keeps it.
    """
    event.listen(sa.Table, "before_create", _on_create)
    try:
        yield
    finally:
        event.remove(sa.Table, "before_create", _on_create)


def is_disconnect(exc: BaseException) -> bool:
    """Whether ``exc`` says the database went away (rather than a bad statement)."""
    return isinstance(exc, sa.exc.DBAPIError) and bool(exc.connection_invalidated)


def storage_of(connection: Connection) -> "Storage":
    """The :class:`Storage` whose engine made ``connection`` (its tables, its prefix).

    For code handed only a connection (``enqueue(request.db, ...)``).
    """
    owner = _OWNERS.get(connection.engine)
    storage = owner() if owner is not None else None
    if storage is None:
        raise RuntimeError("this connection does not come from a learnomy Storage")
    return storage


class Storage:
    """One engine and the app's tables.

    :param url: a SQLAlchemy URL.
    :param prefix: the table prefix (``wp_``).
    :ivar tables: tables by unprefixed name (``"options"``, ``"usermeta"``).
    """

    def __init__(self, url: str, prefix: str) -> None:
        self.url = sa.engine.make_url(url)
        self.prefix = prefix
        self.metadata = sa.MetaData()
        self.engine = _make_engine(self.url)
        self.tables: dict[str, sa.Table] = {}
        # first_compiled's SQL by the statement's id(), the statement kept with it so
        # that its id() is not reused meanwhile. Here rather than process-wide: it
        # goes with the app (a global would keep every app's statements and tables).
        self.compiled: dict[int, tuple[Any, Any, Optional[tuple[str, ...]]]] = {}
        _OWNERS[self.engine] = weakref.ref(self)

    def collect_tables(self) -> None:
        """Index the tables plugins added to :attr:`metadata` by unprefixed name."""
        for name, table in self.metadata.tables.items():
            never_reuse_ids(table)  # declared as the migrations create it
            self.tables[name[len(self.prefix):] if name.startswith(self.prefix) else name] = table

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def connect(self) -> Connection:
        """A new connection (its transaction begins on first use).

        :raises Unavailable: when the database cannot be reached.
        """
        try:
            return self.engine.connect()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise Unavailable(headers={"Retry-After": str(RETRY_AFTER_SECONDS)}) from exc

    def upgrade(self, locations: Iterable[str], revision: str = "heads") -> None:
        """Apply every plugin's Alembic migrations up to ``revision``."""
        from alembic import command

        if self.is_sqlite and self.url.database:
            Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
        with self.engine.begin() as connection:
            command.upgrade(self._alembic_config(connection, locations), revision)

    def pending_revisions(self, locations: Iterable[str]) -> set[str]:
        """Revisions of the given migration folders not yet applied (empty: up to date)."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        with self.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": self.version_table})
            applied = tuple(context.get_current_heads())
            script = ScriptDirectory.from_config(self._alembic_config(connection, locations))
            wanted = {r.revision for r in script.revision_map.iterate_revisions("heads", "base")}
            done = {r.revision for r in script.revision_map.iterate_revisions(applied, "base")} if applied else set()
            return wanted - done

    @property
    def version_table(self) -> str:
        return f"{self.prefix}lrn_alembic_version"

    def _alembic_config(self, connection: Connection, locations: Iterable[str]) -> Any:
        from alembic.config import Config as AlembicConfig

        config = AlembicConfig()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.set_main_option("path_separator", "os")
        config.set_main_option(
            "version_locations",
            os.pathsep.join([str(_MIGRATIONS / "versions"), *[str(p) for p in locations]]),
        )
        config.attributes.update(
            connection=connection, table_prefix=self.prefix, version_table=self.version_table
        )
        return config

    def dispose(self) -> None:
        self.engine.dispose()


def release(connection: Connection, commit: bool) -> None:
    """Commit or roll back ``connection``'s transaction, then close it (back to the pool).

    The pool then skips its own rollback-on-return: the transaction just ended,
    and on a database server that rollback is one more round trip per request.
    Unless SQLAlchemy began none: then ``commit()`` sends nothing, and what ran on
    the driver's cursor alone (:func:`first_compiled`) may have opened one, whose
    snapshot the next request would read; the pool's rollback ends it.
    """
    try:
        began = connection.in_transaction()
        if commit:
            connection.commit()
        else:
            connection.rollback()
        if began:
            connection.info[_ENDED] = True
    finally:
        connection.close()


def _json_column(value: Any) -> str:
    """JSON columns' serialiser: NaN and Infinity are refused, never stored as text
    that every later answer showing them would have to serve as invalid JSON."""
    return json.dumps(value, allow_nan=False)


def _make_engine(url: sa.engine.URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        # In process: a rollback or a check costs no round trip, the pool's defaults stay.
        engine = sa.create_engine(url, connect_args={"timeout": 30}, json_serializer=_json_column)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # The pool's reset on return is ours (_reset): a rollback unless release() just ended the transaction.
    engine = sa.create_engine(url, pool_recycle=3600, json_serializer=_json_column, pool_reset_on_return=None)
    event.listen(engine, "checkout", _ping_if_idle(engine.dialect))
    event.listen(engine, "connect", _returned)
    event.listen(engine, "checkin", _returned)
    event.listen(engine, "reset", _reset)
    return engine


def _returned(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_RETURNED] = time.monotonic()


def _reset(dbapi_connection: Any, record: Any, state: Any) -> None:
    """The pool's reset of a connection going back: roll back whatever is open,
    unless :func:`release` has just committed or rolled back (the pool's own
    rollback-on-return would always send one more ``ROLLBACK``)."""
    ended = record is not None and record.info.pop(_ENDED, False)
    if not ended and not state.transaction_was_reset and state.asyncio_safe:
        dbapi_connection.rollback()


def _ping_if_idle(dialect: Any) -> Any:
    """A checkout listener: ping a connection idle over :data:`PING_IDLE_SECONDS`
    (what ``pool_pre_ping`` does on every checkout); a dead one invalidates the
    pool and the checkout connects afresh."""

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        record.info.pop(_ENDED, None)
        if time.monotonic() - record.info.get(_RETURNED, 0.0) <= PING_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise sa.exc.InvalidatePoolError() from exc

    return checkout


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers proceed while a writer works (several workers, one file).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()



def insert_ignore(connection: Connection, table: sa.Table, values: dict[str, Any]) -> bool:
    """Insert a row unless a unique key already holds it; whether it was inserted.

    Atomic in the database (``INSERT ... ON CONFLICT DO NOTHING`` / ``INSERT
    IGNORE``), so two processes racing cannot both insert, and no exception
    poisons the surrounding transaction.
    """
    dialect = connection.dialect.name
    statement: sa.Insert
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table).values(**values).on_conflict_do_nothing()
    elif dialect in ("mysql", "mariadb"):
        statement = sa.insert(table).values(**values).prefix_with("IGNORE")
    else:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(table).values(**values).on_conflict_do_nothing()
    return connection.execute(statement).rowcount == 1


def inserted_id(result: "sa.CursorResult[Any]") -> int:
    """The id of the row an ``INSERT`` made: ``inserted_id(db.execute(sa.insert(t).values(...)))``."""
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the statement inserted no row with an id")
    return int(key[0])


_P = ParamSpec("_P")
_R = TypeVar("_R")


def built_once(build: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorate a statement builder taking tables (and hashable values): each
    distinct set of arguments is built once, kept in the ``info`` of the tables'
    :class:`~sqlalchemy.MetaData`.

    For statements worth building once (building one costs more than running it),
    where ``functools.lru_cache`` would be wrong: a process-wide cache keyed by
    tables keeps up to its size of apps' whole metadata (every table, and through
    the statements more) alive after the apps are gone, and with more apps than
    its size (one per tenant) it misses. Here the statements live and die with
    their tables. The first :class:`~sqlalchemy.Table` among the arguments (or in a
    tuple among them) names the metadata; a builder given none is refused.
    """

    @functools.wraps(build)
    def cached(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        metadata = _metadata_of(args) or _metadata_of(kwargs.values())
        if metadata is None:
            raise TypeError(f"{build.__qualname__}: built_once needs a table among the arguments")
        memo: dict[Any, _R] = metadata.info.setdefault(cached, {})
        key = (args, tuple(sorted(kwargs.items()))) if kwargs else args
        try:
            return memo[key]
        except KeyError:
            # Two threads may both build it: the same statement, one of them kept.
            return memo.setdefault(key, build(*args, **kwargs))

    return cached


def _metadata_of(values: Iterable[Any]) -> Optional[sa.MetaData]:
    for value in values:
        if isinstance(value, sa.Table):
            return value.metadata
        if isinstance(value, tuple):
            found = _metadata_of(value)
            if found is not None:
                return found
    return None


def first_compiled(db: Connection, statement: Any, params: dict[str, Any]) -> Optional[tuple[Any, ...]]:
    """The first row of ``statement`` (built once, with ``bindparam``s; not
    ``expanding`` ones), run as its SQL compiled once (kept by the :class:`Storage`
    that ``db`` comes from, as ``request.db`` does), on the driver's cursor of
    ``db``: for the hottest small reads (a validator's), where SQLAlchemy's per-call
    work costs several times the query. The row is the driver's tuple (strings and
    numbers as stored; on SQLite a date is text).

    In the request's transaction: on MySQL/MariaDB the read opens it (its snapshot),
    and SQLAlchemy's next statement carries on in it. With a cursor listener on the
    engine (query counters, tracing) or on a driver error, the statement goes through
    SQLAlchemy instead, which reports and wraps as usual.
    """
    compiled_here = storage_of(db).compiled
    found = compiled_here.get(id(statement))
    if found is None:
        compiled = statement.compile(dialect=db.dialect)
        # The statement is kept with its SQL: its id() is never reused meanwhile.
        found = compiled_here[id(statement)] = (statement, compiled, compiled.positiontup)
    _, compiled, order = found
    values = compiled.construct_params(params)
    args: Any = tuple(values[name] for name in order) if order else values
    if db.dispatch.before_cursor_execute or db.dispatch.after_cursor_execute:
        return db.exec_driver_sql(compiled.string, args).first()
    cursor = db.connection.cursor()
    try:
        cursor.execute(compiled.string, args)
        return cursor.fetchone()
    except db.dialect.loaded_dbapi.Error:
        pass
    finally:
        cursor.close()
    return db.exec_driver_sql(compiled.string, args).first()
