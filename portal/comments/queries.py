"""Reads of the comments domain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, func, or_, select
from sqlmodel import Session, col

from portal.comments.models import Comment
from portal.ideas import queries as ideas_q
from portal.web.urls import path_for

THREADS_PER_PAGE = 50


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass
class ThreadPage:
    threads: list[Thread]
    page: int
    has_next: bool


def get(db: Session, comment_id: int) -> Comment | None:
    """One comment by id, whatever its state."""
    return db.get(Comment, comment_id)


def by_ids(db: Session, ids: set[int]) -> dict[int, Comment]:
    """These comments by id, in one query (missing ones are left out)."""
    if not ids:
        return {}
    return {c.id: c for c in db.execute(select(Comment).where(col(Comment.id).in_(ids))).scalars()}


def _roots(idea_id: int) -> Select:
    """An idea's top-level comments (ix_comment_idea_thread holds them in reading order)."""
    return select(Comment).where(col(Comment.idea_id) == idea_id, col(Comment.parent_id).is_(None))


def threads(
    db: Session, idea_id: int, page: int = 1, per_page: int = THREADS_PER_PAGE
) -> ThreadPage:
    """One page of an idea's threads (top-level comments with their replies), oldest first;
    the first page shows the official answer's thread first of all. Three queries, whatever
    the number of comments: an idea with ten thousand is read a page at a time."""
    roots = list(
        db.execute(
            _roots(idea_id)
            .order_by(col(Comment.created_at), col(Comment.id))
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        ).scalars()
    )
    has_next = len(roots) > per_page
    roots = roots[:per_page]
    if page == 1:
        official = db.execute(_roots(idea_id).where(col(Comment.is_official))).scalars().first()
        if official is not None:
            roots = [official] + [c for c in roots if c.id != official.id]
    by_id = {c.id: Thread(c) for c in roots}
    if by_id:
        replies = db.execute(
            select(Comment)
            .where(col(Comment.parent_id).in_(list(by_id)))
            .order_by(col(Comment.created_at), col(Comment.id))
        ).scalars()
        for reply in replies:
            by_id[reply.parent_id].replies.append(reply)
    return ThreadPage(list(by_id.values()), page, has_next)


def page_of(db: Session, comment: Comment, per_page: int = THREADS_PER_PAGE) -> int:
    """The page of its idea's threads on which `comment` is shown, in reading order."""
    root = comment if comment.parent_id is None else db.get(Comment, comment.parent_id)
    if root is None:
        return 1
    before = db.execute(
        select(func.count(col(Comment.id))).where(
            col(Comment.idea_id) == root.idea_id,
            col(Comment.parent_id).is_(None),
            or_(
                col(Comment.created_at) < root.created_at,
                and_(col(Comment.created_at) == root.created_at, col(Comment.id) < root.id),
            ),
        )
    ).scalar_one()
    return int(before) // per_page + 1


def on_session(db: Session, workshop_id: int) -> list[Comment]:
    """The comments on what a session produced, oldest first, in one query (deleted and
    hidden ones too: the template shows what each reader may see)."""
    return list(
        db.execute(
            select(Comment)
            .where(col(Comment.workshop_id) == workshop_id)
            .order_by(col(Comment.created_at), col(Comment.id))
        ).scalars()
    )


def url(db: Session, comment: Comment) -> str:
    """Where `comment` is read: its idea's page, at the right page of threads, or the
    session page whose outputs it is on."""
    if comment.idea_id is None:
        return path_for(
            "workshops:detail", id=comment.workshop_id, fragment=f"comment-{comment.id}"
        )
    page = page_of(db, comment)
    return path_for(
        "ideas:detail",
        id=comment.idea_id,
        query={"comments": page} if page > 1 else None,
        fragment=f"comment-{comment.id}",
    )


def recent(db: Session, limit: int = 5) -> list[Comment]:
    """The latest comments that are neither deleted nor hidden, on ideas that are not hidden
    (for the home page's activity)."""
    # Walked from the newest comment back, each step looking its idea up by key, so the cost
    # does not grow with the number of ideas. A correlated EXISTS, not a join: for the join,
    # SQLite (3.38 and later) first builds a Bloom filter over the whole idea table.
    idea_shown = ideas_q.is_shown(col(Comment.idea_id))  # type: ignore[arg-type]
    return list(
        db.execute(
            select(Comment)
            .where(col(Comment.deleted_at).is_(None), col(Comment.hidden_at).is_(None), idea_shown)
            .order_by(col(Comment.id).desc())
            .limit(limit)
        ).scalars()
    )


def session_commenters_select(workshop_id: int) -> Select:
    """A SELECT of the user ids who commented on what this session produced."""
    return select(col(Comment.author_id)).where(
        col(Comment.workshop_id) == workshop_id, col(Comment.author_id).is_not(None)
    )


def commenters_select(idea_ids: Iterable[int]) -> Select:
    """A SELECT of the user ids who commented on any of these ideas."""
    return select(col(Comment.author_id)).where(
        col(Comment.idea_id).in_(idea_ids), col(Comment.author_id).is_not(None)
    )
