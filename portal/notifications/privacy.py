"""The notifications domain's part of a person's data (portal.accounts.privacy): their
notifications and email settings. When the account goes, the email not yet sent to them and
the events of theirs not yet fanned out are erased; the database erases the rest."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.accounts.models import User
from portal.notifications.models import EmailOutbox, Event, Notification, Preference


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    return {
        "notifications": privacy.rows(
            db, select(Notification).where(col(Notification.user_id) == user_id)
        ),
        "email_preferences": privacy.rows(
            db, select(Preference).where(col(Preference.user_id) == user_id)
        ),
    }


@privacy.erasures.register
def erase(db: Session, user: User) -> None:
    db.execute(
        delete(EmailOutbox).where(
            col(EmailOutbox.user_id) == user.id, col(EmailOutbox.status) != "sent"
        )
    )
    db.execute(
        delete(Event).where(col(Event.user_id) == user.id, col(Event.fanned_out_at).is_(None))
    )
