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


def can_set_roles(user: User | None) -> bool:
    """Admins change people's roles."""
    return user is not None and user.is_admin


def can_set_role(actor: User | None, person_id: int) -> bool:
    """An admin changes anyone's role but their own, so that nobody locks themselves (or the
    last admin) out."""
    return can_set_roles(actor) and actor is not None and actor.id != person_id


def can_manage_committee(user: User | None) -> bool:
    """Admins grant and remove committee memberships and their terms."""
    return user is not None and user.is_admin
