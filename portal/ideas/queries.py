"""Reads of the ideas domain: lists, search, detail, history."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    desc,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from portal.core import db as core_db
from portal.core import forms, terms
from portal.core.clock import aware
from portal.ideas import names, search
from portal.ideas.models import OPEN_STATUSES, ORIGINS, STATUSES, Category, Idea, StatusChange
from portal.ideas.names import Named

PER_PAGE = 20
SORTS = {
    "top": (desc(col(Idea.vote_count)), desc(col(Idea.id))),
    "new": (desc(col(Idea.id)),),
    "trending": (desc(col(Idea.trending)), desc(col(Idea.id))),
    "discussed": (desc(col(Idea.comment_count)), desc(col(Idea.id))),
}
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Filters:
    sort: str = "top"
    status: str = ""
    category: str = ""
    origin: str = ""
    q: str = ""
    page: int = 1

    @classmethod
    def parse(cls, params: dict[str, str]) -> Filters:
        """Read filters from a query string, ignoring values that are not allowed."""
        return cls(
            sort=params.get("sort", "") if params.get("sort") in SORTS else "top",
            status=params.get("status", "") if params.get("status") in STATUSES else "",
            category=(params.get("category") or "").replace("\x00", "")[:60],
            origin=params.get("origin", "") if params.get("origin") in ORIGINS else "",
            q=" ".join((params.get("q") or "").split())[:200],
            page=forms.page(params.get("page")),
        )


@dataclass
class Page:
    items: list[Idea]
    page: int
    has_next: bool


def _filtered(db: Session, f: Filters) -> Select | None:
    stmt = select(Idea).where(col(Idea.hidden_at).is_(None))
    if f.status:
        stmt = stmt.where(col(Idea.status) == f.status)
    elif not f.q:
        stmt = stmt.where(col(Idea.status) != "duplicate")
    if f.origin:
        stmt = stmt.where(col(Idea.origin) == f.origin)
    if f.category:
        category_id = db.execute(
            select(col(Category.id)).where(col(Category.slug) == f.category)
        ).scalar()
        if category_id is None:
            return None
        stmt = stmt.where(col(Idea.category_id) == category_id)
    return stmt


def list_ideas(db: Session, f: Filters, per_page: int = PER_PAGE) -> Page:
    """One page of ideas. No total count: `has_next` comes from fetching one row more, so the
    cost does not grow with the table. A search reads no more than the page needs either
    (portal.ideas.search)."""
    stmt = _filtered(db, f)
    query = terms.query(f.q)
    if stmt is None or (f.q and not query):
        return Page([], f.page, False)
    order, offset = SORTS[f.sort], (f.page - 1) * per_page
    if query:
        rows = search.page(db, stmt, order, query, offset, per_page + 1)
    else:
        rows = list(db.execute(stmt.order_by(*order).offset(offset).limit(per_page + 1)).scalars())
    return Page(rows[:per_page], f.page, len(rows) > per_page)


def similar(db: Session, title: str, limit: int = 5) -> list[Idea]:
    """Existing ideas that share words with a title being typed (to prevent duplicates)."""
    words = [w for w in _WORD.findall(title) if len(w) > 2 or not w.isascii()]
    query = terms.query(" ".join(words), any_term=True)
    if not query:
        return []
    stmt = select(Idea).where(col(Idea.status) != "duplicate", col(Idea.hidden_at).is_(None))
    return search.page(db, stmt, SORTS["top"], query, 0, limit)


def get(db: Session, idea_id: int) -> Idea | None:
    """One idea by id."""
    return db.get(Idea, idea_id)


def categories(db: Session) -> list[Category]:
    """All categories, archived ones too (ideas keep theirs), in display order."""
    return list(
        db.execute(
            select(Category).order_by(col(Category.position), col(Category.name), col(Category.id))
        ).scalars()
    )


# The categories pages show, per engine (one per process and database): (data version, rows).
_SHOWN: WeakKeyDictionary[Engine, tuple[int, list[Category]]] = WeakKeyDictionary()


def shown_categories(db: Session) -> list[Category]:
    """All categories, as `categories` lists them, for pages to show: kept in this process
    while the site's data version stays the same, so a write in any process is seen at once.
    The rows are shared by every request: never change them or add them to a session (writes
    read `categories`)."""
    engine = db.get_bind()
    if not isinstance(engine, Engine):
        # A write's session (on its connection) may see its own uncommitted rows: never kept.
        return categories(db)
    version = core_db.session_version(db)  # before the rows: see session_version
    kept = _SHOWN.get(engine)
    if kept is not None and kept[0] == version:
        return list(kept[1])
    rows = categories(db)
    _SHOWN[engine] = (version, rows)
    return list(rows)


def category(db: Session, category_id: int) -> Category | None:
    """One category by id, archived or not."""
    return db.get(Category, category_id)


def active_categories(db: Session) -> list[Category]:
    """The categories offered to choose from (not archived), in display order."""
    return list(
        db.execute(
            select(Category)
            .where(col(Category.archived_at).is_(None))
            .order_by(col(Category.position), col(Category.name), col(Category.id))
        ).scalars()
    )


def category_choices(db: Session, keep: int | str | None = None) -> list[Category]:
    """The categories a form or filter offers: the active ones, and the one already chosen
    (`keep`, an id or a slug) even when it is archived, so an idea or a link keeps it."""
    rows = shown_categories(db)
    return [c for c in rows if c.archived_at is None or keep in (c.id, c.slug)]


def category_usage(db: Session) -> dict[int, int]:
    """How many ideas each category holds (hidden ones too), by category id."""
    return dict(
        db.execute(
            select(col(Idea.category_id), func.count())
            .where(col(Idea.category_id).is_not(None))
            .group_by(col(Idea.category_id))
        ).all()
    )


def history(db: Session, idea_id: int) -> list[StatusChange]:
    """An idea's status changes, oldest first."""
    return list(
        db.execute(
            select(StatusChange)
            .where(col(StatusChange.idea_id) == idea_id)
            .order_by(col(StatusChange.created_at), col(StatusChange.id))
        ).scalars()
    )


def recent_status_changes(db: Session, limit: int = 8) -> list[tuple[StatusChange, Idea]]:
    """The latest status changes with their ideas (for the home page's activity)."""
    rows = db.execute(
        select(StatusChange, Idea)
        # `+ 0` keeps the planner off the index on status_change.idea_id, so it walks the
        # changes newest first and stops at `limit`: without statistics for status_change
        # (an empty table has none) SQLite read every idea and sorted instead.
        .join(Idea, col(Idea.id) == col(StatusChange.idea_id) + 0)
        .where(col(Idea.hidden_at).is_(None))
        .order_by(desc(col(StatusChange.id)))
        .limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows]


def named(db: Session, ids: set[int]) -> dict[int, Named]:
    """What naming each of these ideas takes (see portal.ideas.names), in one query."""
    if not ids:
        return {}
    rows = db.execute(
        select(col(Idea.id), col(Idea.title), col(Idea.hidden_at), col(Idea.author_id)).where(
            col(Idea.id).in_(ids)
        )
    )
    return {row[0]: Named(*row) for row in rows}


def titles(db: Session, ids: set[int], viewer: Any = None) -> dict[int, str]:
    """Idea titles by id as `viewer` may read them (names.title: a hidden idea is named only
    to staff and to its author), in one query."""
    return {i: names.title(n, viewer) for i, n in named(db, ids).items()}


def count(db: Session, category_id: int | None = None) -> int:
    """How many ideas there are (filed under `category_id`, when given)."""
    stmt = select(func.count()).select_from(Idea)
    if category_id is not None:
        stmt = stmt.where(col(Idea.category_id) == category_id)
    return db.execute(stmt).scalar_one()


def awaiting_response(db: Session, limit: int = 20) -> list[Idea]:
    """Ideas nobody on staff has answered yet, oldest first."""
    return list(
        db.execute(
            select(Idea)
            .where(col(Idea.first_response_at).is_(None), col(Idea.status) == "new")
            .order_by(col(Idea.created_at))
            .limit(limit)
        ).scalars()
    )


def top_open(db: Session, limit: int = 5) -> list[Idea]:
    """The most-voted ideas that are still open (for a session's agenda)."""
    return list(
        db.execute(
            select(Idea)
            .where(col(Idea.status).in_(OPEN_STATUSES), col(Idea.hidden_at).is_(None))
            .order_by(desc(col(Idea.vote_count)), desc(col(Idea.id)))
            .limit(limit)
        ).scalars()
    )


def by_ids(db: Session, ids: set[int]) -> dict[int, Idea]:
    """These ideas by id, in one query (missing ones are left out)."""
    if not ids:
        return {}
    return {i.id: i for i in db.execute(select(Idea).where(col(Idea.id).in_(ids))).scalars()}


def created_at(db: Session, idea_id: int) -> datetime:
    """When the idea was proposed."""
    return db.execute(select(col(Idea.created_at)).where(col(Idea.id) == idea_id)).scalar_one()


def is_shown(idea_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """Whether the idea `idea_id` (a column of another table) exists and is not hidden: a
    correlated EXISTS, for another domain's query to filter on in the same statement."""
    return (
        select(col(Idea.id)).where(col(Idea.id) == idea_id, col(Idea.hidden_at).is_(None)).exists()
    )


def unanswered() -> Select:
    """A SELECT of the ids of ideas without a first staff response yet (for checks that find
    a response the idea does not know of)."""
    return select(col(Idea.id)).where(col(Idea.first_response_at).is_(None))


def vote_counters(db: Session) -> list[Any]:
    """Every idea's id, vote_count, trending and created_at (for `portal check`), in one
    query."""
    return list(
        db.execute(
            select(col(Idea.id), col(Idea.vote_count), col(Idea.trending), col(Idea.created_at))
        )
    )


def comment_counts(db: Session) -> dict[int, int]:
    """Every idea's comment_count by id (for `portal check`), in one query."""
    return dict(db.execute(select(col(Idea.id), col(Idea.comment_count))).all())


def proposers_select(idea_ids: Select | list[int]) -> Select:
    """A SELECT of the user ids who proposed any of these ideas (a survey's audience)."""
    return select(col(Idea.author_id)).where(
        col(Idea.id).in_(idea_ids), col(Idea.author_id).is_not(None)
    )


def last_responses(db: Session, ids: set[int]) -> dict[int, datetime]:
    """When staff last answered each idea in public: its latest status change, or its first
    staff response of any kind (a comment, an official answer, a decision), whichever is later;
    ideas never answered are left out."""
    if not ids:
        return {}
    changes = dict(
        db.execute(
            select(col(StatusChange.idea_id), func.max(col(StatusChange.created_at)))
            .where(col(StatusChange.idea_id).in_(ids))
            .group_by(col(StatusChange.idea_id))
        ).all()
    )
    firsts = dict(
        db.execute(
            select(col(Idea.id), col(Idea.first_response_at)).where(
                col(Idea.id).in_(ids), col(Idea.first_response_at).is_not(None)
            )
        ).all()
    )
    return {
        i: max(aware(t) for t in (changes.get(i), firsts.get(i)) if t is not None)
        for i in set(changes) | set(firsts)
    }
