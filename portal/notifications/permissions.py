"""Who may see and send again the emails that could not be sent."""

from __future__ import annotations

from portal.accounts.models import User


def can_retry_emails(user: User | None) -> bool:
    """Staff see the failed emails (with the addresses and the mail server's reason) and put
    them back in the queue."""
    return user is not None and user.is_staff
