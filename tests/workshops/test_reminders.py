"""Session reminders: the notification worker emails each confirmed person of a session that
starts within a day, once; never the waitlisted or cancelled, never for a cancelled session, not
yet for a session days away. Mail goes to a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.core import db
from portal.notifications import services as notifications
from portal.notifications.models import Notification
from portal.workshops import services
from portal.workshops.models import Registration
from tests.conftest import make_user
from tests.factories import count
from tests.workshops import factories as w


def subjects_for(inbox, address: str) -> list[str]:  # noqa: ANN001
    return sorted(m["Subject"] for m in inbox.by_recipient(address))


def test_worker_reminds_each_confirmed_person_once_a_day_before(engine, staff, worker, smtp_server):
    tomorrow = w.schedule(engine, staff, days=0.5, capacity=2, title="Tomorrow's workshop")
    later = w.schedule(engine, staff, days=3, title="Workshop in three days")
    dropped = w.schedule(engine, staff, days=0.5, title="Dropped workshop")
    first, second, waiting, gone = (make_user(engine) for _ in range(4))
    for person in (first, second, waiting, gone):
        w.register(engine, person, tomorrow.id)
    w.unregister(engine, gone, tomorrow.id)  # was waitlisted: nobody moves up
    w.register(engine, first, later.id)
    w.register(engine, first, dropped.id)
    with db.write(engine) as s:
        services.cancel_workshop(db=s, actor=staff, workshop_id=dropped.id)

    w.drain(worker)

    # (no reminder for the cancelled session: its registrants were told it is cancelled)
    assert subjects_for(smtp_server, first.email) == [
        "Cancelled: Dropped workshop",
        "Tomorrow: Tomorrow's workshop",
    ]
    assert subjects_for(smtp_server, second.email) == ["Tomorrow: Tomorrow's workshop"]
    assert subjects_for(smtp_server, waiting.email) == []
    assert subjects_for(smtp_server, gone.email) == []
    assert len(smtp_server.messages) == 3
    reminder = [m for m in smtp_server.by_recipient(first.email) if "Tomorrow" in m["Subject"]]
    body = reminder[0].get_content()
    assert w.PLACE in body and w.LINK in body  # confirmed people get the link
    assert f"http://testserver/sessions/{tomorrow.id}" in body

    assert worker.step() == 0
    assert w.drain(worker) == 0
    assert len(smtp_server.messages) == 3
    with db.read(engine) as s:
        reminded = set(
            s.execute(
                select(Registration.user_id).where(Registration.reminded_at.is_not(None))
            ).scalars()
        )
    assert reminded == {first.id, second.id}


def test_worker_reminds_a_session_once_it_comes_within_a_day(engine, staff, worker, smtp_server):
    session = w.schedule(engine, staff, days=3)
    person = make_user(engine)
    w.register(engine, person, session.id)
    w.drain(worker)
    assert smtp_server.messages == []
    w.move(engine, session.id, timedelta(hours=20), timedelta(hours=2))
    w.drain(worker)
    assert subjects_for(smtp_server, person.email) == [
        "Tomorrow: Evening opening: what would help?"
    ]


def test_worker_reminds_a_person_promoted_from_the_waitlist(engine, staff, worker, smtp_server):
    session = w.schedule(engine, staff, days=0.5, capacity=1, title="Quiet rooms")
    leaving, waiting = make_user(engine), make_user(engine)
    w.register(engine, leaving, session.id)
    w.register(engine, waiting, session.id)
    w.drain(worker)
    assert subjects_for(smtp_server, waiting.email) == []
    w.unregister(engine, leaving, session.id)
    w.drain(worker)
    assert subjects_for(smtp_server, waiting.email) == [
        "A place is yours: Quiet rooms",
        "Tomorrow: Quiet rooms",
    ]
    assert subjects_for(smtp_server, leaving.email) == ["Tomorrow: Quiet rooms"]


def test_worker_does_not_remind_a_session_that_already_started(engine, staff, worker, smtp_server):
    session = w.schedule(engine, staff, days=2)
    w.register(engine, make_user(engine), session.id)
    w.move(engine, session.id, -timedelta(minutes=30), timedelta(hours=2))
    w.drain(worker)
    assert smtp_server.messages == []


def test_reminder_respects_the_persons_email_choice(engine, staff, worker, smtp_server):
    session = w.schedule(engine, staff, days=0.5)
    quiet = make_user(engine)
    with db.write(engine) as s:
        notifications.set_mode(s, quiet.id, "reminder", "off")
    w.register(engine, quiet, session.id)
    w.drain(worker)
    assert smtp_server.messages == []
    assert count(engine, Notification, Notification.user_id == quiet.id) == 1  # still in-app
