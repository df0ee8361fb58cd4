"""Reads of the messaging domain: a person's links, who a chat address is, the bot's state,
and (for staff) the messages the worker gave up on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.messaging.models import BotState, Link, MessageOutbox
from portal.notifications import queries as notifications_q

FAILED_PER_PAGE = 50


@dataclass(frozen=True)
class Failed:
    """A message the worker gave up on, as staff see it: to whom by display name (never the
    chat address), on which platform, the notification's kind, and the last error."""

    id: int
    created_at: datetime
    display_name: str
    platform: str
    kind: str
    last_error: str
    attempts: int


def links_of(db: Session, user_id: int) -> list[Link]:
    """A person's linked chat addresses, oldest first."""
    return list(
        db.execute(
            select(Link).where(col(Link.user_id) == user_id).order_by(col(Link.id))
        ).scalars()
    )


def sender(db: Session, platform: str, address: str) -> tuple[Link, User] | None:
    """The link and account of a chat address, or None when it is not linked."""
    row = db.execute(
        select(Link, User)
        .join(User, col(User.id) == col(Link.user_id))
        .where(col(Link.platform) == platform, col(Link.address) == address)
    ).first()
    return (row[0], row[1]) if row is not None else None


def state(db: Session, name: str) -> str:
    """One of the bot's remembered values ("" when none)."""
    row = db.get(BotState, name)
    return row.value if row is not None else ""


def failed_messages(db: Session, page: int = 1) -> tuple[list[Failed], bool]:
    """A page of the messages that failed for good, newest first, and whether there is a next
    page: two statements however many rows (staff only; the route checks)."""
    rows = db.execute(
        select(
            col(MessageOutbox.id),
            col(MessageOutbox.created_at),
            col(User.display_name),
            col(Link.platform),
            col(MessageOutbox.notification_id),
            col(MessageOutbox.last_error),
            col(MessageOutbox.attempts),
        )
        .join(Link, col(Link.id) == col(MessageOutbox.link_id))
        .join(User, col(User.id) == col(Link.user_id))
        .where(col(MessageOutbox.status) == "failed")
        .order_by(col(MessageOutbox.created_at).desc(), col(MessageOutbox.id).desc())
        .offset((page - 1) * FAILED_PER_PAGE)
        .limit(FAILED_PER_PAGE + 1)
    ).all()
    shown = rows[:FAILED_PER_PAGE]
    kinds = notifications_q.kinds(db, {r.notification_id for r in shown})
    found = [
        Failed(
            r.id,
            r.created_at,
            r.display_name,
            r.platform,
            kinds.get(r.notification_id, ""),
            r.last_error,
            r.attempts,
        )
        for r in shown
    ]
    return found, len(rows) > FAILED_PER_PAGE
