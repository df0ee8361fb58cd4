"""An idea's counters: vote_count, comment_count and trending, kept in step with the rows of
the domains that count (votes, comments), in their transactions. Those domains move them only
through this module, which owns the idea table's side of it: `adjust_counts` after a change,
`recount` from a full count of the rows (after a merge, or by `portal check --repair`).

A vote is the hottest write of the site: its part here is prebuilt once and run as a prepared
statement (portal.core.prepared) on the caller's session or bare connection. `count_vote`
moves the counters and returns what a vote button shows in one statement, `vote_shown` reads
the same without a change, and `open_to_votes` is the condition that a vote's
INSERT ... SELECT puts on its idea, so the vote path stays three statements.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Connection,
    bindparam,
    exists,
    inspect,
    select,
    update,
)
from sqlmodel import Session, col

from portal.core.db import table_of
from portal.core.prepared import Prepared
from portal.ideas.models import Idea

# An idea in one of these statuses takes no new votes (nor does a hidden one).
CLOSED_TO_VOTES = ("done", "declined", "duplicate")
Executor = Session | Connection

_ideas = table_of(Idea)
_idea_id: BindParameter[int] = bindparam("idea_id")
# What a vote button shows of its idea.
_SHOWN = (
    _ideas.c.id,
    _ideas.c.title,
    _ideas.c.status,
    _ideas.c.hidden_at,
    _ideas.c.author_id,
    _ideas.c.vote_count,
)
_COUNT = Prepared(
    update(_ideas)
    .where(_ideas.c.id == _idea_id)
    .values(
        vote_count=_ideas.c.vote_count + bindparam("votes"),
        trending=_ideas.c.trending + bindparam("trending"),
    )
    .returning(*_SHOWN)
)
_SHOWN_NOW = Prepared(select(*_SHOWN).where(_ideas.c.id == _idea_id))


def open_to_votes(idea_id: BindParameter[Any]) -> ColumnElement[bool]:
    """Whether the idea `idea_id` takes votes: it exists, is open and is not hidden. An EXISTS
    for a prepared INSERT ... SELECT: no NOT IN, whose list is expanded at each run, while a
    prepared statement is fixed."""
    return exists().where(
        _ideas.c.id == idea_id,
        *(_ideas.c.status != closed for closed in CLOSED_TO_VOTES),
        _ideas.c.hidden_at.is_(None),
    )


def _connection(db: Executor) -> Connection:
    """The connection of a session's transaction, or the connection itself."""
    return db.connection() if isinstance(db, Session) else db


def vote_shown(db: Executor, idea_id: int) -> Any | None:
    """The idea as its vote button shows it (id, title, status, hidden_at, author_id,
    vote_count), or None when there is no such idea."""
    conn = _connection(db)
    return _SHOWN_NOW.first(conn, {"idea_id": idea_id})


def count_vote(db: Executor, idea_id: int, votes: int, trending: float) -> Any:
    """Move the idea's vote_count by `votes` and its trending by `trending` (a vote given or
    taken back, portal.votes), and return the idea as its vote button shows it after that."""
    conn = _connection(db)
    row = _COUNT.first(conn, {"idea_id": idea_id, "votes": votes, "trending": trending})
    if isinstance(db, Session):  # an Idea this session holds now has old counters
        held = db.identity_map.get(inspect(Idea).identity_key_from_primary_key((idea_id,)))
        if held is not None:
            db.expire(held, ["vote_count", "trending"])
    return row


def adjust_counts(
    *, db: Session, idea_id: int, votes: int = 0, comments: int = 0, trending: float = 0.0
) -> None:
    """Keep an idea's counters in step with its rows, in the caller's transaction."""
    db.execute(
        update(Idea)
        .where(col(Idea.id) == idea_id)
        .values(
            vote_count=col(Idea.vote_count) + votes,
            comment_count=col(Idea.comment_count) + comments,
            trending=col(Idea.trending) + trending,
        )
    )


def recount(
    *,
    db: Session,
    idea_id: int,
    vote_count: int | None = None,
    trending: float | None = None,
    comment_count: int | None = None,
) -> None:
    """Set the counters given from a full recount of the rows (after a merge, or by
    `portal check --repair`)."""
    given = {"vote_count": vote_count, "trending": trending, "comment_count": comment_count}
    db.execute(
        update(Idea)
        .where(col(Idea.id) == idea_id)
        .values({k: v for k, v in given.items() if v is not None})
    )


def locked(db: Session, idea_id: int) -> Any:
    """The idea's counters (vote_count, comment_count, trending) with its row locked until the
    transaction ends: a repair reads them again before it sets them right, and a vote or a
    comment that arrives meanwhile is counted once."""
    return db.execute(
        select(col(Idea.vote_count), col(Idea.comment_count), col(Idea.trending))
        .where(col(Idea.id) == idea_id)
        .with_for_update()
    ).one()
