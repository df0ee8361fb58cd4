"""Tables of the setup domain: the site's settings, one row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

RESPONSE_DAYS = 14  # the promise until an admin sets another
RESPONSE_DAYS_MAX = 365


class SiteSettings(SQLModel, table=True):
    """What an admin sets at /staff/settings. There is one row (id 1), made by the migration.
    An empty `site_name` means the SITE_NAME setting from the environment."""

    __tablename__ = "site_settings"
    __table_args__ = (
        CheckConstraint("response_days >= 1 AND response_days <= 365", name="response_days"),
    )

    id: int = Field(default=None, primary_key=True)
    site_name: str = Field(default="", max_length=80)
    welcome_en: str = Field(default="", max_length=3000)
    welcome_zh: str = Field(default="", max_length=3000)
    contact_email: str = Field(default="", max_length=254)
    response_days: int = RESPONSE_DAYS
    updated_at: datetime | None = None
