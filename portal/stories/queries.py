"""Reads of the stories domain: a story, the published list, the staff list, themes and
links. Each list is read in a fixed number of queries, whatever the number of stories."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from portal.stories.models import THEME_CODE, Story, StoryDecision, StoryIdea, StoryTheme, Theme

PER_PAGE = 20


@dataclass
class Page:
    """One page of stories, with the themes of each (by story id)."""

    items: list[Story]
    has_next: bool
    themes: dict[int, list[Theme]]


def get(db: Session, story_id: int) -> Story | None:
    """One story by id (the route asks permissions.can_read)."""
    return db.get(Story, story_id)


def themes(db: Session) -> list[Theme]:
    """Every theme, by code."""
    return list(db.execute(select(Theme).order_by(col(Theme.code))).scalars())


def theme_by_code(db: Session, code: str) -> Theme | None:
    """The theme with `code`, if any (none for text that is no code, such as a NUL byte,
    which PostgreSQL refuses in a query)."""
    if not THEME_CODE.fullmatch(code):
        return None
    return db.execute(select(Theme).where(col(Theme.code) == code)).scalars().first()


def themes_of(db: Session, story_ids: list[int]) -> dict[int, list[Theme]]:
    """The themes of each story, in one query."""
    found: dict[int, list[Theme]] = defaultdict(list)
    if story_ids:
        rows = db.execute(
            select(col(StoryTheme.story_id), Theme)
            .join(Theme, col(Theme.id) == col(StoryTheme.theme_id))
            .where(col(StoryTheme.story_id).in_(story_ids))
            .order_by(col(Theme.code))
        ).all()
        for story_id, theme in rows:
            found[story_id].append(theme)
    return {i: found.get(i, []) for i in story_ids}


def _page(db: Session, stmt, page: int) -> Page:  # type: ignore[no-untyped-def]
    rows = list(
        db.execute(
            stmt.order_by(col(Story.id).desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)
        ).scalars()
    )
    items = rows[:PER_PAGE]
    return Page(items, len(rows) > PER_PAGE, themes_of(db, [s.id for s in items]))


def published(db: Session, theme: Theme | None = None, page: int = 1) -> Page:
    """Published stories, newest first, of one theme if given."""
    stmt = select(Story).where(col(Story.published_at).is_not(None))
    if theme is not None:
        stmt = stmt.where(
            col(Story.id).in_(
                select(col(StoryTheme.story_id)).where(col(StoryTheme.theme_id) == theme.id)
            )
        )
    return _page(db, stmt, page)


def everything(db: Session, page: int = 1) -> Page:
    """Every story, newest first (staff)."""
    return _page(db, select(Story), page)


def decision_ids(db: Session, story_id: int) -> list[int]:
    """The decisions a story is linked to."""
    return list(
        db.execute(
            select(col(StoryDecision.decision_id))
            .where(col(StoryDecision.story_id) == story_id)
            .order_by(col(StoryDecision.decision_id))
        ).scalars()
    )


def idea_ids(db: Session, story_id: int) -> list[int]:
    """The ideas a story is linked to."""
    return list(
        db.execute(
            select(col(StoryIdea.idea_id))
            .where(col(StoryIdea.story_id) == story_id)
            .order_by(col(StoryIdea.idea_id))
        ).scalars()
    )


def for_decision(db: Session, decision_id: int, limit: int = 5) -> list[Story]:
    """The newest published stories linked to a decision."""
    return list(
        db.execute(
            select(Story)
            .join(StoryDecision, col(StoryDecision.story_id) == col(Story.id))
            .where(
                col(StoryDecision.decision_id) == decision_id,
                col(Story.published_at).is_not(None),
            )
            .order_by(col(Story.id).desc())
            .limit(limit)
        ).scalars()
    )


@dataclass(frozen=True)
class ThemeCount:
    code: str
    name: str
    name_zh: str
    stories: int
    published: int


def theme_counts(db: Session) -> list[ThemeCount]:
    """Every theme with how many stories staff coded with it, and how many of those are
    published, in one query (the staff assessment dashboard)."""
    rows = db.execute(
        select(
            col(Theme.code),
            col(Theme.name),
            col(Theme.name_zh),
            func.count(col(Story.id)),
            func.count(col(Story.published_at)),
        )
        .select_from(Theme)
        .outerjoin(StoryTheme, col(StoryTheme.theme_id) == col(Theme.id))
        .outerjoin(Story, col(Story.id) == col(StoryTheme.story_id))
        .group_by(col(Theme.id), col(Theme.code), col(Theme.name), col(Theme.name_zh))
        .order_by(func.count(col(Story.id)).desc(), col(Theme.code))
    ).all()
    return [ThemeCount(c, n, z, int(s), int(p)) for c, n, z, s, p in rows]
