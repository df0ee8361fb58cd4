"""Who may see and join which design sessions. Committee-only sessions do not exist (404) for
anyone who is not a committee member, staff or admin, except to a person who still holds a
place or a waitlist entry there (their membership ended since): they see the session to
cancel it, never its online link."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, or_
from sqlmodel import col

from portal.accounts.models import User
from portal.workshops.models import Registration, Workshop

LIVE = ("confirmed", "waitlisted")


def can_see(user: User | None, workshop: Workshop, *, holds_place: bool = False) -> bool:
    return workshop.audience == "public" or holds_place or can_see_committee_sessions(user)


def can_see_committee_sessions(user: User | None) -> bool:
    """Committee members (their term not ended), staff and admins."""
    return user is not None and user.is_committee


def can_have_calendar_address(user: User | None) -> bool:
    """A private calendar address of the committee's sessions: for members who are not
    blocked. An address stops working as soon as its owner no longer may have one."""
    return user is not None and user.is_committee and user.blocked_at is None


def shows_link(user: User | None, workshop: Workshop, reg: Registration | None) -> bool:
    """The online link: for staff, and for a confirmed place the person may still take up."""
    if can_manage(user):
        return True
    return reg is not None and reg.status == "confirmed" and can_see(user, workshop)


def can_manage(user: User | None) -> bool:
    return user is not None and user.is_staff


def audiences_for(user: User | None) -> tuple[str, ...]:
    return ("public", "committee") if can_see_committee_sessions(user) else ("public",)


def is_member(today: date) -> ColumnElement[bool]:
    """SQL: the user is on the committee today (the same rule as `User.is_committee`)."""
    return or_(
        col(User.role).in_(("staff", "admin")),
        and_(
            col(User.role) == "committee",
            or_(col(User.committee_until).is_(None), col(User.committee_until) >= today),
        ),
    )


def has_lapsed(today: date) -> ColumnElement[bool]:
    """SQL: the user still has the committee role, but their term ended before `today`."""
    return and_(col(User.role) == "committee", col(User.committee_until) < today)
