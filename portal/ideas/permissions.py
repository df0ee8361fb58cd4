"""Who may do what to an idea. Checked by the services, per object."""

from __future__ import annotations

from portal.accounts.models import User
from portal.ideas.models import Idea


def can_propose(user: User | None) -> bool:
    return user is not None and user.may_take_part


def can_edit(user: User | None, idea: Idea) -> bool:
    """Staff edit any idea; authors edit theirs until staff have responded to it."""
    if user is None or user.blocked_at is not None:
        return False
    return user.is_staff or (idea.author_id == user.id and idea.status == "new")


def can_change_status(user: User | None) -> bool:
    return user is not None and user.is_staff
