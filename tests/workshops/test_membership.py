"""When a committee membership ends (an admin removes it, an admin changes the role, or the term
lapses with nobody acting), the person's places and waitlist entries in committee-only sessions
that have not started are released as if they had cancelled: the first person waiting gets the
place and is told, and the person released is told, in-app and by email (a real SMTP server).
Until then they can still see and cancel what they hold, and no email gives them the private
online link."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.notifications.models import Event
from portal.workshops import jobs
from tests.conftest import login_as, make_user
from tests.workshops import factories as w


def lapse(engine, user: User) -> None:  # noqa: ANN001
    """The term ended yesterday, with nobody acting."""
    set_until(engine, user, utcnow().date() - timedelta(days=1))


def set_until(engine, user: User, until: date | None) -> None:  # noqa: ANN001
    with db.write(engine) as s:
        s.execute(update(User).where(User.id == user.id).values(committee_until=until))


def events(engine, kind: str) -> list[tuple[int, int]]:  # noqa: ANN001
    """(workshop id, person) of each event of this kind."""
    with db.read(engine) as s:
        rows = s.execute(
            select(Event.workshop_id, Event.user_id).where(Event.kind == kind).order_by(Event.id)
        ).all()
    return [tuple(r) for r in rows]


def subjects(inbox, user: User) -> list[str]:  # noqa: ANN001
    return sorted(m["Subject"] for m in inbox.by_recipient(user.email))


def full_meeting(engine, staff, leaving: User, waiting: User, **fields):  # noqa: ANN001, ANN003
    """A committee-only session with one place: `leaving` has it, `waiting` is next in line."""
    meeting = w.schedule(engine, staff, audience="committee", capacity=1, **fields)
    w.register(engine, leaving, meeting.id)
    w.register(engine, waiting, meeting.id)
    assert w.statuses(engine, meeting.id) == {leaving.id: "confirmed", waiting.id: "waitlisted"}
    return meeting


def test_removing_a_member_releases_their_committee_places_and_tells_everyone(
    client, engine, admin, staff, committee, worker, smtp_server
):
    waiting = make_user(engine, "committee")
    meeting = full_meeting(engine, staff, committee, waiting, title="Budget meeting")
    queued = w.schedule(engine, staff, audience="committee", capacity=1, title="Spring meeting")
    w.register(engine, waiting, queued.id)
    w.register(engine, committee, queued.id)  # on the waitlist there
    public = w.schedule(engine, staff, title="Open workshop")
    w.register(engine, committee, public.id)
    started = w.schedule(engine, staff, audience="committee", title="Meeting under way")
    w.register(engine, committee, started.id)
    w.move(engine, started.id, -timedelta(minutes=10), timedelta(hours=2))

    login_as(client, admin)
    response = client.post("/staff/committee", {"email": committee.email, "action": "remove"})
    assert response.status_code == 303

    assert w.statuses(engine, meeting.id) == {committee.id: "cancelled", waiting.id: "confirmed"}
    assert w.statuses(engine, queued.id)[committee.id] == "cancelled"
    assert w.statuses(engine, public.id) == {committee.id: "confirmed"}  # open to everyone
    assert w.statuses(engine, started.id) == {committee.id: "confirmed"}  # already under way
    assert sorted(events(engine, "released")) == sorted(
        [(meeting.id, committee.id), (queued.id, committee.id)]
    )
    assert events(engine, "waitlist") == [(meeting.id, waiting.id)]

    w.drain(worker)
    assert subjects(smtp_server, committee) == [
        "Registration released: Budget meeting",
        "Registration released: Spring meeting",
    ]
    [mail] = [m for m in smtp_server.by_recipient(committee.email) if "Budget" in m["Subject"]]
    body = mail.get_content()
    assert "committee membership has ended" in body and w.LINK not in body
    assert mail["List-Unsubscribe"]
    assert subjects(smtp_server, waiting) == ["A place is yours: Budget meeting"]
    login_as(client, committee)
    page = client.get("/notifications").text
    assert "your registration for “Budget meeting” is released" in page
    # Once: another round tells nobody again.
    w.drain(worker)
    assert len(smtp_server.by_recipient(committee.email)) == 2


def test_an_admin_changing_the_role_releases_committee_places(engine, admin, staff, committee):
    other = make_user(engine, "staff")
    waiting = make_user(engine, "committee")
    meeting = full_meeting(engine, staff, committee, waiting)
    staff_meeting = full_meeting(engine, staff, other, make_user(engine, "committee"))
    with db.write(engine) as s:
        accounts.set_role(db=s, actor=admin, user_id=committee.id, role="patron")
        accounts.set_role(db=s, actor=admin, user_id=other.id, role="patron")  # staff took part
    assert w.statuses(engine, meeting.id) == {committee.id: "cancelled", waiting.id: "confirmed"}
    assert w.statuses(engine, staff_meeting.id)[other.id] == "cancelled"
    assert sorted(events(engine, "released")) == sorted(
        [(meeting.id, committee.id), (staff_meeting.id, other.id)]
    )


def test_a_role_change_that_keeps_the_person_on_the_committee_releases_nothing(
    engine, admin, staff, committee
):
    meeting = w.schedule(engine, staff, audience="committee")
    w.register(engine, committee, meeting.id)
    with db.write(engine) as s:
        accounts.set_role(db=s, actor=admin, user_id=committee.id, role="staff")
    assert w.statuses(engine, meeting.id) == {committee.id: "confirmed"}
    assert events(engine, "released") == []


def test_worker_releases_the_places_of_a_member_whose_term_lapsed_once(
    engine, staff, committee, worker, smtp_server
):
    waiting = make_user(engine, "committee")
    meeting = full_meeting(engine, staff, committee, waiting, title="Budget meeting")
    current = make_user(engine, "committee")
    set_until(engine, current, utcnow().date())  # the last day still counts
    kept = w.schedule(engine, staff, audience="committee", title="Spring meeting")
    w.register(engine, current, kept.id)
    lapse(engine, committee)
    with db.write(engine) as s:  # told in their own language
        s.execute(update(User).where(User.id == committee.id).values(locale="zh_Hans"))

    w.drain(worker)
    assert w.statuses(engine, meeting.id) == {committee.id: "cancelled", waiting.id: "confirmed"}
    assert w.statuses(engine, kept.id) == {current.id: "confirmed"}
    [mail] = smtp_server.by_recipient(committee.email)
    assert mail["Subject"] == "报名已取消：Budget meeting"
    assert "您的顾问委员会成员资格已结束" in mail.get_content()
    assert subjects(smtp_server, waiting) == ["A place is yours: Budget meeting"]
    assert smtp_server.by_recipient(current.email) == []
    assert jobs.release_lapsed(worker) == 0
    w.drain(worker)
    assert len(smtp_server.messages) == 2


def test_a_lapsed_member_gets_no_reminder_with_the_link_of_a_committee_session(
    engine, staff, committee, worker, smtp_server
):
    meeting = w.schedule(engine, staff, days=0.5, audience="committee", title="Budget meeting")
    w.register(engine, committee, meeting.id)
    lapse(engine, committee)
    w.drain(worker)
    assert subjects(smtp_server, committee) == ["Registration released: Budget meeting"]
    assert all(w.LINK not in m.get_content() for m in smtp_server.messages)


def test_a_reminder_written_before_the_term_lapsed_is_sent_without_the_link(
    engine, staff, committee, worker, smtp_server
):
    meeting = w.schedule(engine, staff, days=0.5, audience="committee", title="Budget meeting")
    w.register(engine, committee, meeting.id)
    assert jobs.send_reminders(worker) == 1  # the reminder's event, while still a member
    lapse(engine, committee)  # the term ends before the worker writes the email
    w.drain(worker)
    reminder = [m for m in smtp_server.by_recipient(committee.email) if "Tomorrow" in m["Subject"]]
    assert reminder and w.LINK not in reminder[0].get_content()


def test_a_lapsed_member_can_still_see_and_cancel_a_place_they_hold(
    client, engine, staff, committee
):
    waiting = make_user(engine, "committee")
    meeting = full_meeting(engine, staff, committee, waiting, title="Budget meeting")
    other = w.schedule(engine, staff, audience="committee", title="Other meeting")
    lapse(engine, committee)  # before the worker's next round
    login_as(client, committee)
    page = client.get(f"/sessions/{meeting.id}")
    assert page.status_code == 200
    assert "Budget meeting" in page.text and "Cancel my place" in page.text
    assert w.LINK not in page.text
    assert w.LINK not in client.get(f"/sessions/{meeting.id}.ics").text
    assert client.get(f"/sessions/{other.id}").status_code == 404  # nothing held there
    response = client.post(f"/sessions/{meeting.id}/unregister")
    assert response.status_code == 303 and response.headers["location"] == "/sessions"
    assert w.statuses(engine, meeting.id) == {committee.id: "cancelled", waiting.id: "confirmed"}
    assert client.get(f"/sessions/{meeting.id}").status_code == 404  # nothing held any more
    assert client.post(f"/sessions/{meeting.id}/register").status_code == 404


def test_a_freed_place_goes_past_a_lapsed_member_on_the_waitlist(engine, staff, committee):
    first = make_user(engine, "committee")
    after = make_user(engine, "committee")
    meeting = full_meeting(engine, staff, first, committee)
    w.register(engine, after, meeting.id)
    lapse(engine, committee)
    w.unregister(engine, first, meeting.id)
    assert w.statuses(engine, meeting.id) == {
        first.id: "cancelled",
        committee.id: "waitlisted",
        after.id: "confirmed",
    }
    assert events(engine, "waitlist") == [(meeting.id, after.id)]
