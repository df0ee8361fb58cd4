"""What `portal check` verifies of comments.

- Each idea's comment_count is the number of its comments that readers see (neither deleted
  nor hidden: services.counts). Repaired from the rows.
- A reply's parent is a top-level comment on the same idea: the idea's page reads replies
  only under its own threads, so any other reply is counted but never shown. A reply to a
  reply joins its parent's thread; one whose parent is missing or on another idea becomes a
  thread of its own.
- A staff comment or an official answer is a staff response: its idea has a
  first_response_at (repaired to the earliest such comment's time).
- An official answer is not deleted (repaired: deleting clears the mark), and an idea has at
  most one (not repaired: which one staff meant is not in the rows).
- A comment on what a session produced is neither a reply nor an official answer: the
  session page shows them as one list (repaired: both cleared).
"""

from __future__ import annotations

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from portal.comments.models import Comment
from portal.core.integrity import Finding
from portal.ideas import counters
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas

SHOWN = (col(Comment.deleted_at).is_(None), col(Comment.hidden_at).is_(None))


def _shown(db: Session, idea_id: int) -> int:
    return db.execute(
        select(func.count()).select_from(Comment).where(col(Comment.idea_id) == idea_id, *SHOWN)
    ).scalar_one()


def counts(db: Session, repair: bool) -> list[Finding]:
    shown = dict(
        db.execute(
            select(col(Comment.idea_id), func.count()).where(*SHOWN).group_by(col(Comment.idea_id))
        ).all()
    )
    kept = ideas_q.comment_counts(db)
    wrong = [(i, n, shown.get(i, 0)) for i, n in sorted(kept.items()) if n != shown.get(i, 0)]
    findings = []
    for idea_id, count, counted in wrong:
        if repair:  # again under the idea's lock, so a comment posted meanwhile counts once
            count, counted = counters.locked(db, idea_id).comment_count, _shown(db, idea_id)
            if count == counted:
                continue
            counters.recount(db=db, idea_id=idea_id, comment_count=counted)
        findings.append(
            Finding(f"idea {idea_id}", f"comment_count {count}, rows {counted}", repaired=repair)
        )
    return findings


def _thread(db: Session, comment_id: int, idea_id: int) -> int | None:
    """The top-level comment whose thread `comment_id` is in, when it is on `idea_id`."""
    seen: set[int] = set()
    while comment_id not in seen:
        seen.add(comment_id)
        row = db.execute(
            select(col(Comment.idea_id), col(Comment.parent_id)).where(
                col(Comment.id) == comment_id
            )
        ).first()
        if row is None or row.idea_id != idea_id:
            return None
        if row.parent_id is None:
            return comment_id
        comment_id = row.parent_id
    return None  # a loop of replies has no top


def threads(db: Session, repair: bool) -> list[Finding]:
    parent = aliased(Comment)
    wrong = db.execute(
        select(
            col(Comment.id),
            col(Comment.idea_id),
            col(Comment.parent_id),
            col(parent.idea_id),
            col(parent.parent_id),
        )
        .outerjoin(parent, col(parent.id) == col(Comment.parent_id))
        .where(
            col(Comment.parent_id).is_not(None),
            or_(
                col(parent.id).is_(None),
                col(parent.idea_id) != col(Comment.idea_id),
                col(parent.parent_id).is_not(None),
            ),
        )
        .order_by(col(Comment.id))
    ).all()
    findings = []
    for comment_id, idea_id, parent_id, parent_idea, grandparent in wrong:
        said = f"on idea {idea_id}, a reply to comment {parent_id}"
        if parent_idea is None:
            problem, root = f"{said}, which does not exist", None
        elif parent_idea != idea_id:
            problem, root = f"{said}, which is on idea {parent_idea}", None
        else:
            problem = f"{said}, itself a reply to comment {grandparent}"
            root = _thread(db, parent_id, idea_id)
        if repair:
            db.execute(update(Comment).where(col(Comment.id) == comment_id).values(parent_id=root))
        findings.append(Finding(f"comment {comment_id}", problem, repaired=repair))
    return findings


def responses(db: Session, repair: bool) -> list[Finding]:
    first = db.execute(
        select(col(Comment.idea_id), func.min(col(Comment.created_at)))
        .where(
            col(Comment.idea_id).in_(ideas_q.unanswered()),
            or_(col(Comment.is_staff), col(Comment.is_official)),
        )
        .group_by(col(Comment.idea_id))
        .order_by(col(Comment.idea_id))
    ).all()
    findings = []
    for idea_id, at in first:
        if repair:
            ideas.record_response(db=db, idea_ids=[idea_id], at=at)
        problem = "a staff comment or official answer, but no first_response_at"
        findings.append(Finding(f"idea {idea_id}", problem, repaired=repair))
    return findings


def official(db: Session, repair: bool) -> list[Finding]:
    findings = []
    deleted = db.execute(
        select(col(Comment.id)).where(
            col(Comment.is_official), col(Comment.deleted_at).is_not(None)
        )
    ).scalars()
    for comment_id in deleted.all():
        if repair:
            db.execute(
                update(Comment).where(col(Comment.id) == comment_id).values(is_official=False)
            )
        problem = "deleted, yet marked as the official answer"
        findings.append(Finding(f"comment {comment_id}", problem, repaired=repair))
    several = db.execute(
        select(col(Comment.idea_id), func.count())
        .where(col(Comment.is_official), col(Comment.deleted_at).is_(None))
        .group_by(col(Comment.idea_id))
        .having(func.count() > 1)
    ).all()
    for idea_id, n in several:
        problem = f"{n} official answers; staff choose one on the idea's page"
        findings.append(Finding(f"idea {idea_id}", problem, repairable=False))
    return findings


def on_sessions(db: Session, repair: bool) -> list[Finding]:
    wrong = db.execute(
        select(col(Comment.id), col(Comment.workshop_id)).where(
            col(Comment.workshop_id).is_not(None),
            or_(col(Comment.parent_id).is_not(None), col(Comment.is_official)),
        )
    ).all()
    findings = []
    for comment_id, workshop_id in wrong:
        if repair:
            db.execute(
                update(Comment)
                .where(col(Comment.id) == comment_id)
                .values(parent_id=None, is_official=False)
            )
        problem = f"on session {workshop_id}, yet a reply or an official answer"
        findings.append(Finding(f"comment {comment_id}", problem, repaired=repair))
    return findings


def check(db: Session, repair: bool) -> list[Finding]:
    return (
        threads(db, repair)
        + official(db, repair)
        + counts(db, repair)
        + responses(db, repair)
        + on_sessions(db, repair)
    )
