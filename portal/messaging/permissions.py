"""Who may do what with chat links, the webhook and the messages that failed."""

from __future__ import annotations

from portal.accounts.models import User
from portal.messaging.models import Link, MessageOutbox


def can_link(user: User | None) -> bool:
    """Anyone signed in and not blocked may link a chat address to their account."""
    return user is not None and user.blocked_at is None


def can_see_failed(user: User | None) -> bool:
    """Staff see the chat messages the worker gave up on (to whom, by display name, and the
    reason), as they see the failed emails."""
    return user is not None and user.is_staff


def can_retry(user: User | None, row: MessageOutbox) -> bool:
    """Staff put a failed message back in the queue (any row: staff send everyone's)."""
    return can_see_failed(user) and row.id is not None


def can_unlink(user: User | None, link: Link) -> bool:
    """A person removes their own links only."""
    return user is not None and link.user_id == user.id
