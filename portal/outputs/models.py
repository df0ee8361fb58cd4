"""Tables of the outputs domain: the ideas a design session created or changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core.clock import utcnow

NOTE_MAX = 300


class OutputIdea(SQLModel, table=True):
    """An idea a session created or changed, linked by staff with a short note."""

    __tablename__ = "output_idea"
    __table_args__ = (UniqueConstraint("workshop_id", "idea_id"),)

    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE")
    idea_id: int = Field(foreign_key="idea.id", index=True, ondelete="CASCADE")
    note: str = Field(default="", max_length=NOTE_MAX)
    added_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
