"""Claiming rows of an outbox table (email, chat messages) for one worker.

An outbox row is due when it is pending, its next attempt has come, and no worker holds it (or
the hold has run out, because that worker died). Claiming marks the rows with the worker and an
end to the hold in the same transaction that picked them; on PostgreSQL the pick skips rows
another worker has locked, so two workers never claim the same row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import Session, col


def claim(
    s: Session, model: Any, worker_id: str, now: datetime, hold: timedelta, batch: int
) -> list[int]:
    """The ids of up to `batch` rows of `model` due at `now`, oldest first, now held by
    `worker_id` for `hold`. Run it inside a write transaction (`db.write`)."""
    stmt = (
        select(col(model.id))
        .where(
            col(model.status) == "pending",
            col(model.next_attempt_at) <= now,
            or_(col(model.claimed_until).is_(None), col(model.claimed_until) < now),
        )
        .order_by(col(model.id))
        .limit(batch)
    )
    if s.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(s.execute(stmt).scalars())
    if ids:
        s.execute(
            update(model)
            .where(col(model.id).in_(ids))
            .values(claimed_by=worker_id, claimed_until=now + hold)
        )
    return ids
