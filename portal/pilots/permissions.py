"""Who may do what with pilots: staff set one up, invite people to it and record its review;
anyone who may take part (signed in, address confirmed, not blocked) joins and leaves a
cohort while the pilot is not yet reviewed."""

from __future__ import annotations

from portal.accounts.models import User
from portal.pilots.models import Pilot


def can_manage(user: User | None) -> bool:
    """Staff set up a pilot (its cohort's size and survey) and invite people to it."""
    return user is not None and user.is_staff and user.blocked_at is None


def can_review(user: User | None) -> bool:
    """Staff record a pilot's review."""
    return can_manage(user)


def can_join(user: User | None, pilot: Pilot) -> bool:
    """People who may take part join a cohort until the pilot is reviewed."""
    return user is not None and user.may_take_part and pilot.reviewed_at is None
