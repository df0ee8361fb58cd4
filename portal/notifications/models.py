"""Tables of the notifications domain.

`event` is the durable outbox: a service writes one row in the same transaction as what
happened. The worker fans each event out into `notification` rows (the in-app list) and
`email_outbox` rows, and sends those. Unique keys make every step safe to repeat after a crash.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core.clock import utcnow

KINDS = (
    "comment",
    "status",
    "decision",
    "waitlist",
    "reminder",
    "cancelled",
    "released",
    "survey",
    "triage",
    "outputs",
)
MODES = ("immediate", "digest", "off")
STAFF_KINDS = ("triage",)  # about staff's own work: offered to staff alone


def kinds_for(is_staff: bool) -> tuple[str, ...]:
    """The kinds a person chooses email for: staff's own kinds only for staff."""
    return KINDS if is_staff else tuple(k for k in KINDS if k not in STAFF_KINDS)


class Event(SQLModel, table=True):
    __table_args__ = (Index("ix_event_pending", "fanned_out_at", "id"),)

    id: int = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    idea_id: int | None = Field(default=None, foreign_key="idea.id", ondelete="CASCADE")
    comment_id: int | None = None
    decision_id: int | None = None
    workshop_id: int | None = None
    user_id: int | None = None  # for events aimed at one person (waitlist, cancellation...)
    detail: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    fanned_out_at: datetime | None = None
    recipients: int = 0


class Notification(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("user_id", "event_id"),
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("ix_notification_digest", "email_state", "user_id"),
    )

    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    event_id: int = Field(foreign_key="event.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None
    email_state: str = Field(default="none", max_length=8)  # none | digest | done


class EmailOutbox(SQLModel, table=True):
    """One email to send. `idempotency_key` is unique, and is also the Message-ID, so a retry
    after a crash is recognisable as the same message."""

    __tablename__ = "email_outbox"
    __table_args__ = (
        Index("ix_email_outbox_due", "status", "next_attempt_at"),
        # /healthz and /metrics count the waiting and failed emails and find the oldest
        # waiting one on every poll: from this index alone, however many were ever sent.
        Index("ix_email_outbox_waiting", "status", "created_at"),
    )

    id: int = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=120, unique=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    to_addr: str = Field(max_length=254)
    subject: str = Field(max_length=200)
    body: str = Field(max_length=100_000)
    kind: str = Field(max_length=16)
    status: str = Field(default="pending", max_length=8)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    # An address that a reply reaches the portal by (INBOUND_ADDRESS with a token naming the
    # person and the idea), or "" for none.
    reply_to: str = Field(default="", max_length=254)


class WorkerHeartbeat(SQLModel, table=True):
    """When each worker process last went round its loop (/healthz shows the latest)."""

    __tablename__ = "worker_heartbeat"

    worker_id: str = Field(primary_key=True, max_length=64)
    started_at: datetime = Field(default_factory=utcnow)
    seen_at: datetime = Field(default_factory=utcnow)


class Preference(SQLModel, table=True):
    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    mode: str = Field(default="immediate", max_length=10)
    # Also as a chat message, to whoever linked a messaging account (portal.messaging).
    message: bool = True
