"""Email: what each notification says, and the SMTP connection that sends it.

Subjects and bodies are written in the recipient's language. Every notification email
carries a signed unsubscribe link in its body and in List-Unsubscribe (with
List-Unsubscribe-Post, so mail programs can offer one-click unsubscribe). Emails about the
person's own account (kind "account": confirmation and reset links, notices of changes) are
not notifications and carry none.
"""

from __future__ import annotations

import email.policy
import email.utils
import logging
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import unquote, urlsplit

from portal.core import i18n
from portal.core.clock import utcnow
from portal.notifications import unsubscribe
from portal.settings import Settings
from portal.web.templating import env

log = logging.getLogger("portal.mail")
ACCOUNT = "account"  # the outbox kind of emails about a person's own account
AUTO_REPLY = "auto-reply"  # an answer to a message sent to INBOUND_ADDRESS (portal.inbound)


def compose(kind: str, context: dict, locale: str | None) -> tuple[str, str]:
    """(subject, body) of a notification email in the recipient's language."""
    token = i18n.set_locale(locale or i18n.DEFAULT_LOCALE)
    try:
        template = env.get_template(f"email/{kind}.txt")
        # A template's macros are attributes jinja2 sets at run time; its types do not list them.
        subject = " ".join(str(template.make_module(context).subject()).split())  # type: ignore[attr-defined]
        body = template.render(context)
    finally:
        i18n._current.reset(token)
    return subject[:200], body


def message(
    settings: Settings,
    *,
    key: str,
    to: str,
    subject: str,
    body: str,
    user_id: int | None,
    kind: str,
    reply_to: str = "",
) -> EmailMessage:
    """The MIME message for one outbox row. Its Message-ID is derived from the idempotency
    key, so a message resent after a crash can be recognised as the same one."""
    # Long lines, not encoded words: List-Unsubscribe must stay a plain <URL>.
    msg = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    msg["From"] = settings.mail_from
    msg["To"] = to
    msg["Subject"] = subject
    host = urlsplit(settings.base_url).hostname or "localhost"
    msg["Message-ID"] = f"<{key.replace(':', '.')}@{host}>"
    msg["Date"] = email.utils.format_datetime(utcnow())
    # Sent by a program, not a person: vacation responders and mail loops leave it alone.
    msg["Auto-Submitted"] = "auto-replied" if kind == AUTO_REPLY else "auto-generated"
    if settings.inbound_address:  # portal.inbound drops what comes back with it
        msg["X-Loop"] = settings.inbound_address
    if reply_to:  # a reply becomes the person's comment (portal.inbound)
        msg["Reply-To"] = reply_to
    if user_id is not None and kind not in ("digest-all", ACCOUNT, AUTO_REPLY):
        link = unsubscribe.url(settings.base_url, settings.secret_key, user_id, kind)
        msg["List-Unsubscribe"] = f"<{link}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(body)
    return msg


class Sender(Protocol):
    """What the worker sends through: an SMTP connection, or a LogConnection."""

    def send_message(self, msg: EmailMessage) -> object: ...


class LogConnection:
    """SMTP_URL=log:// (what `make run` uses): write each email to the worker's log instead
    of sending it, so a local demo needs no mail server. Emails about an account (those
    without an unsubscribe link) are written whole, so a local sign-up can follow its link."""

    def send_message(self, msg: EmailMessage) -> None:
        if "List-Unsubscribe" in msg:
            log.info("email to %s: %s", msg["To"], msg["Subject"])
        else:
            log.info("email to %s: %s\n%s", msg["To"], msg["Subject"], msg.get_content())


@contextmanager
def smtp(settings: Settings) -> Iterator[Sender]:
    """An SMTP connection from SMTP_URL: smtp://[user:password@]host[:port][?starttls=1],
    smtps:// for TLS from the start, or log:// to write emails to the log."""
    parts = urlsplit(settings.smtp_url)
    if parts.scheme == "log":
        yield LogConnection()
        return
    host = parts.hostname or "127.0.0.1"
    if parts.scheme == "smtps":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(host, parts.port or 465, timeout=30)
    else:
        conn = smtplib.SMTP(host, parts.port or 25, timeout=30)
        if "starttls=1" in (parts.query or ""):
            conn.starttls()
    try:
        if parts.username:
            conn.login(unquote(parts.username), unquote(parts.password or ""))
        yield conn
    finally:
        try:
            conn.quit()
        except (smtplib.SMTPException, OSError):
            conn.close()


__all__ = ["ACCOUNT", "AUTO_REPLY", "compose", "message", "smtp"]
