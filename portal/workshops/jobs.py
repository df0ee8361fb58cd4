"""The worker's reminder job: one day before a session, each confirmed person is reminded,
once (the reminder is marked in the same transaction as its event)."""

from __future__ import annotations

from typing import Any

from portal import db
from portal.clock import utcnow
from portal.notifications import jobs
from portal.notifications import services as notifications
from portal.workshops import queries


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
