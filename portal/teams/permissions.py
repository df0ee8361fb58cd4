"""Who may do what with teams: staff see them (they name teams on decisions), admins change
them."""

from __future__ import annotations

from portal.accounts.models import User


def can_see(user: User | None) -> bool:
    return user is not None and user.is_staff and user.blocked_at is None


def can_manage(user: User | None) -> bool:
    return user is not None and user.is_admin and user.blocked_at is None


def can_be_member(user: User | None) -> bool:
    """Only staff and admin accounts belong to a team."""
    return user is not None and user.is_staff
