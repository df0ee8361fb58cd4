"""Who may publish, correct and review decisions, and answer their follow-up question."""

from __future__ import annotations

from portal.accounts.models import User


def can_publish(user: User | None) -> bool:
    """Staff publish "You said, we did" decisions."""
    return user is not None and user.is_staff


def can_correct(user: User | None) -> bool:
    """Staff correct any published decision (its history keeps what it said before)."""
    return user is not None and user.is_staff


def can_record_review(user: User | None) -> bool:
    """Staff record that a pilot's review took place."""
    return user is not None and user.is_staff


def can_answer_follow_up(user: User | None, *, notified: bool) -> bool:
    """ "Did this change help you?" is asked of the people the decision was announced to
    (`notified`: the notifications domain knows who they are)."""
    return user is not None and notified


def can_draft(user: User | None) -> bool:
    """Staff save decisions as drafts, share them with the committee and read its advice."""
    return user is not None and user.is_staff


def can_advise(user: User | None) -> bool:
    """Members of the advisory committee whose term has not ended advise on shared drafts;
    staff, who write the drafts, do not advise on them."""
    return user is not None and user.role == "committee" and user.is_committee
