"""The messaging domain's part of a person's data (portal.accounts.privacy): their linked chat
addresses. When the account goes, its links, codes and unsent messages go with it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.accounts.models import User
from portal.messaging.models import Link, LinkCode, MessageOutbox


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    return {"chat_links": privacy.rows(db, select(Link).where(col(Link.user_id) == user_id))}


@privacy.erasures.register
def erase(db: Session, user: User) -> None:
    links = select(col(Link.id)).where(col(Link.user_id) == user.id)
    db.execute(delete(MessageOutbox).where(col(MessageOutbox.link_id).in_(links)))
    db.execute(delete(Link).where(col(Link.user_id) == user.id))
    db.execute(delete(LinkCode).where(col(LinkCode.user_id) == user.id))
