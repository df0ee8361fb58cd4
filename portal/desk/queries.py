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
