"""Design sessions over HTTP: staff schedule, edit and cancel (bad input re-renders the form);
the list and the page; who sees committee sessions and online links; registering, the waitlist
and its promotion (told in the app and by email); decisions and ideas that link sessions; and
the JSON API."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.decisions.models import DecisionWorkshop
from portal.notifications.models import Notification
from portal.workshops import services
from portal.workshops.models import Registration, Workshop
from tests import factories as f
from tests.conftest import login_as, make_user
from tests.decisions import form as decision_form
from tests.factories import count
from tests.workshops import factories as w

YEAR = utcnow().year + 1


def berlin_form(**fields: str) -> dict[str, str]:
    """The form as staff fill it in: a winter evening in Berlin, both a place and a link."""
    values = {
        "starts_at": f"{YEAR}-03-01T18:00",
        "ends_at": f"{YEAR}-03-01T20:00",
        "timezone": "Europe/Berlin",
        **fields,
    }
    return w.form(**values)


def notifications_of(engine, user_id: int, kind: str) -> int:  # noqa: ANN001
    return count(engine, Notification, Notification.user_id == user_id, Notification.kind == kind)


# -- staff schedule, edit, cancel -------------------------------------------------------------


def test_staff_schedule_stores_the_session_in_utc_with_its_agenda(
    client, engine, staff, patron, category
):
    first = f.idea(engine, patron, category, title="Open later")
    second = f.idea(engine, patron, category, title="Quiet rooms")
    login_as(client, staff)
    assert client.get("/staff/sessions/new").status_code == 200
    response = client.post(
        "/staff/sessions/new",
        berlin_form(capacity="8", agenda=f"{second.id}, {first.id}", audience="committee"),
    )
    assert response.status_code == 303
    row = w.stored(engine, Workshop, int(response.headers["location"].rsplit("/", 1)[1]))
    assert row.starts_at == datetime(YEAR, 3, 1, 17, 0, tzinfo=UTC)
    assert row.ends_at == datetime(YEAR, 3, 1, 19, 0, tzinfo=UTC)
    assert (row.timezone, row.capacity, row.audience) == ("Europe/Berlin", 8, "committee")
    assert (row.place, row.online_link, row.created_by) == (w.PLACE, w.LINK, staff.id)
    assert w.agenda(engine, row.id) == [second.id, first.id]
    page = client.get(response.headers["location"]).text
    assert "The session is scheduled." in page
    assert "Open later" in page and "Quiet rooms" in page


def test_staff_schedule_with_only_a_place_or_only_a_link_is_accepted(client, engine, staff):
    login_as(client, staff)
    assert client.post("/staff/sessions/new", w.form(online_link="")).status_code == 303
    assert client.post("/staff/sessions/new", w.form(place="")).status_code == 303
    with db.read(engine) as s:
        rows = s.execute(select(Workshop.place, Workshop.online_link).order_by(Workshop.id)).all()
    assert [tuple(r) for r in rows] == [(w.PLACE, ""), ("", w.LINK)]


def test_top_ideas_action_fills_the_agenda_with_the_most_voted_open_ideas(
    client, engine, staff, patron, category
):
    votes = [5, 9, 1, 7, 3, 8, 2]
    ideas = [
        f.idea(engine, patron, category, title=f"Idea with {n} votes", vote_count=n) for n in votes
    ]
    f.idea(engine, patron, category, title="Declined favourite", vote_count=50, status="declined")
    login_as(client, staff)
    typed = berlin_form(title="Top five evening", agenda="")
    response = client.post("/staff/sessions/new", {**typed, "action": "top_ideas"})
    assert response.status_code == 200
    by_votes = dict(zip(votes, ideas, strict=True))
    expected = [by_votes[n].id for n in (9, 8, 7, 5, 3)]
    assert w.input_value(response.text, "agenda") == ", ".join(map(str, expected))
    assert w.input_value(response.text, "title") == "Top five evening"
    assert "Idea with 9 votes" in response.text and "Declined favourite" not in response.text
    assert count(engine, Workshop) == 0

    typed["agenda"] = w.input_value(response.text, "agenda")
    assert client.post("/staff/sessions/new", typed).status_code == 303
    with db.read(engine) as s:
        workshop_id = s.execute(select(Workshop.id)).scalar_one()
    assert w.agenda(engine, workshop_id) == expected


BAD_INPUT = [
    (
        "ends_at",
        {"starts_at": f"{YEAR}-03-01T18:00", "ends_at": f"{YEAR}-03-01T17:00"},
        "must end after it starts",
    ),
    (
        "starts_at",
        {"starts_at": "2020-01-01T10:00", "ends_at": "2020-01-01T12:00"},
        "Choose a start in the future.",
    ),
    ("place", {"place": "", "online_link": ""}, "Enter a place, an online link, or both."),
    ("online_link", {"online_link": "javascript:alert(1)"}, "web address starting with https://"),
    ("online_link", {"online_link": "meet.example.org/x"}, "web address starting with https://"),
    ("capacity", {"capacity": "0"}, "from 1 to"),
    ("capacity", {"capacity": "x"}, "from 1 to"),
    ("timezone", {"timezone": "Mars/Olympus_Mons"}, "Choose a time zone from the list."),
    ("timezone", {"timezone": "a/" * 400 + "b"}, "Choose a time zone from the list."),
    ("agenda", {"agenda": "99999"}, "There is no idea number 99999."),
    ("starts_at", {"starts_at": "next tuesday"}, "Enter a date and time like"),
]


@pytest.mark.parametrize(("name", "fields", "message"), BAD_INPUT)
def test_staff_schedule_with_bad_input_names_the_field_keeps_the_text_and_stores_nothing(
    client, engine, staff, name, fields, message
):
    login_as(client, staff)
    typed = berlin_form(title="Evening <hours> & weekends", **fields)
    response = client.post("/staff/sessions/new", typed)
    assert response.status_code == 400
    assert message in w.field_error(response.text, name)
    assert f'href="#{name}"' in response.text  # the error summary links to the field
    assert w.input_value(response.text, "title") == "Evening <hours> & weekends"
    assert w.input_value(response.text, "place") == typed["place"]
    assert count(engine, Workshop) == 0


# Moments at the calendar's edges, in zones far ahead of and behind UTC: converting them to
# UTC, or showing them in the library's zone, goes past year 1 or year 9999.
EDGE_ZONES = ["Pacific/Kiritimati", "Etc/GMT-14", "Asia/Tokyo", "Etc/GMT+12", "America/New_York"]
EDGE_MOMENTS = [
    "9999-12-31T23:59",
    "9999-12-31T12:00",
    "9999-12-30T22:00",
    "0001-01-01T00:00",
    "0001-01-01T12:00",
    "0001-01-02T00:00",
    "9999-12-31T23:59:59.999999",
    "9999-12-31T23:59-12:00",
    "0001-01-01T00:00+14:00",
    "1899-12-31T23:59",
    "3000-01-01T00:00",
]


@pytest.mark.parametrize("zone", EDGE_ZONES)
def test_staff_schedule_or_edit_at_the_calendars_edges_names_the_field_and_stores_nothing(
    client, engine, staff, zone
):
    session = w.schedule(engine, staff, title="Before")
    before = w.stored(engine, Workshop, session.id)
    login_as(client, staff)
    for moment in EDGE_MOMENTS:
        for name in ("starts_at", "ends_at"):
            typed = w.form(title="At the edge", timezone=zone, **{name: moment})
            for url in ("/staff/sessions/new", f"/sessions/{session.id}/edit"):
                response = client.post(url, typed)
                assert response.status_code == 400, (url, name, moment)
                assert "Enter a date from the year 2000 to 2999" in w.field_error(
                    response.text, name
                ), (url, name, moment)
                assert f'href="#{name}"' in response.text
                assert w.input_value(response.text, name) == moment
                assert w.input_value(response.text, "title") == "At the edge"
    assert count(engine, Workshop) == 1
    after = w.stored(engine, Workshop, session.id)
    assert (after.title, after.starts_at, after.ends_at, after.timezone) == (
        before.title,
        before.starts_at,
        before.ends_at,
        before.timezone,
    )
    assert client.get(f"/sessions/{session.id}").status_code == 200


def test_staff_schedule_at_the_first_and_last_moments_allowed_works_everywhere(
    client, app, engine, staff
):
    """The edges of the allowed years, in the zones furthest from UTC, then shown in the
    library's zone and in calendar files, the list and the API."""
    login_as(client, staff)
    for zone, other in (("Etc/GMT+12", "Pacific/Kiritimati"), ("Pacific/Kiritimati", "Etc/GMT+12")):
        typed = w.form(timezone=zone, starts_at="2999-12-31T22:00", ends_at="2999-12-31T23:59")
        response = client.post("/staff/sessions/new", typed)
        assert response.status_code == 303, w.field_error(response.text, "starts_at")
        workshop_id = int(response.headers["location"].rsplit("/", 1)[1])
        typed = w.form(timezone=zone, starts_at="2000-01-01T00:00", ends_at="2000-01-01T01:00")
        response = client.post(f"/sessions/{workshop_id}/edit", typed)
        assert response.status_code == 303, w.field_error(response.text, "starts_at")
        app.state.settings = dataclasses.replace(app.state.settings, timezone=other)
        for url in (
            f"/sessions/{workshop_id}",
            f"/sessions/{workshop_id}.ics",
            f"/sessions/{workshop_id}/edit",
            "/sessions?when=past",
            "/sessions.ics",
            "/api/v1/sessions?when=past",
        ):
            assert client.get(url).status_code == 200, url


def test_patron_cannot_schedule_edit_or_cancel_and_nothing_changes(client, engine, staff, patron):
    session = w.schedule(engine, staff)
    login_as(client, patron)
    assert client.get("/staff/sessions/new").status_code == 403
    assert client.post("/staff/sessions/new", berlin_form()).status_code == 403
    assert client.get(f"/sessions/{session.id}/edit").status_code == 403
    assert (
        client.post(f"/sessions/{session.id}/edit", berlin_form(title="Hijacked")).status_code
        == 403
    )
    assert client.post(f"/sessions/{session.id}/cancel").status_code == 403
    assert count(engine, Workshop) == 1
    row = w.stored(engine, Workshop, session.id)
    assert (row.title, row.cancelled_at) == ("Evening opening: what would help?", None)


def test_visitor_is_sent_to_sign_in_to_schedule(client, engine):
    response = client.post("/staff/sessions/new", berlin_form())
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert count(engine, Workshop) == 0


def test_staff_edit_form_shows_the_times_in_the_sessions_zone(
    client, engine, staff, patron, category
):
    idea = f.idea(engine, patron, category)
    with db.write(engine) as s:
        session = services.schedule(
            db=s, actor=staff, form=berlin_form(agenda=str(idea.id)), default_zone="UTC"
        )
    login_as(client, staff)
    page = client.get(f"/sessions/{session.id}/edit").text
    assert w.input_value(page, "starts_at") == f"{YEAR}-03-01T18:00"
    assert w.input_value(page, "ends_at") == f"{YEAR}-03-01T20:00"
    assert '<option value="Europe/Berlin" selected>' in page
    assert w.input_value(page, "agenda") == str(idea.id)


def test_staff_edit_saves_the_changes(client, engine, staff):
    session = w.schedule(engine, staff)
    login_as(client, staff)
    response = client.post(
        f"/sessions/{session.id}/edit",
        berlin_form(title="Evening hours, second round", capacity="30", online_link=""),
    )
    assert response.status_code == 303
    row = w.stored(engine, Workshop, session.id)
    assert (row.title, row.capacity, row.online_link) == ("Evening hours, second round", 30, "")
    assert row.starts_at == datetime(YEAR, 3, 1, 17, 0, tzinfo=UTC)


def test_staff_edit_below_the_confirmed_places_is_refused_beside_the_field(
    client, engine, staff, patron, other_patron
):
    session = w.schedule(engine, staff, capacity=3)
    for person in (patron, other_patron):
        w.register(engine, person, session.id)
    login_as(client, staff)
    response = client.post(
        f"/sessions/{session.id}/edit", w.form(capacity="1", title="Smaller room")
    )
    assert response.status_code == 400
    assert "2 people already have a confirmed place" in w.field_error(response.text, "capacity")
    assert w.input_value(response.text, "title") == "Smaller room"
    row = w.stored(engine, Workshop, session.id)
    assert (row.capacity, row.title) == (3, "Evening opening: what would help?")


def test_staff_edit_raising_capacity_promotes_and_tells_the_waitlisted(
    client, engine, staff, patron, other_patron, worker, smtp_server
):
    session = w.schedule(engine, staff, capacity=1, title="Makerspace trial")
    third = make_user(engine)
    for person in (patron, other_patron, third):
        w.register(engine, person, session.id)
    login_as(client, staff)
    assert (
        client.post(
            f"/sessions/{session.id}/edit", w.form(capacity="2", title="Makerspace trial")
        ).status_code
        == 303
    )
    assert w.statuses(engine, session.id) == {
        patron.id: "confirmed",
        other_patron.id: "confirmed",
        third.id: "waitlisted",
    }
    w.drain(worker)
    assert [m["Subject"] for m in smtp_server.messages] == ["A place is yours: Makerspace trial"]
    assert other_patron.email in smtp_server.messages[0]["To"]


def test_staff_cancel_marks_the_session_cancelled(client, engine, staff, patron):
    session = w.schedule(engine, staff)
    w.register(engine, patron, session.id)
    login_as(client, staff)
    response = client.post(f"/sessions/{session.id}/cancel")
    assert response.status_code == 303
    assert w.stored(engine, Workshop, session.id).cancelled_at is not None
    login_as(client, patron)
    page = client.get(f"/sessions/{session.id}").text
    assert "This session was cancelled." in page and "Cancelled" in page
    assert f'action="/sessions/{session.id}/register"' not in page


def test_staff_publishing_notes_lands_on_them_and_not_on_the_form(client, engine, staff):
    """The published notes and the form's Notes field are both on the page (an id each,
    never the same one); the redirect's fragment names the published notes."""
    session = w.schedule(engine, staff)
    login_as(client, staff)
    response = client.post(f"/sessions/{session.id}/notes", {"notes": "Eight people came."})
    assert response.status_code == 303
    address, fragment = response.headers["location"].split("#")
    page = client.get(address).text
    assert 'id="notes" name="notes"' in page  # the field, which an error summary links to
    assert page.count(f'id="{fragment}"') == 1
    landing = re.search(rf'<section id="{fragment}"[^>]*>(.*?)</section>', page, re.S)
    assert landing and "Eight people came." in landing.group(1)


# -- list and page ----------------------------------------------------------------------------


def test_sessions_lists_upcoming_soonest_first_and_past_separately(client, engine, staff):
    later = w.schedule(engine, staff, days=9, title="Later")
    soon = w.schedule(engine, staff, days=2, title="Soon")
    old = w.schedule(engine, staff, title="Last month")
    w.to_the_past(engine, old.id)
    assert w.listed_ids(client.get("/sessions").text) == [soon.id, later.id]
    past = client.get("/sessions?when=past")
    assert w.listed_ids(past.text) == [old.id]
    assert 'href="/sessions?when=past" aria-current="page"' in past.text


def test_sessions_list_says_what_to_do_when_empty(client):
    assert "No sessions are planned right now." in client.get("/sessions").text
    assert "No past sessions yet." in client.get("/sessions?when=past").text


def test_session_page_shows_details_agenda_and_places(client, engine, staff, patron, category):
    idea = f.idea(engine, patron, category, title="Sunday opening")
    session = w.schedule(engine, staff, capacity=4, agenda=str(idea.id), title="Weekend hours")
    w.register(engine, patron, session.id)
    page = client.get(f"/sessions/{session.id}").text
    assert "<h1>Weekend hours</h1>" in page
    assert w.PLACE in page
    assert f'<a href="/ideas/{idea.id}">Sunday opening</a>' in page
    assert "1 of 4 places taken" in page
    assert "<strong>evening</strong>" in page  # the description goes through Markdown
    assert client.get("/sessions/999999").status_code == 404


@pytest.mark.parametrize("role", [None, "patron"])
def test_committee_session_does_not_exist_for_visitors_and_patrons(
    client, engine, staff, request, role
):
    public = w.schedule(engine, staff, title="Open workshop")
    private = w.schedule(engine, staff, title="Budget meeting", audience="committee")
    if role:
        login_as(client, request.getfixturevalue(role))
    assert client.get(f"/sessions/{private.id}").status_code == 404
    assert client.get(f"/sessions/{private.id}.ics").status_code == 404
    assert w.listed_ids(client.get("/sessions").text) == [public.id]
    feed = client.get("/sessions.ics").text
    assert "Open workshop" in feed and "Budget meeting" not in feed
    api = client.get("/api/v1/sessions").json()
    assert [s["id"] for s in api["data"]] == [public.id]
    response = client.post(f"/sessions/{private.id}/register")
    assert response.status_code == (404 if role else 303)
    assert count(engine, Registration) == 0


@pytest.mark.parametrize("role", ["committee", "staff", "admin"])
def test_committee_session_is_visible_to_committee_staff_and_admin(
    client, engine, staff, request, role
):
    private = w.schedule(engine, staff, title="Budget meeting", audience="committee")
    login_as(client, request.getfixturevalue(role))
    page = client.get(f"/sessions/{private.id}")
    assert page.status_code == 200 and "Budget meeting" in page.text
    assert w.listed_ids(client.get("/sessions").text) == [private.id]
    assert client.get(f"/sessions/{private.id}.ics").status_code == 200


def test_committee_member_whose_term_ended_is_treated_as_a_patron(client, engine, staff, committee):
    private = w.schedule(engine, staff, title="Budget meeting", audience="committee")
    login_as(client, committee)
    assert client.get(f"/sessions/{private.id}").status_code == 200
    with db.write(engine) as s:
        s.execute(
            update(User)
            .where(User.id == committee.id)
            .values(committee_until=utcnow().date() - timedelta(days=1))
        )
    assert client.get(f"/sessions/{private.id}").status_code == 404
    assert w.listed_ids(client.get("/sessions").text) == []
    assert client.post(f"/sessions/{private.id}/register").status_code == 404
    assert count(engine, Registration) == 0


def test_online_link_is_shown_only_to_confirmed_people_and_staff(
    client, engine, staff, patron, other_patron, committee
):
    session = w.schedule(engine, staff, capacity=1)
    w.register(engine, patron, session.id)
    w.register(engine, other_patron, session.id)  # waitlisted
    url = f"/sessions/{session.id}"
    hidden = "The link is shown to people with a confirmed place."
    page = client.get(url).text
    assert w.LINK not in page and hidden in page
    for person, sees in ((patron, True), (other_patron, False), (committee, False), (staff, True)):
        login_as(client, person)
        page = client.get(url).text
        assert (w.LINK in page) is sees, person.display_name
        assert (hidden in page) is not sees


# -- registering --------------------------------------------------------------------------------


def test_register_takes_a_place_then_the_waitlist_when_full(
    client, engine, staff, patron, other_patron
):
    session = w.schedule(engine, staff, capacity=1)
    url = f"/sessions/{session.id}"
    login_as(client, patron)
    response = client.post(f"{url}/register")
    assert (response.status_code, response.headers["location"]) == (303, url)
    page = client.get(url).text
    assert "You have a place." in page and "1 of 1 places taken" in page
    assert "Cancel my place" in page

    login_as(client, other_patron)
    assert "Join the waitlist" in client.get(url).text
    assert client.post(f"{url}/register").status_code == 303
    page = client.get(url).text
    assert "on the waitlist" in page
    assert "You are number 1 on the waitlist." in page
    assert w.statuses(engine, session.id) == {patron.id: "confirmed", other_patron.id: "waitlisted"}


def test_register_twice_shows_a_clear_message_and_stores_nothing(client, engine, staff, patron):
    session = w.schedule(engine, staff)
    login_as(client, patron)
    client.post(f"/sessions/{session.id}/register", {"access_needs": "Large print"})
    response = client.post(f"/sessions/{session.id}/register", {"access_needs": "Other"})
    assert response.status_code == 400
    assert "You are already registered for this session." in response.text
    assert count(engine, Registration) == 1
    with db.read(engine) as s:
        assert s.execute(select(Registration.access_needs)).scalar_one() == "Large print"


def test_register_for_a_cancelled_session_shows_a_message_and_stores_nothing(
    client, engine, staff, patron
):
    session = w.schedule(engine, staff)
    with db.write(engine) as s:
        services.cancel_workshop(db=s, actor=staff, workshop_id=session.id)
    login_as(client, patron)
    response = client.post(f"/sessions/{session.id}/register")
    assert response.status_code == 400
    assert "This session was cancelled." in response.text
    assert count(engine, Registration) == 0


def test_register_for_a_past_session_shows_a_message_and_stores_nothing(
    client, engine, staff, patron
):
    session = w.schedule(engine, staff)
    w.to_the_past(engine, session.id)
    login_as(client, patron)
    assert "This session has already taken place." in client.get(f"/sessions/{session.id}").text
    response = client.post(f"/sessions/{session.id}/register")
    assert response.status_code == 400
    assert "This session has already started." in response.text
    assert count(engine, Registration) == 0


def test_visitor_is_sent_to_sign_in_to_register(client, engine, staff):
    session = w.schedule(engine, staff)
    assert f"/login?next=/sessions/{session.id}" in client.get(f"/sessions/{session.id}").text
    response = client.post(f"/sessions/{session.id}/register")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert count(engine, Registration) == 0


def test_access_needs_are_shown_to_staff_only(client, engine, staff, patron, other_patron):
    session = w.schedule(engine, staff)
    needs = "Step-free access and a hearing loop"
    login_as(client, patron)
    client.post(f"/sessions/{session.id}/register", {"access_needs": needs})
    w.register(engine, other_patron, session.id)
    url = f"/sessions/{session.id}"

    login_as(client, staff)
    page = client.get(url).text
    assert needs in page and "Pat Reader" in page and "Olu Other" in page
    login_as(client, other_patron)
    assert needs not in client.get(url).text
    client.post("/logout")
    page = client.get(url).text
    assert needs not in page and "Pat Reader" not in page


def test_cancelling_a_place_gives_it_to_the_first_waitlisted_who_is_told_in_app_and_by_email(
    client, engine, staff, patron, other_patron, worker, smtp_server
):
    session = w.schedule(engine, staff, capacity=1, title="Quiet study zones")
    third = make_user(engine)
    for person in (patron, other_patron, third):
        w.register(engine, person, session.id)
    login_as(client, patron)
    response = client.post(f"/sessions/{session.id}/unregister")
    assert response.status_code == 303
    assert w.statuses(engine, session.id) == {
        patron.id: "cancelled",
        other_patron.id: "confirmed",
        third.id: "waitlisted",
    }
    assert smtp_server.messages == []  # nothing is sent inside the request
    w.drain(worker)

    assert [m["To"] for m in smtp_server.messages] == [other_patron.email]
    mail = smtp_server.messages[0]
    assert mail["Subject"] == "A place is yours: Quiet study zones"
    body = mail.get_content()
    assert "it is now yours" in body
    assert f"http://testserver/sessions/{session.id}" in body
    assert notifications_of(engine, other_patron.id, "waitlist") == 1
    assert notifications_of(engine, third.id, "waitlist") == 0
    login_as(client, other_patron)
    assert "You have a place in “Quiet study zones”" in client.get("/notifications").text
    assert "You have a place." in client.get(f"/sessions/{session.id}").text
    assert w.drain(worker) == 0 and len(smtp_server.messages) == 1


def test_register_again_after_cancelling_joins_the_end_of_the_queue(
    client, engine, staff, patron, other_patron
):
    session = w.schedule(engine, staff, capacity=1)
    third = make_user(engine)
    for person in (patron, other_patron, third):
        w.register(engine, person, session.id)
    login_as(client, other_patron)
    assert client.post(f"/sessions/{session.id}/unregister").status_code == 303
    assert client.post(f"/sessions/{session.id}/register").status_code == 303
    assert w.waitlist(engine, session.id) == [third.id, other_patron.id]
    assert "You are number 2 on the waitlist." in client.get(f"/sessions/{session.id}").text
    assert count(engine, Registration) == 3


def test_unregister_without_a_place_shows_a_message(client, engine, staff, patron):
    session = w.schedule(engine, staff)
    login_as(client, patron)
    response = client.post(f"/sessions/{session.id}/unregister")
    assert response.status_code == 400
    assert "You are not registered for this session." in response.text


# -- decisions, ideas, API ----------------------------------------------------------------------


def test_decision_linking_a_session_lists_it_and_notifies_its_attendees(
    client, engine, staff, patron, other_patron, worker, smtp_server
):
    session = w.schedule(engine, staff, capacity=5, title="Evening hours workshop")
    absent = make_user(engine)
    for person in (patron, other_patron, absent):
        w.register(engine, person, session.id)
    w.to_the_past(engine, session.id)
    login_as(client, staff)
    response = client.post(
        f"/sessions/{session.id}/attendance", {"attended": [str(patron.id), str(other_patron.id)]}
    )
    assert response.status_code == 303
    response = client.post(
        "/staff/decisions/new", decision_form((), title="Open until ten", sessions=str(session.id))
    )
    assert response.status_code == 303
    decision_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert count(engine, DecisionWorkshop, DecisionWorkshop.workshop_id == session.id) == 1
    page = client.get(f"/you-said-we-did/{decision_id}").text
    assert f'<a href="/sessions/{session.id}">Evening hours workshop</a>' in page

    w.drain(worker)
    assert notifications_of(engine, patron.id, "decision") == 1
    assert notifications_of(engine, other_patron.id, "decision") == 1
    assert notifications_of(engine, absent.id, "decision") == 0
    assert notifications_of(engine, staff.id, "decision") == 0
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        [patron.email, other_patron.email]
    )
    assert "2 people were notified" in client.get(f"/you-said-we-did/{decision_id}").text


def test_decision_page_names_a_committee_session_to_committee_members_only(
    client, engine, staff, patron, committee
):
    public = w.schedule(engine, staff, title="Open workshop")
    private = w.schedule(engine, staff, title="Budget meeting", audience="committee")
    login_as(client, staff)
    response = client.post(
        "/staff/decisions/new", decision_form((), sessions=f"{public.id}, {private.id}")
    )
    assert response.status_code == 303
    url = response.headers["location"]
    assert "Budget meeting" in client.get(url).text
    login_as(client, committee)
    assert "Budget meeting" in client.get(url).text
    for viewer in (patron, None):
        if viewer:
            login_as(client, viewer)
        else:
            client.post("/logout")
        page = client.get(url).text
        assert "Open workshop" in page
        assert "Budget meeting" not in page and f"/sessions/{private.id}" not in page


def test_decision_with_an_unknown_session_is_refused(client, engine, staff):
    login_as(client, staff)
    response = client.post("/staff/decisions/new", decision_form((), sessions="424242"))
    assert response.status_code == 400
    assert "There is no session number 424242." in w.field_error(response.text, "sessions")


def test_idea_timeline_lists_the_sessions_that_discussed_it(
    client, engine, staff, patron, committee, category
):
    idea = f.idea(engine, patron, category, title="Later opening")
    public = w.schedule(engine, staff, agenda=str(idea.id), title="Evening hours workshop")
    private = w.schedule(
        engine, staff, agenda=str(idea.id), title="Committee on hours", audience="committee"
    )

    def timeline() -> str:
        page = client.get(f"/ideas/{idea.id}").text
        return page.split('id="history"', 1)[1].split("</section>", 1)[0]

    seen = timeline()
    assert f'<a href="/sessions/{public.id}">Evening hours workshop</a>' in seen
    assert "Committee on hours" not in seen
    login_as(client, committee)
    assert f'<a href="/sessions/{private.id}">Committee on hours</a>' in timeline()


def test_api_sessions_gives_public_sessions_without_links_or_emails(
    client, engine, staff, patron, category
):
    idea = f.idea(engine, patron, category)
    public = w.schedule(engine, staff, title="Open workshop", agenda=str(idea.id))
    w.schedule(engine, staff, title="Budget meeting", audience="committee")
    old = w.schedule(engine, staff, title="Old workshop")
    w.to_the_past(engine, old.id)
    w.register(engine, patron, public.id, access_needs="Wheelchair space")
    login_as(client, staff)  # even staff get public data only
    response = client.get("/api/v1/sessions")
    assert response.status_code == 200
    [item] = response.json()["data"]
    fields = "id url title description kind starts_at ends_at timezone place online capacity"
    assert set(item) == {*fields.split(), "cancelled", "agenda"}
    assert item["id"] == public.id and item["title"] == "Open workshop"
    assert item["url"] == f"http://testserver/sessions/{public.id}"
    assert item["online"] is True and item["agenda"] == [idea.id]
    assert item["cancelled"] is False and item["capacity"] == 12
    stored = w.stored(engine, Workshop, public.id)
    assert datetime.fromisoformat(item["starts_at"]).replace(tzinfo=UTC) == stored.starts_at
    text = response.text
    assert w.LINK not in text and "@" not in text and "Wheelchair" not in text
    past = client.get("/api/v1/sessions?when=past").json()["data"]
    assert [s["id"] for s in past] == [old.id]


def test_session_form_previews_the_agenda_as_the_service_reads_it(
    client, engine, staff, patron, category
):
    first = f.idea(engine, patron, category, title="Quiet rooms at night")
    second = f.idea(engine, patron, category, title="More sockets upstairs")
    login_as(client, staff)
    # "#12" is how people write idea numbers: the service accepts it, so the preview shows it.
    typed = berlin_form(title="", agenda=f"#{second.id}; {first.id}")
    response = client.post("/staff/sessions/new", typed)

    assert response.status_code == 400  # the missing title, not the agenda
    assert w.field_error(response.text, "agenda") == ""
    preview = response.text.split('<ul class="hint">', 1)[1].split("</ul>", 1)[0]
    assert preview.index("More sockets upstairs") < preview.index("Quiet rooms at night")
    assert f"#{second.id} More sockets upstairs" in preview
