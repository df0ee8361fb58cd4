"""The design sessions' part of a person's data (portal.accounts.privacy): their
registrations. When the account goes, every place they hold or wait for is given up first, so
the waitlist moves up and the next person is told; the database then erases the rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.accounts.models import User
from portal.workshops import services
from portal.workshops.models import Registration


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    mine = select(Registration).where(col(Registration.user_id) == user_id)
    return {"registrations": privacy.rows(db, mine)}


@privacy.erasures.register
def erase(db: Session, user: User) -> None:
    active = (
        db.execute(
            select(col(Registration.workshop_id)).where(
                col(Registration.user_id) == user.id, col(Registration.status) != "cancelled"
            )
        )
        .scalars()
        .all()
    )
    for workshop_id in active:  # free the places, so the waitlist moves up
        services.cancel_registration(db=db, actor=user, workshop_id=workshop_id)
