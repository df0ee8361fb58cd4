"""Reads of the accounts domain."""

from __future__ import annotations

from sqlmodel import Session, select

from portal.accounts.models import User


def user_by_email(db: Session, email: str) -> User | None:
    """The account with this email (emails are stored lower-case)."""
    return db.exec(select(User).where(User.email == email.strip().lower())).first()


def user_by_id(db: Session, user_id: int) -> User | None:
    """The account with this id, or None."""
    return db.get(User, user_id)


def users_by_ids(db: Session, ids: set[int]) -> dict[int, User]:
    """Accounts by id, in one query (for lists that show authors)."""
    if not ids:
        return {}
    return {u.id: u for u in db.exec(select(User).where(User.id.in_(ids))).all()}
