"""Full-text search of ideas that stops after the page it shows.

An idea's terms (portal.core.terms) are in `idea_search`, indexed by FTS5 on SQLite and by a
GIN index on PostgreSQL (migration 0018); both compare terms whole, so both find the same
ideas, and the list's own order (top, new, trending, discussed, each ending with the id)
ranks them the same way on both.

A search must not read every idea that matches: the generated words of a large board match
tens of thousands. So it first counts matches in the index, stopping at `FEW`:
- fewer than `FEW`: the matching ideas are read and sorted (at most `FEW` rows);
- more: the list is walked in its order through the index that serves it (ix_idea_top,
  ix_idea_trending, ...), each idea asked whether it matches (one lookup of its terms), until
  the page is full. A word that `FEW` ideas contain fills a page of 20 after reading
  about 20 × (ideas / matches) of them, and far fewer for common words.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, TextClause, and_, func, literal, or_, select, text
from sqlmodel import Session, col

from portal.core import terms
from portal.ideas.models import Idea, IdeaSearch

FEW = 2000


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


_TSVECTOR = "array_to_tsvector(string_to_array(s.terms, ' '))"


def _matching_ids(dialect: str, q: terms.Query) -> TextClause:
    """SELECT of the ids of every idea that matches (from the index only)."""
    if dialect == "sqlite":
        return text("SELECT rowid FROM idea_fts WHERE idea_fts MATCH :match").bindparams(
            match=_fts5(q)
        )
    return text(
        f"SELECT s.idea_id FROM idea_search s WHERE {_TSVECTOR} @@ CAST(:tsq AS tsquery)"
    ).bindparams(tsq=_tsquery(q))


def _matches_row(dialect: str, q: terms.Query) -> ColumnElement[bool]:
    """Whether the idea of the current row matches, read from its own terms (one lookup by
    its id): a term is found whole between spaces, a prefix after one. The index is no help
    here, for FTS5 would evaluate the whole query (a prefix over every term that begins
    with it) once per row."""
    find = func.instr if dialect == "sqlite" else func.strpos
    spaced = literal(" ") + col(IdeaSearch.terms) + literal(" ")
    tests = [find(spaced, f" {t} ") > 0 for t in q.terms]
    if q.prefix:
        tests[-1] = find(spaced, f" {q.terms[-1]}") > 0
    found = or_(*tests) if q.any_term else and_(*tests)
    return (
        select(literal(1))
        .where(col(IdeaSearch.idea_id) == col(Idea.id), found)
        .correlate(Idea)
        .exists()
    )


def _count_up_to(db: Session, dialect: str, q: terms.Query, cap: int) -> int:
    """How many ideas match, counting no further than `cap`."""
    inner = _matching_ids(dialect, q)
    stmt = text(f"SELECT count(*) FROM ({inner.text} LIMIT :cap) AS m").bindparams(
        *inner._bindparams.values(), cap=cap
    )
    return int(db.execute(stmt).scalar_one())


def clause(db: Session, q: terms.Query) -> ColumnElement[bool] | TextClause:
    """The WHERE clause that keeps the ideas matching `q`, chosen so that a sorted, limited
    SELECT stops early (see the module's docstring)."""
    dialect = db.get_bind().dialect.name
    if _count_up_to(db, dialect, q, FEW) < FEW:
        return col(Idea.id).in_(_matching_ids(dialect, q))
    return _matches_row(dialect, q)


def restrict(db: Session, stmt: Select, q: terms.Query) -> Select:
    """`stmt` (a SELECT of ideas) kept to those that match `q`."""
    return stmt.where(clause(db, q))
