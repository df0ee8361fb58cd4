"""Full-text search of ideas that stops after the page it shows.

An idea's terms (portal.core.terms) are in `idea_search`, indexed by FTS5 on SQLite and by a
GIN index on PostgreSQL (migration 0018); both compare terms whole, so both find the same
ideas, and the list's own order (top, new, trending, discussed, each ending with the id)
ranks them the same way on both.

A search must not read every idea that matches: the generated words of a large board match
tens of thousands. So it reads in two steps:
1. The first `WALK` ideas of the list (for later pages `DEEPER` times the page's end), in
   its order, through the index that serves it (ix_idea_top, ix_idea_trending, ...), each
   checked against its own terms (one lookup by id), until the page is full. A word found
   in one idea of a hundred fills the first page here; a common word after a few dozen rows.
2. Only if the page is not full: the ideas the full-text index names, sorted. The word is
   then rare among the first ideas of the list, and in the usual case rare everywhere.
Neither database's planner is left to guess between the two: each step has one plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.util import ClauseAdapter
from sqlmodel import Session, col

from portal.core import terms
from portal.ideas.models import Idea, IdeaSearch

WALK = 2000  # ideas of the list read in step 1 for the first page
DEEPER = 100  # and for a later page, this many for each idea before its end


def write_terms(db: Session, idea: Idea) -> None:
    """Index (again) an idea's title and body; called by the services whenever they change."""
    row = db.get(IdeaSearch, idea.id)
    words = terms.index_terms(idea.title, idea.body)
    if row is None:
        db.add(IdeaSearch(idea_id=idea.id, terms=words))
    elif row.terms != words:
        row.terms = words
        db.add(row)


def _fts5(q: terms.Query) -> str:
    """An FTS5 MATCH string: every term quoted (terms are letters and digits only, so no
    quote can be inside), the last one a prefix when `q` says so."""
    quoted = [f'"{t}"' for t in q.terms]
    if q.prefix:
        quoted[-1] += "*"
    return (" OR " if q.any_term else " AND ").join(quoted)


def _tsquery(q: terms.Query) -> str:
    """A tsquery literal of the same terms (read as they are, no parser or dictionary)."""
    quoted = [f"'{t}'" for t in q.terms]
    if q.prefix:
        quoted[-1] += ":*"
    return (" | " if q.any_term else " & ").join(quoted)


def _from_index(db: Session, q: terms.Query) -> ColumnElement[bool]:
    """The ideas that the full-text index says match. On PostgreSQL the ids are read first
    (idea_search_ids always uses the index) and given as an array, so that the planner
    reads those ideas and sorts them rather than walking a sort index to find them."""
    if db.get_bind().dialect.name == "sqlite":
        found = text("SELECT rowid FROM idea_fts WHERE idea_fts MATCH :match")
        return col(Idea.id).in_(found.bindparams(match=_fts5(q)))
    found = text("SELECT idea_search_ids(CAST(:tsq AS tsquery))").bindparams(tsq=_tsquery(q))
    ids = list(db.execute(found).scalars())
    return col(Idea.id) == any_(literal(ids, ARRAY(Integer)))


def _matches_row(db: Session, q: terms.Query, idea_id: Any) -> ColumnElement[bool]:
    """Whether the idea of the current row matches, read from its own terms (one lookup by
    its id): a term is found whole between spaces, a prefix after one. The index is no help
    here, for FTS5 would evaluate the whole query (a prefix over every term that begins
    with it) once per row."""
    find = func.instr if db.get_bind().dialect.name == "sqlite" else func.strpos
    spaced = literal(" ") + col(IdeaSearch.terms) + literal(" ")
    tests = [find(spaced, f" {t} ") > 0 for t in q.terms]
    if q.prefix:
        tests[-1] = find(spaced, f" {q.terms[-1]}") > 0
    found = or_(*tests) if q.any_term else and_(*tests)
    return select(literal(1)).where(col(IdeaSearch.idea_id) == idea_id, found).exists()


def page(
    db: Session, stmt: Select, order: Sequence[Any], q: terms.Query, offset: int, limit: int
) -> list[Idea]:
    """Rows `offset` to `offset + limit` of `stmt` (a SELECT of ideas) in `order`, kept to
    those that match `q` (see the module's docstring)."""
    # The walk reads the list in order and stops at the page's end: the window is a derived
    # table in the list's order. PostgreSQL keeps that order under the outer ORDER BY
    # without sorting again; SQLite would sort every row of the window, so there the rows
    # are taken as the window yields them, in its order (tests/ideas/test_search.py
    # compares both ways on both databases).
    window = stmt.order_by(*order).limit(max(WALK, (offset + limit) * DEEPER)).subquery()
    walked = select(aliased(Idea, window)).where(_matches_row(db, q, window.c.id))
    if db.get_bind().dialect.name != "sqlite":
        walked = walked.order_by(*[ClauseAdapter(window).traverse(o) for o in order])
    walked = walked.offset(offset).limit(limit)
    rows = list(db.execute(walked).scalars())
    if len(rows) == limit:
        return rows
    indexed = stmt.where(_from_index(db, q)).order_by(*order).offset(offset).limit(limit)
    return list(db.execute(indexed).scalars())
