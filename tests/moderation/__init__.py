"""Tests of moderation (reports, hiding, blocking) and the audit log, and the builders they
share: reports and hides through the real services, and reads of what was stored."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from portal.accounts.models import LoginSession
from portal.core import db
from portal.moderation import services
from portal.moderation.models import AuditEntry, Flag
from tests.factories import count


def report(engine: Any, user: Any, target_type: str, target_id: int, reason: str) -> bool:
    """Report an idea or comment through the service, as anyone signed in would."""
    with db.write(engine) as s:
        return services.flag(
            db=s, actor=user, target_type=target_type, target_id=target_id, reason=reason
        )


def hide(engine: Any, staff: Any, target_type: str, target_id: int, reason: str) -> None:
    with db.write(engine) as s:
        services.hide(
            db=s, actor=staff, target_type=target_type, target_id=target_id, reason=reason
        )


def flags(engine: Any, target_type: str | None = None, target_id: int | None = None) -> list:
    """The stored reports, oldest first (about one target when given)."""
    stmt = select(Flag).order_by(Flag.id)
    if target_type is not None:
        stmt = stmt.where(Flag.target_type == target_type, Flag.target_id == target_id)
    with db.read(engine) as s:
        return list(s.execute(stmt).scalars())


def entries(engine: Any, action: str | None = None) -> list[AuditEntry]:
    """Audit entries, oldest first (only those of `action` when given)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action is not None:
        stmt = stmt.where(AuditEntry.action == action)
    with db.read(engine) as s:
        return list(s.execute(stmt).scalars())


def only_entry(engine: Any, action: str) -> AuditEntry:
    """The one audit entry of `action`; fails when there is none or more than one."""
    found = entries(engine, action)
    assert len(found) == 1, f"{len(found)} audit entries for {action!r}: {entries(engine)}"
    return found[0]


def state(text: str) -> Any:
    """An entry's `before` or `after`, decoded ('' means nothing was noted)."""
    return json.loads(text) if text else None


def sessions_of(engine: Any, user_id: int) -> int:
    """How many login sessions `user_id` has."""
    return count(engine, LoginSession, LoginSession.user_id == user_id)


def every_row(engine: Any) -> dict[str, list[str]]:
    """Every row of every table, to prove that a request changed nothing at all."""
    from portal.models import metadata

    with db.read(engine) as s:
        return {
            table.name: sorted(repr(tuple(row)) for row in s.execute(select(table)))
            for table in metadata.sorted_tables
        }
