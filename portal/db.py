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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event
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


def _sqlite_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


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
def write(engine: Engine) -> Iterator[Session]:
    """A session whose transaction holds the write lock from its first statement.

    It commits when the block ends normally and rolls back on any exception.
    """
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if engine.name == "sqlite" else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            session.connection()
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
