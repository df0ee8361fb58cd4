"""Who may change the site's settings."""

from __future__ import annotations

from portal.accounts.models import User


def can_manage(user: User | None) -> bool:
    """Admins set the site's name, welcome text, contact address and response promise."""
    return user is not None and user.is_admin and user.blocked_at is None
