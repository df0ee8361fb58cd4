"""Tables of the decisions domain."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core import markdown
from portal.core.clock import utcnow

OUTCOMES = ("adopted", "piloting", "declined", "deferred")


class Decision(SQLModel, table=True):
    """A published "You said, we did". Staff may correct its texts, links and dates later
    (`corrected_at`); each earlier version is kept as a DecisionRevision."""

    __table_args__ = (Index("ix_decision_published", "published_at", "id"),)

    id: int = Field(default=None, primary_key=True)
    title: str = Field(max_length=160)
    you_said: str = Field(max_length=5000)
    we_did: str = Field(max_length=5000)
    outcome: str = Field(max_length=16)
    reason: str = Field(default="", max_length=3000)
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    published_at: datetime = Field(default_factory=utcnow)
    pilot_start: date | None = None
    pilot_end: date | None = None
    review_date: date | None = None
    reviewed_at: datetime | None = None
    notified_count: int = 0
    corrected_at: datetime | None = None
    # Rendered HTML of the Markdown columns (portal.core.markdown), and by which renderer.
    you_said_html: str | None = None
    we_did_html: str | None = None
    reason_html: str | None = None
    html_version: str | None = Field(default=None, max_length=100)


markdown.stored(Decision, "you_said", "we_did", "reason")


class DecisionIdea(SQLModel, table=True):
    __tablename__ = "decision_idea"
    __table_args__ = (UniqueConstraint("decision_id", "idea_id"),)

    id: int = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", ondelete="CASCADE")
    idea_id: int = Field(foreign_key="idea.id", index=True, ondelete="CASCADE")


class FollowUp(SQLModel, table=True):
    """An answer to "Did this change help you?" (1 to 5), one per person per decision."""

    __tablename__ = "follow_up"
    __table_args__ = (
        UniqueConstraint("decision_id", "user_id"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
    )

    id: int = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    rating: int
    comment: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class DecisionWorkshop(SQLModel, table=True):
    """A design session a decision drew on."""

    __tablename__ = "decision_workshop"
    __table_args__ = (UniqueConstraint("decision_id", "workshop_id"),)

    id: int = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", ondelete="CASCADE")
    workshop_id: int = Field(foreign_key="workshop.id", index=True, ondelete="CASCADE")


class DecisionTeam(SQLModel, table=True):
    """A team responsible for a decision (teams are archived, never deleted)."""

    __tablename__ = "decision_team"
    __table_args__ = (UniqueConstraint("decision_id", "team_id"),)

    id: int = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", index=True)


class DecisionRevision(SQLModel, table=True):
    """A version of a decision that a correction replaced: its full texts, dates and links as
    they were shown until `replaced_at`, when `replaced_by_id` corrected it. Its teams, ideas
    and sessions are kept by number (teams are never deleted, only archived)."""

    __tablename__ = "decision_revision"

    id: int = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=160)
    you_said: str = Field(max_length=5000)
    we_did: str = Field(max_length=5000)
    reason: str = Field(default="", max_length=3000)
    pilot_start: date | None = None
    pilot_end: date | None = None
    review_date: date | None = None
    # Lists of numbers ("12, 31"), as long as the decision's links were: no length limit.
    teams: str = Field(default="", sa_type=Text)
    ideas: str = Field(default="", sa_type=Text)
    sessions: str = Field(default="", sa_type=Text)
    replaced_at: datetime = Field(default_factory=utcnow)
    replaced_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    # Rendered HTML of the Markdown columns (portal.core.markdown), and by which renderer.
    you_said_html: str | None = None
    we_did_html: str | None = None
    reason_html: str | None = None
    html_version: str | None = Field(default=None, max_length=100)


markdown.stored(DecisionRevision, "you_said", "we_did", "reason")


STANCES = ("support", "concerns", "oppose")


class DecisionDraft(SQLModel, table=True):
    """A decision staff are still writing: its form as they last saved it (JSON: the texts,
    dates, links and teams as typed), kept apart from `decision` so that no list, feed, API,
    search or figure that reads decisions can show it. Shared with the advisory committee at
    `shared_at`; published as the decision `decision_id`, after which it is only the record
    of the committee's advice."""

    __tablename__ = "decision_draft"

    id: int = Field(default=None, primary_key=True)
    title: str = Field(default="", max_length=160)
    form: str = Field(default="{}", sa_type=Text)
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    shared_at: datetime | None = None
    decision_id: int | None = Field(
        default=None, foreign_key="decision.id", unique=True, ondelete="SET NULL"
    )


class Advice(SQLModel, table=True):
    """A committee member's advice on a shared draft (support, concerns or oppose, with a
    reason), one per member, changed by giving it again. `consent`: the member agrees that the
    published decision shows their reason with their name; without it, only the count."""

    __table_args__ = (UniqueConstraint("draft_id", "member_id"),)

    id: int = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="decision_draft.id", ondelete="CASCADE")
    member_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    stance: str = Field(max_length=16)
    reason: str = Field(max_length=2000)
    # Rendered HTML of the reason (portal.core.markdown), and by which renderer.
    reason_html: str | None = None
    html_version: str | None = Field(default=None, max_length=100)
    consent: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


markdown.stored(Advice, "reason")
