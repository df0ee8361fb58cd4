"""Reads of the workshops domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, case, func, select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.queries import user_by_id
from portal.core.clock import utcnow
from portal.web.urls import path_for
from portal.workshops import permissions
from portal.workshops.models import CalendarKey, Registration, Workshop, WorkshopIdea

PER_PAGE = 20


@dataclass
class Places:
    confirmed: int = 0
    waitlisted: int = 0


def listing(
    db: Session, audiences: tuple[str, ...], past: bool = False, page: int = 1
) -> tuple[list[Workshop], bool]:
    """Upcoming sessions soonest first, or past ones latest first, that these audiences see."""
    now = utcnow()
    stmt = select(Workshop).where(col(Workshop.audience).in_(audiences))
    if past:
        stmt = stmt.where(col(Workshop.ends_at) < now).order_by(col(Workshop.starts_at).desc())
    else:
        stmt = stmt.where(col(Workshop.ends_at) >= now).order_by(col(Workshop.starts_at))
    rows = list(
        db.execute(
            stmt.order_by(col(Workshop.id)).offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)
        ).scalars()
    )
    return rows[:PER_PAGE], len(rows) > PER_PAGE


def upcoming(db: Session, audiences: tuple[str, ...], limit: int = 200) -> list[Workshop]:
    """Upcoming sessions that are not cancelled (for calendars and the committee page)."""
    return list(
        db.execute(
            select(Workshop)
            .where(
                col(Workshop.audience).in_(audiences),
                col(Workshop.ends_at) >= utcnow(),
                col(Workshop.cancelled_at).is_(None),
            )
            .order_by(col(Workshop.starts_at))
            .limit(limit)
        ).scalars()
    )


def get(db: Session, workshop_id: int) -> Workshop | None:
    """One session by id (callers check who may see it)."""
    return db.get(Workshop, workshop_id)


def places(db: Session, workshop_ids: list[int]) -> dict[int, Places]:
    """Confirmed and waitlisted counts per session, in one query."""
    out = {w: Places() for w in workshop_ids}
    if workshop_ids:
        rows = db.execute(
            select(
                col(Registration.workshop_id),
                func.sum(case((col(Registration.status) == "confirmed", 1), else_=0)),
                func.sum(case((col(Registration.status) == "waitlisted", 1), else_=0)),
            )
            .where(col(Registration.workshop_id).in_(workshop_ids))
            .group_by(col(Registration.workshop_id))
        ).all()
        for w, confirmed, waitlisted in rows:
            out[w] = Places(int(confirmed or 0), int(waitlisted or 0))
    return out


def agenda_ids(db: Session, workshop_id: int) -> list[int]:
    """The ideas on a session's agenda, in order."""
    return list(
        db.execute(
            select(col(WorkshopIdea.idea_id))
            .where(col(WorkshopIdea.workshop_id) == workshop_id)
            .order_by(col(WorkshopIdea.position))
        ).scalars()
    )


def registration(db: Session, workshop_id: int, user_id: int | None) -> Registration | None:
    """A person's registration for a session (any status)."""
    if not user_id:
        return None
    return db.execute(
        select(Registration).where(
            col(Registration.workshop_id) == workshop_id, col(Registration.user_id) == user_id
        )
    ).scalar_one_or_none()


def holds_place(db: Session, workshop_id: int, user_id: int | None) -> bool:
    """Whether the person has a place or a waitlist entry in the session."""
    reg = registration(db, workshop_id, user_id)
    return reg is not None and reg.status in permissions.LIVE


def waitlist_position(db: Session, reg: Registration) -> int:
    """1 for the first person on the waitlist."""
    return db.execute(
        select(func.count())
        .select_from(Registration)
        .where(
            col(Registration.workshop_id) == reg.workshop_id,
            col(Registration.status) == "waitlisted",
            (col(Registration.queued_at) < reg.queued_at)
            | ((col(Registration.queued_at) == reg.queued_at) & (col(Registration.id) <= reg.id)),
        )
    ).scalar_one()


def registrants(db: Session, workshop_id: int) -> list[Registration]:
    """Everyone registered or waiting, in order (for staff)."""
    return list(
        db.execute(
            select(Registration)
            .where(
                col(Registration.workshop_id) == workshop_id,
                col(Registration.status) != "cancelled",
            )
            .order_by(
                case((col(Registration.status) == "confirmed", 0), else_=1),
                col(Registration.queued_at),
                col(Registration.id),
            )
        ).scalars()
    )


def for_idea(db: Session, idea_id: int, audiences: tuple[str, ...]) -> list[Workshop]:
    """Sessions that had the idea on their agenda (for its timeline)."""
    return list(
        db.execute(
            select(Workshop)
            .join(WorkshopIdea, col(WorkshopIdea.workshop_id) == col(Workshop.id))
            .where(col(WorkshopIdea.idea_id) == idea_id, col(Workshop.audience).in_(audiences))
            .order_by(col(Workshop.starts_at))
        ).scalars()
    )


def titles(db: Session, ids: set[int], audiences: tuple[str, ...] | None = None) -> dict[int, str]:
    """Session titles by id, in one query; only those these audiences see, when given."""
    if not ids:
        return {}
    stmt = select(col(Workshop.id), col(Workshop.title)).where(col(Workshop.id).in_(ids))
    if audiences is not None:
        stmt = stmt.where(col(Workshop.audience).in_(audiences))
    return {i: t for i, t in db.execute(stmt).all()}


def participant_ids(db: Session, workshop_id: int) -> list[int]:
    """The people who had a place in a session (a confirmed registration), whether or not
    their attendance was recorded."""
    return list(
        db.execute(
            select(col(Registration.user_id)).where(
                col(Registration.workshop_id) == workshop_id,
                col(Registration.status) == "confirmed",
            )
        ).scalars()
    )


def attendees_select(workshop_ids: Select | list[int]) -> Select:
    """A SELECT of the user ids who attended any of these sessions (for fan-out in SQL)."""
    return select(col(Registration.user_id)).where(
        col(Registration.workshop_id).in_(workshop_ids), col(Registration.attended).is_(True)
    )


def due_reminders(db: Session, limit: int = 500) -> list[Registration]:
    """Confirmed places in sessions starting within a day that have not been reminded."""
    now = utcnow()
    return list(
        db.execute(
            select(Registration)
            .join(Workshop, col(Workshop.id) == col(Registration.workshop_id))
            .where(
                col(Registration.status) == "confirmed",
                col(Registration.reminded_at).is_(None),
                col(Workshop.cancelled_at).is_(None),
                col(Workshop.starts_at) > now,
                col(Workshop.starts_at) <= now + timedelta(days=1),
            )
            .order_by(col(Registration.id))
            .limit(limit)
        ).scalars()
    )


def email_context(db: Session, workshop_id: int, base_url: str, user_id: int | None) -> dict:
    """What an email to `user_id` about a session says. The online link is decided when the
    email is written, not when its event was: only for a confirmed place that the person may
    still see (a membership can end in between)."""
    w = db.get(Workshop, workshop_id)
    if w is None:
        return {}
    person = user_by_id(db, user_id) if user_id else None
    reg = registration(db, workshop_id, user_id)
    return {
        "session_title": w.title,
        "starts_at": w.starts_at,
        "ends_at": w.ends_at,
        "timezone": w.timezone,
        "place": w.place,
        "online_link": w.online_link if permissions.shows_link(person, w, reg) else "",
        "url": base_url + path_for("workshops:detail", id=w.id),
        "sessions_url": base_url + path_for("workshops:index"),
    }


def agendas(db: Session, workshop_ids: list[int]) -> dict[int, list[int]]:
    """Agenda idea ids per session, in one query."""
    out: dict[int, list[int]] = {w: [] for w in workshop_ids}
    if workshop_ids:
        for w, i in db.execute(
            select(col(WorkshopIdea.workshop_id), col(WorkshopIdea.idea_id))
            .where(col(WorkshopIdea.workshop_id).in_(workshop_ids))
            .order_by(col(WorkshopIdea.position))
        ).all():
            out[w].append(i)
    return out


def calendar_key(db: Session, user_id: int) -> str | None:
    """The key of a person's private calendar address, if they made one."""
    row = db.get(CalendarKey, user_id)
    return row.key if row else None


def committee_places(db: Session, user_id: int) -> list[int]:
    """The committee-only sessions, not started nor cancelled, where the person has a place or
    a waitlist entry."""
    return list(
        db.execute(
            select(col(Workshop.id))
            .join(Registration, col(Registration.workshop_id) == col(Workshop.id))
            .where(
                col(Registration.user_id) == user_id,
                col(Registration.status).in_(permissions.LIVE),
                *_upcoming_committee(),
            )
            .order_by(col(Workshop.starts_at), col(Workshop.id))
        ).scalars()
    )


def lapsed_holders(db: Session, limit: int = 100) -> list[int]:
    """People whose committee term has ended and who still hold a place or a waitlist entry in
    an upcoming committee-only session, or a calendar key. Both sides are small: upcoming
    committee sessions (read through the start index) and the calendar keys."""
    lapsed = permissions.has_lapsed(utcnow().date())
    holding = (
        select(col(Registration.user_id))
        .join(Workshop, col(Workshop.id) == col(Registration.workshop_id))
        .join(User, col(User.id) == col(Registration.user_id))
        .where(col(Registration.status).in_(permissions.LIVE), *_upcoming_committee(), lapsed)
    )
    keyed = (
        select(col(CalendarKey.user_id))
        .join(User, col(User.id) == col(CalendarKey.user_id))
        .where(lapsed)
    )
    found = db.execute(holding.union(keyed).limit(limit)).scalars()
    return sorted(found)


def _upcoming_committee() -> tuple:
    return (
        col(Workshop.audience) == "committee",
        col(Workshop.cancelled_at).is_(None),
        col(Workshop.starts_at) > utcnow(),
    )


def registrants_select(workshop_ids: Select | list[int]) -> Select:
    """A SELECT of the user ids who hold a confirmed place in any of these sessions (those who
    attended among them): the people who took part, for a survey's audience."""
    return select(col(Registration.user_id)).where(
        col(Registration.workshop_id).in_(workshop_ids), col(Registration.status) == "confirmed"
    )
