"""Who may record feedback received at the desk, on a comment card, by phone or in a chat."""

from __future__ import annotations

from portal.accounts.models import User


def can_record(user: User | None) -> bool:
    """Staff, who meet people at the desk and take their calls; patrons and the committee
    speak for themselves."""
    return user is not None and user.is_staff


def can_erase_contact(user: User | None) -> bool:
    """Staff, who take a person's request to have their contact removed."""
    return user is not None and user.is_staff
