"""Tables of the choices domain: a question staff put to people on an idea or a design session
("pick one" or "rank them"), its options, people's answers, answers staff record from the
desk, and the decisions that cite a question as evidence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core.clock import utcnow

KINDS = ("pick", "rank")
OPTIONS_MIN, OPTIONS_MAX = 2, 6


class ChoiceQuestion(SQLModel, table=True):
    """A question on one idea or one design session (exactly one of the two), open from
    `opens_at` until `closes_at`. Its results show once it closes, or while it is open too
    when staff chose `live_results`; staff see them always."""

    __tablename__ = "choice_question"
    __table_args__ = (
        CheckConstraint("(idea_id IS NULL) <> (workshop_id IS NULL)", name="on_idea_or_session"),
        CheckConstraint("kind IN ('pick', 'rank')", name="kind_known"),
    )

    id: int = Field(default=None, primary_key=True)
    idea_id: int | None = Field(default=None, foreign_key="idea.id", index=True, ondelete="CASCADE")
    workshop_id: int | None = Field(
        default=None, foreign_key="workshop.id", index=True, ondelete="CASCADE"
    )
    text: str = Field(max_length=200)
    text_zh: str = Field(default="", max_length=200)
    kind: str = Field(max_length=8)
    opens_at: datetime
    closes_at: datetime
    live_results: bool = False
    author_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class ChoiceOption(SQLModel, table=True):
    """One of a question's 2 to 6 options, in the order staff gave them (`position`)."""

    __tablename__ = "choice_option"
    __table_args__ = (UniqueConstraint("question_id", "position"),)

    id: int = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="choice_question.id", ondelete="CASCADE")
    position: int
    text: str = Field(max_length=120)
    text_zh: str = Field(default="", max_length=120)
    # Its pictures (a floor plan, a mock-up) are the media domain's attachments of owner kind
    # "choice_option"; pages get them through portal.choices.routes.option_extras.


class ChoiceAnswer(SQLModel, table=True):
    """A person's answer, one per person per question (a second replaces the first).
    `ranking` holds the option ids in the person's order, comma-separated ("pick one": one
    id). When the account goes the answer stays counted without the person, as votes do."""

    __tablename__ = "choice_answer"
    __table_args__ = (UniqueConstraint("question_id", "user_id"),)

    id: int = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="choice_question.id", index=True, ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    ranking: str = Field(max_length=200)
    answered_at: datetime = Field(default_factory=utcnow)


class DeskAnswer(SQLModel, table=True):
    """Answers staff record from the desk (paper slips, a show of hands at a session): a
    ranking (or one option) and how many people gave it. Counted, and shown apart from the
    answers given online."""

    __tablename__ = "choice_desk_answer"
    __table_args__ = (CheckConstraint("count >= 1", name="count_positive"),)

    id: int = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="choice_question.id", index=True, ondelete="CASCADE")
    ranking: str = Field(max_length=200)
    count: int
    recorded_by: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    recorded_at: datetime = Field(default_factory=utcnow)


class ChoiceEvidence(SQLModel, table=True):
    """A decision that cites a question's result as its evidence."""

    __tablename__ = "choice_evidence"

    question_id: int = Field(foreign_key="choice_question.id", primary_key=True, ondelete="CASCADE")
    decision_id: int = Field(
        foreign_key="decision.id", primary_key=True, index=True, ondelete="CASCADE"
    )
