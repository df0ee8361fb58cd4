"""Who may do what to an idea. Checked by the services, per object."""

from __future__ import annotations

from typing import Any

from portal.accounts.models import User
from portal.ideas.models import Idea


def can_propose(user: User | None) -> bool:
    return user is not None and user.may_take_part


def can_edit(user: User | None, idea: Idea) -> bool:
    """Staff edit any idea; authors edit theirs until the first staff response of any kind
    (`first_response_at`: a status change, a staff comment, an official answer, a decision
    that links it), so nobody rewrites what the library already answered."""
    if user is None or user.blocked_at is not None:
        return False
    return user.is_staff or (idea.author_id == user.id and idea.first_response_at is None)


def can_change_status(user: User | None) -> bool:
    return user is not None and user.is_staff


def can_manage_categories(user: User | None) -> bool:
    """Admins add, rename, reorder, archive and delete categories."""
    return user is not None and user.is_admin and user.blocked_at is None


def can_read(user: Any, idea: Any) -> bool:
    """An idea hidden by the moderators is read (its title and text) only by staff and by its
    author. `user` may be None, or missing from a template's context (then nobody is asking)."""
    if idea.hidden_at is None:
        return True
    if not user:
        return False
    return bool(user.is_staff) or (idea.author_id is not None and idea.author_id == user.id)


def can_propose_for_library(user: User | None) -> bool:
    """Staff post an idea as a library proposal (shown with its own badge)."""
    return user is not None and user.is_staff
