"""What `portal check` verifies of ideas.

- Duplicates: an idea names an original exactly while its status is "duplicate", and the
  original is another idea that exists, is shown, and is not itself a duplicate. A chain
  (A a duplicate of B, B of C) is repaired by pointing A at C, where its votes went, and
  sweeping anything left on A there too; an idea that names an original without being a
  duplicate is repaired by forgetting it. The rest (a duplicate of nothing, of itself, of a
  missing or hidden idea, a loop) needs a person: it is reported only.
- First responses: an idea whose status moved, or that has a status change in its history,
  was answered, so it has a first_response_at (repaired to its earliest status change, or to
  when the idea last changed when its history has none). Comments and decisions check theirs.
- Search terms: every idea has its row in idea_search, with the terms of its title and body
  as they are now (repaired by writing them again).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, or_, select, update
from sqlmodel import Session, col

from portal.core.integrity import Finding
from portal.core.terms import index_terms
from portal.ideas import search, services
from portal.ideas.models import Idea, IdeaSearch, StatusChange

BATCH = 1000


def _end(ideas: dict, start: int) -> tuple[int | None, str]:
    """Where a chain of duplicates from `start` ends: (the original, "") or (None, why)."""
    seen = {start}
    current = start
    while True:
        row = ideas.get(current)
        if row is None:
            return None, f"idea {current} does not exist"
        if row.status != "duplicate":
            return current, ""
        if row.duplicate_of_id is None:
            return None, f"idea {current} is a duplicate of no idea"
        if row.duplicate_of_id in seen:
            return None, "the duplicates name each other in a loop"
        seen.add(row.duplicate_of_id)
        current = row.duplicate_of_id


def _duplicate(db: Session, ideas: dict, row: Row[Any], repair: bool) -> Finding | None:
    subject, target = f"idea {row.id}", row.duplicate_of_id
    if row.status != "duplicate":
        if repair:
            db.execute(update(Idea).where(col(Idea.id) == row.id).values(duplicate_of_id=None))
        problem = f"names idea {target} as its original, but its status is {row.status}"
        return Finding(subject, problem, repaired=repair)
    if target is None:
        return Finding(subject, "a duplicate of no idea", repairable=False)
    if target == row.id:
        return Finding(subject, "a duplicate of itself", repairable=False)
    original = ideas.get(target)
    if original is None:
        return Finding(subject, f"a duplicate of idea {target}, which does not exist", False)
    if original.status == "duplicate":
        end, why = _end(ideas, target)
        problem = f"a duplicate of idea {target}, itself a duplicate"
        if end is None or end == row.id:
            return Finding(subject, f"{problem}: {why or 'a loop'}", repairable=False)
        if repair:
            db.execute(update(Idea).where(col(Idea.id) == row.id).values(duplicate_of_id=end))
            services.merged(db, row.id, end)  # its votes follow, as when it was marked
        return Finding(subject, f"{problem} of idea {end}", repaired=repair)
    if original.hidden_at is not None:
        return Finding(subject, f"a duplicate of idea {target}, which is hidden", False)
    return None


def duplicates(db: Session, repair: bool) -> list[Finding]:
    named = select(col(Idea.duplicate_of_id)).where(col(Idea.duplicate_of_id).is_not(None))
    rows = db.execute(
        select(col(Idea.id), col(Idea.status), col(Idea.duplicate_of_id), col(Idea.hidden_at))
        .where(
            or_(
                col(Idea.status) == "duplicate",
                col(Idea.duplicate_of_id).is_not(None),
                col(Idea.id).in_(named),
            )
        )
        .order_by(col(Idea.id))
    ).all()
    ideas = {row.id: row for row in rows}
    concerned = [r for r in rows if r.status == "duplicate" or r.duplicate_of_id is not None]
    findings = [_duplicate(db, ideas, row, repair) for row in concerned]
    return [f for f in findings if f is not None]


def responses(db: Session, repair: bool) -> list[Finding]:
    history = (
        select(col(StatusChange.idea_id), func.min(col(StatusChange.created_at)).label("first"))
        .group_by(col(StatusChange.idea_id))
        .subquery()
    )
    rows = db.execute(
        select(col(Idea.id), col(Idea.status), col(Idea.updated_at), history.c.first)
        .outerjoin(history, history.c.idea_id == col(Idea.id))
        .where(
            col(Idea.first_response_at).is_(None),
            or_(col(Idea.status) != "new", history.c.first.is_not(None)),
        )
        .order_by(col(Idea.id))
    ).all()
    findings = []
    for idea_id, status, updated_at, first in rows:
        if repair:
            services.record_response(db=db, idea_ids=[idea_id], at=first or updated_at)
        answered = "a status change" if first is not None else f"status {status}"
        problem = f"{answered}, but no first_response_at"
        findings.append(Finding(f"idea {idea_id}", problem, repaired=repair))
    return findings


def search_terms(db: Session, repair: bool) -> list[Finding]:
    findings = []
    last = 0
    while rows := db.execute(
        select(col(Idea.id), col(Idea.title), col(Idea.body), col(IdeaSearch.terms))
        .outerjoin(IdeaSearch, col(IdeaSearch.idea_id) == col(Idea.id))
        .where(col(Idea.id) > last)
        .order_by(col(Idea.id))
        .limit(BATCH)
    ).all():
        for idea_id, title, body, stored in rows:
            if stored == index_terms(title, body):
                continue
            if repair:
                search.write_terms(db, db.get_one(Idea, idea_id))
            problem = "no search terms" if stored is None else "search terms of an older text"
            findings.append(Finding(f"idea {idea_id}", problem, repaired=repair))
        last = rows[-1][0]
    return findings


def check(db: Session, repair: bool) -> list[Finding]:
    return duplicates(db, repair) + responses(db, repair) + search_terms(db, repair)
