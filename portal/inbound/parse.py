"""Reading one received message: what it says, or why it is dropped.

Nothing here trusts the sender. A message is dropped (logged, never published) when it is over
INBOUND_MAX_BYTES, cannot be read as MIME, loops (it carries our own Message-ID domain or our
X-Loop, or comes from the portal's own addresses), was sent by a program (`Auto-Submitted`
other than "no", `Precedence: bulk/list/junk`, the usual vacation-responder headers), or is a
bounce (a null sender, a delivery report). The text kept is the newest part of a reply: quoted
text and signatures are cut by mail-parser-reply, and HTML-only mail is read as text first.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlsplit

import html2text
from mailparser_reply import EmailReplyParser

from portal.settings import Settings

# Headers that only robots send (vacation responders and mailing list software).
ROBOT_HEADERS = ("x-autoreply", "x-autorespond", "list-id")
BULK = {"bulk", "list", "junk", "auto_reply"}
_replies = EmailReplyParser(languages=["en", "zh"])


class Drop(Exception):
    """A message that is logged and dropped; `reason` is short and safe to log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Incoming:
    """What the portal reads from a message."""

    message_id: str  # as written, or "" when it has none
    digest: str  # sha256 of the Message-ID, or of the raw message when it has none
    sender: str  # the From address, lower case: untrusted
    recipients: tuple[str, ...]  # envelope recipients, else To, Cc and delivery headers
    subject: str
    text: str  # the new text of the message, quotes and signature removed


def read(
    raw: bytes, settings: Settings, *, mail_from: str | None = None, rcpt_tos: tuple[str, ...] = ()
) -> Incoming:
    """An Incoming from a raw message and its envelope (`mail_from` None when unknown, as in
    a mailbox; "" for the null sender of a bounce); raises Drop."""
    if len(raw) > settings.inbound_max_bytes:
        raise Drop("oversized")
    if mail_from is not None and mail_from.strip("<> ") == "":
        raise Drop("bounce: null sender")
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        if not isinstance(msg, EmailMessage) or not msg.keys():
            raise Drop("malformed: no headers")
        sender = _address(msg.get("From", ""))
        message_id = str(msg.get("Message-ID", "") or "").strip()
        _refuse_robots(msg, settings, sender, message_id)
        text = _text(msg)
        subject = " ".join(str(msg.get("Subject", "") or "").split())
        recipients = tuple(a.lower() for a in rcpt_tos) or _header_recipients(msg)
    except Drop:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser error is a malformed message
        raise Drop(f"malformed: {type(exc).__name__}") from exc
    if not sender:
        raise Drop("malformed: no From address")
    basis = message_id.encode("utf-8", "replace") if message_id else raw
    return Incoming(
        message_id=message_id,
        digest=hashlib.sha256(basis).hexdigest(),
        sender=sender,
        recipients=recipients,
        subject=subject,
        text=text,
    )


def _address(value: object) -> str:
    pairs = email.utils.getaddresses([str(value or "")])
    addresses = [a for _name, a in pairs if "@" in a]
    return addresses[0].strip().lower() if len(addresses) == 1 else ""


def _header_recipients(msg: EmailMessage) -> tuple[str, ...]:
    values = [
        str(v)
        for name in ("Delivered-To", "X-Original-To", "To", "Cc")
        for v in (msg.get_all(name) or [])
    ]
    return tuple(a.strip().lower() for _n, a in email.utils.getaddresses(values) if "@" in a)


def _own_addresses(settings: Settings) -> set[str]:
    own = {_address(settings.mail_from)}
    if settings.inbound_address:
        own.add(settings.inbound_address.lower())
    return {a for a in own if a}


def _refuse_robots(msg: EmailMessage, settings: Settings, sender: str, message_id: str) -> None:
    """Raise Drop for mail that loops or that a program sent."""
    own = _own_addresses(settings)
    host = (urlsplit(settings.base_url).hostname or "localhost").lower()
    if message_id.lower().rstrip(">").endswith("@" + host):
        raise Drop("loop: our own Message-ID")
    loops = {str(v).strip().lower() for v in msg.get_all("X-Loop") or []}
    if loops & own or sender in own:
        raise Drop("loop: from the portal")
    auto = str(msg.get("Auto-Submitted", "no") or "no").split(";")[0].strip().lower()
    if auto != "no":
        raise Drop("auto-submitted")
    if str(msg.get("Precedence", "") or "").strip().lower() in BULK:
        raise Drop("bulk or list mail")
    if any(name in msg for name in ROBOT_HEADERS):
        raise Drop("sent by a program")
    if msg.get_content_type() == "multipart/report" or any(
        part.get_content_type() in ("message/delivery-status", "message/disposition-notification")
        for part in msg.walk()
    ):
        raise Drop("bounce: delivery report")
    return_path = msg.get("Return-Path")
    if return_path is not None and str(return_path).strip("<> \t") == "":
        raise Drop("bounce: null sender")


def _text(msg: EmailMessage) -> str:
    """The newest text of the message: its plain part, or its HTML part read as text, with
    quoted text and the signature removed."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if not isinstance(content, str):
        raise Drop("malformed: no text")
    if part.get_content_type() == "text/html":
        converter = html2text.HTML2Text()
        converter.body_width = 0  # keep paragraphs on one line: Markdown joins them anyway
        converter.ignore_images = True
        content = converter.handle(content)
    content = content.replace("\r\n", "\n")
    found = _replies.read(content).replies
    return _without_quote(found[0].body if found else content)


def _without_quote(text: str) -> str:
    """What the library left of a quote it did not recognise (a mail program's header line
    in a form it does not know, such as some Chinese ones): trailing `>` lines and the line
    that introduced them."""
    lines = text.rstrip().split("\n")
    if not lines or not lines[-1].startswith(">"):
        return text.strip()
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    if lines and lines[-1].rstrip().endswith((":", "：")):
        lines.pop()
    return "\n".join(lines).strip()
