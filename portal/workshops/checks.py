"""What `portal check` verifies of design sessions, without changing anything: no session
has more confirmed places than its capacity, and no upcoming session that is not cancelled
has free places while people wait. Neither is repaired here: taking a place back is for
staff to decide, and giving one away tells the person (saving the session's form as staff
gives free places to the waitlist, in order)."""

from __future__ import annotations

from sqlalchemy import Subquery, func, select
from sqlmodel import Session, col

from portal.core.clock import aware, utcnow
from portal.core.integrity import Finding
from portal.workshops.models import Registration, Workshop


def check(db: Session, repair: bool) -> list[Finding]:
    def per_session(status: str) -> Subquery:
        return (
            select(col(Registration.workshop_id), func.count().label("n"))
            .where(col(Registration.status) == status)
            .group_by(col(Registration.workshop_id))
            .subquery()
        )

    confirmed, waiting = per_session("confirmed"), per_session("waitlisted")
    rows = db.execute(
        select(
            col(Workshop.id),
            col(Workshop.capacity),
            col(Workshop.starts_at),
            col(Workshop.cancelled_at),
            func.coalesce(confirmed.c.n, 0),
            func.coalesce(waiting.c.n, 0),
        )
        .outerjoin(confirmed, confirmed.c.workshop_id == col(Workshop.id))
        .outerjoin(waiting, waiting.c.workshop_id == col(Workshop.id))
        .where((func.coalesce(confirmed.c.n, 0) > col(Workshop.capacity)) | (waiting.c.n > 0))
        .order_by(col(Workshop.id))
    ).all()
    now = utcnow()
    findings = []
    for workshop_id, capacity, starts_at, cancelled_at, taken, queued in rows:
        subject = f"session {workshop_id}"
        if taken > capacity:
            problem = f"confirmed {taken}, capacity {capacity}"
            findings.append(Finding(subject, problem, repairable=False))
        upcoming = cancelled_at is None and aware(starts_at) > now
        if upcoming and queued and taken < capacity:
            problem = f"free places {capacity - taken}, waitlisted {queued}"
            findings.append(Finding(subject, problem, repairable=False))
    return findings
