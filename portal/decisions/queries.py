"""Reads of the decisions domain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session, col

from portal.decisions.models import (
    OUTCOMES,
    STANCES,
    Advice,
    Decision,
    DecisionDraft,
    DecisionIdea,
    DecisionRevision,
    DecisionTeam,
    DecisionWorkshop,
    FollowUp,
)

PER_PAGE = 20


def get(db: Session, decision_id: int) -> Decision | None:
    """One decision by id."""
    return db.get(Decision, decision_id)


def listing(db: Session, outcome: str = "", page: int = 1) -> tuple[list[Decision], bool]:
    """Published decisions, newest first, optionally of one outcome."""
    stmt = select(Decision)
    if outcome in OUTCOMES:
        stmt = stmt.where(col(Decision.outcome) == outcome)
    rows = list(
        db.execute(
            stmt.order_by(col(Decision.published_at).desc(), col(Decision.id).desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE + 1)
        ).scalars()
    )
    return rows[:PER_PAGE], len(rows) > PER_PAGE


def idea_ids(db: Session, decision_id: int) -> list[int]:
    """The ideas a decision answers."""
    return list(
        db.execute(
            select(col(DecisionIdea.idea_id))
            .where(col(DecisionIdea.decision_id) == decision_id)
            .order_by(col(DecisionIdea.id))
        ).scalars()
    )


def for_idea(db: Session, idea_id: int) -> list[Decision]:
    """Decisions that answer an idea, oldest first (for its timeline)."""
    return list(
        db.execute(
            select(Decision)
            .join(DecisionIdea, col(DecisionIdea.decision_id) == col(Decision.id))
            .where(col(DecisionIdea.idea_id) == idea_id)
            .order_by(col(Decision.published_at))
        ).scalars()
    )


@dataclass
class FollowUpSummary:
    count: int = 0
    average: float | None = None
    distribution: dict[int, int] = field(default_factory=lambda: {r: 0 for r in range(1, 6)})
    comments: list[str] = field(default_factory=list)

    def share(self, rating: int) -> int:
        """Percentage of answers with this rating (for the bar chart)."""
        return round(100 * self.distribution[rating] / self.count) if self.count else 0


def follow_up_summaries(db: Session, decision_ids: list[int]) -> dict[int, FollowUpSummary]:
    """Count and distribution of follow-up answers per decision, in one query."""
    result = {d: FollowUpSummary() for d in decision_ids}
    if not decision_ids:
        return result
    rows = db.execute(
        select(col(FollowUp.decision_id), col(FollowUp.rating), func.count())
        .where(col(FollowUp.decision_id).in_(decision_ids))
        .group_by(col(FollowUp.decision_id), col(FollowUp.rating))
    ).all()
    for decision_id, rating, n in rows:
        s = result[decision_id]
        s.distribution[rating] = n
        s.count += n
    for s in result.values():
        if s.count:
            s.average = round(sum(r * n for r, n in s.distribution.items()) / s.count, 1)
    return result


def follow_up_comments(db: Session, decision_id: int, limit: int = 20) -> list[FollowUp]:
    """The latest follow-up answers that carry a comment."""
    return list(
        db.execute(
            select(FollowUp)
            .where(col(FollowUp.decision_id) == decision_id, col(FollowUp.comment) != "")
            .order_by(col(FollowUp.updated_at).desc())
            .limit(limit)
        ).scalars()
    )


def my_follow_up(db: Session, decision_id: int, user_id: int | None) -> FollowUp | None:
    """A person's own answer, to show and change it."""
    if not user_id:
        return None
    return db.execute(
        select(FollowUp).where(
            col(FollowUp.decision_id) == decision_id, col(FollowUp.user_id) == user_id
        )
    ).scalar_one_or_none()


def overdue_reviews(db: Session, today: date) -> list[Decision]:
    """Piloting decisions whose review date has passed without a review."""
    return list(
        db.execute(
            select(Decision)
            .where(
                col(Decision.outcome) == "piloting",
                col(Decision.review_date).is_not(None),
                col(Decision.review_date) < today,
                col(Decision.reviewed_at).is_(None),
            )
            .order_by(col(Decision.review_date))
        ).scalars()
    )


def linked_ideas(db: Session, decision_ids: list[int]) -> dict[int, list[int]]:
    """Idea ids per decision, in one query."""
    out: dict[int, list[int]] = {d: [] for d in decision_ids}
    if decision_ids:
        for d, i in db.execute(
            select(col(DecisionIdea.decision_id), col(DecisionIdea.idea_id))
            .where(col(DecisionIdea.decision_id).in_(decision_ids))
            .order_by(col(DecisionIdea.id))
        ).all():
            out[d].append(i)
    return out


def titles(db: Session, ids: set[int]) -> dict[int, str]:
    """Decision titles by id, in one query."""
    if not ids:
        return {}
    return dict(
        db.execute(
            select(col(Decision.id), col(Decision.title)).where(col(Decision.id).in_(ids))
        ).all()
    )


def workshop_ids(db: Session, decision_id: int) -> list[int]:
    """The design sessions a decision drew on."""
    return list(
        db.execute(
            select(col(DecisionWorkshop.workshop_id))
            .where(col(DecisionWorkshop.decision_id) == decision_id)
            .order_by(col(DecisionWorkshop.id))
        ).scalars()
    )


def team_ids(db: Session, decision_id: int) -> list[int]:
    """The teams responsible for a decision."""
    return list(
        db.execute(
            select(col(DecisionTeam.team_id))
            .where(col(DecisionTeam.decision_id) == decision_id)
            .order_by(col(DecisionTeam.id))
        ).scalars()
    )


def teams_by_decision(db: Session, decision_ids: list[int]) -> dict[int, list[int]]:
    """Responsible team ids per decision, in one query."""
    out: dict[int, list[int]] = {d: [] for d in decision_ids}
    if decision_ids:
        for d, t in db.execute(
            select(col(DecisionTeam.decision_id), col(DecisionTeam.team_id))
            .where(col(DecisionTeam.decision_id).in_(decision_ids))
            .order_by(col(DecisionTeam.id))
        ).all():
            out[d].append(t)
    return out


def revisions(db: Session, decision_id: int) -> list[DecisionRevision]:
    """The versions of a decision that corrections replaced, newest first."""
    return list(
        db.execute(
            select(DecisionRevision)
            .where(col(DecisionRevision.decision_id) == decision_id)
            .order_by(col(DecisionRevision.replaced_at).desc(), col(DecisionRevision.id).desc())
        ).scalars()
    )


def draft(db: Session, draft_id: int) -> DecisionDraft | None:
    """One draft by id (published ones too: they hold the advice)."""
    return db.get(DecisionDraft, draft_id)


def drafts(db: Session, shared_only: bool = False) -> list[DecisionDraft]:
    """Drafts not published yet, newest first; only those shared with the committee when
    `shared_only`."""
    stmt = select(DecisionDraft).where(col(DecisionDraft.decision_id).is_(None))
    if shared_only:
        stmt = stmt.where(col(DecisionDraft.shared_at).is_not(None))
    return list(db.execute(stmt.order_by(col(DecisionDraft.id).desc())).scalars())


def advice(db: Session, draft_id: int) -> list[Advice]:
    """Every member's advice on a draft, oldest first (for staff while drafting)."""
    return list(
        db.execute(
            select(Advice).where(col(Advice.draft_id) == draft_id).order_by(col(Advice.id))
        ).scalars()
    )


def my_advice(db: Session, draft_id: int, member_id: int) -> Advice | None:
    return db.execute(
        select(Advice).where(col(Advice.draft_id) == draft_id, col(Advice.member_id) == member_id)
    ).scalar_one_or_none()


@dataclass
class PublishedAdvice:
    """What a published decision shows of the committee's advice: the count of each stance,
    and the reasons their members agreed to publish with their name."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STANCES, 0))
    consented: list[Advice] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def published_advice(db: Session, decision_id: int) -> PublishedAdvice:
    """The committee's advice on the draft that became this decision (one query)."""
    out = PublishedAdvice()
    rows = db.execute(
        select(Advice)
        .join(DecisionDraft, col(DecisionDraft.id) == col(Advice.draft_id))
        .where(col(DecisionDraft.decision_id) == decision_id)
        .order_by(col(Advice.id))
    ).scalars()
    for row in rows:
        out.counts[row.stance] = out.counts.get(row.stance, 0) + 1
        if row.consent and row.member_id is not None:
            out.consented.append(row)
    return out
