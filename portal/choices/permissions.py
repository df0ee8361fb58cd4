"""Who may ask, answer and see the results of a question. Checked by the services and routes,
per object."""

from __future__ import annotations

from datetime import datetime

from portal.accounts.models import User
from portal.choices.models import ChoiceQuestion
from portal.core.clock import aware


def can_ask(user: User | None) -> bool:
    """Staff put questions, close them, record desk answers and cite them in decisions."""
    return user is not None and user.is_staff and user.blocked_at is None


def is_open(question: ChoiceQuestion, now: datetime) -> bool:
    """Answers are taken from `opens_at` until `closes_at`."""
    return aware(question.opens_at) <= now < aware(question.closes_at)


def is_closed(question: ChoiceQuestion, now: datetime) -> bool:
    return now >= aware(question.closes_at)


def can_answer(user: User | None, question: ChoiceQuestion, now: datetime) -> bool:
    """Anyone who may take part (a confirmed address, not blocked), while it is open."""
    return user is not None and user.may_take_part and is_open(question, now)


def sees_results(user: User | None, question: ChoiceQuestion, now: datetime) -> bool:
    """Results show once the question closes, or while it is open when staff chose live
    results; staff see them always."""
    return (
        can_ask(user)
        or is_closed(question, now)
        or (question.live_results and aware(question.opens_at) <= now)
    )
