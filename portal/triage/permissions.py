"""Who may do what in triage: staff assign, ask for input, answer, write notes and score;
admins set the scoring criteria. Everyone else sees nothing of it."""

from __future__ import annotations

from portal.accounts.models import User


def can_triage(user: User | None) -> bool:
    """Staff (and admins) see and change an idea's triage: team, owner, input, notes, scores."""
    return user is not None and user.is_staff and user.blocked_at is None


def can_manage_criteria(user: User | None) -> bool:
    return user is not None and user.is_admin and user.blocked_at is None


def can_own(user: User | None) -> bool:
    """Only a member of staff can own an idea."""
    return user is not None and user.is_staff and user.blocked_at is None
