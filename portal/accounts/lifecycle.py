"""Writes of an account's life: signing up, confirming the address, a forgotten password,
changing the name, the address or the password. One function per verb.

Links sent by email (`AccountToken`) hold 256 random bits; only their SHA-256 is stored. A
link works once: using it deletes its row in the same transaction as what it does, so of two
uses at once only one finds it. A confirmation link lasts 48 hours, a reset link one hour.

Sign-up answers the same whether or not the address has an account: a new address gets its
confirmation link, an address that has an account gets an email saying someone tried to sign
up with it and how to sign in or choose a new password. Every email here goes through the
outbox in the caller's transaction (portal.notifications.services.queue_email), composed in
the person's language.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.accounts import addresses, services
from portal.accounts.models import USER_GROUPS, AccountToken, User
from portal.accounts.queries import user_by_email
from portal.core.clock import aware, utcnow
from portal.core.errors import ValidationError
from portal.core.i18n import _
from portal.notifications import services as notifications
from portal.web.urls import path_for

CONFIRM, RESET = "confirm", "reset"
LIFETIME = {CONFIRM: timedelta(hours=48), RESET: timedelta(hours=1)}
TOKEN_MAX = 100  # characters: longer text in a link is no token of ours


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _issue(db: Session, user: User, purpose: str, address: str) -> tuple[AccountToken, str]:
    """A new link for `purpose`, sent to `address`: its row, and the token for the link."""
    token, now = secrets.token_urlsafe(32), utcnow()
    row = AccountToken(
        token_hash=_hash(token),
        user_id=user.id,
        purpose=purpose,
        email=address,
        created_at=now,
        expires_at=now + LIFETIME[purpose],
    )
    db.add(row)
    db.flush()
    return row, token


def valid_link(db: Session, token: str, purpose: str) -> AccountToken | None:
    """The unused, unexpired link `token` for `purpose`, or None."""
    if not token or len(token) > TOKEN_MAX or "\x00" in token:
        return None
    row = db.execute(
        select(AccountToken).where(
            col(AccountToken.token_hash) == _hash(token), col(AccountToken.purpose) == purpose
        )
    ).scalar_one_or_none()
    if row is None or aware(row.expires_at) <= utcnow():
        return None
    return row


def _spent() -> ValidationError:
    return ValidationError(
        {"link": _("This link has expired or has already been used. Ask for a new one.")}
    )


def _use(db: Session, token: str, purpose: str) -> tuple[AccountToken, User]:
    """Take the link `token` for `purpose` once: its row is deleted here, and a second use,
    even at the same moment, finds nothing. Raises ValidationError (key "link")."""
    row = valid_link(db, token, purpose)
    if row is None:
        raise _spent()
    if db.exec(delete(AccountToken).where(col(AccountToken.id) == row.id)).rowcount != 1:
        raise _spent()
    user = db.get(User, row.user_id)
    if user is None:
        raise _spent()
    if user.blocked_at is not None:
        raise ValidationError({"link": _("This account has been blocked by the moderators.")})
    return row, user


def _forget_links(db: Session, user_id: int, purpose: str) -> None:
    db.execute(
        delete(AccountToken).where(
            col(AccountToken.user_id) == user_id, col(AccountToken.purpose) == purpose
        )
    )


def _email(
    db: Session, user: User, *, to: str, template: str, key: str, base_url: str, **context: object
) -> None:
    notifications.queue_email(
        db,
        # Written once, in this transaction: the key needs only to be unique (token ids are
        # reused once their rows are deleted).
        key=f"account:{key}:{user.id}:{secrets.token_hex(12)}",
        user_id=user.id,
        to=to,
        template=template,
        context={"name": user.display_name, "base_url": base_url, **context},
        locale=user.locale,
    )


def _send_confirmation(db: Session, user: User, address: str, base_url: str) -> None:
    _row, token = _issue(db, user, CONFIRM, address)
    _email(
        db,
        user,
        to=address,
        template="account_confirm",
        key="confirm",
        base_url=base_url,
        url=base_url + path_for("accounts:confirm", token=token),
        change=address != user.email,
        hours=int(LIFETIME[CONFIRM].total_seconds() // 3600),
    )


def sign_up(
    *,
    db: Session,
    email: str,
    display_name: str,
    password: str,
    password_hash: str,
    locale: str | None,
    base_url: str,
    may_email: bool = True,
) -> User | None:
    """Make an account whose address waits for confirmation, and email it the link; or, when
    the address has an account already, email that account what to do. Returns the new
    account, or None; the person is told the same either way. Raises ValidationError for bad
    fields, never for a taken address. `may_email=False` (too many emails to this address of
    late) queues no email."""
    errors = services.check_profile(email, display_name, password)
    if errors:
        raise ValidationError(errors)
    existing = user_by_email(db, email)
    if existing is None:
        try:
            with db.begin_nested():
                user = services.create_user(
                    db=db,
                    email=email,
                    display_name=display_name,
                    password=password,
                    password_hash=password_hash,
                    confirmed=False,
                    locale=locale,
                )
        except ValidationError:  # the same address signed up a moment ago
            existing = user_by_email(db, email)
        else:
            if may_email:
                _send_confirmation(db, user, user.email, base_url)
            return user
    if existing is not None and existing.blocked_at is None and may_email:
        _email(
            db,
            existing,
            to=existing.email,
            template="account_exists",
            key="exists",
            base_url=base_url,
            sign_in_url=base_url + path_for("accounts:login"),
            forgot_url=base_url + path_for("accounts:forgot"),
        )
    return None


def resend_confirmation(*, db: Session, actor: User, base_url: str) -> None:
    """Send a signed-in person with an unconfirmed address its link again. Earlier links
    keep working until one is used."""
    user = db.get(User, actor.id)
    if user is not None and user.email_confirmed_at is None:
        _send_confirmation(db, user, user.email, base_url)


def confirm_address(*, db: Session, token: str, base_url: str) -> tuple[User, bool]:
    """Follow a confirmation link: the account's address is confirmed, or, for a change of
    address, the account moves to the new address and the old one is told. Returns the
    person and whether the address changed. Raises ValidationError (key "link") for a link
    that is unknown, used, expired, or whose address has an account of its own by now."""
    row, user = _use(db, token, CONFIRM)
    if row.email == user.email:
        user.email_confirmed_at = user.email_confirmed_at or utcnow()
        db.add(user)
        _forget_links(db, user.id, CONFIRM)
        return user, False
    if user_by_email(db, row.email) is not None:
        raise ValidationError(
            {"link": _("Another account uses this email address now, so yours was not changed.")}
        )
    old = user.email
    user.email, user.email_confirmed_at = row.email, utcnow()
    db.add(user)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError as exc:  # the address got an account at this very moment
        raise ValidationError(
            {"link": _("Another account uses this email address now, so yours was not changed.")}
        ) from exc
    # Links sent to the old address (a reset, another change) no longer apply.
    db.execute(delete(AccountToken).where(col(AccountToken.user_id) == user.id))
    _email(
        db,
        user,
        to=old,
        template="account_email_changed",
        key="moved",
        base_url=base_url,
        new=user.email,
        old=old,
    )
    return user, True


def request_reset(*, db: Session, email: str, base_url: str, may_email: bool = True) -> None:
    """Email a link to choose a new password, if an account (not blocked) has this address.
    Nothing tells the caller whether one does."""
    user = user_by_email(db, email)
    if user is None or user.blocked_at is not None or not may_email:
        return
    _row, token = _issue(db, user, RESET, user.email)
    _email(
        db,
        user,
        to=user.email,
        template="account_reset",
        key="reset",
        base_url=base_url,
        url=base_url + path_for("accounts:reset", token=token),
        minutes=int(LIFETIME[RESET].total_seconds() // 60),
    )


def reset_password(*, db: Session, token: str, password_hash: str) -> User:
    """Use a reset link: the new password (hashed by the caller) replaces the old one, every
    login session of the person ends, and the address counts as confirmed, since the link
    reached it. Raises ValidationError (key "link")."""
    row, user = _use(db, token, RESET)
    user.password_hash = password_hash
    if row.email == user.email and user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    db.add(user)
    _forget_links(db, user.id, RESET)
    services.end_all_sessions(db=db, user_id=user.id)
    return user


def rename(*, db: Session, actor: User, display_name: str) -> User:
    """Change the name other people see."""
    display_name = " ".join(display_name.split())
    problem = services.name_problem(display_name)
    if problem:
        raise ValidationError({"display_name": problem})
    user = db.get(User, actor.id)
    assert user is not None
    user.display_name = display_name
    db.add(user)
    return user


def set_group(*, db: Session, actor: User, group: str) -> User:
    """Say which user group the person is in ("" for prefer not to say)."""
    if group and group not in USER_GROUPS:
        raise ValidationError({"user_group": _("Choose one of the groups, or prefer not to say.")})
    user = db.get(User, actor.id)
    assert user is not None
    user.user_group = group
    db.add(user)
    return user


def change_email(*, db: Session, actor: User, email: str, base_url: str) -> str:
    """Ask to move the account to another address: a confirmation link goes there, and the
    address changes only when it is followed. Returns the new address (normalised).
    Whether that address has an account is not said here (only its owner learns it, on
    following the link)."""
    problem = services.email_problem(email)
    if problem:
        raise ValidationError({"email": problem})
    address = addresses.normalised(email) or ""
    user = db.get(User, actor.id)
    assert user is not None
    if address == user.email:
        raise ValidationError({"email": _("This is already your email address.")})
    # One change waits at a time: links to other new addresses stop working.
    db.execute(
        delete(AccountToken).where(
            col(AccountToken.user_id) == user.id,
            col(AccountToken.purpose) == CONFIRM,
            col(AccountToken.email) != user.email,
        )
    )
    _send_confirmation(db, user, address, base_url)
    return address


def change_password(*, db: Session, actor: User, password_hash: str, base_url: str) -> User:
    """Replace the password (the caller has checked the current one and hashed the new one):
    every login session of the person ends, reset links stop working, and the address is
    told."""
    user = db.get(User, actor.id)
    assert user is not None
    user.password_hash = password_hash
    db.add(user)
    _forget_links(db, user.id, RESET)
    services.end_all_sessions(db=db, user_id=user.id)
    _email(
        db,
        user,
        to=user.email,
        template="account_password_changed",
        key="password",
        base_url=base_url,
        forgot_url=base_url + path_for("accounts:forgot"),
    )
    return user
