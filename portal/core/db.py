"""Engine and database sessions for SQLite (the embedded default) and PostgreSQL.

Two kinds of unit of work:
- `read(engine)`: a plain transaction for queries.
- `write(engine)`: a transaction that takes the write lock up front. On SQLite that is
  `BEGIN IMMEDIATE`, because a deferred transaction that reads and then writes fails at once
  with "database is locked" when another writer got there first; with WAL and a busy timeout
  an immediate one simply waits its turn. On PostgreSQL it is an ordinary transaction, and the
  services take row locks (`SELECT ... FOR UPDATE`) where they need them.

Handlers run these short units of work directly in the event loop: each takes a millisecond or
two, and hopping to a thread pool for every query would cost more than it saves.

Every write that changes what pages show also moves the site's data version (one row in
`site_version`), so a page kept for visitors (portal.web.pagecache) is reused only while nothing
has changed since it was rendered.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from typing import Any, Literal, overload

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
)
from sqlalchemy import inspect as sql_inspect
from sqlalchemy import text as sql_text
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata
# The widest id the integer id columns hold: larger numbers name no row, and PostgreSQL
# refuses to compare them with those columns at all.
ID_MAX = 2**31 - 1

site_version = Table(
    "site_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", BigInteger, nullable=False, server_default="0"),
)


def table_of(model: type[SQLModel]) -> Table:
    """The table behind a table model, for Core statements built once (prepared statements):
    SQLModel does not declare `__table__` to type checkers."""
    table = sql_inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


_BUMP = sql_text("UPDATE site_version SET version = version + 1")
_VERSION = sql_text("SELECT version FROM site_version")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself, so a write can ask for IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA cache_size=-32000")
    cur.execute("PRAGMA mmap_size=268435456")
    cur.close()


_BEGIN = {mode: f"BEGIN {mode}" for mode in ("DEFERRED", "IMMEDIATE")}


def _sqlite_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    # Straight to the driver: it starts every transaction, and the full statement machinery
    # costs more than the BEGIN itself.
    conn.connection.driver_connection.execute(_BEGIN[mode])


def make_engine(url: str, *, pool: bool = True) -> Engine:
    """Create the engine for `url`, with SQLite set up for concurrent readers and writers."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 10},
            poolclass=None if pool else NullPool,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not pool:
        return create_engine(url, poolclass=NullPool)
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


@contextmanager
def read(engine: Engine) -> Iterator[Session]:
    """A session for queries; nothing it does is committed."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write(engine: Engine, *, shown: bool = True) -> Iterator[Session]:
    """A session whose transaction holds the write lock from its first statement.

    It commits when the block ends normally and rolls back on any exception. Unless the write
    is one no page shows (`shown=False`: rate-limit counters, the mail queue), it moves the
    data version too: on SQLite inside the transaction, which writers take in turn anyway; on
    PostgreSQL just after the commit, so concurrent writers never queue on that one row and a
    reader that sees the new version also sees the data.
    """
    with (
        write_connection(engine, shown=shown) as conn,
        Session(conn, expire_on_commit=False) as session,
    ):
        yield session
        session.flush()


@contextmanager
def write_connection(
    engine: Engine, *, shown: bool = True, have_turn: bool = False
) -> Iterator[Connection]:
    """The unit of work of `write` on a plain connection without an ORM session: for the
    hottest writes, made of prebuilt statements, where the session's bookkeeping costs more
    than the statements. `have_turn`: the caller already holds the writers' turn
    (`writer_turn`)."""
    sqlite = engine.name == "sqlite"
    with nullcontext() if have_turn else _writer_turn(engine), engine.connect() as conn:
        if sqlite:
            conn.execution_options(sqlite_begin="IMMEDIATE")
        try:
            with conn.begin():
                yield conn
                if shown and sqlite:
                    conn.execute(_BUMP)
        finally:
            # Taken off the (pooled) connection whatever happened; run only after a commit.
            committed = conn.info.pop(AFTER_COMMIT, [])
    if shown and not sqlite:
        bump_version(engine)
    for action in committed:
        action()


AFTER_COMMIT = "portal_after_commit"


def after_commit(session: Session, action: Callable[[], None]) -> None:
    """Run `action` once the write transaction of `session` has committed, and never if it
    rolls back: for what lies outside the database, such as removing a file that the
    transaction stopped naming."""
    session.connection().info.setdefault(AFTER_COMMIT, []).append(action)


_turns: dict[str, tuple[threading.Lock, int]] = {}
_turns_lock = threading.Lock()


def _forget_idle_turns(keep: int = 16) -> None:
    """Close the lock files of databases no longer written to (many, in a test run)."""
    for key in list(_turns)[: max(0, len(_turns) - keep)]:
        lock, fd = _turns[key]
        if lock.acquire(blocking=False):
            try:
                del _turns[key]
                os.close(fd)
            finally:
                lock.release()


def _queue_file(engine: Engine) -> str | None:
    """The database file whose writers queue on a lock file beside it (None: no queue)."""
    path = engine.url.database if engine.name == "sqlite" else None
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return path


@overload
def _take_turn(path: str, *, wait: Literal[True]) -> tuple[threading.Lock, int]: ...
@overload
def _take_turn(path: str, *, wait: Literal[False]) -> tuple[threading.Lock, int] | None: ...
def _take_turn(path: str, *, wait: bool) -> tuple[threading.Lock, int] | None:
    """Take this thread's turn in the process, then the process's turn on the machine. Without
    `wait`, None (holding nothing) when either is taken."""
    key = f"{os.getpid()}:{path}"  # a forked child opens its own: flock is per open file
    while True:
        with _turns_lock:
            if key not in _turns:
                _forget_idle_turns()
                fd = os.open(f"{path}-writer", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                _turns[key] = (threading.Lock(), fd)
            turn = _turns[key]
        lock, fd = turn
        # One thread of this process at a time... (a write inside a write would wait forever
        # on SQLite anyway; the timeout turns that mistake into an error)
        if not wait:
            if not lock.acquire(blocking=False):
                return None
        elif not lock.acquire(timeout=30):
            raise TimeoutError("no turn to write to the database after 30 s")
        if _turns.get(key) is turn:
            break
        lock.release()  # its file was closed while this thread waited: open it again
    try:  # ...and one process at a time
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.release()
        return None
    except BaseException:
        lock.release()
        raise
    return turn


def _end_turn(turn: tuple[threading.Lock, int]) -> None:
    lock, fd = turn
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        lock.release()


@contextmanager
def _writer_turn(engine: Engine) -> Iterator[None]:
    """On SQLite, writers (in every process) queue on a lock file beside the database.

    SQLite lets only one writer in at a time and makes the others poll, sleeping 1, 2, 5, 10...
    milliseconds between tries; under load most of a write's time went to those sleeps. An
    exclusive flock() on a file wakes the next writer the moment the lock is free. SQLite's
    own locking still guards the data; this only orders the queue."""
    path = _queue_file(engine)
    if path is None:
        yield
        return
    turn = _take_turn(path, wait=True)
    try:
        yield
    finally:
        _end_turn(turn)


@asynccontextmanager
async def writer_turn(engine: Engine) -> AsyncIterator[None]:
    """The writers' turn (as `write` takes it), waited for without stopping the event loop:
    while another process writes, this one goes on serving requests, and looks again every
    half millisecond. Take it and write with no `await` in between."""
    path = _queue_file(engine)
    if path is None:
        yield
        return
    while (turn := _take_turn(path, wait=False)) is None:
        await asyncio.sleep(0.0005)
    try:
        yield
    finally:
        _end_turn(turn)


def bump_version(engine: Engine) -> None:
    """Mark the site's data as changed (after writes that bypass `write`, like bulk loads)."""
    with engine.begin() as conn:
        conn.execute(_BUMP)


def data_version(engine: Engine) -> int:
    """The site's data version: it changes with every committed write that pages show."""
    with engine.connect() as conn:
        return int(conn.execute(_VERSION).scalar_one())


def session_version(session: Session) -> int:
    """The data version as `session` sees it, read once per session (a read session is short
    and writes nothing). Read it before the data it vouches for: data read after it is at least
    as new, so what is kept under it is never older than it says."""
    if "data_version" not in session.info:
        session.info["data_version"] = int(session.execute(_VERSION).scalar_one())
    return int(session.info["data_version"])
