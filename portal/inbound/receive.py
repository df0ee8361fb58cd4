"""`portal inbox`: receive mail by SMTP or LMTP (the library's mail server forwards the
portal's address to it), or collect it from an IMAP mailbox.

A message is answered 250 (or marked \\Seen in the mailbox) only once what it did is
committed; a message that could not be handled for a passing reason (the database is away)
is answered 451, so the mail server tries again, or left unseen for the next round. Mail
that is dropped is still answered 250: a refusal would make the mail server send a bounce to
a sender that may be forged.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
import re
import signal
import threading
from urllib.parse import unquote, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Engine

from portal.core.ratelimit.limits import Counter
from portal.inbound import parse, services
from portal.settings import Settings

log = logging.getLogger("portal.inbound")


class MailboxError(Exception):
    """`portal inbox --imap --once` could not read the mailbox (refused, unreachable)."""


class Receiver:
    """Reads and handles one raw message at a time."""

    def __init__(self, engine: Engine, settings: Settings, counter: Counter) -> None:
        self.engine = engine
        self.settings = settings
        self.counter = counter

    def receive(
        self, raw: bytes, *, mail_from: str | None = None, rcpt_tos: list[str] | None = None
    ) -> list[str]:
        """The outcome of each portal address the message was for (see services.handle)."""
        try:
            incoming = parse.read(
                raw, self.settings, mail_from=mail_from, rcpt_tos=tuple(rcpt_tos or ())
            )
        except parse.Drop as exc:
            log.warning("message from %s dropped: %s", mail_from or "?", exc.reason)
            return [f"dropped: {exc.reason}"]
        return services.handle(self.engine, self.settings, self.counter, incoming)


class _Handler:
    """aiosmtpd's handler: each message is handled in a thread, off the event loop."""

    def __init__(self, receiver: Receiver, lmtp: bool) -> None:
        self.receiver = receiver
        self.lmtp = lmtp

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = bytes(envelope.original_content or b"")
        try:
            await asyncio.to_thread(
                self.receiver.receive,
                raw,
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
            )
            status = "250 2.0.0 Message accepted"
        except Exception:
            log.exception("could not handle a message; the mail server will try again")
            status = "451 4.3.0 Try again later"
        # LMTP answers once per recipient (RFC 2033); the message was handled as a whole.
        return "\r\n".join([status] * len(envelope.rcpt_tos)) if self.lmtp else status


class _LMTPController(Controller):
    def factory(self) -> LMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def listen(receiver: Receiver, host: str, port: int, *, lmtp: bool = False) -> None:
    """Serve SMTP (or LMTP) on host:port until SIGTERM or SIGINT."""
    kind = _LMTPController if lmtp else Controller
    # Past four times the limit the server stops reading (552); below that a message over the
    # limit is read, logged and dropped (parse.read).
    controller = kind(
        _Handler(receiver, lmtp),
        hostname=host,
        port=port,
        data_size_limit=receiver.settings.inbound_max_bytes * 4,
    )
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    controller.start()
    log.info("receiving %s on %s:%s", "LMTP" if lmtp else "SMTP", host, port)
    try:
        stop.wait()
    finally:
        controller.stop()


def collect(receiver: Receiver, url: str) -> int:
    """Handle every unseen message in the IMAP mailbox at `url`
    (imaps://user:password@host[:993]/Folder, or imap:// with ?starttls=1), marking each
    \\Seen once handled; returns how many. A message handled before a crash but not yet
    marked is recognised by its Message-ID and does nothing again."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    if parts.scheme == "imaps":
        conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(host, parts.port or 993, timeout=60)
    elif parts.scheme == "imap":
        conn = imaplib.IMAP4(host, parts.port or 143, timeout=60)
        if "starttls=1" in (parts.query or ""):
            conn.starttls()
    else:
        raise ValueError("the mailbox URL starts with imaps:// or imap://")
    handled = 0
    try:
        conn.login(unquote(parts.username or ""), unquote(parts.password or ""))
        folder = unquote(parts.path.strip("/")) or "INBOX"
        typ, _ = conn.select(_quoted(folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"no folder {folder!r}")
        _typ, found = conn.uid("SEARCH", "UNSEEN")
        for uid in (found[0] or b"").decode().split():
            if _collect_one(receiver, conn, uid):
                handled += 1
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            conn.logout()
    return handled


def _collect_one(receiver: Receiver, conn: imaplib.IMAP4, uid: str) -> bool:
    typ, data = conn.uid("FETCH", uid, "(BODY.PEEK[])")
    raw = next((item[1] for item in data if isinstance(item, tuple)), None)
    if typ != "OK" or raw is None:
        log.warning("message %s could not be fetched", uid)
        return False
    try:
        receiver.receive(raw)
    except Exception:
        log.exception("could not handle message %s; it stays unseen", uid)
        return False
    conn.uid("STORE", uid, "+FLAGS.SILENT", "(\\Seen)")
    return True


def _quoted(folder: str) -> str:
    return '"' + re.sub(r'(["\\])', r"\\\1", folder) + '"'


def poll(receiver: Receiver, url: str, *, every: float, once: bool) -> None:
    """Collect from the mailbox every `every` seconds (or once) until SIGTERM."""
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    while not stopping.is_set():
        try:
            count = collect(receiver, url)
            if count:
                log.info("collected %s messages", count)
        except (imaplib.IMAP4.error, OSError) as exc:
            log.warning("the mailbox could not be read: %s", exc)
            if once:
                raise MailboxError(str(exc)) from exc
        if once:
            return
        stopping.wait(every)
