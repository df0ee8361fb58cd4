"""The advisory committee: the /committee page (listed members, and for members only the
upcoming committee sessions and the private feed), the admin page that grants the role for a
term and removes it, and the term that lapses by itself."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import ValidationError
from portal.workshops.models import Registration
from tests.conftest import Client, login_as, make_user
from tests.factories import count
from tests.workshops import factories as w


def set_term(engine, user_id: int, until: date | None, listed: bool = True) -> None:  # noqa: ANN001
    with db.write(engine) as s:
        s.execute(
            update(User)
            .where(User.id == user_id)
            .values(committee_until=until, committee_listed=listed)
        )


def members_section(page: str) -> str:
    return page.split('id="members-title"', 1)[1].split("</section>", 1)[0]


def test_committee_page_lists_only_members_who_chose_to_be_listed(client, engine):
    listed = make_user(engine, "committee", name="Lena Listed")
    private = make_user(engine, "committee", name="Quinn Quiet")
    make_user(engine, "patron", name="Pia Patron")
    set_term(engine, listed.id, date(utcnow().year + 1, 6, 30), listed=True)
    set_term(engine, private.id, None, listed=False)
    page = client.get("/committee")
    assert page.status_code == 200
    section = members_section(page.text)
    assert "Lena Listed" in section
    assert "Quinn Quiet" not in page.text and "Pia Patron" not in page.text
    assert "@example.org" not in page.text


def test_committee_page_does_not_list_a_member_whose_term_ended(client, engine):
    lapsed = make_user(engine, "committee", name="Len Lapsed")
    set_term(engine, lapsed.id, utcnow().date() - timedelta(days=1), listed=True)
    page = client.get("/committee").text
    assert "Len Lapsed" not in page
    assert "No members have chosen to be listed here." in page


def test_committee_page_shows_committee_sessions_and_feed_to_members_only(
    client, engine, staff, patron, committee
):
    meeting = w.schedule(engine, staff, title="Budget meeting", audience="committee")
    w.schedule(engine, staff, title="Open workshop")
    page = client.get("/committee").text
    assert "Budget meeting" not in page and "token=" not in page
    assert "Committee sessions are visible to members only." in page
    login_as(client, patron)
    page = client.get("/committee").text
    assert "Budget meeting" not in page and "token=" not in page

    for person in (committee, staff):
        login_as(client, person)
        page = client.get("/committee").text
        assert w.listed_ids(page) == [meeting.id], person.display_name
        assert "Open workshop" not in page
        assert "token=" not in page and "Make my calendar link" in page
        assert client.post("/committee/calendar-link").status_code == 303
        assert "http://testserver/sessions.ics?token=" in client.get("/committee").text


def test_committee_page_feed_token_differs_per_member(client, engine):
    first = make_user(engine, "committee")
    second = make_user(engine, "committee")
    tokens = []
    for person in (first, second):
        login_as(client, person)
        client.post("/committee/calendar-link")
        page = client.get("/committee").text
        tokens.append(page.split("token=", 1)[1].split("<", 1)[0])
    assert tokens[0] != tokens[1]


def test_admin_grants_the_committee_role_for_a_term(client, engine, admin, patron):
    until = date(utcnow().year + 1, 8, 31)
    login_as(client, admin)
    assert client.get("/staff/committee").status_code == 200
    response = client.post(
        "/staff/committee",
        {"email": patron.email, "until": until.isoformat(), "listed": "1", "action": "grant"},
    )
    assert response.status_code == 303
    user = w.stored(engine, User, patron.id)
    assert (user.role, user.committee_until, user.committee_listed) == ("committee", until, True)
    assert user.is_committee
    page = client.get("/staff/committee").text
    assert patron.email in page and "Pat Reader" in page
    assert "Pat Reader" in members_section(client.get("/committee").text)


def test_granting_the_role_applies_at_once_to_the_persons_signed_in_browser(
    client, engine, app, admin, patron, staff
):
    meeting = w.schedule(engine, staff, audience="committee")
    with Client(app, base_url="http://testserver") as browser:
        login_as(browser, patron)
        assert browser.get(f"/sessions/{meeting.id}").status_code == 404
        login_as(client, admin)
        client.post("/staff/committee", {"email": patron.email, "until": "", "action": "grant"})
        # Sessions end on a role change: the next request is a visitor's, then signing in
        # again gives the new role.
        response = browser.get("/account", follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login?next=/account")
        login_as(browser, patron)
        assert browser.get(f"/sessions/{meeting.id}").status_code == 200


def test_admin_removes_the_committee_role(client, engine, admin, committee, staff):
    meeting = w.schedule(engine, staff, audience="committee")
    set_term(engine, committee.id, None, listed=True)
    login_as(client, admin)
    response = client.post("/staff/committee", {"email": committee.email, "action": "remove"})
    assert response.status_code == 303
    user = w.stored(engine, User, committee.id)
    assert (user.role, user.committee_until, user.committee_listed) == ("patron", None, False)
    assert "Chen Committee" not in client.get("/committee").text
    login_as(client, committee)
    assert client.get(f"/sessions/{meeting.id}").status_code == 404


def test_grant_with_an_unknown_email_shows_a_message_and_changes_nothing(client, engine, admin):
    login_as(client, admin)
    response = client.post(
        "/staff/committee",
        {"email": "nobody@example.org", "until": "", "listed": "1", "action": "grant"},
    )
    assert response.status_code == 400
    assert "There is no account with this email address." in w.field_error(response.text, "email")
    assert w.input_value(response.text, "email") == "nobody@example.org"
    assert count(engine, User, User.role == "committee") == 0


def test_grant_with_a_bad_term_date_shows_a_message_and_changes_nothing(
    client, engine, admin, patron
):
    login_as(client, admin)
    response = client.post(
        "/staff/committee", {"email": patron.email, "until": "next summer", "action": "grant"}
    )
    assert response.status_code == 400
    assert "Enter a date like" in w.field_error(response.text, "until")
    assert w.stored(engine, User, patron.id).role == "patron"


def test_grant_with_a_term_that_already_ended_is_refused_and_changes_nothing(
    client, engine, admin, patron, committee
):
    yesterday = (utcnow().date() - timedelta(days=1)).isoformat()
    login_as(client, admin)
    for person in (patron, committee):  # a new member, and a member whose term would be cut
        response = client.post(
            "/staff/committee",
            {"email": person.email, "until": yesterday, "listed": "1", "action": "grant"},
        )
        assert response.status_code == 400
        assert "This day has passed" in w.field_error(response.text, "until")
        assert w.input_value(response.text, "until") == yesterday
        assert w.input_value(response.text, "email") == person.email
    assert w.stored(engine, User, patron.id).role == "patron"
    kept = w.stored(engine, User, committee.id)
    assert (kept.role, kept.committee_until, kept.committee_listed) == ("committee", None, False)
    with pytest.raises(ValidationError) as caught, db.write(engine) as s:
        accounts.set_committee(
            db=s, actor=admin, email=patron.email, member=True, until=" 2001-01-01 "
        )
    assert list(caught.value.errors) == ["until"]
    today = utcnow().date().isoformat()  # the last day of a term still counts
    response = client.post(
        "/staff/committee", {"email": patron.email, "until": today, "action": "grant"}
    )
    assert response.status_code == 303
    assert w.stored(engine, User, patron.id).is_committee


def test_committee_management_is_for_admins_only(client, engine, staff, patron):
    for person in (staff, patron):
        login_as(client, person)
        assert client.get("/staff/committee").status_code == 403
        response = client.post(
            "/staff/committee", {"email": patron.email, "listed": "1", "action": "grant"}
        )
        assert response.status_code == 403
    assert w.stored(engine, User, patron.id).role == "patron"


def test_committee_role_lapses_by_itself_after_the_term_end(client, engine, staff, committee):
    meeting = w.schedule(engine, staff, title="Budget meeting", audience="committee")
    set_term(engine, committee.id, utcnow().date(), listed=True)  # the last day still counts
    login_as(client, committee)
    assert client.get(f"/sessions/{meeting.id}").status_code == 200
    set_term(engine, committee.id, utcnow().date() - timedelta(days=1), listed=True)
    assert client.get(f"/sessions/{meeting.id}").status_code == 404
    assert "token=" not in client.get("/committee").text
    assert client.post(f"/sessions/{meeting.id}/register").status_code == 404
    assert count(engine, Registration) == 0


def test_set_committee_refuses_staff_accounts(engine, admin, staff):
    with pytest.raises(ValidationError) as caught, db.write(engine) as s:
        accounts.set_committee(db=s, actor=admin, email=staff.email, member=True)
    assert "email" in caught.value.errors
    assert w.stored(engine, User, staff.id).role == "staff"
