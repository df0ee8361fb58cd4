"""Reads of the messaging domain: a person's links, who a chat address is, the bot's state."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.messaging.models import BotState, Link


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
