"""What /healthz answers, and /metrics reads when it is scraped: whether the database answers,
whether its schema is at the latest migration, the emails waiting (and the age of the oldest)
and failed, and when a worker was last seen. A few indexed reads: it is polled."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from portal import __version__
from portal.core.clock import utcnow
from portal.core.migrate import latest_revision
from portal.notifications import queries as notifications_q

log = logging.getLogger("portal.health")


def _revisions(conn: Connection) -> set[str]:
    """The migrations the database is at (none when it was never migrated)."""
    try:
        return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise
        conn.rollback()  # no alembic_version table: an empty database
        return set()


def _ago(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else round(max(0.0, (now - moment).total_seconds()), 1)


def report(engine: Engine) -> tuple[bool, dict[str, Any]]:
    """Whether the database answered, and the health report (JSON-ready)."""
    try:
        with engine.connect() as conn:
            revisions, latest = _revisions(conn), latest_revision()
            current = revisions == {latest}
            body: dict[str, Any] = {
                "status": "ok",
                "version": __version__,
                "database": {
                    "reachable": True,
                    "schema": ", ".join(sorted(revisions)) or None,
                    "latest": latest,
                    "up_to_date": current,
                },
                # Read only at the latest schema: the tables may not be there before.
                "emails": None,
                "worker": None,
            }
            if current:
                with Session(conn) as s:
                    outbox = notifications_q.outbox(s)
                    seen = notifications_q.worker_last_seen(s)
                now = utcnow()
                body["emails"] = {
                    "waiting": outbox.waiting,
                    "oldest_waiting_seconds": _ago(outbox.oldest_waiting_at, now),
                    "failed": outbox.failed,
                }
                body["worker"] = {
                    "last_seen": seen.isoformat().replace("+00:00", "Z") if seen else None,
                    "seconds_ago": _ago(seen, now),
                }
            return True, body
    except DBAPIError as exc:
        log.warning("health check: the database did not answer: %s", exc.orig or exc)
        return False, {
            "status": "unavailable",
            "version": __version__,
            "database": {"reachable": False},
        }
