"""What `portal check` verifies of triage: every idea's owner is a staff or admin account. One
whose role changed later still owns the idea until someone else is chosen; `--repair` leaves
the idea with its lead team and no owner, so its board shows that it needs one."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.core.integrity import Finding
from portal.triage.models import Assignment


def check(db: Session, repair: bool) -> list[Finding]:
    rows = db.execute(
        select(col(Assignment.idea_id), col(Assignment.owner_id), col(User.role))
        .join(User, col(User.id) == col(Assignment.owner_id))
        .where(col(User.role).not_in(("staff", "admin")))
        .order_by(col(Assignment.idea_id))
    ).all()
    if repair and rows:
        db.execute(
            update(Assignment)
            .where(col(Assignment.idea_id).in_([r[0] for r in rows]))
            .values(owner_id=None)
        )
    return [
        Finding(f"idea {idea_id}", f"owner user {owner_id} is a {role}, not staff", repaired=repair)
        for idea_id, owner_id, role in rows
    ]
