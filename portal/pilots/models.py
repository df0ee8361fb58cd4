"""Tables of the pilots domain.

A piloting decision has at most one pilot: a cohort of up to `size` people who try the change,
the survey that measures it (a baseline round before the pilot starts, a follow-up round at
its review date, both scheduled by the worker), and the review staff record at the end, which
publishes the next decision (`next_decision_id`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core import markdown
from portal.core.clock import utcnow

# A review's outcome, and the outcome of the decision it publishes.
OUTCOMES = {"adopt": "adopted", "extend": "piloting", "repilot": "piloting", "stop": "declined"}


class Pilot(SQLModel, table=True):
    """A decision's pilot. `member_count` counts its members (portal check verifies it)."""

    __table_args__ = (
        CheckConstraint("size >= 1", name="size_positive"),
        CheckConstraint("member_count >= 0 AND member_count <= size", name="within_size"),
    )

    id: int = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", unique=True, ondelete="CASCADE")
    size: int
    member_count: int = 0
    survey_id: int | None = Field(default=None, foreign_key="survey.id", ondelete="SET NULL")
    baseline_round_id: int | None = Field(
        default=None, foreign_key="survey_round.id", ondelete="SET NULL"
    )
    followup_round_id: int | None = Field(
        default=None, foreign_key="survey_round.id", ondelete="SET NULL"
    )
    findings: str = Field(default="", max_length=5000)
    # Rendered HTML of the findings (portal.core.markdown), and by which renderer.
    findings_html: str | None = None
    html_version: str | None = Field(default=None, max_length=100)
    outcome: str = Field(default="", max_length=8)
    reviewed_at: datetime | None = None
    reviewed_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    next_decision_id: int | None = Field(
        default=None, foreign_key="decision.id", index=True, ondelete="SET NULL"
    )
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


markdown.stored(Pilot, "findings")


class PilotMember(SQLModel, table=True):
    """A person in a pilot's cohort."""

    __tablename__ = "pilot_member"
    __table_args__ = (UniqueConstraint("pilot_id", "user_id"),)

    id: int = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    joined_at: datetime = Field(default_factory=utcnow)
