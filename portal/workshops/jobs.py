"""The worker's jobs for design sessions, in this order each round: release what members whose
committee term has lapsed still hold in committee-only sessions (so no reminder goes to them),
then remind each confirmed person one day before a session, once (the reminder is marked in the
same transaction as its event)."""

from __future__ import annotations

from typing import Any

from portal.core import db, jobs
from portal.core.clock import utcnow
from portal.notifications import services as notifications
from portal.workshops import membership, queries


@jobs.register
def release_lapsed(worker: Any) -> int:
    # Most rounds find nobody: only a round that released something moves the data version.
    with db.write(worker.engine, shown=False) as s:
        done = membership.release_lapsed(db=s)
    if done:
        db.bump_version(worker.engine)
    return done


@jobs.register
def send_reminders(worker: Any) -> int:
    with db.write(worker.engine, shown=False) as s:
        due = queries.due_reminders(s)
        titles = queries.titles(s, {reg.workshop_id for reg in due})
        for reg in due:
            reg.reminded_at = utcnow()
            s.add(reg)
            notifications.emit(
                s,
                "reminder",
                workshop_id=reg.workshop_id,
                user_id=reg.user_id,
                detail=titles.get(reg.workshop_id, ""),
            )
        return len(due)
