"""Writes of the accounts domain: one function per verb.

What a change of role or committee term means to other domains, they register with
`role_changed` (design sessions: a membership that ends releases the person's places in
committee-only sessions, portal.workshops.membership)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.accounts import addresses, permissions
from portal.accounts.models import ROLES, LoginSession, User
from portal.accounts.passwords import hash_password, verify_password
from portal.accounts.queries import user_by_email
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.hooks import Hooks
from portal.core.i18n import _
from portal.moderation import audit

# Called in the same transaction with (db, the person, their role before, whether they were a
# committee member before) after an admin changed their role or committee term.
role_changed: Hooks[[Session, User, str, bool], None] = Hooks("a role or committee term changed")

MIN_PASSWORD = 10
COMMON_PASSWORDS = {
    "password12",
    "password123",
    "1234567890",
    "0123456789",
    "qwertyuiop",
    "iloveyou12",
    "letmein123",
    "welcome123",
    "abcdefghij",
    "password1!",
    "1q2w3e4r5t",
    "qwerty1234",
}


def password_problem(password: str, email: str = "") -> str | None:
    """Why a password is too weak, or None when it will do."""
    if len(password) < MIN_PASSWORD:
        return _("Use at least %(n)s characters for your password.", n=MIN_PASSWORD)
    if len(password) > 1000:
        return _("Use at most 1000 characters for your password.")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return _("This password is too easy to guess. Try a few unrelated words.")
    if email and password.lower() == email.lower():
        return _("Your password must not be your email address.")
    return None


def email_problem(email: str) -> str | None:
    """Why `email` is not an address the portal can use, or None."""
    if not email.strip():
        return _("Enter your email address.")
    if addresses.normalised(email) is None:
        return _("Enter an email address like name@example.org.")
    return None


def name_problem(display_name: str) -> str | None:
    """Why a display name (spaces already collapsed) will not do, or None."""
    if not display_name:
        return _("Enter the name other people will see.")
    if len(display_name) > 80:
        return _("Use at most 80 characters for your name.")
    if "\x00" in display_name:
        return _("Remove the invisible control characters from your text.")
    return None


def check_profile(email: str, display_name: str, password: str | None) -> dict[str, str]:
    """What is wrong with a new account's fields, by field (empty when nothing)."""
    errors = {}
    for name, problem in (
        ("email", email_problem(email)),
        ("display_name", name_problem(" ".join(display_name.split()))),
        ("password", password_problem(password, email) if password is not None else None),
    ):
        if problem:
            errors[name] = problem
    return errors


def create_user(
    *,
    db: Session,
    email: str,
    display_name: str,
    password: str | None,
    role: str = "patron",
    password_hash: str | None = None,
    confirmed: bool = True,
    locale: str | None = None,
) -> User:
    """Create an account; raises ValidationError naming each bad field. `password_hash`, when
    given, must be the hash of `password` (bulk and demo data hash a shared password once;
    requests hash off the event loop first). `password=None` makes an account without a
    password, for single sign-on. `confirmed=False` for an address nobody has vouched for
    yet (sign-up): the person confirms it with the link they are sent."""
    errors = check_profile(email, display_name, password)
    if role not in ROLES:
        errors["role"] = _("Choose one of the roles.")
    address = addresses.normalised(email) or ""
    if not errors.get("email") and user_by_email(db, address):
        errors["email"] = _("An account with this email address already exists. Sign in instead.")
    if errors:
        raise ValidationError(errors)
    if not password_hash and password is not None:
        password_hash = hash_password(password)
    user = User(
        email=address,
        display_name=" ".join(display_name.split()),
        password_hash=password_hash,
        role=role,
        locale=locale,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError as exc:  # a concurrent sign-up with the same email
        raise ValidationError(
            {"email": _("An account with this email address already exists. Sign in instead.")}
        ) from exc
    return user


def accept_sign_in(user: User | None, password_ok: bool) -> User:
    """The account a sign-in is for, once its password has been checked. The error never says
    whether the email exists."""
    if user is None or not password_ok:
        raise ValidationError({"email": _("The email address or password is not right.")})
    if user.blocked_at:
        raise ValidationError({"email": _("This account has been blocked by the moderators.")})
    return user


def authenticate(*, db: Session, email: str, password: str) -> User:
    """The account for these credentials, checked here and now (commands and tests; requests
    check passwords off the event loop, through portal.accounts.signin)."""
    user = user_by_email(db, email)
    return accept_sign_in(user, verify_password(user.password_hash if user else None, password))


def renew_hash(*, db: Session, user: User, renewed: str) -> None:
    """Store a hash of the same password made with today's parameters, unless the password
    changed meanwhile."""
    db.execute(
        update(User)
        .where(col(User.id) == user.id, col(User.password_hash) == user.password_hash)
        .values(password_hash=renewed)
    )


def end_all_sessions(*, db: Session, user_id: int) -> None:
    """Sign a person out everywhere (role change, block, password change)."""
    db.execute(delete(LoginSession).where(col(LoginSession.user_id) == user_id))


def set_blocked(*, db: Session, user_id: int, blocked: bool) -> User:
    """Block or unblock a person, as the moderators decided (who may block whom is theirs:
    portal.moderation.services). A block ends every session at once; the time of the first
    block is kept while it lasts."""
    user = db.get(User, user_id)
    if user is None:
        raise NotFound()
    if blocked:
        user.blocked_at = user.blocked_at or utcnow()
        end_all_sessions(db=db, user_id=user.id)
    else:
        user.blocked_at = None
    db.add(user)
    return user


def set_role(*, db: Session, actor: User, user_id: int, role: str) -> User:
    """Admins change a role; the person's sessions end so the change applies at once. A role
    that ends a committee membership releases the person's committee places (see
    portal.workshops.membership)."""
    if not permissions.can_set_role(actor, user_id):
        raise Forbidden()
    if role not in ROLES:
        raise ValidationError({"role": _("Choose one of the roles.")})
    user = db.get(User, user_id)
    if user is None:
        raise ValidationError({"user": _("No such account.")})
    before, was_member = user.role, user.is_committee
    user.role = role
    db.add(user)
    end_all_sessions(db=db, user_id=user_id)
    role_changed(db, user, before, was_member)
    audit.record(db, actor, "set_role", "user", user_id, {"role": before}, {"role": role})
    return user


def set_committee(
    *, db: Session, actor: User, email: str, member: bool, until: str = "", listed: bool = False
) -> User:
    """Admins grant the committee role for a term (it lapses after `until`, which must not have
    passed), or remove it. The person's sessions end so the change applies at once; a removal
    releases their committee places (see portal.workshops.membership)."""
    if not permissions.can_manage_committee(actor):
        raise Forbidden()
    user = user_by_email(db, email or "")
    errors = {}
    if user is None:
        errors["email"] = _("There is no account with this email address.")
    elif user.role in ("staff", "admin"):
        errors["email"] = _("Staff and administrators already take part in the committee.")
    term = None
    if member and until.strip():
        try:
            term = date.fromisoformat(until.strip())
        except ValueError:
            errors["until"] = _("Enter a date like 2026-03-31.")
        else:
            # The same day as User.is_committee uses: a term ending today still counts.
            if term < utcnow().date():
                errors["until"] = _(
                    "This day has passed: choose today or a later day for the end of the term."
                )
    if errors:
        raise ValidationError(errors)
    assert user is not None
    before_role, was_member = user.role, user.is_committee
    before = {"role": before_role, "committee_until": user.committee_until}
    user.role = "committee" if member else "patron"
    user.committee_until = term if member else None
    user.committee_listed = listed if member else False
    db.add(user)
    end_all_sessions(db=db, user_id=user.id)
    role_changed(db, user, before_role, was_member)
    audit.record(
        db,
        actor,
        "set_committee",
        "user",
        user.id,
        before,
        {"role": user.role, "committee_until": user.committee_until},
    )
    return user
