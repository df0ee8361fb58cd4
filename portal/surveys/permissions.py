"""Who may do what with surveys: staff build instruments and run rounds; anyone signed in
with a confirmed address answers the rounds whose audience includes them (checked per round
by the audience's query); a person's response is theirs alone."""

from __future__ import annotations

from portal.accounts.models import User


def can_manage(user: User | None) -> bool:
    return user is not None and user.is_staff and user.blocked_at is None


def can_answer(user: User | None) -> bool:
    """Whether the person may answer a round at all (the round's audience decides the rest)."""
    return user is not None and user.may_take_part
