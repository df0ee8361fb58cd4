"""Tables of the teams domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core.clock import utcnow


class Team(SQLModel, table=True):
    """A team of the library (technical services, public services, digital...). Teams are
    archived, never deleted: decisions keep naming the teams that were responsible."""

    id: int = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    name_zh: str = Field(default="", max_length=120)
    description: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    archived_at: datetime | None = None


class TeamMember(SQLModel, table=True):
    """A staff member of a team. Only staff and admin accounts are added; one whose role
    changes later stays listed, marked, until an admin (or `portal check --repair`) removes
    them."""

    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: int = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    added_at: datetime = Field(default_factory=utcnow)
