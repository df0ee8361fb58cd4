"""Reads of the desk domain."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from portal.desk.models import DeskRecord


def recent(db: Session, limit: int = 20) -> list[DeskRecord]:
    """The latest feedback recorded by staff, newest first (for the desk page)."""
    return list(
        db.execute(select(DeskRecord).order_by(col(DeskRecord.id).desc()).limit(limit)).scalars()
    )


def by_contact(db: Session, contact: str) -> list[DeskRecord]:
    """The records that hold exactly `contact` (as recorded, without surrounding spaces),
    oldest first: what staff erase when that person asks."""
    wanted = contact.strip()
    if not wanted:
        return []
    return list(
        db.execute(
            select(DeskRecord).where(col(DeskRecord.contact) == wanted).order_by(col(DeskRecord.id))
        ).scalars()
    )
