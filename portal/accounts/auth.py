"""Login sessions: a random token in an HttpOnly cookie, its hash in the database.

Every request with the cookie looks the session up (one indexed query), so signing out, a role
change or a block takes effect on the very next request, even for a copied cookie. The lookup
runs when something first asks who is signed in; `SignedInMiddleware` leaves it on every
request for the web floor, which knows no accounts (portal.web.requests.signed_in).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.accounts.models import LoginSession, User
from portal.core.clock import utcnow
from portal.core.db import table_of
from portal.core.errors import Forbidden
from portal.core.prepared import Prepared
from portal.web import csrf
from portal.web.requests import LoginRequired

COOKIE = "sid"
LIFETIME = timedelta(days=30)


# Built once, and run as a prepared statement on a plain connection: it runs on every
# signed-in request, and building the statement or an ORM session costs more than the query.
_users, _sessions = table_of(User), table_of(LoginSession)
_SIGNED_IN = Prepared(
    select(_users)
    .join(_sessions, _sessions.c.user_id == _users.c.id)
    .where(_sessions.c.token_hash == bindparam("token_hash"))
    .where(_sessions.c.expires_at > bindparam("now", type_=_sessions.c.expires_at.type))
)


def _detached(row: Any) -> User:
    """The person in `row`, detached as if loaded by a session that has closed: no pending
    changes, and its identity key, so a session can merge it or load it again. Built with the
    model's own constructor and SQLAlchemy's public `make_transient_to_detached`, which work in
    a process where no ORM query has run yet (the app also configures the mappers when it
    starts)."""
    user = User(**row._asdict())
    make_transient_to_detached(user)
    return user


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Session, user: User, old_token: str | None = None) -> str:
    """Create a login session for `user` and return the cookie token. Any session the browser
    had before is ended, so the id always rotates at sign-in."""
    if old_token:
        db.execute(delete(LoginSession).where(col(LoginSession.token_hash) == _hash(old_token)))
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.add(
        LoginSession(
            token_hash=_hash(token), user_id=user.id, created_at=now, expires_at=now + LIFETIME
        )
    )
    return token


def forget_cookie(request: Request, response: Response) -> None:
    """Sign the browser out with `response`: its login session's cookie goes, and its CSRF
    cookie is replaced."""
    csrf.rotate(response, secure=request.app.state.settings.secure_cookies)
    response.delete_cookie(COOKIE)


def end_session(db: Session, token: str | None) -> None:
    """Sign out this browser."""
    if token:
        db.execute(delete(LoginSession).where(col(LoginSession.token_hash) == _hash(token)))


def set_cookie(request: Request, response: Response, token: str) -> None:
    """Sign the browser in with `response`: the login session's cookie, and a new CSRF cookie,
    so that no form token from before the sign-in works after it."""
    csrf.rotate(response, secure=request.app.state.settings.secure_cookies)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
    )


def current_user(request: Request) -> User | None:
    """The signed-in person, looked up once per request; None for visitors and blocked users.

    The person comes back detached, as from a closed session: to change them, a service
    loads them again in its own session."""
    state = request.scope.setdefault("state", {})
    if "user" in state:
        return state["user"]
    user = None
    token = request.cookies.get(COOKIE)
    if token:
        params = {"token_hash": _hash(token), "now": utcnow()}
        with request.app.state.engine.connect() as conn:
            row = _SIGNED_IN.first(conn, params)
        if row is not None and row.blocked_at is None:
            user = _detached(row)
    state["user"] = user
    return user


def require_user(request: Request) -> User:
    """The signed-in person; visitors are sent to sign in and back (LoginRequired)."""
    user = current_user(request)
    if user is None:
        raise LoginRequired()
    return user


def require(request: Request, allowed: Callable[[User], bool]) -> User:
    """The signed-in person when `allowed` (a domain's permission) lets them in: visitors are
    sent to sign in, anyone else gets 403."""
    user = require_user(request)
    if not allowed(user):
        raise Forbidden()
    return user


class SignedInMiddleware:
    """Leaves `current_user` on every request's state as `find_user`, for the parts that know
    no accounts (templates, error pages): they call it when they need the person, so a request
    that never does costs no query, as before."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["find_user"] = current_user
        await self.app(scope, receive, send)
