"""Limits that a person never meets and a script always does.

Fixed windows, shared by every app process (or machine) so that running several does not
multiply a limit, and a refused attempt still counts. The counts live in one of two places:

- the database (the default): one atomic UPSERT ... RETURNING per attempt, in a transaction of
  its own; the worker deletes windows that have ended (`forget_old`);
- Redis, when `REDIS_URL` is set: one atomic INCR + EXPIRE per attempt on the key
  `ratelimit:{limit}:{subject}:{window_start}`, which expires when its window ends.

`counter_for(redis_url, engine)` picks one when the app starts; routes count through it
(`portal.web.requests.limit`). The `RATE_LIMIT_FACTOR` setting scales every limit (e.g. 10 for a load
test).
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Protocol

from sqlalchemy import Connection, Engine, bindparam, delete, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from portal.core import db
from portal.core.clock import utcnow
from portal.core.prepared import Prepared
from portal.core.ratelimit.models import RateCounter
from portal.core.ratelimit.windows import LIMITS, window_for


def hit(
    engine: Engine,
    limit_name: str,
    subject: str,
    now: datetime | None = None,
    *,
    conn: Connection | None = None,
    factor: float = 1.0,
) -> None:
    """Count one attempt by `subject` (an account, an address) in the database; raise
    RateLimited past the limit (times `factor`).

    The count has a transaction of its own, or joins the caller's write transaction on `conn`
    (one commit instead of two, for a vote; portal.core.groupcommit keeps a refused count)."""
    window = window_for(limit_name, subject, now, factor)
    params = {"key": window.key, "window_start": datetime.fromtimestamp(window.start, UTC)}
    # No page shows these counts: they leave the site's data version (and kept pages) alone.
    own = nullcontext(conn) if conn is not None else db.write_connection(engine, shown=False)
    with own as counting:
        # An upsert with RETURNING: exactly one row, the window's count after this attempt.
        (row,) = _upsert(counting.dialect.name).all(counting, params)
    window.check(row.count)


@cache
def _upsert(dialect: str) -> Prepared:
    """Add one to a window's count, creating it at 1: built once per database kind and run as
    a prepared statement, since it runs before every vote, post and sign-in."""
    table = db.table_of(RateCounter)
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return Prepared(
        insert(table)
        .values(
            key=bindparam("key"),
            window_start=bindparam("window_start", type_=table.c.window_start.type),
            count=1,
        )
        .on_conflict_do_update(
            index_elements=["key", "window_start"],
            set_={"count": literal_column("rate_counter.count") + 1},
        )
        .returning(table.c.count)
    )


def over(
    engine: Engine,
    limit_name: str,
    subject: str,
    now: datetime | None = None,
    *,
    factor: float = 1.0,
) -> None:
    """Raise RateLimited when `subject` has already used up the window, counting nothing."""
    window = window_for(limit_name, subject, now, factor)
    window.check(count(engine, limit_name, subject, now) + 1)


def count(engine: Engine, limit_name: str, subject: str, now: datetime | None = None) -> int:
    """How many attempts `subject` has made in the current window, counting nothing."""
    window = window_for(limit_name, subject, now, 1.0)
    started = datetime.fromtimestamp(window.start, UTC)
    with db.read(engine) as s:
        found = s.execute(
            select(col(RateCounter.count)).where(
                col(RateCounter.key) == window.key, col(RateCounter.window_start) == started
            )
        ).scalar_one_or_none()
    return int(found or 0)


def forget_old(engine: Engine, now: datetime | None = None) -> int:
    """Delete windows that have ended (the worker runs this)."""
    cutoff = (now or utcnow()) - timedelta(seconds=max(lim.seconds for lim in LIMITS.values()))
    with db.write(engine, shown=False) as s:
        return int(
            s.exec(delete(RateCounter).where(col(RateCounter.window_start) < cutoff)).rowcount
        )


class Counter(Protocol):
    """Where an app's attempts are counted (one per app, in `app.state.rate_counter`)."""

    def hit(
        self,
        limit_name: str,
        subject: str,
        now: datetime | None = None,
        *,
        conn: Connection | None = None,
    ) -> None: ...

    def over(self, limit_name: str, subject: str, now: datetime | None = None) -> None: ...

    def count(self, limit_name: str, subject: str, now: datetime | None = None) -> int: ...

    def close(self) -> None: ...


class DatabaseCounter:
    """Counts in the app's database (`hit`). `factor` scales every limit."""

    def __init__(self, engine: Engine, *, factor: float = 1.0) -> None:
        self.engine = engine
        self.factor = factor

    def hit(
        self,
        limit_name: str,
        subject: str,
        now: datetime | None = None,
        *,
        conn: Connection | None = None,
    ) -> None:
        hit(self.engine, limit_name, subject, now, conn=conn, factor=self.factor)

    def over(self, limit_name: str, subject: str, now: datetime | None = None) -> None:
        over(self.engine, limit_name, subject, now, factor=self.factor)

    def count(self, limit_name: str, subject: str, now: datetime | None = None) -> int:
        return count(self.engine, limit_name, subject, now)

    def close(self) -> None:
        """Nothing to close: the engine belongs to the app."""


def counter_for(redis_url: str, engine: Engine, *, factor: float = 1.0) -> Counter:
    """The counter an app uses: Redis when `redis_url` is set, else its database; `factor`
    scales every limit (the `RATE_LIMIT_FACTOR` setting)."""
    if redis_url:
        # Redis is an optional extra (`pip install codesign-portal[redis]`): a SQLite-only
        # library does not install it, so it is imported only when it is asked for.
        from portal.core.ratelimit.redis_counter import RedisCounter

        return RedisCounter(redis_url, factor=factor)
    return DatabaseCounter(engine, factor=factor)
