"""Who may report, moderate, block and read the audit log."""

from __future__ import annotations

from portal.accounts.models import User


def can_flag(user: User | None) -> bool:
    """Anyone signed in and not blocked reports an idea or a comment."""
    return user is not None and user.blocked_at is None


def can_moderate(user: User | None) -> bool:
    """Staff hide, restore and dismiss reports, and look people up to block them."""
    return user is not None and user.is_staff


def can_block(actor: User | None, person: User) -> bool:
    """Staff block patrons and committee members; only admins block staff; nobody blocks an
    admin or themselves (the same rule unblocks)."""
    if actor is None or not can_moderate(actor):
        return False
    if person.id == actor.id or person.is_admin:
        return False
    return not person.is_staff or actor.is_admin


def can_read_audit(user: User | None) -> bool:
    """The audit log of staff actions is for admins."""
    return user is not None and user.is_admin
