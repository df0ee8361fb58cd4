"""Writes of the workshops domain: schedule, edit, cancel; register, cancel a registration
(promoting the first on the waitlist) or release it when a committee membership ends;
attendance, notes and outcomes.

Capacity is exact under any concurrency: every registration change first locks the session's
row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the write transaction already holds the
database's single write lock), then counts confirmed places and writes, in one transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import func, select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.permissions import take_part
from portal.core.clock import aware, utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.forms import linked_ids, number
from portal.core.i18n import _
from portal.ideas import queries as ideas_q
from portal.moderation import audit
from portal.notifications import services as notifications
from portal.workshops import permissions, queries
from portal.workshops.models import AUDIENCES, KINDS, Registration, Workshop, WorkshopIdea

LIMITS = {"title": 160, "description": 10000, "place": 200, "online_link": 500}
MAX_CAPACITY = 10_000
YEARS = (2000, 2999)  # the years a session may start and end in


def _locked(db: Session, workshop_id: int) -> Workshop:
    workshop = db.execute(
        select(Workshop).where(col(Workshop.id) == workshop_id).with_for_update()
    ).scalar_one_or_none()
    if workshop is None:
        raise NotFound()
    return workshop


def _confirmed(db: Session, workshop_id: int) -> int:
    return db.execute(
        select(func.count())
        .select_from(Registration)
        .where(
            col(Registration.workshop_id) == workshop_id, col(Registration.status) == "confirmed"
        )
    ).scalar_one()


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    """Every time zone name this machine knows (read once: finding them scans the zone files)."""
    return frozenset(available_timezones())


@lru_cache(maxsize=1)
def offered_zones() -> tuple[str, ...]:
    """The time zones a session form offers: UTC, then every place-named zone."""
    return ("UTC", *sorted(z for z in time_zones() if "/" in z and not z.startswith("Etc")))


def _local_datetime(raw: str, zone: ZoneInfo | None, name: str, errors: dict) -> datetime | None:
    raw = (raw or "").strip()
    if not raw:
        errors[name] = _("Enter a date and time.")
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Enter a date and time like 2026-03-31 18:00.")
        return None
    # Years 1 and 9999 are the calendar's edges: moving such a moment into UTC, or into the
    # library's zone to show it, would go past them. Sessions fall well inside these years.
    if not YEARS[0] <= value.year <= YEARS[1]:
        errors[name] = _(
            "Enter a date from the year %(first)s to %(last)s.", first=YEARS[0], last=YEARS[1]
        )
        return None
    if zone is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(ZoneInfo("UTC"))


def _agenda(db: Session, raw: str, errors: dict) -> list[int]:
    return linked_ids(
        raw,
        lambda ids: ideas_q.titles(db, ids),
        field="agenda",
        errors=errors,
        bad_format=_("Enter idea numbers separated by commas, like 12, 31."),
        missing=lambda ids: _("There is no idea number %(ids)s.", ids=ids),
    )


def _clean(db: Session, form: dict[str, str], default_zone: str, confirmed: int = 0) -> dict:
    values = {k: (form.get(k) or "").replace("\r\n", "\n").strip() for k in LIMITS}
    values["title"] = " ".join(values["title"].split())
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = _("Enter a title for the session.")
    for key, limit in LIMITS.items():
        if len(values[key]) > limit and key not in errors:
            errors[key] = _("Use at most %(n)s characters here.", n=limit)
        if "\x00" in values[key]:
            errors.setdefault(key, _("Remove the invisible control characters from your text."))
    link = values["online_link"]
    if link and not re.match(r"^https?://[^\s<>\"]+$", link):
        errors["online_link"] = _("Enter a web address starting with https://")
    if not values["place"] and not link:
        errors["place"] = _("Enter a place, an online link, or both.")
    kind = form.get("kind", "")
    if kind not in KINDS:
        errors["kind"] = _("Choose the kind of session.")
    audience = form.get("audience", "")
    if audience not in AUDIENCES:
        errors["audience"] = _("Choose who can take part.")
    zone_name = (form.get("timezone") or default_zone).strip()
    # Only a name the machine knows reaches ZoneInfo: some others ("Europe", a path hundreds of
    # parts deep) raise errors of their own, up to RecursionError.
    zone = ZoneInfo(zone_name) if zone_name in time_zones() else None
    if zone is None:
        errors["timezone"] = _("Choose a time zone from the list.")
    starts = _local_datetime(form.get("starts_at", ""), zone, "starts_at", errors)
    ends = _local_datetime(form.get("ends_at", ""), zone, "ends_at", errors)
    if starts and ends and ends <= starts:
        errors["ends_at"] = _("The session must end after it starts.")
    capacity = number(form.get("capacity"), high=MAX_CAPACITY) or 0
    if not capacity:
        errors["capacity"] = _("Enter a number of places from 1 to %(n)s.", n=MAX_CAPACITY)
    elif capacity < confirmed:
        errors["capacity"] = _(
            "%(n)s people already have a confirmed place: the capacity cannot be lower.",
            n=confirmed,
        )
    agenda = _agenda(db, form.get("agenda", ""), errors)
    if errors:
        raise ValidationError(errors)
    return {
        **values,
        "kind": kind,
        "audience": audience,
        "timezone": zone_name,
        "starts_at": starts,
        "ends_at": ends,
        "capacity": capacity,
        "agenda": agenda,
    }


def _set_agenda(db: Session, workshop_id: int, idea_ids: list[int]) -> None:
    for row in db.execute(
        select(WorkshopIdea).where(col(WorkshopIdea.workshop_id) == workshop_id)
    ).scalars():
        db.delete(row)
    db.flush()
    for position, idea_id in enumerate(idea_ids):
        db.add(WorkshopIdea(workshop_id=workshop_id, idea_id=idea_id, position=position))


def schedule(*, db: Session, actor: User, form: dict[str, str], default_zone: str) -> Workshop:
    """Staff create a session; times are entered in its time zone and stored in UTC."""
    if not permissions.can_manage(actor):
        raise Forbidden()
    values = _clean(db, form, default_zone)
    if values["starts_at"] <= utcnow():
        raise ValidationError({"starts_at": _("Choose a start in the future.")})
    agenda = values.pop("agenda")
    workshop = Workshop(**values, created_by=actor.id)
    db.add(workshop)
    db.flush()
    _set_agenda(db, workshop.id, agenda)
    audit.record(
        db,
        actor,
        "schedule_session",
        "session",
        workshop.id,
        None,
        {"title": workshop.title, "starts_at": workshop.starts_at},
    )
    return workshop


def edit(
    *, db: Session, actor: User, workshop_id: int, form: dict[str, str], default_zone: str
) -> Workshop:
    """Change a session; capacity may not drop below the confirmed places. Extra capacity
    goes to the waitlist, in order."""
    if not permissions.can_manage(actor):
        raise Forbidden()
    workshop = _locked(db, workshop_id)
    values = _clean(db, form, default_zone, confirmed=_confirmed(db, workshop_id))
    agenda = values.pop("agenda")
    for key, value in values.items():
        setattr(workshop, key, value)
    db.add(workshop)
    _set_agenda(db, workshop_id, agenda)
    db.flush()
    _promote(db, workshop)
    audit.record(db, actor, "edit_session", "session", workshop_id, None, values)
    return workshop


def cancel_workshop(*, db: Session, actor: User, workshop_id: int) -> Workshop:
    """Cancel a session (it stays listed as cancelled). Everyone with a place or on the
    waitlist is told, in-app and by email, once."""
    if not permissions.can_manage(actor):
        raise Forbidden()
    workshop = _locked(db, workshop_id)
    if workshop.cancelled_at is None:
        workshop.cancelled_at = utcnow()
        if aware(workshop.starts_at) > workshop.cancelled_at:  # not news after the fact
            registered = db.execute(
                select(col(Registration.user_id)).where(
                    col(Registration.workshop_id) == workshop_id,
                    col(Registration.status).in_(("confirmed", "waitlisted")),
                )
            ).scalars()
            for user_id in registered:
                notifications.emit(
                    db,
                    "cancelled",
                    workshop_id=workshop_id,
                    user_id=user_id,
                    detail=workshop.title,
                )
    db.add(workshop)
    audit.record(db, actor, "cancel_session", "session", workshop_id)
    return workshop


def register(*, db: Session, actor: User, workshop_id: int, access_needs: str = "") -> Registration:
    """Take a place, or a place on the waitlist when the session is full."""
    take_part(actor)
    workshop = _locked(db, workshop_id)
    if not permissions.can_see(actor, workshop):
        raise NotFound()
    access_needs = (access_needs or "").strip()
    if workshop.cancelled_at is not None:
        raise ValidationError({"register": _("This session was cancelled.")})
    if aware(workshop.starts_at) <= utcnow():
        raise ValidationError({"register": _("This session has already started.")})
    if len(access_needs) > 2000:
        raise ValidationError({"access_needs": _("Use at most %(n)s characters here.", n=2000)})
    if "\x00" in access_needs:
        raise ValidationError(
            {"access_needs": _("Remove the invisible control characters from your text.")}
        )
    row = db.execute(
        select(Registration).where(
            col(Registration.workshop_id) == workshop_id, col(Registration.user_id) == actor.id
        )
    ).scalar_one_or_none()
    if row is not None and row.status != "cancelled":
        raise ValidationError({"register": _("You are already registered for this session.")})
    status = "confirmed" if _confirmed(db, workshop_id) < workshop.capacity else "waitlisted"
    if row is None:
        row = Registration(
            workshop_id=workshop_id, user_id=actor.id, status=status, access_needs=access_needs
        )
    else:
        row.status, row.access_needs, row.queued_at = status, access_needs, utcnow()
        row.attended = None
    db.add(row)
    db.flush()
    return row


def _live(db: Session, workshop_id: int, user_id: int) -> Registration | None:
    return db.execute(
        select(Registration).where(
            col(Registration.workshop_id) == workshop_id,
            col(Registration.user_id) == user_id,
            col(Registration.status).in_(permissions.LIVE),
        )
    ).scalar_one_or_none()


def _give_up(db: Session, workshop: Workshop, row: Registration) -> None:
    row.status = "cancelled"
    db.add(row)
    db.flush()
    _promote(db, workshop)


def cancel_registration(*, db: Session, actor: User, workshop_id: int) -> Registration:
    """Give up a place; the first person on the waitlist gets it and is told."""
    workshop = _locked(db, workshop_id)
    row = _live(db, workshop_id, actor.id)
    if row is None:
        raise ValidationError({"register": _("You are not registered for this session.")})
    _give_up(db, workshop, row)
    return row


def release_place(*, db: Session, workshop_id: int, user_id: int) -> bool:
    """A person's committee membership ended: their place or waitlist entry in a committee-only
    session that has not started is given up as if they had cancelled (the waitlist moves up),
    and they are told. False when there was nothing to release."""
    workshop = _locked(db, workshop_id)
    if (
        workshop.audience != "committee"
        or workshop.cancelled_at is not None
        or aware(workshop.starts_at) <= utcnow()  # under way: the place stays theirs
    ):
        return False
    row = _live(db, workshop_id, user_id)
    if row is None:
        return False
    _give_up(db, workshop, row)
    notifications.emit(
        db, "released", workshop_id=workshop_id, user_id=user_id, detail=workshop.title
    )
    return True


def _promote(db: Session, workshop: Workshop) -> None:
    """Give free places to the waitlist in order, until the session starts: a place offered
    once it is under way would be news too late to use. In a committee-only session, people
    whose membership has ended are passed over (the worker releases their entries)."""
    free = workshop.capacity - _confirmed(db, workshop.id)
    if free <= 0 or workshop.cancelled_at is not None or aware(workshop.starts_at) <= utcnow():
        return
    stmt = select(Registration).where(
        col(Registration.workshop_id) == workshop.id, col(Registration.status) == "waitlisted"
    )
    if workshop.audience == "committee":
        stmt = stmt.join(User, col(User.id) == col(Registration.user_id)).where(
            permissions.is_member(utcnow().date())
        )
    waiting = (
        db.execute(stmt.order_by(col(Registration.queued_at), col(Registration.id)).limit(free))
        .scalars()
        .all()
    )
    for row in waiting:
        row.status = "confirmed"
        db.add(row)
        notifications.emit(
            db, "waitlist", workshop_id=workshop.id, user_id=row.user_id, detail=workshop.title
        )
    db.flush()


def record_attendance(
    *, db: Session, actor: User, workshop_id: int, attended_user_ids: Iterable[str | int]
) -> int:
    """Staff mark who came (confirmed registrants only), from the people ticked on the form.
    Returns how many attended."""
    if not permissions.can_manage(actor):
        raise Forbidden()
    _locked(db, workshop_id)
    ticked = [number(raw) for raw in attended_user_ids]
    if None in ticked:  # only a changed form sends anything but people's numbers
        raise ValidationError({"attended": _("Tick the people who attended, from the list.")})
    came = {user_id for user_id in ticked if user_id is not None}
    rows = db.execute(
        select(Registration).where(
            col(Registration.workshop_id) == workshop_id, col(Registration.status) == "confirmed"
        )
    ).scalars()
    count = 0
    for row in rows:
        row.attended = row.user_id in came
        count += int(row.attended)
        db.add(row)
    audit.record(
        db, actor, "record_attendance", "session", workshop_id, None, {"attended": sorted(came)}
    )
    return count


def publish_notes(
    *, db: Session, actor: User, workshop_id: int, notes: str, outcomes: str
) -> Workshop:
    """Staff publish what happened and what came out of it."""
    if not permissions.can_manage(actor):
        raise Forbidden()
    workshop = _locked(db, workshop_id)
    notes, outcomes = (notes or "").strip(), (outcomes or "").strip()
    errors = {}
    if not notes and not outcomes:
        errors["notes"] = _("Write the notes or the outcomes.")
    if len(notes) > 20000:
        errors["notes"] = _("Use at most %(n)s characters here.", n=20000)
    for key, value in (("notes", notes), ("outcomes", outcomes)):
        if "\x00" in value:
            errors.setdefault(key, _("Remove the invisible control characters from your text."))
    if len(outcomes) > 10000:
        errors["outcomes"] = _("Use at most %(n)s characters here.", n=10000)
    if errors:
        raise ValidationError(errors)
    workshop.notes, workshop.outcomes = notes, outcomes
    now, starts = utcnow(), aware(workshop.starts_at)
    # Notes written before the session are not its outputs: the first publication after it
    # began is the news, and its date is the one kept.
    if workshop.notes_published_at is None or aware(workshop.notes_published_at) < starts <= now:
        if starts <= now:
            _tell_participants(db, workshop)
        workshop.notes_published_at = now
    db.add(workshop)
    audit.record(db, actor, "publish_notes", "session", workshop_id)
    return workshop


def _tell_participants(db: Session, workshop: Workshop) -> None:
    """Everyone who had a place is told, once, that what the session produced is up: the
    first publication is the news, later corrections are not."""
    for user_id in queries.participant_ids(db, workshop.id):
        notifications.emit(
            db, "outputs", workshop_id=workshop.id, user_id=user_id, detail=workshop.title
        )
