"""Single sign-on with any OpenID Connect provider, through Authlib's Starlette client.

The flow: GET /login/sso sends the browser to the provider (authorization code with PKCE S256,
a random `state` and `nonce`); GET /auth/callback takes the code back, exchanges it, checks the
ID token (signature, issuer, audience, expiry, nonce), reads the userinfo endpoint, and signs in
the account linked to the provider's (issuer, subject), creating it on the first visit.

Where the flow keeps its state: Authlib stores state, nonce and code verifier in
`request.session`. Only the SSO routes have one: `StateCookie` wraps just those routes in
Starlette's SessionMiddleware, an itsdangerous-signed cookie `oidc_state` (Path=/auth,
SameSite=Lax, Secure when BASE_URL is https, ten minutes). No other page reads it.
A state is removed from the cookie when its callback arrives, and the provider accepts a code
only once, so a replayed callback fails either way.

An email that already belongs to a local account is never linked silently: the person proves
they own that account with its password first (`link`). Meanwhile the pending (issuer, subject,
email) travels in the same cookie as a separately signed, ten-minute token.

The same flow also confirms deleting an account (`start_confirmation`, from POST
/account/delete/sso, which writes the state cookie too): the provider is asked to sign the
person in again (prompt=login, max_age=0), and the state cookie remembers the purpose and the
account. That POST answers with a page that sends the browser on (a Refresh header and a link),
as the pages' CSP lets a form lead to this site only. On the callback the identity must be one
linked to that account and the ID token's `auth_time` at most five minutes old
(`confirm_fresh_sign_in`); nobody is signed in. What comes back is a signed, timestamped proof
bound to the account and the identity, kept five minutes in a cookie of its own
(`delete_proof`, Path=/account/delete, HttpOnly, SameSite=Lax), since the state cookie never
reaches that page.

The provider's discovery document is fetched on first use, not at start-up, so the portal
starts (and password sign-in works) while the provider is down.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import ssl
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

from authlib.integrations.starlette_client import OAuth, OAuthError
from authlib.integrations.starlette_client.apps import StarletteOAuth2App
from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer
from joserfc.errors import JoseError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.accounts import addresses, services
from portal.accounts.models import Identity, User
from portal.accounts.queries import user_by_email
from portal.core.clock import utcnow
from portal.core.errors import ValidationError
from portal.core.i18n import _
from portal.settings import Settings
from portal.web.urls import path_for

try:  # the HTTP client Authlib talks to the provider with: httpx2 where installed, else httpx
    import httpx2 as _http
except ImportError:  # pragma: no cover
    import httpx as _http  # type: ignore[no-redef]  # mypy: one name, either module

log = logging.getLogger("portal.sso")

STATE_COOKIE = "oidc_state"
STATE_PATH = "/auth"
LIFETIME = 600  # seconds for the whole round trip, and for the pending link
SCOPE = "openid email profile"
TIMEOUT = 10.0  # seconds for each call to the provider
DELETE = "delete"  # the purpose of a sign-in that confirms deleting the account
FRESH = 300  # seconds: how old that sign-in may be, and how long its proof lasts
CLOCK_SKEW = 60  # seconds the provider's clock may run ahead of ours
PROOF_COOKIE = "delete_proof"
PROOF_PATH = "/account/delete"


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered with a server error (502 for people)."""


class FlowRejected(Exception):
    """The callback is not one we can accept: unknown, tampered or used state, a refused or
    replayed code, an ID token that does not check out, or the person said no."""


class NeedsLink(Exception):
    """A local account has this email and no identity is linked yet: ask for its password."""


class SignInRefused(Exception):
    """This identity may not sign in (a blocked account, no verified email). `message` says
    why, for the person."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class ConfirmationRefused(Exception):
    """A sign-in meant to confirm deleting an account does not confirm it. `reason` is
    "other" (an identity not linked to the account) or "stale" (no `auth_time`, or older than
    five minutes)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claims:
    """Who the provider says signed in, and when (`auth_time`, seconds since the epoch, when
    the ID token has it)."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    name: str
    auth_time: int | None = None


@dataclass(frozen=True)
class Proof:
    """A fresh sign-in with an identity linked to the account `user_id`: it confirms deleting
    that account."""

    user_id: int
    issuer: str
    subject: str


@dataclass(frozen=True)
class PendingLink:
    """An identity waiting for the password of the local account with its email."""

    issuer: str
    subject: str
    email: str
    next: str


def configured(settings: Settings) -> bool:
    return bool(settings.oidc_discovery_url and settings.oidc_client_id)


def _derived_key(settings: Settings, purpose: str) -> str:
    """A key for one purpose only, so that nothing signed elsewhere passes here."""
    return hmac.new(settings.secret_key.encode(), purpose.encode(), hashlib.sha256).hexdigest()


class StateCookie:
    """Per-route middleware for the SSO routes: Starlette's SessionMiddleware with a cookie of
    its own, set up from the settings of the app that serves the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings: Settings = scope["app"].state.settings
        session = SessionMiddleware(
            self.app,
            secret_key=_derived_key(settings, "oidc-state"),
            session_cookie=STATE_COOKIE,
            max_age=LIFETIME,
            path=STATE_PATH,
            same_site="lax",
            https_only=settings.secure_cookies,
        )
        await session(scope, receive, send)


@cache
def _tls_context() -> ssl.SSLContext:
    return _http.create_ssl_context()


def client(request: Request) -> StarletteOAuth2App:
    """The app's OpenID Connect client, made on first use. Authlib loads the discovery
    document on the first call that needs it and keeps it; a failed load is tried again."""
    state = request.app.state
    existing = getattr(state, "oidc_client", None)
    if existing is not None:
        return existing
    settings: Settings = state.settings
    client_kwargs: dict[str, Any] = {
        "scope": SCOPE,
        "code_challenge_method": "S256",
        "timeout": TIMEOUT,
        # Authlib opens a new HTTP client for each call; building the TLS context once saves
        # loading the CA certificates each time (a fifth of a second).
        "verify": _tls_context(),
    }
    if not settings.oidc_client_secret:  # a public client: PKCE alone proves the code is ours
        client_kwargs["token_endpoint_auth_method"] = "none"
    registry = OAuth()
    registry.register(
        "sso",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        server_metadata_url=settings.oidc_discovery_url,
        client_kwargs=client_kwargs,
    )
    created = registry.create_client("sso")
    state.oidc_client = created
    return created


async def _authorization_url(request: Request, **params: Any) -> str:
    """The provider's sign-in address, with extra authorization `params`; the state goes into
    the state cookie."""
    settings: Settings = request.app.state.settings
    oidc = client(request)
    redirect_uri = settings.base_url + path_for("accounts:sso_callback")
    try:
        authorization = await oidc.create_authorization_url(redirect_uri, **params)
        await oidc.save_authorize_data(request, redirect_uri=redirect_uri, **authorization)
    except (_http.HTTPError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("single sign-on: the provider is unavailable: %r", exc)
        raise ProviderUnavailable() from exc
    return authorization["url"]


async def start(request: Request, next_url: str) -> Response:
    """The redirect to the provider to sign in, coming back to `next_url`."""
    response = RedirectResponse(await _authorization_url(request), status_code=302)
    request.session.pop("purpose", None)
    request.session.pop("user", None)
    request.session["next"] = next_url
    return response


async def start_confirmation(request: Request, user: User) -> str:
    """The provider's address to confirm deleting `user`'s account. The provider asks for the
    sign-in again even when it has a session (prompt=login), and max_age=0 makes it put
    `auth_time` in the ID token.

    An address, not a redirect: the confirmation starts from a form, and the pages' CSP
    (form-action 'self') stops a form submission that redirects to another site, so the
    browser goes there from a page of ours instead."""
    url = await _authorization_url(request, prompt="login", max_age=0)
    request.session["purpose"] = DELETE
    request.session["user"] = user.id
    return url


def confirming(request: Request) -> int | None:
    """The account this callback is to confirm deleting, if that is what it was started for."""
    if request.session.get("purpose") != DELETE:
        return None
    user_id = request.session.get("user")
    return user_id if isinstance(user_id, int) else None


async def finish(request: Request) -> tuple[Claims, str]:
    """Check the callback and return who signed in, and where they were going."""
    oidc = client(request)
    next_url = request.session.get("next") or path_for("home")
    try:
        metadata = await oidc.load_server_metadata()
        returned_issuer = request.query_params.get("iss")
        if returned_issuer and returned_issuer != metadata.get("issuer"):  # RFC 9207 mix-up
            raise FlowRejected("the authorization response names another issuer")
        token = await oidc.authorize_access_token(request)
        id_token = token.get("userinfo")
        if not id_token or not id_token.get("sub"):
            raise FlowRejected("the token response has no ID token")
        userinfo = await oidc.userinfo(token=token)
    except FlowRejected as exc:
        log.info("single sign-on: callback refused: %s", exc)
        raise
    except (OAuthError, JoseError) as exc:
        log.info("single sign-on: callback refused: %r", exc)
        raise FlowRejected(str(exc)) from exc
    except (_http.HTTPError, ValueError, KeyError, RuntimeError) as exc:
        log.warning("single sign-on: the provider is unavailable: %r", exc)
        raise ProviderUnavailable() from exc
    finally:
        for key in ("next", "purpose", "user"):
            request.session.pop(key, None)
    # OpenID Connect Core 5.3.2: the userinfo must be about the ID token's subject.
    if userinfo.get("sub") != id_token["sub"]:
        log.warning("single sign-on: userinfo is about another subject than the ID token")
        raise FlowRejected("userinfo is about another subject")
    verified = userinfo.get("email_verified")
    claims = Claims(
        issuer=str(id_token["iss"]),
        subject=str(id_token["sub"]),
        email=str(userinfo.get("email") or "").strip().lower(),
        email_verified=verified is True or str(verified).lower() == "true",
        name=" ".join(str(userinfo.get("name") or "").split()),
        auth_time=_auth_time(id_token.get("auth_time")),
    )
    return claims, next_url


def _auth_time(value: object) -> int | None:
    """The ID token's `auth_time` as whole seconds (Authlib has checked it is a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


# --- Accounts for identities -------------------------------------------------------------------


def _identity(db: Session, issuer: str, subject: str) -> Identity | None:
    return db.exec(
        select(Identity).where(col(Identity.issuer) == issuer, col(Identity.subject) == subject)
    ).first()


def _add_identity(db: Session, user: User, issuer: str, subject: str) -> None:
    assert user.id is not None  # a stored account
    db.add(Identity(user_id=user.id, issuer=issuer, subject=subject))
    db.flush()  # the unique (issuer, subject) speaks now, not at commit


def _blocked() -> SignInRefused:
    return SignInRefused(_("This account has been blocked by the moderators."))


def sign_in(*, db: Session, claims: Claims, provider_name: str) -> User:
    """The account linked to this identity, or a new one made from the provider's claims
    (with no password). Raises NeedsLink when a local account already has the email, and
    SignInRefused for a blocked account or an email the provider has not verified."""
    identity = _identity(db, claims.issuer, claims.subject)
    if identity is not None:
        user = db.get(User, identity.user_id)
        if user is None or user.blocked_at is not None:
            raise _blocked()
        return user
    if not claims.email or not claims.email_verified:
        raise SignInRefused(
            _(
                "%(name)s did not give the portal a verified email address, which your account "
                "needs. Please sign in with your email address and password instead.",
                name=provider_name,
            ),
            status=400,
        )
    if user_by_email(db, claims.email) is not None:
        raise NeedsLink()
    name = claims.name[:80].strip() or claims.email.split("@")[0][:80]
    try:
        # Confirmed: the provider vouched for the address (email_verified, checked above).
        user = services.create_user(
            db=db, email=claims.email, display_name=name, password=None, confirmed=True
        )
        _add_identity(db, user, claims.issuer, claims.subject)
    except ValidationError as exc:  # an address the portal cannot use, or taken a moment ago
        raise SignInRefused(next(iter(exc.errors.values())), status=400) from exc
    except IntegrityError as exc:  # the same person signing in twice at the same moment
        raise SignInRefused(
            _("Someone signed in with this account at the same moment. Please try again."),
            status=409,
        ) from exc
    return user


def link(*, db: Session, pending: PendingLink, account_id: int | None) -> User:
    """Link the pending identity to the local account with its email, once the person has
    given that account's password (`account_id`: the account whose password the caller
    found right, or None). The provider vouched for the address, so it counts as confirmed.
    Raises ValidationError naming the password field."""
    user = db.get(User, account_id) if account_id is not None else None
    if user is None or user.email != addresses.lookup_form(pending.email):
        raise ValidationError({"password": _("That is not the password of this account.")})
    if user.blocked_at is not None:
        raise ValidationError({"password": _("This account has been blocked by the moderators.")})
    identity = _identity(db, pending.issuer, pending.subject)
    if identity is not None and identity.user_id != user.id:
        raise ValidationError(
            {"password": _("This identity is already linked to another account here.")}
        )
    if identity is None:
        _add_identity(db, user, pending.issuer, pending.subject)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.add(user)
    return user


# --- The pending link, signed, in the state cookie ---------------------------------------------


def _link_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_derived_key(settings, "oidc-link"), salt="pending-link")


def remember_link(request: Request, claims: Claims, next_url: str) -> None:
    pending = PendingLink(claims.issuer, claims.subject, claims.email, next_url)
    request.session["link"] = _link_serializer(request.app.state.settings).dumps(asdict(pending))


def pending_link(request: Request) -> PendingLink | None:
    """The identity waiting to be linked in this browser, if any and not too old."""
    token = request.session.get("link")
    if not isinstance(token, str):
        return None
    try:
        data = _link_serializer(request.app.state.settings).loads(token, max_age=LIFETIME)
        return PendingLink(**data)
    except (BadData, TypeError):
        return None


def forget_link(request: Request) -> None:
    request.session.pop("link", None)


# --- Confirming an account's deletion with a fresh sign-in -------------------------------------


def is_linked(db: Session, user_id: int, issuer: str, subject: str) -> bool:
    """Whether the identity (issuer, subject) is linked to the account `user_id`."""
    identity = _identity(db, issuer, subject)
    return identity is not None and identity.user_id == user_id


def has_identity(db: Session, user_id: int) -> bool:
    """Whether any single sign-on identity is linked to the account `user_id`."""
    found = db.exec(
        select(col(Identity.id)).where(col(Identity.user_id) == user_id).limit(1)
    ).first()
    return found is not None


def _fresh(auth_time: int | None) -> bool:
    if auth_time is None:  # the provider did not say when: refused, never assumed
        return False
    age = utcnow().timestamp() - auth_time
    return -CLOCK_SKEW <= age <= FRESH


def confirm_fresh_sign_in(*, db: Session, user: User, claims: Claims) -> Proof:
    """The proof that `claims` confirm deleting `user`'s account: an identity linked to it,
    signed in within the last five minutes. Raises ConfirmationRefused otherwise."""
    assert user.id is not None  # a stored account
    if not is_linked(db, user.id, claims.issuer, claims.subject):
        log.info("single sign-on: a deletion was confirmed with an identity of another account")
        raise ConfirmationRefused("other")
    if not _fresh(claims.auth_time):
        log.info("single sign-on: a deletion was confirmed with a sign-in that is not fresh")
        raise ConfirmationRefused("stale")
    return Proof(user.id, claims.issuer, claims.subject)


def _proof_serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(_derived_key(settings, "delete-proof"), salt="fresh-sign-in")


def remember_proof(request: Request, response: Response, proof: Proof) -> None:
    """Give the browser `proof`, signed and stamped with the time, for five minutes."""
    settings: Settings = request.app.state.settings
    data = {**asdict(proof), "at": int(utcnow().timestamp())}
    response.set_cookie(
        PROOF_COOKIE,
        _proof_serializer(settings).dumps(data),
        max_age=FRESH,
        path=PROOF_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def proof(request: Request) -> Proof | None:
    """The proof this browser holds, if we signed it and it is under five minutes old (the
    clock here decides, not the cookie's Max-Age). Whose account it is for is the caller's
    question."""
    token = request.cookies.get(PROOF_COOKIE)
    if not token:
        return None
    try:
        data = _proof_serializer(request.app.state.settings).loads(token)
        issued_at = data.pop("at")
        found = Proof(**data)
    except (BadData, TypeError, KeyError, AttributeError):
        return None
    if not isinstance(issued_at, int) or not isinstance(found.user_id, int):
        return None
    age = utcnow().timestamp() - issued_at
    return found if 0 <= age <= FRESH else None


def forget_proof(response: Response) -> None:
    response.delete_cookie(PROOF_COOKIE, path=PROOF_PATH)
