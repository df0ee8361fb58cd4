"""Who may do what with chat links and the webhook."""

from __future__ import annotations

from portal.accounts.models import User
from portal.messaging.models import Link


def can_link(user: User | None) -> bool:
    """Anyone signed in and not blocked may link a chat address to their account."""
    return user is not None and user.blocked_at is None


def can_unlink(user: User | None, link: Link) -> bool:
    """A person removes their own links only."""
    return user is not None and link.user_id == user.id
