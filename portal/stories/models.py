"""Tables of the stories domain: impact stories, the themes staff code them with, and their
links to decisions and ideas."""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.core import markdown
from portal.core.clock import utcnow

# What a theme's code may be; anything else names no theme (and never reaches the database).
THEME_CODE = re.compile("[A-Za-z0-9_-]{1,20}")


class Story(SQLModel, table=True):
    """One specific time the library made a difference (the critical incident technique): what
    happened, what the person did with it, what changed. The service is a category of the
    site's when it has any, else the person's own words. Staff publish it only when the author
    consented; published, it never shows the author. When the account goes, a consented story
    stays without its author (`author_id` empty) and any other is deleted
    (portal.stories.privacy)."""

    id: int = Field(default=None, primary_key=True)
    author_id: int | None = Field(
        default=None, foreign_key="user.id", index=True, ondelete="SET NULL"
    )
    happened: str = Field(max_length=5000)
    did: str = Field(max_length=5000)
    changed: str = Field(max_length=5000)
    # A category deleted later leaves the story without one (ideas guard only their own).
    category_id: int | None = Field(default=None, foreign_key="category.id", ondelete="SET NULL")
    service: str = Field(default="", max_length=100)
    consent: bool = False
    published_at: datetime | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # Rendered HTML of the Markdown columns (portal.core.markdown), and by which renderer.
    happened_html: str | None = None
    did_html: str | None = None
    changed_html: str | None = None
    html_version: str | None = Field(default=None, max_length=100)


markdown.stored(Story, "happened", "did", "changed")


class Theme(SQLModel, table=True):
    """A theme staff code stories with: a short code and a name in both languages."""

    __tablename__ = "story_theme"

    id: int = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=80)
    name_zh: str = Field(default="", max_length=80)


class StoryTheme(SQLModel, table=True):
    """A theme a story is coded with (a story has several)."""

    __tablename__ = "story_theme_link"

    story_id: int = Field(foreign_key="story.id", primary_key=True, ondelete="CASCADE")
    theme_id: int = Field(
        foreign_key="story_theme.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class StoryDecision(SQLModel, table=True):
    """A decision a story is about."""

    __tablename__ = "story_decision"

    story_id: int = Field(foreign_key="story.id", primary_key=True, ondelete="CASCADE")
    decision_id: int = Field(
        foreign_key="decision.id", primary_key=True, index=True, ondelete="CASCADE"
    )


class StoryIdea(SQLModel, table=True):
    """An idea a story is about."""

    __tablename__ = "story_idea"

    story_id: int = Field(foreign_key="story.id", primary_key=True, ondelete="CASCADE")
    idea_id: int = Field(foreign_key="idea.id", primary_key=True, index=True, ondelete="CASCADE")
