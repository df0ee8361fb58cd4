"""Tables of the triage domain: who leads on an idea, which teams are asked for input,
staff's internal notes, and the scoring criteria with staff's scores. All of it is for staff
alone: no public page, feed, export, email or search index reads these tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core import markdown
from portal.core.clock import utcnow

CRITERIA_MAX = 8
SCORE_MAX = 5


class Assignment(SQLModel, table=True):
    """An idea's lead team and its staff owner (one per idea)."""

    __tablename__ = "triage_assignment"

    idea_id: int = Field(foreign_key="idea.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    owner_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    assigned_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    assigned_at: datetime = Field(default_factory=utcnow)


class InputRequest(SQLModel, table=True):
    """Another team asked to look at an idea, with a message; answered when it has."""

    __tablename__ = "triage_input_request"
    __table_args__ = (UniqueConstraint("idea_id", "team_id"),)

    id: int = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", index=True, ondelete="CASCADE")
    message: str = Field(max_length=2000)
    asked_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    asked_at: datetime = Field(default_factory=utcnow)
    answered_at: datetime | None = None
    answered_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")


class Note(SQLModel, table=True):
    """A staff member's internal note on an idea (Markdown)."""

    __tablename__ = "triage_note"

    id: int = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    body: str = Field(max_length=5000)
    # Rendered HTML of the note (portal.core.markdown), and by which renderer.
    body_html: str | None = None
    html_version: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=utcnow)


markdown.stored(Note, "body")


class Criterion(SQLModel, table=True):
    """A scoring criterion set by admins (reach, effort, fit...), weighted 1 to 10."""

    __tablename__ = "triage_criterion"
    __table_args__ = (CheckConstraint("weight >= 1 AND weight <= 10", name="weight"),)

    id: int = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    name_zh: str = Field(default="", max_length=80)
    weight: int = 1
    created_at: datetime = Field(default_factory=utcnow)


class Score(SQLModel, table=True):
    """An idea's score, 0 to 5, on one criterion: the last one staff gave."""

    __tablename__ = "triage_score"
    __table_args__ = (
        UniqueConstraint("idea_id", "criterion_id"),
        CheckConstraint("score >= 0 AND score <= 5", name="score"),
    )

    id: int = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True, ondelete="CASCADE")
    criterion_id: int = Field(foreign_key="triage_criterion.id", index=True, ondelete="CASCADE")
    score: int
    scored_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    scored_at: datetime = Field(default_factory=utcnow)
