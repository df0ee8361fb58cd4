"""What a received message may do, through `portal inbox`'s own Receiver on the real
database: the same rules as on the site, a token that decides whose comment it is, and every
kind of mail that must never be published (forged or misused tokens, hidden ideas, blocked
people, robots, bounces, loops, oversized and malformed mail, a second delivery)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import update

from portal.accounts.models import User
from portal.comments.models import Comment
from portal.core import db
from portal.core.clock import utcnow
from portal.core.ratelimit.limits import DatabaseCounter
from portal.ideas.models import Idea
from portal.inbound.receive import Receiver
from portal.notifications.replies import make_token, read_token, reply_address
from tests import factories as f
from tests.conftest import SECRET
from tests.inbound.helpers import (
    INBOUND,
    comments_on,
    count,
    ideas_titled,
    message,
    outbox_to,
    with_inbound,
)


@pytest.fixture
def receiver(settings, engine):
    return Receiver(engine, with_inbound(settings), DatabaseCounter(engine))


@pytest.fixture
def idea(engine, patron, category):
    return f.idea(engine, patron, category, title="Longer opening hours")


def _to(user, idea_id: int) -> str:
    return reply_address(INBOUND, SECRET, user.id, idea_id)


def _deliver(receiver, msg, *, mail_from: str | None = None) -> list[str]:
    return receiver.receive(
        msg.as_bytes(),
        mail_from=msg["From"] if mail_from is None else mail_from,
        rcpt_tos=[msg["To"]],
    )


def test_inbox_reply_posts_as_the_tokens_person_once(receiver, engine, idea, other_patron):
    msg = message(other_patron.email, _to(other_patron, idea.id))
    assert _deliver(receiver, msg) == ["comment"]
    assert _deliver(receiver, msg) == ["duplicate"]
    (comment,) = comments_on(engine, idea.id)
    assert comment.author_id == other_patron.id
    assert comment.body == "Yes, and please open on Sundays too."


def test_inbox_token_reads_back_and_is_case_blind():
    token = make_token(SECRET, 7, 42)
    assert len(token) == 52
    assert read_token(SECRET, token) == (7, 42)
    assert read_token(SECRET, token.upper()) == (7, 42)
    assert read_token("another-secret", token) is None


def test_inbox_forged_or_altered_token_posts_nothing(receiver, engine, idea, other_patron):
    good = make_token(SECRET, other_patron.id, idea.id)
    altered = good[:-2] + ("aa" if good[-2:] != "aa" else "bb")
    for token in (altered, "a" * 52, make_token("not-our-secret", other_patron.id, idea.id)):
        address = INBOUND.replace("@", f"+{token}@")
        outcome = _deliver(receiver, message(other_patron.email, address))
        assert outcome == ["dropped: forged token"]
    assert comments_on(engine, idea.id) == []


def test_inbox_token_of_another_person_never_posts_as_the_sender(
    receiver, engine, idea, patron, other_patron
):
    # Olu writes, as himself, to the address that Pat's notification carried.
    msg = message(other_patron.email, _to(patron, idea.id))
    assert _deliver(receiver, msg) == ["dropped: sender is not the token's person"]
    # And a forged From with Pat's address against Olu's token posts nothing as anyone.
    msg = message(patron.email, _to(other_patron, idea.id))
    assert _deliver(receiver, msg) == ["dropped: sender is not the token's person"]
    assert comments_on(engine, idea.id) == []


def test_inbox_token_of_another_idea_posts_on_that_idea_only(
    receiver, engine, idea, other_patron, patron, category
):
    second = f.idea(engine, patron, category, title="More sockets")
    # The subject and In-Reply-To name the first idea; the token decides.
    msg = message(
        other_patron.email,
        _to(other_patron, second.id),
        subject="Re: Longer opening hours",
        headers={"In-Reply-To": f"<n.1@testserver.idea{idea.id}>"},
    )
    assert _deliver(receiver, msg) == ["comment"]
    assert comments_on(engine, idea.id) == []
    assert [c.author_id for c in comments_on(engine, second.id)] == [other_patron.id]


def test_inbox_reply_to_a_hidden_idea_is_refused(receiver, engine, idea, other_patron):
    with db.write(engine) as s:
        s.execute(update(Idea).where(Idea.id == idea.id).values(hidden_at=utcnow()))
    outcome = _deliver(receiver, message(other_patron.email, _to(other_patron, idea.id)))
    assert outcome == ["dropped: not allowed"]
    assert comments_on(engine, idea.id) == []


def test_inbox_blocked_person_can_neither_reply_nor_propose(receiver, engine, idea, other_patron):
    with db.write(engine) as s:
        s.execute(update(User).where(User.id == other_patron.id).values(blocked_at=utcnow()))
    assert _deliver(receiver, message(other_patron.email, _to(other_patron, idea.id))) == [
        "dropped: not allowed"
    ]
    msg = message(other_patron.email, INBOUND, subject="Blocked idea")
    assert _deliver(receiver, msg) == ["dropped: blocked"]
    assert comments_on(engine, idea.id) == []
    assert ideas_titled(engine, "Blocked idea") == []
    assert outbox_to(engine, other_patron.email) == []


def test_inbox_unconfirmed_account_is_answered_not_published(receiver, engine, other_patron):
    with db.write(engine) as s:
        s.execute(update(User).where(User.id == other_patron.id).values(email_confirmed_at=None))
    msg = message(other_patron.email, INBOUND, subject="Unconfirmed idea")
    assert _deliver(receiver, msg) == ["invited"]
    assert ideas_titled(engine, "Unconfirmed idea") == []
    (answer,) = outbox_to(engine, other_patron.email)
    assert answer.kind == "auto-reply"
    assert "/login" in answer.body


def test_inbox_reply_keeps_to_the_comment_rate_limit(receiver, engine, idea, other_patron):
    outcomes = [
        _deliver(receiver, message(other_patron.email, _to(other_patron, idea.id), f"Note {n}"))
        for n in range(32)
    ]
    assert outcomes.count(["comment"]) == 30
    assert outcomes[-1] == ["dropped: rate limited"]
    assert len(comments_on(engine, idea.id)) == 30


def test_inbox_empty_reply_is_refused_by_the_same_validation(receiver, engine, idea, other_patron):
    msg = message(other_patron.email, _to(other_patron, idea.id), "> only a quote\n")
    assert _deliver(receiver, msg) == ["dropped: invalid body"]
    assert comments_on(engine, idea.id) == []


def test_inbox_html_only_reply_is_read_as_text(receiver, engine, idea, other_patron):
    html = (
        "<html><body><p>Yes, <b>please</b> open on Sundays.</p>"
        "<blockquote>On Mon wrote: older text</blockquote></body></html>"
    )
    msg = message(other_patron.email, _to(other_patron, idea.id), html=html)
    assert _deliver(receiver, msg) == ["comment"]
    (comment,) = comments_on(engine, idea.id)
    assert comment.body.startswith("Yes, **please** open on Sundays.")
    assert "<" not in comment.body


def test_inbox_chinese_quote_is_cut(receiver, engine, idea, other_patron):
    body = "好的，我同意。\n\n在 2026年11月30日 10:00，图书馆 <portal@localhost> 写道：\n> 原文\n"
    assert _deliver(receiver, message(other_patron.email, _to(other_patron, idea.id), body)) == [
        "comment"
    ]
    assert [c.body for c in comments_on(engine, idea.id)] == ["好的，我同意。"]


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto-submitted"),
        ({"Auto-Submitted": "auto-generated; owner-email=x@example.net"}, "auto-submitted"),
        ({"Precedence": "bulk"}, "bulk or list mail"),
        ({"Precedence": "junk"}, "bulk or list mail"),
        ({"X-Autoreply": "yes"}, "sent by a program"),
        ({"X-Loop": INBOUND}, "loop: from the portal"),
        ({"Return-Path": "<>"}, "bounce: null sender"),
    ],
)
def test_inbox_robots_and_loops_are_dropped(headers, reason, receiver, engine, idea, other_patron):
    msg = message(other_patron.email, _to(other_patron, idea.id), headers=headers)
    assert _deliver(receiver, msg) == [f"dropped: {reason}"]
    assert comments_on(engine, idea.id) == []


def test_inbox_our_own_message_and_address_are_loops(receiver, engine, idea, other_patron):
    ours = message(other_patron.email, _to(other_patron, idea.id), message_id="<n.4@testserver>")
    assert _deliver(receiver, ours) == ["dropped: loop: our own Message-ID"]
    from_us = message("Co-design portal <portal@localhost>", INBOUND, subject="Echo")
    assert _deliver(receiver, from_us) == ["dropped: loop: from the portal"]
    assert comments_on(engine, idea.id) == [] and ideas_titled(engine, "Echo") == []


def test_inbox_bounces_are_dropped(receiver, engine, idea, other_patron):
    msg = message(other_patron.email, _to(other_patron, idea.id))
    assert _deliver(receiver, msg, mail_from="") == ["dropped: bounce: null sender"]
    report = message("mailer-daemon@mail.example.net", INBOUND, subject="Undelivered")
    report.make_mixed()
    report.set_type("multipart/report")
    assert _deliver(receiver, report) == ["dropped: bounce: delivery report"]
    assert comments_on(engine, idea.id) == [] and ideas_titled(engine, "Undelivered") == []
    assert outbox_to(engine, "mailer-daemon@mail.example.net") == []


def test_inbox_oversized_and_malformed_mail_is_dropped(
    receiver, settings, engine, idea, other_patron
):
    small = Receiver(
        engine,
        dataclasses.replace(with_inbound(settings), inbound_max_bytes=2_000),
        DatabaseCounter(engine),
    )
    big = message(other_patron.email, _to(other_patron, idea.id), "x" * 3_000)
    assert _deliver(small, big) == ["dropped: oversized"]
    garbage = receiver.receive(b"\x00\xff not a message at all", mail_from="a@b.example")
    assert garbage == ["dropped: malformed: no headers"]
    broken = (
        f"From: {other_patron.email}\r\nTo: {_to(other_patron, idea.id)}\r\n"
        'Content-Type: multipart/mixed; boundary="never-closed"\r\n\r\n'
        "--never-closed\r\nContent-Type: text/plain; charset=no-such-charset\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"
    ).encode()
    # An unknown charset in a part that is not base64: the parser gives up, nothing is posted.
    outcome = receiver.receive(broken, mail_from=other_patron.email)
    assert outcome == ["dropped: malformed: LookupError"]
    assert comments_on(engine, idea.id) == []
    assert count(engine, Comment) == 0
