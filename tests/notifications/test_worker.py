"""The notification worker, driven in-process against a real SMTP server: who is notified of
what, email preferences and the daily digest, what an email says, retries with backoff when the
mail server is down, and never sending a message twice."""

from __future__ import annotations

import dataclasses
import email.utils
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from portal.accounts.models import User
from portal.core import db
from portal.core.clock import aware, utcnow
from portal.ideas import services as ideas
from portal.notifications import services as notifications
from portal.notifications.models import EmailOutbox, Event, Notification
from portal.notifications.worker import MAX_ATTEMPTS, Worker
from portal.votes import services as votes
from tests import factories as f
from tests.conftest import make_user
from tests.decisions import publish
from tests.pg import free_port


def notified(engine, kind: str | None = None) -> list[int]:
    """The user ids notified, sorted, optionally of one kind of event."""
    with db.read(engine) as s:
        stmt = select(Notification.user_id).order_by(Notification.user_id)
        if kind:
            stmt = stmt.where(Notification.kind == kind)
        return list(s.execute(stmt).scalars())


def outbox(engine) -> list[EmailOutbox]:
    with db.read(engine) as s:
        return list(s.execute(select(EmailOutbox).order_by(EmailOutbox.id)).scalars())


def follow(engine, user, idea_id: int) -> None:
    with db.write(engine) as s:
        votes.follow(db=s, actor=user, idea_id=idea_id)


def unfollow(engine, user, idea_id: int) -> None:
    with db.write(engine) as s:
        votes.unfollow(db=s, actor=user, idea_id=idea_id)


def change_status(
    engine,
    staff,
    idea_id: int,
    status: str = "planned",
    response: str = "We will do this next term.",
) -> None:
    with db.write(engine) as s:
        ideas.change_status(db=s, actor=staff, idea_id=idea_id, status=status, response=response)


def set_mode(engine, user, kind: str, mode: str) -> None:
    with db.write(engine) as s:
        notifications.set_mode(s, user.id, kind, mode)


def block(engine, user) -> None:
    with db.write(engine) as s:
        s.execute(update(User).where(User.id == user.id).values(blocked_at=utcnow()))


def make_due(engine) -> None:
    """Pretend every pending email's backoff has passed."""
    with db.write(engine) as s:
        s.execute(
            update(EmailOutbox)
            .where(EmailOutbox.status == "pending")
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


# -- who is notified ------------------------------------------------------------------------


def test_comment_notifies_followers_but_not_the_commenter(
    engine, worker, patron, other_patron, committee, category
):
    idea = f.idea(engine, patron, category)
    follow(engine, other_patron, idea.id)
    f.comment(engine, committee, idea.id)
    worker.step()
    assert notified(engine, "comment") == sorted([patron.id, other_patron.id])
    # The commenter now follows, and hears of the next comment by someone else.
    f.comment(engine, patron, idea.id, "Thanks!")
    worker.step()
    assert Counter(notified(engine, "comment")) == Counter(
        {patron.id: 1, other_patron.id: 2, committee.id: 1}
    )


def test_comment_does_not_notify_people_who_unfollowed_or_follow_other_ideas(
    engine, worker, patron, other_patron, committee, category
):
    idea = f.idea(engine, patron, category)
    elsewhere = f.idea(engine, other_patron, category, title="Another idea")
    follow(engine, committee, idea.id)
    unfollow(engine, committee, idea.id)
    f.comment(engine, patron, idea.id)
    worker.step()
    assert notified(engine) == []  # other_patron follows only the other idea
    assert f.count(engine, Event, Event.fanned_out_at.is_(None)) == 0
    f.comment(engine, patron, elsewhere.id)
    worker.step()
    assert notified(engine) == [other_patron.id]


def test_status_change_notifies_followers(
    engine, worker, patron, other_patron, committee, staff, category
):
    idea = f.idea(engine, patron, category)
    f.vote(engine, other_patron, idea.id)
    follow(engine, staff, idea.id)  # the staff member who changes it is not told
    change_status(engine, staff, idea.id)
    worker.step()
    assert notified(engine, "status") == sorted([patron.id, other_patron.id])
    assert committee.id not in notified(engine)


def test_decision_notifies_voters_commenters_and_followers_once_each(
    engine, worker, patron, other_patron, committee, staff, category
):
    first = f.idea(engine, patron, category, title="Open later")
    second = f.idea(engine, other_patron, category, title="Open on Sundays")
    f.idea(engine, committee, category, title="More plugs")  # committee follows only this
    voter, commenter, follower, everything = (make_user(engine) for _ in range(4))
    f.vote(engine, voter, first.id)
    unfollow(engine, voter, first.id)  # a voter who no longer follows still took part
    f.comment(engine, commenter, second.id)
    unfollow(engine, commenter, second.id)
    follow(engine, follower, second.id)
    f.vote(engine, everything, first.id)  # votes, comments and follows both ideas
    f.comment(engine, everything, first.id)
    f.comment(engine, everything, second.id)
    f.comment(engine, staff, first.id)  # the author took part too, but is never told
    worker.step()  # the comments' own notifications
    before = f.count(engine, Notification)

    decision = publish(engine, staff, [first.id, second.id])
    worker.step()
    expected = sorted(
        [patron.id, other_patron.id, voter.id, commenter.id, follower.id, everything.id]
    )
    assert notified(engine, "decision") == expected
    assert f.count(engine, Notification) == before + len(expected)
    with db.read(engine) as s:
        event = s.execute(select(Event).where(Event.decision_id == decision.id)).scalar_one()
    assert event.recipients == len(expected)
    assert event.fanned_out_at is not None
    assert committee.id not in notified(engine, "decision")  # took part in another idea only


def test_decision_notifies_nobody_when_it_links_no_ideas(engine, worker, patron, staff, category):
    f.idea(engine, patron, category)
    publish(engine, staff, ())
    worker.step()
    assert notified(engine) == []


def test_blocked_people_are_not_notified(
    engine, worker, patron, other_patron, committee, staff, category
):
    idea = f.idea(engine, patron, category)
    f.vote(engine, other_patron, idea.id)
    follow(engine, committee, idea.id)
    block(engine, other_patron)
    f.comment(engine, committee, idea.id)
    publish(engine, staff, [idea.id])
    worker.step()
    assert notified(engine, "comment") == [patron.id]
    assert notified(engine, "decision") == sorted([patron.id, committee.id])
    assert other_patron.email not in {row.to_addr for row in outbox(engine)}


def test_notifications_are_written_only_when_the_event_commits(
    engine, worker, patron, staff, category
):
    idea = f.idea(engine, patron, category)
    with pytest.raises(RuntimeError), db.write(engine) as s:
        ideas.change_status(db=s, actor=staff, idea_id=idea.id, status="planned")
        raise RuntimeError("the request failed after the change")
    assert f.count(engine, Event) == 0
    worker.step()
    assert notified(engine) == []


# -- repeating steps ------------------------------------------------------------------------


def test_stepping_twice_does_not_duplicate_notifications_or_emails(
    engine, worker, smtp_server, patron, other_patron, staff, category
):
    idea = f.idea(engine, patron, category)
    f.vote(engine, other_patron, idea.id)
    change_status(engine, staff, idea.id)
    assert worker.step() > 0
    assert worker.step() == 0
    assert len(notified(engine)) == 2
    assert len(outbox(engine)) == 2
    assert len(smtp_server.messages) == 2


def test_fanning_out_an_event_again_after_a_crash_adds_nothing(
    engine, worker, smtp_server, patron, other_patron, staff, category
):
    idea = f.idea(engine, patron, category)
    f.vote(engine, other_patron, idea.id)
    change_status(engine, staff, idea.id)
    worker.step()
    # As if the worker died after writing the notifications but before marking the event.
    with db.write(engine) as s:
        s.execute(update(Event).values(fanned_out_at=None))
        s.execute(update(Notification).values(email_state="send"))
    worker.step()
    assert len(notified(engine)) == 2
    assert len(outbox(engine)) == 2
    assert len(smtp_server.messages) == 2
    with db.read(engine) as s:
        assert s.execute(select(Event.recipients)).scalar_one() == 2


# -- email preferences and the digest -------------------------------------------------------


def test_immediate_preference_sends_an_email(engine, worker, smtp_server, patron, staff, category):
    idea = f.idea(engine, patron, category)
    set_mode(engine, patron, "status", "immediate")
    change_status(engine, staff, idea.id)
    worker.step()
    assert [m["To"] for m in smtp_server.messages] == [patron.email]
    [row] = outbox(engine)
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None


def test_off_preference_sends_no_email_but_keeps_the_in_app_notification(
    engine, worker, smtp_server, patron, other_patron, staff, category
):
    idea = f.idea(engine, patron, category)
    f.vote(engine, other_patron, idea.id)
    set_mode(engine, patron, "status", "off")
    change_status(engine, staff, idea.id)
    worker.step()
    assert notified(engine, "status") == sorted([patron.id, other_patron.id])
    assert [m["To"] for m in smtp_server.messages] == [other_patron.email]
    # Off for status changes only: a comment still comes by email.
    f.comment(engine, other_patron, idea.id)
    worker.step()
    assert [m["To"] for m in smtp_server.messages][-1] == patron.email


def test_digest_preference_sends_one_daily_email_listing_the_items(
    engine, worker, smtp_server, patron, other_patron, staff, category
):
    first = f.idea(engine, patron, category, title="Open later")
    second = f.idea(engine, patron, category, title="Quiet carriages")
    for kind in ("comment", "status", "decision"):
        set_mode(engine, patron, kind, "digest")
    change_status(engine, staff, first.id)
    f.comment(engine, other_patron, second.id, "I agree.")
    publish(engine, staff, [second.id], "adopted", title="Evening hours", move_status="")
    worker.step()
    assert smtp_server.by_recipient(patron.email) == []
    assert len(notified(engine)) == 3 + 1  # patron thrice; other_patron of the decision

    tomorrow = utcnow() + timedelta(days=1)
    later = tomorrow.replace(hour=worker.digest_hour + 1, minute=0, second=0, microsecond=0)
    assert worker.queue_digests(now=later) == 1
    assert worker.queue_digests(now=later) == 0
    make_due(engine)  # the digest is due at `later`; the test's clock does not move
    worker.send_batch()
    [digest] = smtp_server.by_recipient(patron.email)
    assert "daily summary" in digest["Subject"]
    body = digest.get_content()
    assert "“Open later” is now Planned" in body
    assert "New comment on “Quiet carriages”" in body
    assert "You said, we did: Evening hours" in body
    assert f"http://testserver/ideas/{first.id}" in body
    assert "http://testserver/notifications/settings" in body
    with db.read(engine) as s:
        states = set(
            s.execute(
                select(Notification.email_state).where(Notification.user_id == patron.id)
            ).scalars()
        )
    assert states == {"done"}


def test_digest_waits_until_the_digest_hour(engine, mail_settings, patron, staff, category):
    worker = Worker(mail_settings, engine, digest_hour=7)
    idea = f.idea(engine, patron, category)
    set_mode(engine, patron, "status", "digest")
    change_status(engine, staff, idea.id)
    worker.step()
    tomorrow = (utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    assert worker.queue_digests(now=tomorrow.replace(hour=6)) == 0
    assert worker.queue_digests(now=tomorrow.replace(hour=7)) == 1
    assert len(outbox(engine)) == 1


# -- what an email says ---------------------------------------------------------------------


def test_comment_email_names_the_idea_and_links_to_the_comment(
    engine, worker, smtp_server, patron, other_patron, category
):
    idea = f.idea(engine, patron, category, title="Open later")
    comment = f.comment(engine, other_patron, idea.id, "Until **ten**, please & thanks.")
    worker.step()
    [msg] = smtp_server.messages
    assert msg["To"] == patron.email
    assert msg["X-Envelope-To"] == patron.email
    assert msg["Subject"] == "New comment on “Open later”"
    body = msg.get_content()
    assert "Hello Pat Reader," in body
    assert "Until **ten**, please & thanks." in body  # plain text, not HTML-escaped
    assert f"http://testserver/comments/{comment.id}" in body
    assert msg["Message-ID"].endswith("@testserver>")
    assert msg["Auto-Submitted"] == "auto-generated"
    sent = email.utils.parsedate_to_datetime(msg["Date"])
    assert sent.tzinfo is not None and abs((sent - utcnow()).total_seconds()) < 300
    unsubscribe = msg["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://testserver/unsubscribe/") and unsubscribe.endswith(">")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in body


def test_status_email_gives_the_new_status_and_the_response(
    engine, worker, smtp_server, patron, staff, category
):
    idea = f.idea(engine, patron, category, title="Open later")
    change_status(engine, staff, idea.id, "planned", "From May, until ten.")
    worker.step()
    [msg] = smtp_server.messages
    assert msg["Subject"] == "“Open later” is now Planned"
    body = msg.get_content()
    assert "From May, until ten." in body
    assert f"http://testserver/ideas/{idea.id}" in body


def test_decision_email_links_to_the_decision(
    engine, worker, smtp_server, patron, other_patron, staff, category
):
    idea = f.idea(engine, patron, category, title="Open later")
    f.vote(engine, other_patron, idea.id)
    decision = publish(engine, staff, [idea.id], title="Evening hours")
    worker.step()
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(
        [patron.email, other_patron.email]
    )
    msg = smtp_server.by_recipient(patron.email)[0]
    assert "Evening hours" in msg["Subject"]
    body = msg.get_content()
    assert f"http://testserver/you-said-we-did/{decision.id}" in body
    assert "Adopted" in body
    assert staff.email not in {m["To"] for m in smtp_server.messages}


def test_email_is_written_in_the_recipients_language(
    engine, worker, smtp_server, patron, staff, category
):
    idea = f.idea(engine, patron, category, title="Open later")
    with db.write(engine) as s:
        s.execute(update(User).where(User.id == patron.id).values(locale="zh_Hans"))
    change_status(engine, staff, idea.id)
    worker.step()
    [msg] = smtp_server.messages
    assert "Open later" in msg["Subject"]
    assert "is now" not in msg["Subject"]


# -- the mail server is down ----------------------------------------------------------------


def test_rejected_email_stays_pending_with_backoff(
    engine, worker, smtp_server, patron, staff, category
):
    idea = f.idea(engine, patron, category)
    change_status(engine, staff, idea.id)
    smtp_server.reject_all = True
    started = utcnow()
    assert worker.step() > 0
    [row] = outbox(engine)
    assert row.status == "pending"
    assert row.attempts == 1
    assert aware(row.next_attempt_at) > started + timedelta(seconds=20)
    assert "451" in row.last_error
    assert row.claimed_by is None and row.claimed_until is None
    # Not due yet: the next step does not try again.
    worker.step()
    assert outbox(engine)[0].attempts == 1
    # When it is due and the server is back, it goes out once.
    smtp_server.reject_all = False
    make_due(engine)
    worker.step()
    [row] = outbox(engine)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(smtp_server.messages) == 1


def test_backoff_grows_with_each_attempt(engine, worker, smtp_server, patron, staff, category):
    idea = f.idea(engine, patron, category)
    change_status(engine, staff, idea.id)
    smtp_server.reject_all = True
    delays = []
    for _ in range(3):
        make_due(engine)
        before = utcnow()
        worker.step()
        delays.append((aware(outbox(engine)[0].next_attempt_at) - before).total_seconds())
    assert delays[0] < delays[1] < delays[2]


def test_email_fails_after_max_attempts(engine, worker, smtp_server, patron, staff, category):
    idea = f.idea(engine, patron, category)
    change_status(engine, staff, idea.id)
    smtp_server.reject_all = True
    for attempt in range(1, MAX_ATTEMPTS + 1):
        make_due(engine)
        worker.step()
        row = outbox(engine)[0]
        assert row.attempts == attempt
        assert row.status == ("failed" if attempt == MAX_ATTEMPTS else "pending")
    make_due(engine)
    smtp_server.reject_all = False
    worker.step()
    assert outbox(engine)[0].status == "failed"
    assert outbox(engine)[0].attempts == MAX_ATTEMPTS
    assert smtp_server.messages == []


def test_unreachable_mail_server_leaves_email_pending(engine, settings, patron, staff, category):
    closed = dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    worker = Worker(closed, engine)
    idea = f.idea(engine, patron, category)
    change_status(engine, staff, idea.id)
    started = utcnow()
    worker.step()
    [row] = outbox(engine)
    assert (row.status, row.attempts) == ("pending", 1)
    assert aware(row.next_attempt_at) > started
    assert row.last_error
    assert f.count(engine, Notification) == 1  # the in-app notification is there regardless


# -- several workers ------------------------------------------------------------------------


def many_followers(engine, patron, staff, category, n: int) -> int:
    """An idea with `n` extra followers whose status changes: n + 1 emails to send."""
    idea = f.idea(engine, patron, category)
    for _ in range(n):
        follow(engine, make_user(engine), idea.id)
    change_status(engine, staff, idea.id)
    return n + 1


def assert_each_sent_once(engine, inbox, expected: int) -> None:
    ids = Counter(m["Message-ID"] for m in inbox.messages)
    assert len(ids) == expected
    assert max(ids.values()) == 1
    assert f.count(engine, EmailOutbox, EmailOutbox.status == "sent") == expected


def test_two_workers_one_after_another_send_each_message_once(
    engine, mail_settings, smtp_server, patron, staff, category
):
    expected = many_followers(engine, patron, staff, category, 9)
    first = Worker(mail_settings, engine, batch=4)
    second = Worker(mail_settings, engine, batch=4)
    second.id = "other-host:1"
    for _ in range(4):
        first.step()
        second.step()
    assert_each_sent_once(engine, smtp_server, expected)


def test_two_workers_interleaved_by_claim_send_each_message_once(
    engine, mail_settings, smtp_server, patron, staff, category
):
    expected = many_followers(engine, patron, staff, category, 9)
    first = Worker(mail_settings, engine, batch=4)
    second = Worker(mail_settings, engine, batch=4)
    second.id = "other-host:1"
    first.step()  # sends the first batch of 4
    claimed = first.claim_batch()  # claims the next 4 and is "slow" to send them
    assert len(claimed) == 4
    assert second.send_batch() == 2  # takes only what first has not claimed
    assert second.send_batch() == 0
    assert first.send_batch() == 0  # its own claim still holds: claim_batch gives nothing
    # first's claim runs out (it died); second picks the rest up.
    with db.write(engine) as s:
        s.execute(
            update(EmailOutbox)
            .where(EmailOutbox.id.in_([r.id for r in claimed]))
            .values(claimed_until=utcnow() - timedelta(seconds=1))
        )
    assert second.send_batch() == 4
    assert_each_sent_once(engine, smtp_server, expected)


def test_worker_step_with_nothing_to_do_does_nothing(worker, smtp_server):
    assert worker.step() == 0
    assert smtp_server.messages == []


def test_digest_idempotency_key_is_per_day(engine, worker, patron, staff, category):
    idea = f.idea(engine, patron, category)
    set_mode(engine, patron, "status", "digest")
    change_status(engine, staff, idea.id)
    worker.step()
    day = datetime(2100, 1, 2, 9, tzinfo=UTC)
    assert worker.queue_digests(now=day) == 1
    [row] = outbox(engine)
    assert row.idempotency_key.startswith(f"digest:{patron.id}:2100-01-02:")
