"""The comments domain's part of a person's data (portal.accounts.privacy): the comments they
wrote. They stay when the account goes, shown as by a deleted user."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.comments.models import Comment


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    return {"comments": privacy.rows(db, select(Comment).where(col(Comment.author_id) == user_id))}
