"""Writes of the votes domain: vote, withdraw, follow, unfollow, merge.

Uniqueness is the database's job (one vote and one follow per person per idea); the services
add the row with INSERT ... ON CONFLICT DO NOTHING, so a double click or a race ends as a
no-op, never an error, and they have the ideas domain move the idea's counters in the same
transaction (portal.ideas.counters).
"""

from __future__ import annotations

from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.permissions import take_part
from portal.core.clock import aware, utcnow
from portal.core.db import table_of
from portal.core.errors import Forbidden, NotFound
from portal.core.prepared import Prepared
from portal.ideas import counters
from portal.ideas import services as ideas
from portal.ideas.trending import weight
from portal.votes import queries
from portal.votes.models import DeskVote, Follow, Vote

Executor = Session | Connection


@cache
def _statements(dialect: str) -> SimpleNamespace:
    """The vote path's own statements, built once per database kind and run as prepared
    statements (portal.core.prepared): a vote is the hottest write of the site, and building
    or dispatching a statement costs more than running it. They touch the plain tables (no
    ORM bookkeeping), so they run in a session's transaction or on a bare connection alike;
    the idea's side (is it open, its counters) is the ideas domain's (portal.ideas.counters)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    votes, follows = table_of(Vote), table_of(Follow)
    idea_id: BindParameter[int] = bindparam("idea_id")
    user_id: BindParameter[int] = bindparam("user_id")
    now = bindparam("now", type_=votes.c.created_at.type)
    source: BindParameter[str] = bindparam("source")
    open_idea = select(idea_id, user_id, source, now).where(counters.open_to_votes(idea_id))
    statements = SimpleNamespace(
        add_vote=insert(votes)
        .from_select(["idea_id", "user_id", "source", "created_at"], open_idea)
        .on_conflict_do_nothing(index_elements=["idea_id", "user_id"])
        .returning(votes.c.id),
        remove_vote=delete(votes)
        .where(votes.c.idea_id == idea_id, votes.c.user_id == user_id)
        .returning(votes.c.created_at),
        add_follow=insert(follows)
        .values(idea_id=idea_id, user_id=user_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["idea_id", "user_id"])
        .returning(follows.c.id),
    )
    return SimpleNamespace(**{k: Prepared(v) for k, v in vars(statements).items()})


def _sql(conn: Connection) -> SimpleNamespace:
    return _statements(conn.dialect.name)


def _connection(db: Executor) -> Connection:
    """The connection of a session's transaction, or the connection itself."""
    return db.connection() if isinstance(db, Session) else db


def _idea(db: Executor, idea_id: int) -> Any:
    """The idea as a vote button shows it; NotFound when there is none."""
    row = counters.vote_shown(db, idea_id)
    if row is None:
        raise NotFound()
    return row


def _add(db: Executor, actor: User, idea_id: int, source: str = "web") -> tuple[bool, Any]:
    """Add the vote and follow the idea, in three statements that each check in the database
    (add the vote if the idea is open and the vote is new; move the counters; follow), so the
    write lock is held as briefly as possible. Whether the vote is new, and the idea."""
    take_part(actor)
    now = utcnow()
    params = {"idea_id": idea_id, "user_id": actor.id}
    conn = _connection(db)
    if _sql(conn).add_vote.first(conn, {**params, "source": source, "now": now}) is None:
        idea = _idea(db, idea_id)
        if idea.status in counters.CLOSED_TO_VOTES or idea.hidden_at is not None:
            raise Forbidden()
        return False, idea
    idea = counters.count_vote(db, idea_id, 1, weight(now))
    follow(db=db, actor=actor, idea_id=idea_id)
    return True, idea


def _remove(db: Executor, actor: User, idea_id: int) -> tuple[bool, Any]:
    """Take the vote back: one DELETE ... RETURNING, so of two withdrawals at once (a double
    click) only one gets the row. Whether there was a vote, and the idea."""
    params = {"idea_id": idea_id, "user_id": actor.id}
    conn = _connection(db)
    removed = _sql(conn).remove_vote.first(conn, params)
    if removed is None:
        return False, _idea(db, idea_id)
    return True, counters.count_vote(db, idea_id, -1, -weight(aware(removed.created_at)))


def vote(*, db: Executor, actor: User, idea_id: int, source: str = "web") -> bool:
    """Vote for an idea and follow it. Returns False when the vote was already there (given
    on the site or recorded at the desk alike: one vote per person). `source` is where it
    came in (portal.ideas.models.SOURCES)."""
    return _add(db, actor, idea_id, source)[0]


def desk_vote(*, db: Session, idea_id: int, source: str) -> DeskVote:
    """Record a vote from someone without an account, counted apart from the idea's votes
    (portal.votes.models.DeskVote), on an idea open to votes like any other."""
    idea = _idea(db, idea_id)
    if idea.status in counters.CLOSED_TO_VOTES or idea.hidden_at is not None:
        raise Forbidden()
    row = DeskVote(idea_id=idea_id, source=source)
    db.add(row)
    db.flush()
    return row


def withdraw(*, db: Executor, actor: User, idea_id: int) -> bool:
    """Take back a vote. Returns False when there was none."""
    return _remove(db, actor, idea_id)[0]


def cast(*, db: Executor, actor: User, idea_id: int, withdraw: bool) -> Any:
    """Vote (or withdraw), then the idea as its vote button shows it: id, title, status,
    hidden_at, author_id and vote_count, as they are after the change."""
    return (_remove if withdraw else _add)(db, actor, idea_id)[1]


def follow(*, db: Executor, actor: User, idea_id: int) -> bool:
    """Follow an idea (idempotent)."""
    params = {"idea_id": idea_id, "user_id": actor.id}
    conn = _connection(db)
    return _sql(conn).add_follow.first(conn, {**params, "now": utcnow()}) is not None


def unfollow(*, db: Session, actor: User, idea_id: int) -> bool:
    """Stop following an idea."""
    result = db.exec(
        delete(Follow).where(col(Follow.idea_id) == idea_id, col(Follow.user_id) == actor.id)
    )
    return bool(result.rowcount)


def merge_into(*, db: Session, source_id: int, target_id: int) -> None:
    """Move the votes and followers of a duplicate to the original. Someone who backed both
    keeps one vote; the anonymous votes of deleted accounts all move (nobody can tell whose
    they were); nothing else is lost."""
    for model in (Vote, Follow):
        # NULLs left out: `x NOT IN (..., NULL)` is never true, and would move nothing.
        person, idea = col(model.user_id), col(model.idea_id)
        already = select(person).where(idea == target_id, person.is_not(None))
        db.execute(
            update(model)
            .where(idea == source_id, or_(person.is_(None), person.not_in(already)))
            .values(idea_id=target_id)
        )
        db.execute(delete(model).where(idea == source_id))
    # Votes from the desk without an account move as they are (they are not one per person).
    db.execute(update(DeskVote).where(col(DeskVote.idea_id) == source_id).values(idea_id=target_id))
    for idea_id in (source_id, target_id):
        recount(db=db, idea_id=idea_id)


def recount(*, db: Session, idea_id: int) -> None:
    """Set an idea's vote_count and trending from its rows."""
    count, trending = queries.tally(db, idea_id)
    counters.recount(db=db, idea_id=idea_id, vote_count=count, trending=trending)


# The votes domain's part in an idea's life (portal.ideas.services calls these).
@ideas.proposed.register
def _author_follows(db: Session, author: User, idea_id: int) -> None:
    follow(db=db, actor=author, idea_id=idea_id)


@ideas.merged.register
def _votes_move(db: Session, source_id: int, target_id: int) -> None:
    merge_into(db=db, source_id=source_id, target_id=target_id)


__all__ = ["cast", "desk_vote", "follow", "merge_into", "recount", "unfollow", "vote", "withdraw"]
