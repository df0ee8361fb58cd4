"""Tests of impact stories, and the builders they share: telling a story and publishing it
through the real services."""

from __future__ import annotations

from typing import Any

from portal.core import db
from portal.stories import services
from portal.stories.models import Story, StoryDecision, StoryIdea, StoryTheme, Theme
from tests.factories import count

HAPPENED = "A librarian found the 1950s census tables I had given up on."
DID = "I used them for the second chapter of my thesis."
CHANGED = "I finished the chapter a month early and my supervisor was pleased."


def tell(engine: Any, author: Any, consent: bool = True, **fields: Any) -> Story:
    """A story told through the service (free-text service unless `category_id` is given)."""
    values = {"happened": HAPPENED, "did": DID, "changed": CHANGED, "service": "Help desk"}
    values.update(fields)
    with db.write(engine) as s:
        return services.tell(db=s, actor=author, consent=consent, **values)


def theme(engine: Any, staff: Any, code: str = "time", name: str = "Time saved") -> Theme:
    with db.write(engine) as s:
        return services.add_theme(db=s, actor=staff, code=code, name=name, name_zh="节省时间")


def publish(engine: Any, staff: Any, story_id: int) -> Story:
    with db.write(engine) as s:
        return services.publish(db=s, actor=staff, story_id=story_id)


def stored(engine: Any) -> dict[str, int]:
    """How many rows the stories feature holds, table by table."""
    return {
        m.__tablename__: count(engine, m)  # type: ignore[attr-defined]
        for m in (Story, Theme, StoryTheme, StoryDecision, StoryIdea)
    }
