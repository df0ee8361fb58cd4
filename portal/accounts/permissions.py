"""Who may take part: checked by every service that proposes, votes, comments or registers."""

from __future__ import annotations

from portal.accounts.models import User
from portal.core.errors import Forbidden, Unconfirmed


def take_part(actor: User) -> None:
    """Raise unless `actor` may propose, vote, comment and register: Forbidden for a blocked
    account, Unconfirmed until the email address is confirmed (reading and following need
    neither)."""
    if actor.blocked_at is not None:
        raise Forbidden()
    if actor.email_confirmed_at is None:
        raise Unconfirmed()
