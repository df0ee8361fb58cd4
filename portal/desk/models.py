"""Tables of the desk domain."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.core.clock import utcnow

KINDS = ("idea", "comment", "vote")


class DeskRecord(SQLModel, table=True):
    """One piece of feedback staff recorded for someone: what it became (an idea, a comment on
    `idea_id`, a vote for it), through which channel, for whom (`person_id`, an account found
    by its address, or nobody) and who recorded it. The contact of someone without an account
    is kept only when they agreed to it; otherwise both contact fields are empty."""

    __tablename__ = "desk_record"

    id: int = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    source: str = Field(max_length=16)
    idea_id: int = Field(foreign_key="idea.id", ondelete="CASCADE")
    comment_id: int | None = Field(default=None, foreign_key="comment.id", ondelete="SET NULL")
    person_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    contact_name: str = Field(default="", max_length=120)
    contact: str = Field(default="", max_length=254)
    recorded_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, index=True)
