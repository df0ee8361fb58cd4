"""Builders for the design-session tests: sessions and registrations made through the real
services, times moved directly in the table, and reads of what was (or was not) stored."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from portal.core import db
from portal.core.clock import utcnow
from portal.workshops import services
from portal.workshops.models import Registration, Workshop, WorkshopIdea

LINK = "https://meet.example.org/evening-hours"
PLACE = "Main library, room 2.14"


def local(moment: datetime, zone: str = "UTC") -> str:
    """A moment as a datetime-local field shows it: '2027-03-01T18:00' in `zone`."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def form(days: float = 5, hours: float = 2, **fields: Any) -> dict[str, str]:
    """A complete, valid scheduling form for a session `days` from now; `fields` override."""
    start = (utcnow() + timedelta(days=days)).replace(second=0, microsecond=0)
    values = {
        "title": "Evening opening: what would help?",
        "kind": "workshop",
        "description": "We look at the **evening** ideas together.",
        "starts_at": local(start),
        "ends_at": local(start + timedelta(hours=hours)),
        "timezone": "UTC",
        "place": PLACE,
        "online_link": LINK,
        "capacity": "12",
        "audience": "public",
        "agenda": "",
    }
    values.update({k: str(v) for k, v in fields.items()})
    return values


def schedule(engine: Any, staff: Any, days: float = 5, **fields: Any) -> Workshop:
    """Schedule a session through the service, as staff would."""
    with db.write(engine) as s:
        return services.schedule(db=s, actor=staff, form=form(days, **fields), default_zone="UTC")


def register(engine: Any, user: Any, workshop_id: int, access_needs: str = "") -> Registration:
    with db.write(engine) as s:
        return services.register(
            db=s, actor=user, workshop_id=workshop_id, access_needs=access_needs
        )


def unregister(engine: Any, user: Any, workshop_id: int) -> Registration:
    with db.write(engine) as s:
        return services.cancel_registration(db=s, actor=user, workshop_id=workshop_id)


def move(engine: Any, workshop_id: int, starts_in: timedelta, length: timedelta) -> None:
    """Put a session at another time (e.g. in the past), without the checks staff meet."""
    start = utcnow() + starts_in
    with db.write(engine) as s:
        s.execute(
            update(Workshop)
            .where(Workshop.id == workshop_id)
            .values(starts_at=start, ends_at=start + length)
        )


def to_the_past(engine: Any, workshop_id: int) -> None:
    move(engine, workshop_id, -timedelta(days=2), timedelta(hours=2))


def statuses(engine: Any, workshop_id: int) -> dict[int, str]:
    """Each registered person's status: user id -> confirmed | waitlisted | cancelled."""
    with db.read(engine) as s:
        rows = s.execute(
            select(Registration.user_id, Registration.status).where(
                Registration.workshop_id == workshop_id
            )
        ).all()
    return dict(rows)


def waitlist(engine: Any, workshop_id: int) -> list[int]:
    """The user ids on the waitlist, first in line first."""
    with db.read(engine) as s:
        return list(
            s.execute(
                select(Registration.user_id)
                .where(Registration.workshop_id == workshop_id, Registration.status == "waitlisted")
                .order_by(Registration.queued_at, Registration.id)
            ).scalars()
        )


def agenda(engine: Any, workshop_id: int) -> list[int]:
    with db.read(engine) as s:
        return list(
            s.execute(
                select(WorkshopIdea.idea_id)
                .where(WorkshopIdea.workshop_id == workshop_id)
                .order_by(WorkshopIdea.position)
            ).scalars()
        )


def stored(engine: Any, model: Any, row_id: int) -> Any:
    with db.read(engine) as s:
        return s.get(model, row_id)


def field_error(page: str, name: str) -> str:
    """The message shown beside a field, or '' when there is none."""
    found = re.search(rf'id="{name}-error">(.*?)</p>', page, re.S)
    if not found:
        return ""
    text = html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))
    return " ".join(text.replace("Error:", "", 1).split())


def input_value(page: str, name: str) -> str:
    """The value an <input> of the page holds."""
    found = re.search(rf'<input id="{name}" name="{name}"[^>]*? value="([^"]*)"', page)
    assert found, f"no input {name}"
    return html.unescape(found.group(1))


def drain(worker: Any) -> int:
    """Run the notification worker until a round finds nothing to do; how much it did."""
    done = 0
    for _ in range(20):
        work = worker.step()
        if not work:
            return done
        done += work
    raise AssertionError("the worker never ran out of work")


def listed_ids(page: str) -> list[int]:
    """The sessions a list page shows, in order."""
    return [int(i) for i in re.findall(r'id="session-(\d+)-title"', page)]
