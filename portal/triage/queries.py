"""Reads of the triage domain: an idea's triage for its staff panel, a team's board, and the
weighted score (sum of weight x score over sum of weight, only over the criteria scored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, desc, func, select
from sqlmodel import Session, col

from portal.ideas import queries as ideas_q
from portal.ideas.models import STATUSES, Idea
from portal.triage.models import Assignment, Criterion, InputRequest, Note, Score

PER_PAGE = 25
SORTS = ("score", "votes")


def assignment(db: Session, idea_id: int) -> Assignment | None:
    """An idea's lead team and owner, if it has them."""
    return db.get(Assignment, idea_id)


def requests_for_idea(db: Session, idea_id: int) -> list[InputRequest]:
    """The teams asked for input on an idea, oldest first."""
    return list(
        db.execute(
            select(InputRequest)
            .where(col(InputRequest.idea_id) == idea_id)
            .order_by(col(InputRequest.asked_at), col(InputRequest.id))
        ).scalars()
    )


def request(db: Session, request_id: int) -> InputRequest | None:
    """One request for input."""
    return db.get(InputRequest, request_id)


def notes(db: Session, idea_id: int) -> list[Note]:
    """An idea's internal notes, oldest first."""
    return list(
        db.execute(
            select(Note).where(col(Note.idea_id) == idea_id).order_by(col(Note.id))
        ).scalars()
    )


def criteria(db: Session) -> list[Criterion]:
    """The scoring criteria, in the order admins added them."""
    return list(db.execute(select(Criterion).order_by(col(Criterion.id))).scalars())


def scores(db: Session, idea_id: int) -> dict[int, int]:
    """An idea's scores by criterion id."""
    return dict(
        db.execute(
            select(col(Score.criterion_id), col(Score.score)).where(col(Score.idea_id) == idea_id)
        ).all()
    )


def _weighted_select() -> Select:
    """(idea_id, weighted score) for every idea with at least one score."""
    weighted = (
        func.sum(col(Criterion.weight) * col(Score.score)) * 1.0 / func.sum(col(Criterion.weight))
    )
    return (
        select(col(Score.idea_id).label("idea_id"), weighted.label("weighted"))
        .join(Criterion, col(Criterion.id) == col(Score.criterion_id))
        .group_by(col(Score.idea_id))
    )


def weighted(db: Session, idea_ids: set[int]) -> dict[int, float]:
    """The weighted score of each idea that has one."""
    if not idea_ids:
        return {}
    stmt = _weighted_select().where(col(Score.idea_id).in_(idea_ids))
    return {i: round(float(w), 2) for i, w in db.execute(stmt).all()}


@dataclass
class Row:
    idea: Idea
    owner_id: int | None
    score: float | None
    answered_at: datetime | None


@dataclass
class Board:
    rows: list[Row]
    page: int
    has_next: bool
    requests: list[tuple[InputRequest, Idea]]


def _status_order() -> Any:
    return case({s: n for n, s in enumerate(STATUSES)}, value=col(Idea.status), else_=99)


def board(db: Session, team_id: int, sort: str, page: int) -> Board:
    """A team's board: one page of the ideas it leads, by status and then by weighted score
    or votes, and the requests for input it was asked (open ones first). A fixed number of
    queries, whatever the page holds."""
    w = _weighted_select().subquery()
    rank = (
        [desc(func.coalesce(w.c.weighted, -1)), desc(col(Idea.vote_count))]
        if sort == "score"
        else [desc(col(Idea.vote_count)), desc(func.coalesce(w.c.weighted, -1))]
    )
    found = db.execute(
        select(Idea, col(Assignment.owner_id), w.c.weighted)
        .join(Assignment, col(Assignment.idea_id) == col(Idea.id))
        .outerjoin(w, w.c.idea_id == col(Idea.id))
        .where(col(Assignment.team_id) == team_id)
        .order_by(_status_order(), *rank, col(Idea.id))
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    ).all()
    answered = ideas_q.last_responses(db, {idea.id for idea, _o, _w in found})
    rows = [
        Row(idea, owner, round(float(s), 2) if s is not None else None, answered.get(idea.id))
        for idea, owner, s in found[:PER_PAGE]
    ]
    asked = db.execute(
        select(InputRequest, Idea)
        .join(Idea, col(Idea.id) == col(InputRequest.idea_id))
        .where(col(InputRequest.team_id) == team_id)
        .order_by(col(InputRequest.answered_at).is_not(None), desc(col(InputRequest.asked_at)))
        .limit(100)
    ).all()
    return Board(rows, page, len(found) > PER_PAGE, [(r, i) for r, i in asked])
