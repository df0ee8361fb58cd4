"""Tables of the comments domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from portal.core import markdown
from portal.core.clock import utcnow


class Comment(SQLModel, table=True):
    """A comment on an idea, or on what a design session produced (its outputs): exactly one
    of `idea_id` and `workshop_id` is set. The rules are the same for both (edit window,
    deletion, moderation, a person's data); replies and official answers are for ideas."""

    __table_args__ = (
        Index("ix_comment_idea_created", "idea_id", "created_at"),
        # An idea's threads in reading order, and its official answer, read from the index.
        Index("ix_comment_idea_thread", "idea_id", "parent_id", "created_at", "id", "is_official"),
        Index("ix_comment_workshop_created", "workshop_id", "created_at", "id"),
        CheckConstraint("(idea_id IS NULL) <> (workshop_id IS NULL)", name="comment_one_subject"),
    )

    id: int = Field(default=None, primary_key=True)
    idea_id: int | None = Field(default=None, foreign_key="idea.id", ondelete="CASCADE")
    workshop_id: int | None = Field(default=None, foreign_key="workshop.id", ondelete="CASCADE")
    author_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    parent_id: int | None = Field(default=None, foreign_key="comment.id", index=True)
    body: str = Field(max_length=5000)
    is_staff: bool = False
    source: str = Field(default="web", max_length=16)  # portal.ideas.models.SOURCES
    is_official: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    edited_at: datetime | None = None
    deleted_at: datetime | None = None
    hidden_at: datetime | None = None
    hidden_reason: str = Field(default="", max_length=500)
    # Rendered HTML of the Markdown columns (portal.core.markdown), and by which renderer.
    body_html: str | None = None
    html_version: str | None = Field(default=None, max_length=100)


markdown.stored(Comment, "body")
