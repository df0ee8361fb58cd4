"""Reads of the votes domain."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func, select
from sqlmodel import Session, col

from portal.ideas import queries as ideas_q
from portal.ideas.trending import weight
from portal.votes.models import DeskVote, Follow, Vote


def voted_ids(db: Session, user_id: int | None, idea_ids: list[int]) -> set[int]:
    """Which of these ideas the person has voted for (one query for a whole list)."""
    if not user_id or not idea_ids:
        return set()
    rows = db.execute(
        select(col(Vote.idea_id)).where(
            col(Vote.user_id) == user_id, col(Vote.idea_id).in_(idea_ids)
        )
    )
    return set(rows.scalars())


def desk_votes(db: Session, idea_id: int) -> int:
    """How many votes staff recorded for the idea from people without an account: a figure
    apart from its `vote_count`, as nobody can tell two of them from one person."""
    return db.execute(
        select(func.count()).select_from(DeskVote).where(col(DeskVote.idea_id) == idea_id)
    ).scalar_one()


def is_following(db: Session, user_id: int | None, idea_id: int) -> bool:
    """Whether the person follows the idea."""
    if not user_id:
        return False
    return (
        db.execute(
            select(col(Follow.id)).where(
                col(Follow.user_id) == user_id, col(Follow.idea_id) == idea_id
            )
        ).first()
        is not None
    )


def follower_count(db: Session, idea_id: int) -> int:
    """How many people follow the idea."""
    return db.execute(
        select(func.count()).select_from(Follow).where(col(Follow.idea_id) == idea_id)
    ).scalar_one()


def followers_select(idea_ids: Iterable[int]) -> Select:
    """A SELECT of the user ids following any of these ideas (for fan-out in SQL)."""
    return select(col(Follow.user_id)).where(col(Follow.idea_id).in_(idea_ids))


def voters_select(idea_ids: Iterable[int]) -> Select:
    """A SELECT of the user ids who voted for any of these ideas (anonymous votes, of deleted
    accounts, have nobody to tell)."""
    return select(col(Vote.user_id)).where(
        col(Vote.idea_id).in_(idea_ids), col(Vote.user_id).is_not(None)
    )


def tally(db: Session, idea_id: int) -> tuple[int, float]:
    """An idea's vote_count and trending as its rows give them: the number of its votes, and
    the weight of its creation plus each vote's weight (portal.ideas.trending)."""
    times = (
        db.execute(select(col(Vote.created_at)).where(col(Vote.idea_id) == idea_id)).scalars().all()
    )
    created = ideas_q.created_at(db, idea_id)
    return len(times), weight(created) + sum(weight(t) for t in times)


def tallies(db: Session) -> dict[int, tuple[int, float]]:
    """Every idea's vote rows as (count, sum of their weights), read in one pass; ideas
    without votes are left out."""
    out: dict[int, tuple[int, float]] = {}
    rows = db.execute(
        select(col(Vote.idea_id), col(Vote.created_at)).execution_options(yield_per=20_000)
    )
    for idea_id, created_at in rows:
        count, total = out.get(idea_id, (0, 0.0))
        out[idea_id] = (count + 1, total + weight(created_at))
    return out
