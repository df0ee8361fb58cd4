"""Writes of the votes domain: vote, withdraw, follow, unfollow, merge.

Uniqueness is the database's job (one vote and one follow per person per idea); the services
add the row inside a savepoint, so a double click or a race ends as a no-op, never an error,
and they move the idea's counters in the same transaction.
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from portal.accounts.models import User
from portal.clock import aware, utcnow
from portal.errors import Forbidden, NotFound
from portal.ideas import services as ideas
from portal.ideas.models import Idea
from portal.ideas.trending import weight
from portal.votes.models import Follow, Vote

CLOSED = ("done", "declined", "duplicate")


@cache
def _statements(dialect: str) -> SimpleNamespace:
    """The vote path's statements, built once per database kind: a vote is the hottest write
    of the site, and building a statement costs more than running it."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    votes, follows = Vote.__table__, Follow.__table__  # plain tables: no ORM bookkeeping
    idea_id, user_id = bindparam("idea_id"), bindparam("user_id")
    now = bindparam("now", type_=Vote.__table__.c.created_at.type)
    open_idea = select(idea_id, user_id, now).where(
        exists().where(
            Idea.id == idea_id, Idea.status.not_in(CLOSED), Idea.hidden_at.is_(None)
        )
    )
    return SimpleNamespace(
        add_vote=insert(votes)
        .from_select(["idea_id", "user_id", "created_at"], open_idea)
        .on_conflict_do_nothing(index_elements=["idea_id", "user_id"])
        .returning(votes.c.id),
        remove_vote=delete(votes)
        .where(votes.c.idea_id == idea_id, votes.c.user_id == user_id)
        .returning(votes.c.created_at),
        add_follow=insert(follows)
        .values(idea_id=idea_id, user_id=user_id)
        .on_conflict_do_nothing(index_elements=["idea_id", "user_id"])
        .returning(follows.c.id),
        # RETURNING the idea leaves it in the session, so showing the new count costs nothing.
        count=update(Idea)
        .where(Idea.id == idea_id)
        .values(
            vote_count=Idea.vote_count + bindparam("votes"),
            trending=Idea.trending + bindparam("trending"),
        )
        .returning(Idea)
        .execution_options(populate_existing=True),
        status=select(Idea.status, Idea.hidden_at).where(Idea.id == idea_id),
    )


def _sql(db: Session) -> SimpleNamespace:
    return _statements(db.get_bind().dialect.name)


def _why_not(db: Session, idea_id: int) -> None:
    """Raise when the idea is missing, closed to votes or hidden by the moderators (after a
    vote was not added)."""
    row = db.execute(_sql(db).status, {"idea_id": idea_id}).first()
    if row is None:
        raise NotFound()
    if row.status in CLOSED or row.hidden_at is not None:
        raise Forbidden()


def _count(db: Session, idea_id: int, votes: int, trending: float) -> None:
    db.execute(_sql(db).count, {"idea_id": idea_id, "votes": votes, "trending": trending}).all()


def vote(*, db: Session, actor: User, idea_id: int) -> bool:
    """Vote for an idea and follow it. Returns False when the vote was already there.

    Three statements that each do their check in the database (add the vote if the idea is
    open and it is not there yet; move the counters; follow), so the write lock is held for as
    short a time as possible."""
    if actor.blocked_at is not None:
        raise Forbidden()
    now = utcnow()
    params = {"idea_id": idea_id, "user_id": actor.id}
    if db.execute(_sql(db).add_vote, {**params, "now": now}).first() is None:
        _why_not(db, idea_id)
        return False
    _count(db, idea_id, 1, weight(now))
    follow(db=db, actor=actor, idea_id=idea_id)
    return True


def withdraw(*, db: Session, actor: User, idea_id: int) -> bool:
    """Take back a vote. Returns False when there was none."""
    # One DELETE ... RETURNING: of two withdrawals at once (a double click) only one gets the row.
    params = {"idea_id": idea_id, "user_id": actor.id}
    removed = db.execute(_sql(db).remove_vote, params).first()
    if removed is None:
        if db.execute(_sql(db).status, params).first() is None:
            raise NotFound()
        return False
    _count(db, idea_id, -1, -weight(aware(removed.created_at)))
    return True


def follow(*, db: Session, actor: User, idea_id: int) -> bool:
    """Follow an idea (idempotent)."""
    params = {"idea_id": idea_id, "user_id": actor.id}
    return db.execute(_sql(db).add_follow, params).first() is not None


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
