"""Reads of the outputs domain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from portal.ideas import queries as ideas_q
from portal.outputs.models import OutputIdea


@dataclass
class Linked:
    """An idea a session produced, named as the reader may read it."""

    idea_id: int
    title: str
    note: str


def of_workshop(db: Session, workshop_id: int, reader: Any) -> list[Linked]:
    """The ideas a session created or changed, in the order they were linked: two queries."""
    rows = db.exec(
        select(OutputIdea)
        .where(col(OutputIdea.workshop_id) == workshop_id)
        .order_by(col(OutputIdea.id))
    ).all()
    titles = ideas_q.titles(db, {r.idea_id for r in rows}, reader)
    return [Linked(r.idea_id, titles.get(r.idea_id, ""), r.note) for r in rows]


def is_linked(db: Session, workshop_id: int, idea_id: int) -> bool:
    """Whether the idea is already among the session's outputs."""
    return (
        db.exec(
            select(OutputIdea.id).where(
                col(OutputIdea.workshop_id) == workshop_id, col(OutputIdea.idea_id) == idea_id
            )
        ).first()
        is not None
    )
