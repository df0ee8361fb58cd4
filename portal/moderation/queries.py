"""Reads of the moderation domain: the staff queue (the reported ideas and comments read
through their domains' queries; a comment is under an idea or a design session's outputs)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import Session, col

from portal.comments import queries as comments_q
from portal.ideas import queries as ideas_q
from portal.ideas.names import Named
from portal.moderation.models import Flag
from portal.workshops import queries as workshops_q


@dataclass
class QueueItem:
    target_type: str
    target_id: int
    idea_id: int | None
    idea: Named | None  # the idea reported, or the one the comment is under
    text: str
    author_id: int | None
    hidden: bool
    reasons: list[str] = field(default_factory=list)
    session_title: str = ""  # a comment on what this design session produced


def queue(db: Session, limit: int = 100) -> list[QueueItem]:
    """Flagged content with its reports, oldest first, in a fixed number of queries."""
    flags = list(
        db.execute(
            select(Flag)
            .where(col(Flag.resolved_at).is_(None))
            .order_by(col(Flag.id))
            .limit(limit * 5)
        ).scalars()
    )
    idea_ids = {f.target_id for f in flags if f.target_type == "idea"}
    comment_ids = {f.target_id for f in flags if f.target_type == "comment"}
    comments = comments_q.by_ids(db, comment_ids)
    idea_ids |= {c.idea_id for c in comments.values() if c.idea_id is not None}
    ideas = ideas_q.by_ids(db, idea_ids)
    sessions = workshops_q.titles(db, {c.workshop_id for c in comments.values() if c.workshop_id})
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
                idea = ideas.get(c.idea_id) if c.idea_id is not None else None
                items[key] = QueueItem(
                    "comment",
                    c.id,
                    c.idea_id,
                    Named.of(idea) if idea else None,
                    c.body[:300],
                    c.author_id,
                    c.hidden_at is not None,
                    session_title=sessions.get(c.workshop_id or 0, ""),
                )
            else:
                continue
        items[key].reasons.append(f.reason)
    return list(items.values())[:limit]
