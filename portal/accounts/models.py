"""Tables of the accounts domain."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.core.clock import utcnow

ROLES = ("patron", "committee", "staff", "admin")
# What a person says they are at the institution (on /account, and in surveys' "about you"):
# used only in aggregates. "" is "prefer not to say", and the default.
USER_GROUPS = (
    "undergraduate",
    "postgraduate",
    "researcher",
    "staff",
    "community",
    "distance",
)


class User(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    display_name: str = Field(max_length=80)
    password_hash: str | None = Field(default=None, max_length=255)
    role: str = Field(default="patron", max_length=16)
    locale: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    blocked_at: datetime | None = None
    # The committee role lasts for a term; after `committee_until` it lapses by itself.
    committee_until: date | None = None
    committee_listed: bool = False
    # When the person followed a confirmation link sent to `email` (single sign-on: when the
    # provider vouched for it). Until then they read and follow, and get no email but that link.
    email_confirmed_at: datetime | None = None
    # One of USER_GROUPS, or "" (prefer not to say). Only ever shown counted with others.
    user_group: str = Field(default="", max_length=16)

    @property
    def is_staff(self) -> bool:
        return self.role in ("staff", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def may_take_part(self) -> bool:
        """Whether the person may propose, vote, comment and register: not blocked, and with a
        confirmed email address."""
        return self.blocked_at is None and self.email_confirmed_at is not None

    @property
    def is_committee(self) -> bool:
        """Staff, admins, and committee members whose term has not ended."""
        if self.role in ("staff", "admin"):
            return True
        return self.role == "committee" and (
            self.committee_until is None or self.committee_until >= utcnow().date()
        )


class LoginSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its hash is stored, so a
    stolen database does not yield usable cookies. Deleting the row ends the session at once."""

    __tablename__ = "login_session"

    id: int = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class Identity(SQLModel, table=True):
    """A single sign-on identity: the provider's (issuer, subject), never the email alone."""

    __table_args__ = (UniqueConstraint("issuer", "subject"),)

    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow)


class AccountToken(SQLModel, table=True):
    """A link sent by email: to confirm an address ("confirm": the account's own, or the new
    one it is changing to) or to choose a new password ("reset"). The link holds a random
    token; only its hash is stored, so a copy of the database yields no usable link. It
    works once (the row is deleted when used) and until `expires_at`."""

    __tablename__ = "account_token"

    id: int = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=8)
    email: str = Field(max_length=254)  # where the link was sent
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
