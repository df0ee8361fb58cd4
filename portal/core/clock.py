"""Time in one place: aware UTC datetimes, stored as UTC by every table."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def aware(value: datetime) -> datetime:
    """A stored datetime as aware UTC (SQLite hands back naive values in some paths)."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
