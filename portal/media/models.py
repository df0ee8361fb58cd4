"""Tables of the media domain: one row per file attached to an idea, a comment, a design
session, a decision or a question's option."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from portal.core.clock import utcnow

# What a file can be attached to (`Attachment.owner_kind`).
OWNER_KINDS = ("idea", "comment", "workshop", "decision", "choice_option")


class Attachment(SQLModel, table=True):
    __table_args__ = (
        # A page reads the files of everything it shows in one query.
        Index("ix_attachment_owner", "owner_kind", "owner_id"),
    )

    id: int = Field(default=None, primary_key=True)
    owner_kind: str = Field(max_length=20)
    owner_id: int
    # Deleting an account deletes the files its person attached (portal.media.privacy).
    uploader_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=5)  # image | pdf
    # Content-addressed file names under MEDIA_DIR: the SHA-256 of the stored bytes.
    name: str = Field(max_length=80, index=True)
    thumb: str = Field(default="", max_length=80, index=True)
    alt: str = Field(default="", max_length=300)
    filename: str = Field(default="", max_length=120)
    size: int
    width: int = 0
    height: int = 0
    created_at: datetime = Field(default_factory=utcnow)
