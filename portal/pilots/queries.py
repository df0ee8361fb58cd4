"""Reads of the pilots domain: a decision's pilot, its cohort, the chain of decisions that
reviews make, and the pilots whose survey rounds the worker has still to schedule."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlmodel import Session, col

from portal.pilots.models import Pilot, PilotMember


def get(db: Session, pilot_id: int) -> Pilot | None:
    """A pilot by its number."""
    return db.get(Pilot, pilot_id)


def for_decision(db: Session, decision_id: int) -> Pilot | None:
    """The pilot of a decision, if it has one."""
    return db.execute(
        select(Pilot).where(col(Pilot.decision_id) == decision_id)
    ).scalar_one_or_none()


def for_decisions(db: Session, decision_ids: list[int]) -> list[Pilot]:
    """The pilots of these decisions (an idea's timeline)."""
    if not decision_ids:
        return []
    return list(db.execute(select(Pilot).where(col(Pilot.decision_id).in_(decision_ids))).scalars())


def previous_of(db: Session, decision_id: int) -> Pilot | None:
    """The pilot whose review published this decision."""
    return db.execute(
        select(Pilot).where(col(Pilot.next_decision_id) == decision_id)
    ).scalar_one_or_none()


def is_member(db: Session, pilot_id: int, user_id: int | None) -> bool:
    """Whether the person is in the pilot's cohort."""
    if user_id is None:
        return False
    return (
        db.execute(
            select(col(PilotMember.id)).where(
                col(PilotMember.pilot_id) == pilot_id, col(PilotMember.user_id) == user_id
            )
        ).first()
        is not None
    )


def cohort_select(pilot_ids: list[int]) -> Select:
    """A SELECT of the ids of the people in these pilots' cohorts (a survey round's audience)."""
    return select(col(PilotMember.user_id)).where(col(PilotMember.pilot_id).in_(pilot_ids))


def existing(db: Session, ids: set[int]) -> set[int]:
    """Which of these pilot numbers exist."""
    if not ids:
        return set()
    return set(db.execute(select(col(Pilot.id)).where(col(Pilot.id).in_(ids))).scalars())


def awaiting_rounds(db: Session) -> list[Pilot]:
    """Pilots not yet reviewed, with a survey, whose baseline or follow-up round is not
    scheduled yet (the worker decides whether it still can be; pilots under way are few)."""
    return list(
        db.execute(
            select(Pilot)
            .where(
                col(Pilot.reviewed_at).is_(None),
                col(Pilot.survey_id).is_not(None),
                or_(col(Pilot.baseline_round_id).is_(None), col(Pilot.followup_round_id).is_(None)),
            )
            .order_by(col(Pilot.id))
        ).scalars()
    )


def member_counts(db: Session) -> list[tuple[int, int, int]]:
    """Each pilot's (id, stored member_count, members counted), for `portal check`."""
    counted = (
        select(col(PilotMember.pilot_id), func.count().label("n"))
        .group_by(col(PilotMember.pilot_id))
        .subquery()
    )
    rows = db.execute(
        select(col(Pilot.id), col(Pilot.member_count), func.coalesce(counted.c.n, 0))
        .outerjoin(counted, counted.c.pilot_id == col(Pilot.id))
        .order_by(col(Pilot.id))
    ).all()
    return [(int(a), int(b), int(c)) for a, b, c in rows]
