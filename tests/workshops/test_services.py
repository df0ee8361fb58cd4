"""The workshops services without HTTP: scheduling in a time zone, exact capacity, the waitlist
in order and its promotions, and every refusal writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.notifications.models import Event
from portal.workshops import services
from portal.workshops.models import Registration, Workshop
from tests.conftest import make_user
from tests.factories import count
from tests.workshops import factories as w


def waitlist_events(engine, workshop_id: int) -> list[int]:  # noqa: ANN001
    """The people told that a place became theirs, in the order they were told."""
    with db.read(engine) as s:
        return list(
            s.execute(
                select(Event.user_id)
                .where(Event.kind == "waitlist", Event.workshop_id == workshop_id)
                .order_by(Event.id)
            ).scalars()
        )


def test_schedule_stores_times_entered_in_the_sessions_zone_as_utc(engine, staff):
    year = utcnow().year + 1
    with db.write(engine) as s:
        winter = services.schedule(
            db=s,
            actor=staff,
            form=w.form(
                starts_at=f"{year}-03-01T18:00",
                ends_at=f"{year}-03-01T20:00",
                timezone="Europe/Berlin",
            ),
            default_zone="UTC",
        )
        summer = services.schedule(
            db=s,
            actor=staff,
            form=w.form(
                starts_at=f"{year}-07-01T18:00",
                ends_at=f"{year}-07-01T20:00",
                timezone="Europe/Berlin",
            ),
            default_zone="UTC",
        )
    winter_row = w.stored(engine, Workshop, winter.id)
    summer_row = w.stored(engine, Workshop, summer.id)
    assert winter_row.starts_at == datetime(year, 3, 1, 17, 0, tzinfo=UTC)
    assert winter_row.ends_at == datetime(year, 3, 1, 19, 0, tzinfo=UTC)
    assert summer_row.starts_at == datetime(year, 7, 1, 16, 0, tzinfo=UTC)
    assert winter_row.timezone == "Europe/Berlin"


def test_schedule_uses_the_default_zone_when_none_is_given(engine, staff):
    year = utcnow().year + 1
    with db.write(engine) as s:
        row = services.schedule(
            db=s,
            actor=staff,
            form=w.form(
                starts_at=f"{year}-01-10T09:30", ends_at=f"{year}-01-10T11:00", timezone=""
            ),
            default_zone="America/New_York",
        )
    assert w.stored(engine, Workshop, row.id).starts_at == datetime(year, 1, 10, 14, 30, tzinfo=UTC)


def test_schedule_by_a_patron_is_forbidden_and_stores_nothing(engine, patron, committee):
    for person in (patron, committee):
        with pytest.raises(Forbidden), db.write(engine) as s:
            services.schedule(db=s, actor=person, form=w.form(), default_zone="UTC")
    assert count(engine, Workshop) == 0


def test_register_confirms_exactly_capacity_then_waitlists_in_order(engine, staff):
    session = w.schedule(engine, staff, capacity=3)
    people = [make_user(engine) for _ in range(6)]
    results = [w.register(engine, person, session.id).status for person in people]
    assert results == ["confirmed"] * 3 + ["waitlisted"] * 3
    assert w.waitlist(engine, session.id) == [p.id for p in people[3:]]


def test_cancel_of_a_confirmed_place_promotes_the_first_on_the_waitlist(engine, staff):
    session = w.schedule(engine, staff, capacity=2)
    first, second, third, fourth = (make_user(engine) for _ in range(4))
    for person in (first, second, third, fourth):
        w.register(engine, person, session.id)
    w.unregister(engine, first, session.id)
    places = w.statuses(engine, session.id)
    assert places == {
        first.id: "cancelled",
        second.id: "confirmed",
        third.id: "confirmed",
        fourth.id: "waitlisted",
    }
    assert waitlist_events(engine, session.id) == [third.id]


def test_cancel_of_a_waitlisted_place_promotes_nobody(engine, staff):
    session = w.schedule(engine, staff, capacity=1)
    first, second, third = (make_user(engine) for _ in range(3))
    for person in (first, second, third):
        w.register(engine, person, session.id)
    w.unregister(engine, second, session.id)
    assert w.statuses(engine, session.id) == {
        first.id: "confirmed",
        second.id: "cancelled",
        third.id: "waitlisted",
    }
    assert waitlist_events(engine, session.id) == []


def test_a_place_given_up_once_the_session_has_started_goes_to_nobody(engine, staff):
    session = w.schedule(engine, staff, capacity=1)
    first, second = make_user(engine), make_user(engine)
    for person in (first, second):
        w.register(engine, person, session.id)
    w.to_the_past(engine, session.id)
    w.unregister(engine, first, session.id)
    assert w.statuses(engine, session.id) == {first.id: "cancelled", second.id: "waitlisted"}
    assert waitlist_events(engine, session.id) == []


def test_register_twice_is_refused_and_stores_nothing(engine, staff, patron):
    session = w.schedule(engine, staff, capacity=1)
    w.register(engine, patron, session.id, access_needs="Step-free access")
    with pytest.raises(ValidationError) as caught:
        w.register(engine, patron, session.id, access_needs="Changed my mind")
    assert "already registered" in caught.value.errors["register"]
    assert count(engine, Registration) == 1
    with db.read(engine) as s:
        row = s.execute(select(Registration)).scalar_one()
    assert (row.status, row.access_needs) == ("confirmed", "Step-free access")


def test_register_for_a_cancelled_session_is_refused(engine, staff, patron):
    session = w.schedule(engine, staff)
    with db.write(engine) as s:
        services.cancel_workshop(db=s, actor=staff, workshop_id=session.id)
    with pytest.raises(ValidationError) as caught:
        w.register(engine, patron, session.id)
    assert "cancelled" in caught.value.errors["register"]
    assert count(engine, Registration) == 0


def test_register_for_a_past_session_is_refused(engine, staff, patron):
    session = w.schedule(engine, staff)
    w.to_the_past(engine, session.id)
    with pytest.raises(ValidationError) as caught:
        w.register(engine, patron, session.id)
    assert "already started" in caught.value.errors["register"]
    assert count(engine, Registration) == 0


def test_register_again_after_cancelling_goes_to_the_end_of_the_queue(engine, staff):
    session = w.schedule(engine, staff, capacity=1)
    first, second, third = (make_user(engine) for _ in range(3))
    for person in (first, second, third):
        w.register(engine, person, session.id)
    w.unregister(engine, second, session.id)
    again = w.register(engine, second, session.id)
    assert again.status == "waitlisted"
    assert w.waitlist(engine, session.id) == [third.id, second.id]
    # The confirmed person who leaves and comes back finds the place taken.
    w.unregister(engine, first, session.id)
    assert w.register(engine, first, session.id).status == "waitlisted"
    assert w.statuses(engine, session.id)[third.id] == "confirmed"
    assert w.waitlist(engine, session.id) == [second.id, first.id]
    assert count(engine, Registration) == 3


def test_edit_raising_capacity_promotes_the_waitlist_in_order(engine, staff):
    session = w.schedule(engine, staff, capacity=1)
    people = [make_user(engine) for _ in range(4)]
    for person in people:
        w.register(engine, person, session.id)
    with db.write(engine) as s:
        services.edit(
            db=s,
            actor=staff,
            workshop_id=session.id,
            form=w.form(capacity=3),
            default_zone="UTC",
        )
    assert [w.statuses(engine, session.id)[p.id] for p in people] == [
        "confirmed",
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    assert waitlist_events(engine, session.id) == [people[1].id, people[2].id]


def test_edit_capacity_below_the_confirmed_places_is_refused(engine, staff):
    session = w.schedule(engine, staff, capacity=3)
    for _ in range(3):
        w.register(engine, make_user(engine), session.id)
    with pytest.raises(ValidationError) as caught, db.write(engine) as s:
        services.edit(
            db=s,
            actor=staff,
            workshop_id=session.id,
            form=w.form(capacity=2, title="Changed"),
            default_zone="UTC",
        )
    assert "3 people already have a confirmed place" in caught.value.errors["capacity"]
    row = w.stored(engine, Workshop, session.id)
    assert (row.capacity, row.title) == (3, "Evening opening: what would help?")


def test_committee_session_is_not_found_for_a_patron_to_register(engine, staff, patron, committee):
    session = w.schedule(engine, staff, audience="committee")
    with pytest.raises(NotFound):
        w.register(engine, patron, session.id)
    assert w.register(engine, committee, session.id).status == "confirmed"
    assert w.statuses(engine, session.id) == {committee.id: "confirmed"}


def test_committee_member_whose_term_ended_cannot_register_for_committee_sessions(
    engine, staff, committee
):
    session = w.schedule(engine, staff, audience="committee")
    with db.write(engine) as s:
        s.execute(
            update(User)
            .where(User.id == committee.id)
            .values(committee_until=utcnow().date() - timedelta(days=1))
        )
    lapsed = w.stored(engine, User, committee.id)
    assert not lapsed.is_committee
    with pytest.raises(NotFound):
        w.register(engine, lapsed, session.id)
    assert count(engine, Registration) == 0


def test_cancelled_session_promotes_nobody_when_a_place_frees_up(engine, staff):
    session = w.schedule(engine, staff, capacity=1)
    first, second = make_user(engine), make_user(engine)
    w.register(engine, first, session.id)
    w.register(engine, second, session.id)
    with db.write(engine) as s:
        services.cancel_workshop(db=s, actor=staff, workshop_id=session.id)
    w.unregister(engine, first, session.id)
    assert w.statuses(engine, session.id)[second.id] == "waitlisted"
    assert waitlist_events(engine, session.id) == []


def test_unregister_without_a_registration_is_refused(engine, staff, patron):
    session = w.schedule(engine, staff)
    with pytest.raises(ValidationError) as caught:
        w.unregister(engine, patron, session.id)
    assert "not registered" in caught.value.errors["register"]
    assert count(engine, Registration) == 0


def test_register_with_too_long_access_needs_is_refused(engine, staff, patron):
    session = w.schedule(engine, staff)
    with pytest.raises(ValidationError) as caught:
        w.register(engine, patron, session.id, access_needs="x" * 2001)
    assert "access_needs" in caught.value.errors
    assert count(engine, Registration) == 0


def test_attendance_is_recorded_for_confirmed_people_only(engine, staff):
    session = w.schedule(engine, staff, capacity=2)
    came, stayed_home, waiting = (make_user(engine) for _ in range(3))
    for person in (came, stayed_home, waiting):
        w.register(engine, person, session.id)
    with db.write(engine) as s:
        attended = services.record_attendance(
            db=s, actor=staff, workshop_id=session.id, attended_user_ids={came.id, waiting.id}
        )
    assert attended == 1
    with db.read(engine) as s:
        marks = dict(
            s.execute(
                select(Registration.user_id, Registration.attended).where(
                    Registration.workshop_id == session.id
                )
            ).all()
        )
    assert marks == {came.id: True, stayed_home.id: False, waiting.id: None}


def test_attendance_by_a_patron_is_forbidden(engine, staff, patron):
    session = w.schedule(engine, staff)
    w.register(engine, patron, session.id)
    with pytest.raises(Forbidden), db.write(engine) as s:
        services.record_attendance(
            db=s, actor=patron, workshop_id=session.id, attended_user_ids={patron.id}
        )
    with db.read(engine) as s:
        assert s.execute(select(Registration.attended)).scalar_one() is None
