"""Tables of the moderation domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core.clock import utcnow

TARGETS = ("idea", "comment")


class Flag(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("target_type", "target_id", "user_id"),
        Index("ix_flag_open", "resolved_at", "id"),
    )

    id: int = Field(default=None, primary_key=True)
    target_type: str = Field(max_length=10)
    target_id: int
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reason: str = Field(max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    resolution: str = Field(default="", max_length=12)  # hidden | dismissed


class AuditEntry(SQLModel, table=True):
    """Who did what, when, with the state before and after. Written by services, read by
    admins; the application has no way to change or delete an entry."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_created", "created_at", "id"),)

    id: int = Field(default=None, primary_key=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    actor_name: str = Field(default="", max_length=80)
    action: str = Field(max_length=40)
    target_type: str = Field(max_length=20)
    target_id: int | None = None
    before: str = Field(default="", max_length=5000)
    after: str = Field(default="", max_length=5000)
    created_at: datetime = Field(default_factory=utcnow)
