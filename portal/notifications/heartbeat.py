"""The worker's heartbeat: each worker process upserts its row as it goes round its loop, so
/healthz can say when a worker was last seen. A write no page shows (`shown=False`): kept pages
stay valid."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from portal.core import db
from portal.core.clock import utcnow
from portal.notifications.models import WorkerHeartbeat

# Often enough for a health check to tell a stopped worker within a minute, seldom enough
# not to queue with the other writers (SQLite) every time the worker goes round.
EVERY = timedelta(seconds=5)
# Rows of worker processes that are long gone (every restart is a new process).
FORGET_AFTER = timedelta(days=7)


class Heartbeat:
    def __init__(self, engine: Engine, worker_id: str) -> None:
        self.engine = engine
        self.worker_id = worker_id[:64]
        self.started_at = utcnow()
        self.last: datetime | None = None

    def beat(self, now: datetime | None = None) -> None:
        """Note that this worker is alive, at most once every EVERY."""
        now = now or utcnow()
        if self.last is not None and now - self.last < EVERY:
            return
        insert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        with db.write(self.engine, shown=False) as s:
            s.execute(
                insert(WorkerHeartbeat)
                .values(worker_id=self.worker_id, started_at=self.started_at, seen_at=now)
                .on_conflict_do_update(index_elements=["worker_id"], set_={"seen_at": now})
            )
            if self.last is None:
                s.execute(
                    delete(WorkerHeartbeat).where(col(WorkerHeartbeat.seen_at) < now - FORGET_AFTER)
                )
        self.last = now
