"""The votes domain's part of a person's data (portal.accounts.privacy): their votes and the
ideas they follow. When the account goes, the database erases the follows and keeps the votes
as anonymous rows, so every idea's count still equals its rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.votes.models import Follow, Vote


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    return {
        "votes": privacy.rows(db, select(Vote).where(col(Vote.user_id) == user_id)),
        "follows": privacy.rows(db, select(Follow).where(col(Follow.user_id) == user_id)),
    }
