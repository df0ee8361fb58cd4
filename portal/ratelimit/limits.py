"""Limits that a person never meets and a script always does.

Fixed windows, shared by every app process (or machine) so that running several does not
multiply a limit, and a refused attempt still counts. The counts live in one of two places:

- the database (the default): one atomic UPSERT ... RETURNING per attempt, in a transaction of
  its own; the worker deletes windows that have ended (`forget_old`);
- Redis, when `REDIS_URL` is set: one atomic INCR + EXPIRE per attempt on the key
  `ratelimit:{limit}:{subject}:{window_start}`, which expires when its window ends.

`counter_for(redis_url, engine)` picks one when the app starts; routes count through it
(`portal.web.limit`). The `RATE_LIMIT_FACTOR` setting scales every limit (e.g. 10 for a load
test).
"""

from __future__ import annotations

import logging
import math
import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Protocol

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Connection, Engine, bindparam, delete, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite

from portal import db
from portal.clock import utcnow
from portal.prepared import Prepared
from portal.ratelimit.models import RateCounter

log = logging.getLogger("portal.ratelimit")


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


LIMITS = {
    # Every password tried from one address (signing in, linking single sign-on).
    "login-address": Limit("login-address", 300, 15 * 60),
    # Wrong passwords (portal.accounts.guessing): for one account from one address, from one
    # address across accounts, and for one account from anywhere (an account "under attack").
    "login-fail-pair": Limit("login-fail-pair", 10, 15 * 60),
    "login-fail-address": Limit("login-fail-address", 30, 15 * 60),
    "login-fail-account": Limit("login-fail-account", 100, 60 * 60),
    "signup-address": Limit("signup-address", 100, 60 * 60),
    # Asking for account emails (a password reset, the confirmation link again) from one
    # address; and the emails one account is sent about itself, beyond which none is queued.
    "account-email-address": Limit("account-email-address", 30, 60 * 60),
    "account-email": Limit("account-email", 5, 60 * 60),
    "idea": Limit("idea", 20, 60 * 60),
    "comment": Limit("comment", 30, 10 * 60),
    "vote": Limit("vote", 120, 60),
    "flag": Limit("flag", 20, 60 * 60),
}


class RateLimited(Exception):
    """Too many attempts; `retry_after` seconds until the window ends."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Window:
    """The fixed window of `limit` that an attempt at a given moment falls in."""

    key: str  # "{limit}:{subject}", at most 200 characters
    start: int  # epoch seconds
    retry_after: int  # seconds from the attempt to the window's end, at least 1
    allowed: int  # attempts allowed in the window

    def check(self, count: int) -> None:
        """Raise RateLimited when `count` attempts are past the limit."""
        if count > self.allowed:
            raise RateLimited(self.retry_after)


def _window(limit_name: str, subject: str, now: datetime | None, factor: float) -> _Window:
    limit = LIMITS[limit_name]
    epoch = int((now or utcnow()).timestamp())
    start = epoch - epoch % limit.seconds
    key = f"{limit.name}:{subject}".replace("\x00", "")[:200]
    allowed = math.ceil(limit.count * factor)
    return _Window(key, start, max(1, start + limit.seconds - epoch), allowed)


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
    (one commit instead of two, for a vote; portal.groupcommit keeps a refused count)."""
    window = _window(limit_name, subject, now, factor)
    params = {"key": window.key, "window_start": datetime.fromtimestamp(window.start, UTC)}
    # No page shows these counts: they leave the site's data version (and kept pages) alone.
    own = nullcontext(conn) if conn is not None else db.write_connection(engine, shown=False)
    with own as counting:
        count = _upsert(counting.dialect.name).first(counting, params).count
    window.check(count)


@cache
def _upsert(dialect: str) -> Prepared:
    """Add one to a window's count, creating it at 1: built once per database kind and run as
    a prepared statement, since it runs before every vote, post and sign-in."""
    table = RateCounter.__table__
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
    window = _window(limit_name, subject, now, factor)
    window.check(count(engine, limit_name, subject, now) + 1)


def count(engine: Engine, limit_name: str, subject: str, now: datetime | None = None) -> int:
    """How many attempts `subject` has made in the current window, counting nothing."""
    window = _window(limit_name, subject, now, 1.0)
    started = datetime.fromtimestamp(window.start, UTC)
    with db.read(engine) as s:
        found = s.execute(
            select(RateCounter.count).where(
                RateCounter.key == window.key, RateCounter.window_start == started
            )
        ).scalar_one_or_none()
    return int(found or 0)


def retry_after(limit_name: str, now: datetime | None = None) -> int:
    """Seconds until the current window of `limit_name` ends (at least 1)."""
    return _window(limit_name, "", now, 1.0).retry_after


def forget_old(engine: Engine, now: datetime | None = None) -> int:
    """Delete windows that have ended (the worker runs this)."""
    cutoff = (now or utcnow()) - timedelta(seconds=max(lim.seconds for lim in LIMITS.values()))
    with db.write(engine, shown=False) as s:
        return int(s.execute(delete(RateCounter).where(RateCounter.window_start < cutoff)).rowcount)


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


class RedisCounter:
    """Counts in Redis: INCR and EXPIRE in one MULTI/EXEC transaction, so every process that
    uses the same server shares one count and a key lives exactly as long as its window.

    The expiry is the time left in the window by the portal's clock, so the servers' clocks
    need not agree for a window to end on time.

    Fails open: when Redis cannot be reached (refused, timed out, any Redis error) the attempt
    is allowed and a warning is logged, so an outage of Redis never takes the site down; for
    `pause` seconds after a failure Redis is not asked at all, so a server that is down or
    unreachable does not slow every request by a connect timeout. Limits are not enforced
    while Redis is unavailable.
    """

    def __init__(
        self, url: str, *, timeout: float = 0.5, pause: float = 5.0, factor: float = 1.0
    ) -> None:
        self.client = redis.Redis.from_url(
            url,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 1),  # one reconnect for a connection that went stale
        )
        self.pause = pause
        self.factor = factor
        self._down_until = 0.0

    def hit(
        self,
        limit_name: str,
        subject: str,
        now: datetime | None = None,
        *,
        conn: Connection | None = None,  # the caller's transaction: not used, Redis counts
    ) -> None:
        window = _window(limit_name, subject, now, self.factor)
        if time.monotonic() < self._down_until:
            return
        key = f"ratelimit:{window.key}:{window.start}"
        try:
            with self.client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, window.retry_after)
                count, _ = pipe.execute()
        except redis.RedisError as exc:
            self._down_until = time.monotonic() + self.pause
            log.warning("rate limits not enforced for %ss: Redis failed (%s)", self.pause, exc)
            return
        window.check(int(count))

    def over(self, limit_name: str, subject: str, now: datetime | None = None) -> None:
        window = _window(limit_name, subject, now, self.factor)
        window.check(self.count(limit_name, subject, now) + 1)

    def count(self, limit_name: str, subject: str, now: datetime | None = None) -> int:
        window = _window(limit_name, subject, now, self.factor)
        if time.monotonic() < self._down_until:
            return 0
        try:
            found = self.client.get(f"ratelimit:{window.key}:{window.start}")
        except redis.RedisError as exc:
            self._down_until = time.monotonic() + self.pause
            log.warning("rate limits not enforced for %ss: Redis failed (%s)", self.pause, exc)
            return 0
        return int(found or 0)

    def close(self) -> None:
        self.client.close()


def counter_for(redis_url: str, engine: Engine, *, factor: float = 1.0) -> Counter:
    """The counter an app uses: Redis when `redis_url` is set, else its database; `factor`
    scales every limit (the `RATE_LIMIT_FACTOR` setting)."""
    if redis_url:
        return RedisCounter(redis_url, factor=factor)
    return DatabaseCounter(engine, factor=factor)
