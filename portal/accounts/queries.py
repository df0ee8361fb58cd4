"""Reads of the accounts domain."""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal.accounts import addresses
from portal.accounts.models import AccountToken, User
from portal.core.clock import utcnow


def user_by_email(db: Session, email: str) -> User | None:
    """The account with this email, however it is typed (emails are stored in their normal
    form, see portal.accounts.addresses)."""
    if "\x00" in email:  # no account has one, and PostgreSQL refuses NUL in a query
        return None
    return db.exec(select(User).where(col(User.email) == addresses.lookup_form(email))).first()


def user_by_id(db: Session, user_id: int) -> User | None:
    """The account with this id, or None."""
    return db.get(User, user_id)


def users_by_ids(db: Session, ids: set[int]) -> dict[int, User]:
    """Accounts by id, in one query (for lists that show authors)."""
    if not ids:
        return {}
    return {u.id: u for u in db.exec(select(User).where(col(User.id).in_(ids))).all()}


def committee_members(db: Session, listed_only: bool = False) -> list[User]:
    """People with the committee role (term not checked here; the page shows the term)."""
    stmt = select(User).where(col(User.role) == "committee", col(User.blocked_at).is_(None))
    if listed_only:
        stmt = stmt.where(col(User.committee_listed).is_(True))
    return list(db.exec(stmt.order_by(col(User.display_name))).all())


def staff_members(db: Session) -> list[User]:
    """Staff and admin accounts that are not blocked, by name (to own an idea)."""
    stmt = select(User).where(
        col(User.role).in_(("staff", "admin")), col(User.blocked_at).is_(None)
    )
    return list(db.exec(stmt.order_by(col(User.display_name), col(User.id))).all())


def pending_address(db: Session, user_id: int) -> AccountToken | None:
    """The newest unexpired link to confirm another address for this account, if any (a
    change of address waiting for its confirmation)."""
    user = db.get(User, user_id)
    if user is None:
        return None
    return db.exec(
        select(AccountToken)
        .where(
            col(AccountToken.user_id) == user_id,
            col(AccountToken.purpose) == "confirm",
            col(AccountToken.email) != user.email,
            col(AccountToken.expires_at) > utcnow(),
        )
        .order_by(col(AccountToken.id).desc())
        .limit(1)
    ).first()
