"""Tables of the votes domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core.clock import utcnow


class Vote(SQLModel, table=True):
    """One person's vote. When the person deletes their account the row stays, anonymous
    (`user_id` NULL), so an idea's `vote_count` is always the number of its rows. NULLs are
    distinct in the unique key on SQLite and PostgreSQL alike, so anonymous votes never
    collide."""

    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: int = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", ondelete="CASCADE")
    user_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    source: str = Field(default="web", max_length=16)  # portal.ideas.models.SOURCES
    created_at: datetime = Field(default_factory=utcnow)


class DeskVote(SQLModel, table=True):
    """A vote recorded by staff for someone without an account. Nobody can tell whether the
    same person gave it twice, so it is not a vote of the idea's `vote_count` (one per
    person): it is counted apart, as the idea's votes "from the desk"."""

    __tablename__ = "desk_vote"

    id: int = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True, ondelete="CASCADE")
    source: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class Follow(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: int = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
