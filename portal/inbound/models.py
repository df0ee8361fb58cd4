"""Tables of the inbound mail domain.

`inbound_message` remembers every message `portal inbox` has handled, by a hash of its
Message-ID (or of the whole message when it has none) and the portal address it was for. The
row is written in the same transaction as what the message did (a comment, an idea, a reply
queued), so a message delivered twice, or collected again after a crash, does nothing twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from portal.core.clock import utcnow


class InboundMessage(SQLModel, table=True):
    __tablename__ = "inbound_message"

    id: int = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)  # sha256 hex of Message-ID (or body) + address
    outcome: str = Field(max_length=32)  # comment | idea | invited | dropped:<reason>
    ref_id: int | None = None  # the comment's or the idea's id
    received_at: datetime = Field(default_factory=utcnow)
