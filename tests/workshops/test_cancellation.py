"""Cancelling a session tells everyone who had a place or was waiting, in-app and by email
(a real SMTP server), once; nobody is told about a session that is already over."""

from __future__ import annotations

from sqlalchemy import select

from portal.core import db
from portal.notifications.models import Event
from portal.workshops import services
from tests.conftest import login_as, make_user
from tests.workshops import factories as w


def cancel(engine, staff, workshop_id: int) -> None:  # noqa: ANN001
    with db.write(engine) as s:
        services.cancel_workshop(db=s, actor=staff, workshop_id=workshop_id)


def told(engine, workshop_id: int) -> list[int]:  # noqa: ANN001
    with db.read(engine) as s:
        return sorted(
            s.execute(
                select(Event.user_id).where(
                    Event.kind == "cancelled", Event.workshop_id == workshop_id
                )
            ).scalars()
        )


def test_everyone_with_a_place_or_waiting_is_told_once(client, engine, staff, worker, smtp_server):
    session = w.schedule(engine, staff, capacity=1, title="Map room tour")
    placed, waiting, gone = (make_user(engine) for _ in range(3))
    for person in (placed, waiting, gone):
        w.register(engine, person, session.id)
    w.unregister(engine, gone, session.id)
    cancel(engine, staff, session.id)
    cancel(engine, staff, session.id)  # twice: still one notice each
    assert told(engine, session.id) == sorted([placed.id, waiting.id])

    w.drain(worker)
    for person in (placed, waiting):
        [mail] = smtp_server.by_recipient(person.email)
        assert mail["Subject"] == "Cancelled: Map room tour"
        assert "http://testserver/sessions" in mail.get_content()
        assert mail["List-Unsubscribe"]
    assert smtp_server.by_recipient(gone.email) == []

    login_as(client, waiting)
    assert "Cancelled: “Map room tour”" in client.get("/notifications").text


def test_a_session_that_is_over_tells_nobody(engine, staff):
    session = w.schedule(engine, staff, capacity=2)
    person = make_user(engine)
    w.register(engine, person, session.id)
    w.to_the_past(engine, session.id)
    cancel(engine, staff, session.id)
    assert told(engine, session.id) == []
