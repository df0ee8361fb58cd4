"""Tables of the surveys domain.

An instrument (`survey`) has dimensions, items in them and optional free-text questions. It
runs in rounds; a round's invitations say who was asked and whether they have answered. A
response is one person's (or, in an anonymous round, nobody's) answers to one round: one
`survey_answer` row per rating, so the results read a round's answers per item from one index
without loading the responses.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.accounts.models import USER_GROUPS
from portal.core.clock import utcnow

# "single": one rating per item (1-5 or 1-7); "three": minimum, desired and perceived, 1-9,
# as in LibQUAL+.
SCALES = ("single", "three")
COLUMNS = {"single": ("rating",), "three": ("minimum", "desired", "perceived")}
AUDIENCES = ("everyone", "committee", "participants")
GROUPS = USER_GROUPS  # the "about you" question asks the same groups as /account


class Survey(SQLModel, table=True):
    """An instrument: what is asked, and on which scale."""

    id: int = Field(default=None, primary_key=True)
    title: str = Field(max_length=160)
    title_zh: str = Field(default="", max_length=160)
    scale: str = Field(default="single", max_length=8)
    points: int = 5  # the top of the scale: 5 or 7 for "single", 9 for "three"
    asks_group: bool = False  # the "about you" question (user group)
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class Dimension(SQLModel, table=True):
    __tablename__ = "survey_dimension"
    __table_args__ = (UniqueConstraint("survey_id", "code"),)

    id: int = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    code: str = Field(max_length=20)
    name: str = Field(max_length=160)
    name_zh: str = Field(default="", max_length=160)
    position: int = 0


class Item(SQLModel, table=True):
    """A statement rated on the survey's scale, in one dimension."""

    __tablename__ = "survey_item"
    __table_args__ = (UniqueConstraint("survey_id", "code"),)

    id: int = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    dimension_id: int = Field(foreign_key="survey_dimension.id", index=True, ondelete="CASCADE")
    code: str = Field(max_length=20)
    text: str = Field(max_length=500)
    text_zh: str = Field(default="", max_length=500)
    position: int = 0


class Question(SQLModel, table=True):
    """A free-text question, answered optionally."""

    __tablename__ = "survey_question"
    __table_args__ = (UniqueConstraint("survey_id", "code"),)

    id: int = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    code: str = Field(max_length=20)
    text: str = Field(max_length=500)
    text_zh: str = Field(default="", max_length=500)
    position: int = 0


class Round(SQLModel, table=True):
    """A survey asked of an audience between two moments (UTC; the close is exclusive)."""

    __tablename__ = "survey_round"
    __table_args__ = (Index("ix_survey_round_open", "opens_at", "closes_at"),)

    id: int = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", index=True, ondelete="CASCADE")
    opens_at: datetime
    closes_at: datetime
    audience: str = Field(default="everyone", max_length=12)
    anonymous: bool = False
    invited_at: datetime | None = None  # when the worker queued the invitations
    published_at: datetime | None = None  # results shown to everyone (the results task)
    created_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class RoundSource(SQLModel, table=True):
    """For an audience of participants: an idea, design session or decision whose people
    are asked (kind "idea", "session", "decision"; later "pilot" for a pilot's cohort)."""

    __tablename__ = "survey_round_source"
    __table_args__ = (UniqueConstraint("round_id", "kind", "ref_id"),)

    id: int = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="survey_round.id", ondelete="CASCADE")
    kind: str = Field(max_length=12)
    ref_id: int


class Invitation(SQLModel, table=True):
    """A person asked to answer a round. In an anonymous round it holds the hash of their
    one-time link; `used_at` is all it knows of their answer."""

    __tablename__ = "survey_invitation"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        Index("ix_survey_invitation_reminder", "round_id", "used_at", "reminded_at"),
    )

    id: int = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="survey_round.id", ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    invited_at: datetime = Field(default_factory=utcnow)
    reminded_at: datetime | None = None
    used_at: datetime | None = None


class Response(SQLModel, table=True):
    """One person's answers to a round (no person in an anonymous round). A draft is kept
    until it is submitted; submitting again replaces the answers."""

    __tablename__ = "survey_response"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        Index("ix_survey_response_round", "round_id", "is_draft"),
    )

    id: int = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="survey_round.id", ondelete="CASCADE")
    user_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    group: str = Field(default="", max_length=16)
    is_draft: bool = True
    submitted_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class Answer(SQLModel, table=True):
    """One rating: `value` None means "not applicable". `round_id` is repeated here so that
    the results read every answer of a round from one index."""

    __tablename__ = "survey_answer"
    __table_args__ = (
        UniqueConstraint("response_id", "item_id", "column"),
        Index("ix_survey_answer_round", "round_id", "item_id", "column"),
    )

    id: int = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="survey_response.id", ondelete="CASCADE")
    round_id: int = Field(foreign_key="survey_round.id", ondelete="CASCADE")
    item_id: int = Field(foreign_key="survey_item.id", ondelete="CASCADE")
    column: str = Field(max_length=10)
    value: int | None = None


class TextAnswer(SQLModel, table=True):
    """The answer to a free-text question."""

    __tablename__ = "survey_text_answer"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        Index("ix_survey_text_answer_round", "round_id", "question_id"),
    )

    id: int = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="survey_response.id", ondelete="CASCADE")
    round_id: int = Field(foreign_key="survey_round.id", ondelete="CASCADE")
    question_id: int = Field(foreign_key="survey_question.id", ondelete="CASCADE")
    text: str = Field(max_length=5000)
