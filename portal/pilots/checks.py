"""What `portal check` verifies of pilots: each pilot's `member_count` is the number of people
in its cohort (repaired to that number)."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col

from portal.core.integrity import Finding
from portal.pilots import queries
from portal.pilots.models import Pilot


def check(db: Session, repair: bool) -> list[Finding]:
    findings = []
    for pilot_id, stored, counted in queries.member_counts(db):
        if stored == counted:
            continue
        if repair:
            db.execute(update(Pilot).where(col(Pilot.id) == pilot_id).values(member_count=counted))
        problem = f"member_count {stored}, but {counted} members"
        findings.append(Finding(f"pilot {pilot_id}", problem, repaired=repair))
    return findings
