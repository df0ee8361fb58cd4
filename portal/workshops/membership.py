"""Committee membership as design sessions see it: each member's private calendar key.

A membership ends in three ways: an admin removes it (/staff/committee), an admin gives the
person another role (/staff/users), or the term lapses with nobody acting. The feed answers
only to the current key of a current member, so a lapsed member's address yields nothing at
once; the first two delete the key in their own transaction (`role_changed`). A new term
starts without a key, so an address made in an earlier term never works again.
"""

from __future__ import annotations

import secrets

from sqlalchemy import delete
from sqlmodel import Session

from portal.accounts.models import User
from portal.clock import utcnow
from portal.errors import Forbidden
from portal.workshops.models import CalendarKey

MEMBER_ROLES = ("committee", "staff", "admin")


def new_calendar_key(*, db: Session, actor: User) -> str:
    """A member makes their private calendar address, or a new one: the old one stops working."""
    if not actor.is_committee or actor.blocked_at is not None:
        raise Forbidden()
    row = db.get(CalendarKey, actor.id) or CalendarKey(user_id=actor.id, key="")
    row.key, row.created_at = secrets.token_urlsafe(24), utcnow()
    db.add(row)
    db.flush()
    return row.key


def role_changed(*, db: Session, user: User, before_role: str, was_member: bool) -> None:
    """Called by the accounts services after an admin changed `user`'s role or term."""
    if not user.is_committee and before_role in MEMBER_ROLES:
        end_membership(db=db, user_id=user.id)
    elif user.is_committee and not was_member:
        # A new term (after a lapse, say): whatever address was made before stays dead.
        db.execute(delete(CalendarKey).where(CalendarKey.user_id == user.id))


def end_membership(*, db: Session, user_id: int) -> None:
    """End the person's calendar address."""
    db.execute(delete(CalendarKey).where(CalendarKey.user_id == user_id))
