"""What `portal check` verifies of the email queue: no email waits to be sent to a person
whose account is gone. Deleting an account removes its unsent email, but an email queued by a
worker in the same moment would stay, addressed to someone who asked to be forgotten; such
emails are repaired by removing them."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlmodel import Session, col

from portal.core.integrity import Finding
from portal.notifications.models import EmailOutbox


def check(db: Session, repair: bool) -> list[Finding]:
    orphans = select(col(EmailOutbox.id)).where(
        col(EmailOutbox.user_id).is_(None), col(EmailOutbox.status) == "pending"
    )
    ids = db.execute(orphans.order_by(col(EmailOutbox.id))).scalars().all()
    if repair and ids:
        db.execute(delete(EmailOutbox).where(col(EmailOutbox.id).in_(ids)))
    problem = "waits to be sent to a person whose account was deleted"
    return [Finding(f"email {i}", problem, repaired=repair) for i in ids]
