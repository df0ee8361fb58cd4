"""Login sessions: a random token in an HttpOnly cookie, its hash in the database.

Every request with the cookie looks the session up (one indexed query), so signing out, a role
change or a block takes effect on the very next request, even for a copied cookie.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import bindparam, delete, select
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response

from portal import db as database
from portal.accounts.models import LoginSession, User
from portal.clock import utcnow

COOKIE = "sid"
LIFETIME = timedelta(days=30)


# Built once: it runs on every signed-in request, and building costs more than running it.
_SIGNED_IN = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.token_hash == bindparam("token_hash"))
    .where(LoginSession.expires_at > bindparam("now", type_=LoginSession.expires_at.type))
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Session, user: User, old_token: str | None = None) -> str:
    """Create a login session for `user` and return the cookie token. Any session the browser
    had before is ended, so the id always rotates at sign-in."""
    if old_token:
        db.execute(delete(LoginSession).where(LoginSession.token_hash == _hash(old_token)))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        LoginSession(
            token_hash=_hash(token), user_id=user.id, created_at=now, expires_at=now + LIFETIME
        )
    )
    return token


def end_session(db: Session, token: str | None) -> None:
    """Sign out this browser."""
    if token:
        db.execute(delete(LoginSession).where(LoginSession.token_hash == _hash(token)))


def set_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
    )


def current_user(request: Request) -> User | None:
    """The signed-in person, looked up once per request; None for visitors and blocked users."""
    if "user" in request.state._state:
        return request.state.user
    user = None
    token = request.cookies.get(COOKIE)
    if token:
        with database.read(request.app.state.engine) as db:
            row = db.execute(
                _SIGNED_IN, {"token_hash": _hash(token), "now": utcnow()}
            ).scalar_one_or_none()
            user = row if row is not None and row.blocked_at is None else None
    request.state.user = user
    return user
