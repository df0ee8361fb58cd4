"""Calendars, read back with the icalendar library as a calendar app would: one session's .ics
and the feed of upcoming sessions, in the session's own time zone; online links only for those
who may see them; committee sessions only through a member's private, signed feed address."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from itsdangerous import URLSafeSerializer
from sqlalchemy import update

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.workshops import services
from portal.workshops.models import Workshop
from tests.conftest import SECRET, login_as
from tests.workshops import factories as w

YEAR = utcnow().year + 1


def parse(response) -> Calendar:  # noqa: ANN001
    assert response.status_code == 200, response.status_code
    assert response.headers["content-type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def summaries(cal: Calendar) -> list[str]:
    return [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]


def shown_feed_url(client) -> str | None:  # noqa: ANN001
    """The private feed address the /committee page shows the signed-in member, if any."""
    found = re.search(r'<p class="feed-url"><code>([^<]+)</code>', client.get("/committee").text)
    return html.unescape(found.group(1)).removeprefix("http://testserver") if found else None


def feed_url(client) -> str:  # noqa: ANN001
    """The signed-in member's private feed address, made with the page's button if needed."""
    if shown_feed_url(client) is None:
        assert client.post("/committee/calendar-link").status_code == 303
    found = shown_feed_url(client)
    assert found, "no private feed address on /committee"
    return found


def berlin_session(engine, staff, **fields):  # noqa: ANN001, ANN201
    form = w.form(
        **{
            "starts_at": f"{YEAR}-01-20T18:30",
            "ends_at": f"{YEAR}-01-20T20:00",
            "timezone": "Europe/Berlin",
            **fields,
        }
    )
    with db.write(engine) as s:
        return services.schedule(db=s, actor=staff, form=form, default_zone="UTC")


def test_session_ics_has_summary_url_and_start_in_its_own_zone(client, engine, staff):
    session = berlin_session(engine, staff, title="Evening hours workshop")
    cal = parse(client.get(f"/sessions/{session.id}.ics"))
    [event] = cal.walk("VEVENT")
    stored = w.stored(engine, Workshop, session.id)
    assert str(event["SUMMARY"]) == "Evening hours workshop"
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    start = event["DTSTART"].dt
    assert start.utcoffset() == timedelta(hours=1)  # CET in winter
    assert (start.hour, start.minute) == (18, 30)
    assert start == stored.starts_at == datetime(YEAR, 1, 20, 17, 30, tzinfo=UTC)
    assert event["DTEND"].dt == stored.ends_at
    assert [str(z["TZID"]) for z in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert str(event["URL"]) == f"http://testserver/sessions/{session.id}"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["UID"]) == f"session-{session.id}@testserver"


def test_session_ics_of_a_cancelled_session_says_so(client, engine, staff):
    session = w.schedule(engine, staff)
    with db.write(engine) as s:
        services.cancel_workshop(db=s, actor=staff, workshop_id=session.id)
    [event] = parse(client.get(f"/sessions/{session.id}.ics")).walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED"


def test_session_ics_has_the_online_link_only_for_confirmed_people_and_staff(
    client, engine, staff, patron, other_patron
):
    session = w.schedule(engine, staff, capacity=1)
    w.register(engine, patron, session.id)
    w.register(engine, other_patron, session.id)  # waitlisted
    url = f"/sessions/{session.id}.ics"

    def location() -> str:
        [event] = parse(client.get(url)).walk("VEVENT")
        return str(event["LOCATION"])

    assert location() == w.PLACE
    for person, sees in ((patron, True), (other_patron, False), (staff, True)):
        login_as(client, person)
        assert (w.LINK in location()) is sees, person.display_name
        assert client.get(url).text.count("meet.example.org") == (1 if sees else 0)


def test_session_ics_of_an_online_only_session_hides_the_link_from_visitors(client, engine, staff):
    session = w.schedule(engine, staff, place="")
    [event] = parse(client.get(f"/sessions/{session.id}.ics")).walk("VEVENT")
    assert str(event["LOCATION"]) == "Online"
    assert "meet.example.org" not in client.get(f"/sessions/{session.id}.ics").text


def test_feed_lists_upcoming_public_sessions_in_their_zones(client, engine, staff, patron):
    berlin = berlin_session(engine, staff, title="Berlin evening")
    later = w.schedule(engine, staff, days=20, title="Later workshop")
    w.schedule(engine, staff, title="Budget meeting", audience="committee")
    old = w.schedule(engine, staff, title="Old workshop")
    w.to_the_past(engine, old.id)
    dropped = w.schedule(engine, staff, title="Dropped workshop")
    with db.write(engine) as s:
        services.cancel_workshop(db=s, actor=staff, workshop_id=dropped.id)
    w.register(engine, patron, later.id)
    login_as(client, patron)  # even a confirmed person's feed keeps links out
    response = client.get("/sessions.ics")
    cal = parse(response)
    assert sorted(summaries(cal)) == ["Berlin evening", "Later workshop"]
    assert "meet.example.org" not in response.text
    event = next(e for e in cal.walk("VEVENT") if str(e["SUMMARY"]) == "Berlin evening")
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt == w.stored(engine, Workshop, berlin.id).starts_at
    assert "Europe/Berlin" in [str(z["TZID"]) for z in cal.walk("VTIMEZONE")]
    assert str(event["URL"]) == f"http://testserver/sessions/{berlin.id}"


def test_private_feed_of_a_committee_member_includes_committee_sessions(
    client, engine, staff, committee
):
    w.schedule(engine, staff, title="Open workshop")
    w.schedule(engine, staff, title="Budget meeting", audience="committee")
    login_as(client, committee)
    private = feed_url(client)
    assert private.startswith("/sessions.ics?token=")
    client.post("/logout")  # calendar apps fetch the feed without signing in
    assert sorted(summaries(parse(client.get(private)))) == ["Budget meeting", "Open workshop"]
    assert summaries(parse(client.get("/sessions.ics"))) == ["Open workshop"]


def test_private_feed_with_a_tampered_token_is_not_found(client, engine, staff, committee):
    w.schedule(engine, staff, title="Budget meeting", audience="committee")
    login_as(client, committee)
    private = feed_url(client)
    token = private.split("token=", 1)[1]
    client.post("/logout")
    # A character inside the signature (the last one may carry only padding bits).
    tampered = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    assert client.get(f"/sessions.ics?token={tampered}").status_code == 404
    assert client.get("/sessions.ics?token=" + token.replace(".", "x", 1)).status_code == 404
    assert client.get("/sessions.ics?token=garbage").status_code == 404
    # The first addresses signed the member's id alone and could never be revoked: they end.
    unrevocable = URLSafeSerializer(SECRET, salt="committee-feed-v1").dumps(committee.id)
    assert client.get(f"/sessions.ics?token={unrevocable}").status_code == 404
    # Well signed, but not a member's current key.
    for payload in ([committee.id, "guess"], [committee.id], committee.id, [str(committee.id), ""]):
        forged = URLSafeSerializer(SECRET, salt="committee-feed-v2").dumps(payload)
        assert client.get(f"/sessions.ics?token={forged}").status_code == 404


def test_a_member_gets_a_new_feed_address_and_the_old_one_stops_working(
    client, engine, staff, committee
):
    w.schedule(engine, staff, title="Budget meeting", audience="committee")
    login_as(client, committee)
    old = feed_url(client)
    assert shown_feed_url(client) == old  # the same address until the member asks for another
    response = client.post("/committee/calendar-link")
    assert (response.status_code, response.headers["location"]) == (303, "/committee#calendar")
    assert "You have a new calendar address" in client.get("/committee").text
    new = feed_url(client)
    assert new != old
    client.post("/logout")
    assert client.get(old).status_code == 404
    assert summaries(parse(client.get(new))) == ["Budget meeting"]


def test_a_new_feed_address_needs_a_member_a_post_and_the_csrf_token(
    client, engine, staff, committee, patron
):
    login_as(client, committee)
    mine = feed_url(client)
    assert client.get("/committee/calendar-link").status_code == 405
    assert client.post("/committee/calendar-link", csrf=False).status_code == 403
    assert shown_feed_url(client) == mine
    login_as(client, patron)
    assert client.post("/committee/calendar-link").status_code == 403
    client.post("/logout")
    response = client.post("/committee/calendar-link")
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert client.get(mine).status_code == 200
    login_as(client, committee)
    assert shown_feed_url(client) == mine


def end_by_removal(engine, admin, member) -> None:  # noqa: ANN001
    with db.write(engine) as s:
        accounts.set_committee(db=s, actor=admin, email=member.email, member=False)


def end_by_role_change(engine, admin, member) -> None:  # noqa: ANN001
    with db.write(engine) as s:
        accounts.set_role(db=s, actor=admin, user_id=member.id, role="patron")


def end_by_lapse(engine, admin, member) -> None:  # noqa: ANN001
    with db.write(engine) as s:
        s.execute(
            update(User)
            .where(User.id == member.id)
            .values(committee_until=utcnow().date() - timedelta(days=1))
        )


@pytest.mark.parametrize("end", [end_by_removal, end_by_role_change, end_by_lapse])
def test_ending_a_membership_ends_the_feed_address_for_good(
    client, engine, staff, admin, committee, end
):
    w.schedule(engine, staff, title="Open workshop")
    w.schedule(engine, staff, title="Budget meeting", audience="committee")
    login_as(client, committee)
    private = feed_url(client)
    client.post("/logout")
    end(engine, admin, committee)
    assert client.get(private).status_code == 404
    # A new term does not bring the old address back: the member makes a new one.
    with db.write(engine) as s:
        accounts.set_committee(db=s, actor=admin, email=committee.email, member=True)
    assert client.get(private).status_code == 404
    login_as(client, committee)
    assert shown_feed_url(client) is None
    renewed = feed_url(client)
    assert renewed != private
    assert sorted(summaries(parse(client.get(renewed)))) == ["Budget meeting", "Open workshop"]


def test_private_feed_address_is_not_shown_to_patrons(client, patron):
    login_as(client, patron)
    page = client.get("/committee").text
    assert "token=" not in page and "feed-url" not in page
