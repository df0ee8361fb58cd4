"""Reads of the moderation domain: the staff queue."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session

from portal.comments.models import Comment
from portal.ideas.models import Idea
from portal.ideas.queries import Named
from portal.moderation.models import Flag


@dataclass
class QueueItem:
    target_type: str
    target_id: int
    idea_id: int
    idea: Named | None  # the idea reported, or the one the comment is under
    text: str
    author_id: int | None
    hidden: bool
    reasons: list[str] = field(default_factory=list)


def queue(db: Session, limit: int = 100) -> list[QueueItem]:
    """Flagged content with its reports, oldest first, in a fixed number of queries."""
    flags = list(
        db.execute(
            select(Flag).where(Flag.resolved_at.is_(None)).order_by(Flag.id).limit(limit * 5)
        ).scalars()
    )
    idea_ids = {f.target_id for f in flags if f.target_type == "idea"}
    comment_ids = {f.target_id for f in flags if f.target_type == "comment"}
    comments = (
        {c.id: c for c in db.execute(select(Comment).where(Comment.id.in_(comment_ids))).scalars()}
        if comment_ids
        else {}
    )
    idea_ids |= {c.idea_id for c in comments.values()}
    ideas = (
        {i.id: i for i in db.execute(select(Idea).where(Idea.id.in_(idea_ids))).scalars()}
        if idea_ids
        else {}
    )
    items: dict[tuple[str, int], QueueItem] = {}
    for f in flags:
        key = (f.target_type, f.target_id)
        if key not in items:
            if f.target_type == "idea" and f.target_id in ideas:
                i = ideas[f.target_id]
                items[key] = QueueItem(
                    "idea",
                    i.id,
                    i.id,
                    Named.of(i),
                    i.body[:300],
                    i.author_id,
                    i.hidden_at is not None,
                )
            elif f.target_type == "comment" and f.target_id in comments:
                c = comments[f.target_id]
                idea = ideas.get(c.idea_id)
                items[key] = QueueItem(
                    "comment",
                    c.id,
                    c.idea_id,
                    Named.of(idea) if idea else None,
                    c.body[:300],
                    c.author_id,
                    c.hidden_at is not None,
                )
            else:
                continue
        items[key].reasons.append(f.reason)
    return list(items.values())[:limit]
