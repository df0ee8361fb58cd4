"""Who may do what with surveys: staff build instruments and run rounds; anyone signed in
with a confirmed address answers the rounds whose audience includes them (checked per round
by the audience's query); a person's response is theirs alone. A round's results are
staff's until they publish them, then everyone's."""

from __future__ import annotations

from portal.accounts.models import User
from portal.surveys.models import Round


def can_manage(user: User | None) -> bool:
    return user is not None and user.is_staff and user.blocked_at is None


def can_answer(user: User | None) -> bool:
    """Whether the person may answer a round at all (the round's audience decides the rest)."""
    return user is not None and user.may_take_part


def can_publish(user: User | None) -> bool:
    """Whether the person may publish (and unpublish) a round's results."""
    return can_manage(user)


def can_see_results(user: User | None, rnd: Round) -> bool:
    """Staff see every round's results; everyone else only those staff have published."""
    return can_manage(user) or rnd.published_at is not None


def can_export(user: User | None) -> bool:
    """Whether the person may download the responses (no names, but every answer)."""
    return can_manage(user)
