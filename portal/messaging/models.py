"""Tables of the messaging domain.

A `Link` ties a chat address (a Matrix user id, or a relayed platform's sender id) to an
account; it is made by a one-time `LinkCode` that the account shows on /account and the person
sends to the bot. `MessageOutbox` is the third channel's outbox beside email: one row per
notification and link (unique), sent by the worker with retries. `BotState` keeps what the bot
must remember across restarts (its sync token, its login); `SeenSignature` the webhook requests
already taken, so none can be replayed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core.clock import utcnow

MATRIX = "matrix"


class Link(SQLModel, table=True):
    __tablename__ = "messaging_link"
    __table_args__ = (UniqueConstraint("platform", "address"),)

    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    platform: str = Field(max_length=16)  # "matrix", or the platform a relay named
    address: str = Field(max_length=255)  # who sends: "@ana:example.org", a relay's sender id
    room: str = Field(default="", max_length=255)  # Matrix: the room the bot answers in
    created_at: datetime = Field(default_factory=utcnow)


class LinkCode(SQLModel, table=True):
    """A code shown once on /account. Only its keyed hash is stored, so a copy of the database
    yields no usable code; it works once and for a few minutes."""

    __tablename__ = "messaging_link_code"

    id: int = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class MessageOutbox(SQLModel, table=True):
    __tablename__ = "message_outbox"
    __table_args__ = (
        UniqueConstraint("notification_id", "link_id"),
        Index("ix_message_outbox_due", "status", "next_attempt_at"),
    )

    id: int = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", ondelete="CASCADE")
    link_id: int = Field(foreign_key="messaging_link.id", index=True, ondelete="CASCADE")
    body: str = Field(max_length=2_000)
    status: str = Field(default="pending", max_length=8)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class BotState(SQLModel, table=True):
    __tablename__ = "messaging_bot_state"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="", max_length=2_000)


class SeenSignature(SQLModel, table=True):
    """A webhook request already taken (its signature), kept while its timestamp is fresh."""

    __tablename__ = "messaging_seen_signature"

    signature: str = Field(primary_key=True, max_length=64)
    seen_at: datetime = Field(default_factory=utcnow, index=True)
