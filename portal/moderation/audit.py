"""The audit log: one row for every staff and admin action, written in the same transaction
as the action. There is deliberately no function here to change or delete an entry."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.moderation.models import AuditEntry

PER_PAGE = 50


def _dump(value: Any) -> str:
    if value in (None, "", {}):
        return ""
    return json.dumps(value, ensure_ascii=False, default=str)[:5000]


def record(
    db: Session,
    actor: User,
    action: str,
    target_type: str,
    target_id: int | None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Note that `actor` did `action` to a target, with its state before and after."""
    db.add(
        AuditEntry(
            actor_id=actor.id,
            actor_name=actor.display_name[:80],
            action=action,
            target_type=target_type,
            target_id=target_id,
            before=_dump(before),
            after=_dump(after),
        )
    )


def entries(db: Session, page: int = 1) -> tuple[list[AuditEntry], bool]:
    """The log, newest first (admins only; the route checks)."""
    rows = list(
        db.execute(
            select(AuditEntry)
            .order_by(col(AuditEntry.id).desc())
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE + 1)
        ).scalars()
    )
    return rows[:PER_PAGE], len(rows) > PER_PAGE
