"""Limits that a person never meets and a script always does.

Fixed windows counted in the database with one atomic UPSERT ... RETURNING, in a transaction
of its own, so several app processes (or machines) share one count and a refused attempt
still counts. `RATE_LIMIT_FACTOR` scales every limit (e.g. 10 for a load test).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, literal_column
from sqlalchemy.dialects import postgresql, sqlite

from portal import db
from portal.clock import utcnow
from portal.ratelimit.models import RateCounter


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


LIMITS = {
    "login-account": Limit("login-account", 10, 15 * 60),
    "login-address": Limit("login-address", 300, 15 * 60),
    "signup-address": Limit("signup-address", 100, 60 * 60),
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


def _factor() -> float:
    try:
        return max(0.001, float(os.environ.get("RATE_LIMIT_FACTOR", "1")))
    except ValueError:
        return 1.0


def hit(engine: Engine, limit_name: str, subject: str, now: datetime | None = None) -> None:
    """Count one attempt by `subject` (an account, an address); raise RateLimited past the
    limit."""
    limit = LIMITS[limit_name]
    now = now or utcnow()
    epoch = int(now.timestamp())
    start = epoch - epoch % limit.seconds
    window = datetime.fromtimestamp(start, UTC)
    key = f"{limit.name}:{subject}".replace("\x00", "")[:200]
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(RateCounter).values(key=key, window_start=window, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key", "window_start"],
        set_={"count": literal_column("rate_counter.count") + 1},
    ).returning(RateCounter.count)
    with db.write(engine) as s:
        count = s.execute(stmt).scalar_one()
    if count > math.ceil(limit.count * _factor()):
        raise RateLimited(max(1, start + limit.seconds - epoch))


def forget_old(engine: Engine, now: datetime | None = None) -> int:
    """Delete windows that have ended (the worker runs this)."""
    cutoff = (now or utcnow()) - timedelta(seconds=max(lim.seconds for lim in LIMITS.values()))
    with db.write(engine) as s:
        return int(s.execute(delete(RateCounter).where(RateCounter.window_start < cutoff)).rowcount)
