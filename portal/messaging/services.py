"""Writes of the messaging domain: show a linking code, link a chat address with it, unlink,
remember the bot's state, and (staff) send again a message the worker gave up on.

A code is short enough to type on a phone, so it is kept short-lived (LINK_MINUTES), used once,
stored only as a keyed hash (HMAC with the site's secret key, so a copy of the database cannot be
searched for it), and its attempts are rate-limited per sender by the callers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.core.clock import aware, utcnow
from portal.core.db import table_of
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.i18n import _
from portal.messaging import permissions
from portal.messaging.models import BotState, Link, LinkCode, MessageOutbox
from portal.moderation import audit

LINK_MINUTES = 15
# No 0/O, 1/I/L: read off a screen and typed on a phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def _hash(secret: str, code: str) -> str:
    return hmac.new(secret.encode(), code.encode(), hashlib.sha256).hexdigest()


def normal_code(text: str) -> str:
    """A code as typed (any case, spaces or dashes) in the form it was made in."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def new_code(*, db: Session, actor: User, secret: str) -> str:
    """A fresh linking code for `actor`, shown once (as XXXX-XXXX); their older codes stop
    working."""
    db.execute(delete(LinkCode).where(col(LinkCode.user_id) == actor.id))
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    db.add(
        LinkCode(
            code_hash=_hash(secret, code),
            user_id=actor.id,
            expires_at=utcnow() + timedelta(minutes=LINK_MINUTES),
        )
    )
    return f"{code[:4]}-{code[4:]}"


def link(
    *, db: Session, platform: str, address: str, code: str, secret: str, room: str = ""
) -> User:
    """Tie a chat address to the account whose code this is, using the code up. The address
    moves to this account if it was linked to another. ValidationError for an unknown, used
    or expired code."""
    row = db.execute(
        select(LinkCode).where(col(LinkCode.code_hash) == _hash(secret, normal_code(code)))
    ).scalar_one_or_none()
    user = db.get(User, row.user_id) if row is not None else None
    # Used up by a DELETE that must take the row: of two tries at once, one links.
    if (
        row is None
        or user is None
        or aware(row.expires_at) < utcnow()
        or user.blocked_at is not None
        or not _use_up(db, row.id)
    ):
        raise ValidationError(
            {"code": _("That code is not valid. Get a new one on your account page.")}
        )
    existing = db.execute(
        select(Link).where(col(Link.platform) == platform, col(Link.address) == address)
    ).scalar_one_or_none()
    if existing is None:
        existing = Link(user_id=user.id, platform=platform, address=address)
    existing.user_id, existing.room, existing.created_at = user.id, room, utcnow()
    db.add(existing)
    return user


def _use_up(db: Session, code_id: int) -> bool:
    """Delete a code; whether this statement deleted it (RETURNING, on the plain table: an ORM
    statement's rowcount is not always the rows written)."""
    table = table_of(LinkCode)
    deleted = db.connection().execute(
        delete(table).where(table.c.id == code_id).returning(table.c.id)
    )
    return deleted.first() is not None


def unlink(*, db: Session, actor: User, link_id: int) -> None:
    """Remove one of one's own links (404 for anyone else's: their existence is private)."""
    row = db.get(Link, link_id)
    if row is None or not permissions.can_unlink(actor, row):
        raise NotFound()
    db.delete(row)


def set_room(db: Session, link_id: int, room: str) -> None:
    """Where the bot now talks with a linked person (they wrote from another room)."""
    row = db.get(Link, link_id)
    if row is not None and row.room != room:
        row.room = room
        db.add(row)


def remember(db: Session, name: str, value: str) -> None:
    """Keep one of the bot's values (its sync token, its login) across restarts."""
    row = db.get(BotState, name)
    if row is None:
        row = BotState(name=name)
    row.value = value
    db.add(row)


def forget_codes(db: Session) -> int:
    """Delete expired codes (the worker does)."""
    return int(db.exec(delete(LinkCode).where(col(LinkCode.expires_at) < utcnow())).rowcount)


def retry_message(*, db: Session, actor: User, message_id: int) -> bool:
    """Staff: send one failed message again, as if new (due now, with every attempt again);
    the worker takes it on its next round. False when it is not failed (any more): sent, or
    back in the queue already, so a second press changes nothing."""
    if not permissions.can_see_failed(actor):
        raise Forbidden()  # before the lookup: which ids exist is not for everyone to learn
    row = db.get(MessageOutbox, message_id)
    if row is None:
        raise NotFound()
    if not permissions.can_retry(actor, row):
        raise Forbidden()
    # One conditional UPDATE: of two presses at once (or a press and the worker), one wins.
    result = db.exec(
        update(MessageOutbox)
        .where(col(MessageOutbox.id) == message_id, col(MessageOutbox.status) == "failed")
        .values(
            status="pending",
            attempts=0,
            next_attempt_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
        )
    )
    if not result.rowcount:
        return False
    audit.record(
        db,
        actor,
        "retry_message",
        "message",
        message_id,
        {"status": "failed", "error": row.last_error},
        {"status": "pending"},
    )
    return True
