"""Reads of the comments domain."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session

from portal.comments.models import Comment


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


def get(db: Session, comment_id: int) -> Comment | None:
    """One comment by id, whatever its state."""
    return db.get(Comment, comment_id)


def threads(db: Session, idea_id: int) -> list[Thread]:
    """An idea's comments as threads (top-level comments with their replies), oldest first,
    the official answer first of all. One query however many comments."""
    rows = (
        db.execute(
            select(Comment)
            .where(Comment.idea_id == idea_id)
            .order_by(Comment.created_at, Comment.id)
        )
        .scalars()
        .all()
    )
    by_id: dict[int, Thread] = {}
    ordered: list[Thread] = []
    for c in rows:
        if c.parent_id is None:
            by_id[c.id] = Thread(c)
            ordered.append(by_id[c.id])
        elif c.parent_id in by_id:
            by_id[c.parent_id].replies.append(c)
    ordered.sort(key=lambda t: not t.comment.is_official)
    return ordered


def official_reply(threads_: list[Thread]) -> Comment | None:
    for t in threads_:
        if t.comment.is_official:
            return t.comment
        for r in t.replies:
            if r.is_official:
                return r
    return None


def recent(db: Session, limit: int = 5) -> list[Comment]:
    """The latest comments that are neither deleted nor hidden, on ideas that are not hidden
    (for the home page's activity)."""
    from portal.ideas.models import Idea

    # Walked from the newest comment back, each step looking its idea up by key, so the cost
    # does not grow with the number of ideas. A correlated EXISTS, not a join: for the join,
    # SQLite (3.38 and later) first builds a Bloom filter over the whole idea table.
    idea_shown = (
        select(Idea.id).where(Idea.id == Comment.idea_id, Idea.hidden_at.is_(None)).exists()
    )
    return list(
        db.execute(
            select(Comment)
            .where(Comment.deleted_at.is_(None), Comment.hidden_at.is_(None), idea_shown)
            .order_by(Comment.id.desc())
            .limit(limit)
        ).scalars()
    )


def commenters_select(idea_ids):
    """A SELECT of the user ids who commented on any of these ideas."""
    return select(Comment.author_id).where(
        Comment.idea_id.in_(idea_ids), Comment.author_id.is_not(None)
    )
