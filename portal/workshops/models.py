"""Tables of the workshops domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core import markdown
from portal.core.clock import utcnow

KINDS = ("workshop", "focus_group", "committee_meeting", "usability_test")
AUDIENCES = ("public", "committee")


class Workshop(SQLModel, table=True):
    __table_args__ = (Index("ix_workshop_starts", "starts_at", "id"),)

    id: int = Field(default=None, primary_key=True)
    title: str = Field(max_length=160)
    description: str = Field(default="", max_length=10000)
    kind: str = Field(default="workshop", max_length=20)
    starts_at: datetime
    ends_at: datetime
    timezone: str = Field(default="UTC", max_length=60)
    place: str = Field(default="", max_length=200)
    online_link: str = Field(default="", max_length=500)
    capacity: int = 10
    audience: str = Field(default="public", max_length=10)
    cancelled_at: datetime | None = None
    notes: str = Field(default="", max_length=20000)
    outcomes: str = Field(default="", max_length=10000)
    notes_published_at: datetime | None = None
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    # Rendered HTML of the Markdown columns (portal.core.markdown), and by which renderer.
    description_html: str | None = None
    notes_html: str | None = None
    outcomes_html: str | None = None
    html_version: str | None = Field(default=None, max_length=100)


markdown.stored(Workshop, "description", "notes", "outcomes")


class WorkshopIdea(SQLModel, table=True):
    """An idea on a session's agenda."""

    __tablename__ = "workshop_idea"
    __table_args__ = (UniqueConstraint("workshop_id", "idea_id"),)

    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE")
    idea_id: int = Field(foreign_key="idea.id", index=True, ondelete="CASCADE")
    position: int = 0


class Registration(SQLModel, table=True):
    """A person's place: confirmed, waitlisted (in order of `queued_at`) or cancelled."""

    __table_args__ = (
        UniqueConstraint("workshop_id", "user_id"),
        Index("ix_registration_queue", "workshop_id", "status", "queued_at"),
    )

    id: int = Field(default=None, primary_key=True)
    workshop_id: int = Field(foreign_key="workshop.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    status: str = Field(max_length=12)  # confirmed | waitlisted | cancelled
    access_needs: str = Field(default="", max_length=2000)
    queued_at: datetime = Field(default_factory=utcnow)
    attended: bool | None = None
    reminded_at: datetime | None = None


class CalendarKey(SQLModel, table=True):
    """The key in a committee member's private calendar address (signed with SECRET_KEY).
    A new key ends the old address; the key is deleted when the membership ends, and a new
    term starts without one, so an address never outlives the membership it was made in."""

    __tablename__ = "calendar_key"

    user_id: int = Field(primary_key=True, foreign_key="user.id", ondelete="CASCADE")
    key: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
