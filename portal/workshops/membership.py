"""Committee membership as design sessions see it: each member's private calendar key, and
what follows when a membership ends.

A membership ends in three ways: an admin removes it (/staff/committee), an admin gives the
person another role (/staff/users), or the term lapses with nobody acting. The first two call
`role_changed` in their own transaction; lapses are found by the worker (`release_lapsed`).
Either way the person's places and waitlist entries in committee-only sessions that have not
started are released through the workshops services (the waitlist moves up, everyone is
told) and their calendar key is deleted. A new term starts without a key, so an address made
in an earlier term never works again.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete, select
from sqlmodel import Session, col

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.errors import Forbidden
from portal.workshops import permissions, queries, services
from portal.workshops.models import CalendarKey

MEMBER_ROLES = ("committee", "staff", "admin")


def new_calendar_key(*, db: Session, actor: User) -> str:
    """A member makes their private calendar address, or a new one: the old one stops working."""
    if not permissions.can_have_calendar_address(actor):
        raise Forbidden()
    row = db.get(CalendarKey, actor.id) or CalendarKey(user_id=actor.id, key="")
    row.key, row.created_at = secrets.token_urlsafe(24), utcnow()
    db.add(row)
    db.flush()
    return row.key


@accounts.role_changed.register
def role_changed(db: Session, user: User, before_role: str, was_member: bool) -> None:
    """After an admin changed `user`'s role or term (portal.accounts.services calls it)."""
    if not user.is_committee and before_role in MEMBER_ROLES:
        end_membership(db=db, user_id=user.id)
    elif user.is_committee and not was_member:
        # A new term (after a lapse, say): whatever address was made before stays dead.
        db.execute(delete(CalendarKey).where(col(CalendarKey.user_id) == user.id))


def end_membership(*, db: Session, user_id: int) -> int:
    """Release the person's places in committee-only sessions that have not started, and end
    their calendar address. Returns how many places were released."""
    db.execute(delete(CalendarKey).where(col(CalendarKey.user_id) == user_id))
    released = 0
    for workshop_id in queries.committee_places(db, user_id):
        released += services.release_place(db=db, workshop_id=workshop_id, user_id=user_id)
    return released


def release_lapsed(*, db: Session) -> int:
    """The worker's round: end the memberships whose term has lapsed, for people who still hold
    something. Once each, since afterwards they hold nothing. Returns how many people."""
    done = 0
    for user_id in queries.lapsed_holders(db):
        # Lock the person, then look again: an admin may have renewed the term meanwhile.
        user = db.execute(
            select(User).where(col(User.id) == user_id).with_for_update()
        ).scalar_one_or_none()
        if user is None or user.is_committee or user.role != "committee":
            continue
        end_membership(db=db, user_id=user_id)
        done += 1
    return done
