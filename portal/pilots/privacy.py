"""The pilots' part of a person's data (portal.accounts.privacy): the cohorts they joined.
When the account goes they leave every cohort, and each count goes down with them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.accounts.models import User
from portal.pilots import services
from portal.pilots.models import PilotMember


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    rows = select(PilotMember).where(col(PilotMember.user_id) == user_id)
    return {"pilots_joined": privacy.rows(db, rows)}


@privacy.erasures.register
def erase(db: Session, user: User) -> None:
    services.leave_every_pilot(db, user.id)
