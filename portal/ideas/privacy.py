"""The ideas domain's part of a person's data (portal.accounts.privacy): the ideas they
proposed. They stay when the account goes, shown as by a deleted user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.ideas.models import Idea


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    return {"ideas": privacy.rows(db, select(Idea).where(col(Idea.author_id) == user_id))}
