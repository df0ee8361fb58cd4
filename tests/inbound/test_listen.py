"""End to end with real servers: the worker sends a notification to the real SMTP server
(tests/smtp.py), and the reply, written to its Reply-To address, goes by smtplib to
`portal inbox --listen` running as a real process (SMTP, and LMTP)."""

from __future__ import annotations

import smtplib

import pytest

from portal.notifications.worker import Worker
from tests import factories as f
from tests.inbound.helpers import (
    INBOUND,
    comments_on,
    ideas_titled,
    inbox_process,
    message,
    outbox_to,
    with_inbound,
)
from tests.pg import free_port

# A reply as mail programs write it: the new text, a signature ("-- " line), the quote.
QUOTED = (
    "Yes, and please open on Sundays too.\n\n-- \nPat Reader\nThird-year history\n\n"
    "On Mon, 30 Nov 2026 at 10:00, Co-design portal <portal@localhost> wrote:\n"
    '> Olu Other commented on "Longer opening hours":\n> I would come in the evenings.\n'
)


@pytest.fixture
def inbound_worker(mail_settings, engine, worker):
    """The notification worker with INBOUND_ADDRESS set (the `worker` fixture sets up the
    routes that emails' links are made from)."""
    return Worker(with_inbound(mail_settings), engine)


def _notification_to(smtp_server, inbound_worker, address: str):
    for _ in range(5):
        inbound_worker.step()
        found = smtp_server.by_recipient(address)
        if found:
            return found[-1]
    raise AssertionError(f"no email to {address}")


@pytest.mark.parametrize("protocol", ["smtp", "lmtp"])
def test_inbox_reply_to_a_notification_becomes_the_readers_comment(
    protocol,
    engine,
    settings,
    smtp_server,
    inbound_worker,
    patron,
    other_patron,
    tmp_path,
    category,
):
    idea = f.idea(engine, patron, category, title="Longer opening hours")
    f.comment(engine, other_patron, idea.id, "I would come in the evenings.")
    email = _notification_to(smtp_server, inbound_worker, patron.email)
    reply_to = email["Reply-To"]
    assert reply_to.startswith("ideas+") and reply_to.endswith("@library.example.org")
    assert email["X-Loop"] == INBOUND
    reply = message(patron.email, reply_to, QUOTED, headers={"In-Reply-To": email["Message-ID"]})
    port = free_port()
    extra = ("--lmtp",) if protocol == "lmtp" else ()
    with inbox_process(with_inbound(settings), tmp_path, port, *extra):
        client = smtplib.LMTP if protocol == "lmtp" else smtplib.SMTP
        with client("127.0.0.1", port) as conn:
            refused = conn.send_message(reply, from_addr=patron.email, to_addrs=[reply_to])
            assert refused == {}
            # The same message delivered again (a mail server retrying) does nothing more.
            conn.send_message(reply, from_addr=patron.email, to_addrs=[reply_to])
    mine = [c for c in comments_on(engine, idea.id) if c.author_id == patron.id]
    assert [c.body for c in mine] == ["Yes, and please open on Sundays too."]


def test_inbox_idea_by_email_from_a_confirmed_account_is_proposed(
    engine, settings, patron, tmp_path, category
):
    # The site offers categories, and a message cannot choose one: the idea has none.
    msg = message(patron.email, INBOUND, "A quiet room for exams.", subject="Silent study room")
    port = free_port()
    with (
        inbox_process(with_inbound(settings), tmp_path, port),
        smtplib.SMTP("127.0.0.1", port) as conn,
    ):
        conn.send_message(msg, from_addr=patron.email, to_addrs=[INBOUND])
    (idea,) = ideas_titled(engine, "Silent study room")
    assert idea.author_id == patron.id
    assert idea.body == "A quiet room for exams."
    assert idea.category_id is None


def test_inbox_unknown_sender_gets_an_automatic_answer_and_nothing_is_published(
    engine, settings, smtp_server, inbound_worker, tmp_path
):
    stranger = "stranger@elsewhere.example.net"
    port = free_port()
    with (
        inbox_process(with_inbound(settings), tmp_path, port),
        smtplib.SMTP("127.0.0.1", port) as conn,
    ):
        for n in range(5):  # a forged sender cannot make the portal write to it more than 3 times
            msg = message(stranger, INBOUND, "Buy now", subject=f"Offer {n}")
            conn.send_message(msg, from_addr=stranger, to_addrs=[INBOUND])
    assert ideas_titled(engine, "Offer 0") == []
    assert len(outbox_to(engine, stranger)) == 3
    answer = _notification_to(smtp_server, inbound_worker, stranger)
    assert answer["Auto-Submitted"] == "auto-replied"
    assert "List-Unsubscribe" not in answer
    assert "http://testserver/signup" in answer.get_content()


def test_inbox_notification_says_a_reply_is_a_comment_only_with_an_inbound_address(
    engine, smtp_server, worker, inbound_worker, patron, other_patron, category
):
    idea = f.idea(engine, patron, category, title="Longer opening hours")
    f.comment(engine, other_patron, idea.id, "First.")
    plain = _notification_to(smtp_server, worker, patron.email)  # INBOUND_ADDRESS unset
    assert "Reply-To" not in plain and "X-Loop" not in plain
    assert "answer this email" not in plain.get_content()
    f.comment(engine, other_patron, idea.id, "Second.")
    for _ in range(3):
        inbound_worker.step()
    with_reply = smtp_server.by_recipient(patron.email)[-1]
    assert with_reply["Reply-To"].startswith("ideas+")
    assert "answer this email" in with_reply.get_content()
