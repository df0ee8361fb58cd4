"""Reads of the media domain: the files of what a page shows, in one query, and what a file
is attached to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, or_, select
from sqlmodel import Session, col

from portal.choices import queries as choices_q
from portal.comments import queries as comments_q
from portal.decisions import queries as decisions_q
from portal.ideas import queries as ideas_q
from portal.media.models import Attachment
from portal.workshops import queries as workshops_q


def for_owners(db: Session, owners: dict[str, Iterable[int]]) -> dict[str, list[Attachment]]:
    """The files of every owner named (kind -> ids), oldest first, keyed "kind:id" as the
    templates ask for them; one query however many owners and files."""
    clauses = [
        and_(col(Attachment.owner_kind) == kind, col(Attachment.owner_id).in_(set(ids)))
        for kind, ids in owners.items()
        if ids
    ]
    found: dict[str, list[Attachment]] = defaultdict(list)
    if not clauses:
        return found
    rows = db.execute(select(Attachment).where(or_(*clauses)).order_by(col(Attachment.id)))
    for a in rows.scalars():
        found[f"{a.owner_kind}:{a.owner_id}"].append(a)
    return found


def naming(db: Session, name: str) -> list[Attachment]:
    """The rows that name the file `name`, as the file itself or as its thumbnail."""
    stmt = select(Attachment).where(
        or_(col(Attachment.name) == name, col(Attachment.thumb) == name)
    )
    return list(db.execute(stmt).scalars())


def names_in_use(db: Session, names: set[str]) -> set[str]:
    """Which of `names` some row still names (a file shared by two attachments stays)."""
    if not names:
        return set()
    stmt = select(col(Attachment.name), col(Attachment.thumb)).where(
        or_(col(Attachment.name).in_(names), col(Attachment.thumb).in_(names))
    )
    return {n for row in db.execute(stmt) for n in row if n in names}


def owner(db: Session, kind: str, owner_id: int) -> tuple[Any, Any]:
    """What a file is (or would be) attached to, and for a comment its idea, for a
    question's option the idea or design session the question is on: (None, None) when there
    is no such thing."""
    if kind == "idea":
        return ideas_q.get(db, owner_id), None
    if kind == "comment":
        comment = comments_q.get(db, owner_id)
        # Files go with comments on ideas; a comment on a session's outputs has none.
        if comment is None or comment.idea_id is None:
            return None, None
        return comment, ideas_q.get(db, comment.idea_id)
    if kind == "workshop":
        return workshops_q.get(db, owner_id), None
    if kind == "decision":
        return decisions_q.get(db, owner_id), None
    if kind == "choice_option":
        return _option(db, owner_id)
    return None, None


def _option(db: Session, option_id: int) -> tuple[Any, Any]:
    option = choices_q.option(db, option_id)
    question = choices_q.get(db, option.question_id) if option else None
    if question is None:
        return None, None
    host: Any
    if question.workshop_id is not None:
        host = workshops_q.get(db, question.workshop_id)
    else:
        host = ideas_q.get(db, question.idea_id) if question.idea_id is not None else None
    return (option, host) if host is not None else (None, None)
