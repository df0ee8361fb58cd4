"""`portal inbox --imap` against a real IMAP server (Debian's dovecot, started by the test
with a throwaway config): messages appended with imaplib are collected once, even when the
command runs twice and when a crash left handled messages unmarked."""

from __future__ import annotations

import imaplib
import time

import pytest

from portal.notifications.replies import reply_address
from tests import factories as f
from tests import imap
from tests.conftest import SECRET
from tests.inbound.helpers import INBOUND, comments_on, env, ideas_titled, message, with_inbound
from tests.processes import portal_run

pytestmark = pytest.mark.skipif(
    not imap.installed(), reason="dovecot is not installed (apt-get install dovecot-imapd)"
)


@pytest.fixture
def mailbox(tmp_path):
    with imap.server(tmp_path) as box:
        yield box


def _append(box: imap.Mailbox, *messages) -> None:
    conn = imaplib.IMAP4(box.host, box.port)
    conn.login(box.user, box.password)
    for msg in messages:
        conn.append("INBOX", None, imaplib.Time2Internaldate(time.time()), msg.as_bytes())
    conn.logout()


def _unseen(box: imap.Mailbox, *, forget: bool = False) -> list[bytes]:
    """The unseen messages' numbers; with `forget`, first mark every message unseen again
    (as if the collector had crashed after handling them, before marking them)."""
    conn = imaplib.IMAP4(box.host, box.port)
    conn.login(box.user, box.password)
    conn.select("INBOX")
    if forget:
        conn.store("1:*", "-FLAGS", "(\\Seen)")
    _typ, found = conn.search(None, "UNSEEN")
    conn.logout()
    return found[0].split()


def test_inbox_imap_collects_each_message_once(
    engine, settings, mailbox, patron, other_patron, category, tmp_path
):
    idea = f.idea(engine, patron, category, title="Longer opening hours")
    to = reply_address(INBOUND, SECRET, other_patron.id, idea.id)
    _append(
        mailbox,
        message(other_patron.email, to, "Evenings, please."),
        message(patron.email, INBOUND, "Somewhere to charge phones.", subject="Phone chargers"),
        message(patron.email, to, "Auto", headers={"Auto-Submitted": "auto-replied"}),
    )
    command = ("inbox", "--imap", mailbox.url(), "--once")
    environment = env(with_inbound(settings), tmp_path)
    for forget in (False, False, True):  # twice, then again after a "crash" before marking
        if forget:
            assert len(_unseen(mailbox, forget=True)) == 3
        done = portal_run(*command, env=environment)
        assert done.returncode == 0, done.stderr
        assert _unseen(mailbox) == []
        assert [(c.author_id, c.body) for c in comments_on(engine, idea.id)] == [
            (other_patron.id, "Evenings, please.")
        ]
        assert [i.author_id for i in ideas_titled(engine, "Phone chargers")] == [patron.id]
    assert "auto-submitted" in done.stderr


def test_inbox_imap_wrong_password_fails_clearly(settings, mailbox, tmp_path):
    url = mailbox.url().replace(imap.PASSWORD, "wrong")
    done = portal_run("inbox", "--imap", url, "--once", env=env(with_inbound(settings), tmp_path))
    assert done.returncode == 1
    assert "The mailbox could not be read" in done.stderr
    assert "Traceback" not in done.stderr
