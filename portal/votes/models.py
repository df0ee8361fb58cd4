"""Tables of the votes domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.clock import utcnow


class Vote(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)


class Follow(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
