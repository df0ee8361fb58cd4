"""Writes of the votes domain: vote, withdraw, follow, unfollow, merge.

Uniqueness is the database's job (one vote and one follow per person per idea); the services
add the row inside a savepoint, so a double click or a race ends as a no-op, never an error,
and they move the idea's counters in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal.accounts.models import User
from portal.clock import utcnow
from portal.errors import Forbidden, NotFound
from portal.ideas import services as ideas
from portal.ideas.models import Idea
from portal.ideas.trending import weight
from portal.votes.models import Follow, Vote

CLOSED = ("done", "declined", "duplicate")


def _insert_once(db: Session, row: Vote | Follow) -> bool:
    try:
        with db.begin_nested():
            db.add(row)
        return True
    except IntegrityError:
        return False


def vote(*, db: Session, actor: User, idea_id: int) -> bool:
    """Vote for an idea and follow it. Returns False when the vote was already there."""
    if actor.blocked_at is not None:
        raise Forbidden()
    status = db.execute(select(Idea.status).where(Idea.id == idea_id)).scalar_one_or_none()
    if status is None:
        raise NotFound()
    if status in CLOSED:
        raise Forbidden()
    now = utcnow()
    if not _insert_once(db, Vote(idea_id=idea_id, user_id=actor.id, created_at=now)):
        return False
    ideas.adjust_counts(db=db, idea_id=idea_id, votes=1, trending=weight(now))
    follow(db=db, actor=actor, idea_id=idea_id)
    return True


def withdraw(*, db: Session, actor: User, idea_id: int) -> bool:
    """Take back a vote. Returns False when there was none."""
    # Locked, so that two withdrawals at once (a double click) take the vote back only once.
    existing = db.execute(
        select(Vote).where(Vote.idea_id == idea_id, Vote.user_id == actor.id).with_for_update()
    ).scalar_one_or_none()
    if existing is None:
        if db.get(Idea, idea_id) is None:
            raise NotFound()
        return False
    db.delete(existing)
    db.flush()
    ideas.adjust_counts(db=db, idea_id=idea_id, votes=-1, trending=-weight(existing.created_at))
    return True


def follow(*, db: Session, actor: User, idea_id: int) -> bool:
    """Follow an idea (idempotent)."""
    exists = db.execute(
        select(Follow.id).where(Follow.idea_id == idea_id, Follow.user_id == actor.id)
    ).first()
    if exists:
        return False
    return _insert_once(db, Follow(idea_id=idea_id, user_id=actor.id))


def unfollow(*, db: Session, actor: User, idea_id: int) -> bool:
    """Stop following an idea."""
    result = db.execute(delete(Follow).where(Follow.idea_id == idea_id, Follow.user_id == actor.id))
    return bool(result.rowcount)


def merge_into(*, db: Session, source_id: int, target_id: int) -> None:
    """Move the votes and followers of a duplicate to the original. Someone who backed both
    keeps one vote; nothing else is lost."""
    for model in (Vote, Follow):
        already = select(model.user_id).where(model.idea_id == target_id)
        db.execute(
            update(model)
            .where(model.idea_id == source_id, model.user_id.not_in(already))
            .values(idea_id=target_id)
        )
        db.execute(delete(model).where(model.idea_id == source_id))
    for idea_id in (source_id, target_id):
        times = db.execute(select(Vote.created_at).where(Vote.idea_id == idea_id)).scalars().all()
        created = db.execute(select(Idea.created_at).where(Idea.id == idea_id)).scalar_one()
        total = weight(created) + sum(weight(t) for t in times)
        ideas.recount(db=db, idea_id=idea_id, vote_count=len(times), trending=total)


__all__ = ["follow", "merge_into", "unfollow", "vote", "withdraw"]
