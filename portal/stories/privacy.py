"""The stories' part of a person's data (portal.accounts.privacy): the stories they told.
When the account goes, a story told with consent to publish stays without its author (the
database sets `author_id` to NULL), since the person agreed to its being read without their
name; any other story is deleted, with its themes and links."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.accounts.models import User
from portal.stories.models import Story


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    return {"stories": privacy.rows(db, select(Story).where(col(Story.author_id) == user_id))}


@privacy.erasures.register
def erase(db: Session, user: User) -> None:
    db.execute(delete(Story).where(col(Story.author_id) == user.id, col(Story.consent).is_(False)))
