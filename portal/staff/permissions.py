"""Who may use the staff desk, and who sees what a new site still needs set up."""

from __future__ import annotations

from portal.accounts.models import User


def can_use_desk(user: User | None) -> bool:
    """Staff: overdue pilot reviews, ideas awaiting a response, the reports to moderate."""
    return user is not None and user.is_staff


def can_see_setup_checklist(user: User | None) -> bool:
    """Admins, who set the site up, see its checklist on the desk."""
    return user is not None and user.is_admin
