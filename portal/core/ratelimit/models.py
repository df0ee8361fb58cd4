"""Tables of the rate-limit domain."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class RateCounter(SQLModel, table=True):
    """How many times `key` acted in the fixed window starting at `window_start`."""

    __tablename__ = "rate_counter"

    key: str = Field(primary_key=True, max_length=200)
    window_start: datetime = Field(primary_key=True)
    count: int = 0
