"""Tables of the ideas domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from portal.core import markdown
from portal.core.clock import utcnow

STATUSES = ("new", "under_review", "planned", "piloting", "done", "declined", "duplicate")
OPEN_STATUSES = ("new", "under_review", "planned", "piloting")
ORIGINS = ("patron", "library")
# Where a contribution came in: the site itself, or recorded by staff from the desk, a comment
# card, the phone or a chat. A plain string column, so other channels (email, messaging) only
# add a code and its label here; rows keep whatever code they were written with.
SOURCES = ("web", "email", "desk", "card", "phone", "chat")
DESK_SOURCES = ("desk", "card", "phone", "chat")


class Category(SQLModel, table=True):
    """A subject ideas are filed under. Admins add, rename, reorder and archive them
    (portal.ideas.categories); an archived one is offered nowhere but stays on its ideas. The
    slug, made from the English name when the category is added, stays when it is renamed,
    so links to a filtered list keep working."""

    id: int = Field(default=None, primary_key=True)
    slug: str = Field(max_length=60, unique=True)
    name: str = Field(max_length=80)
    name_zh: str = Field(default="", max_length=80)
    position: int = 0
    archived_at: datetime | None = None


class Idea(SQLModel, table=True):
    """An idea. `vote_count`, `comment_count` and `trending` are kept by the services in the
    same transaction as the vote or comment, so lists never count rows: `vote_count` is the
    number of its vote rows (anonymous ones included), `comment_count` the number of its
    comments that readers see (neither deleted nor hidden), and `trending` the weight of its
    creation plus that of each vote (portal.ideas.trending). `portal check` compares them
    with the rows. `first_response_at` is the time of the first staff response of any kind
    (a status change, a staff comment, an official answer, a decision that links the idea):
    from then on its author can no longer edit it. `category_id` is empty for an idea proposed
    while the site had no category to offer."""

    __table_args__ = (
        Index("ix_idea_top", "vote_count", "id"),
        Index("ix_idea_trending", "trending", "id"),
        Index("ix_idea_discussed", "comment_count", "id"),
        Index("ix_idea_status_top", "status", "vote_count", "id"),
        Index("ix_idea_category_top", "category_id", "vote_count", "id"),
    )

    id: int = Field(default=None, primary_key=True)
    title: str = Field(max_length=120)
    body: str = Field(max_length=10000)
    category_id: int | None = Field(default=None, foreign_key="category.id", index=True)
    author_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    origin: str = Field(default="patron", max_length=16)
    source: str = Field(default="web", max_length=16)
    status: str = Field(default="new", max_length=16)
    duplicate_of_id: int | None = Field(default=None, foreign_key="idea.id")
    vote_count: int = 0
    comment_count: int = 0
    trending: float = 0.0
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    first_response_at: datetime | None = None
    hidden_at: datetime | None = None
    hidden_reason: str = Field(default="", max_length=500)
    # Rendered HTML of the Markdown columns (portal.core.markdown), and by which renderer.
    body_html: str | None = None
    html_version: str | None = Field(default=None, max_length=100)


markdown.stored(Idea, "body")


class IdeaSearch(SQLModel, table=True):
    """The search terms of an idea's title and body (portal.core.terms), written with the idea
    by the services. The databases index them by hand-written DDL (migration 0018): an FTS5
    table on SQLite, a GIN index of their tsvector on PostgreSQL."""

    __tablename__ = "idea_search"

    idea_id: int = Field(primary_key=True, foreign_key="idea.id", ondelete="CASCADE")
    terms: str = ""


class StatusChange(SQLModel, table=True):
    """One step of an idea's public history: a status change by staff with its response."""

    __tablename__ = "status_change"

    id: int = Field(default=None, primary_key=True)
    idea_id: int = Field(foreign_key="idea.id", index=True, ondelete="CASCADE")
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    from_status: str = Field(max_length=16)
    to_status: str = Field(max_length=16)
    response: str = Field(default="", max_length=5000)
    created_at: datetime = Field(default_factory=utcnow)
    # Rendered HTML of the Markdown columns (portal.core.markdown), and by which renderer.
    response_html: str | None = None
    html_version: str | None = Field(default=None, max_length=100)


markdown.stored(StatusChange, "response")
