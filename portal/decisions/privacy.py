"""The decisions domain's part of a person's data (portal.accounts.privacy): their answers to
"Did this change help you?", and a committee member's advice on draft decisions. When the
account goes, the database erases them (advice stays without its member, as anything else
the person wrote stays, by a deleted user)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.decisions.models import Advice, FollowUp


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    return {
        "follow_ups": privacy.rows(db, select(FollowUp).where(col(FollowUp.user_id) == user_id)),
        "advice": privacy.rows(db, select(Advice).where(col(Advice.member_id) == user_id)),
    }
