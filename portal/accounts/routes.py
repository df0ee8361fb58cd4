"""HTTP for accounts: sign up, sign in (with a password or single sign-on), sign out, the
account page."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal import db
from portal.accounts import auth, oidc, privacy, services
from portal.errors import NotFound, ValidationError
from portal.i18n import _
from portal.templating import render
from portal.web import engine, field, form_data, limit, redirect, require_user, safe_next


async def signup(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"), "/")
    values = {"email": "", "display_name": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {"email": field(form, "email"), "display_name": field(form, "display_name")}
        next_url = safe_next(field(form, "next"), "/")
        limit(request, "signup-address")
        try:
            with db.write(engine(request)) as session:
                user = services.create_user(db=session, password=field(form, "password"), **values)
                token = auth.start_session(session, user, request.cookies.get(auth.COOKIE))
            response = redirect(next_url, flash="signed_up")
            auth.set_cookie(request, response, token)
            return response
        except ValidationError as exc:
            errors = exc.errors
    return render(
        request,
        "accounts/signup.html",
        {"values": values, "errors": errors, "next": next_url},
        status_code=400 if errors else 200,
    )


async def login(request: Request) -> Response:
    next_url = safe_next(request.query_params.get("next"), "/")
    values = {"email": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {"email": field(form, "email")}
        next_url = safe_next(field(form, "next"), "/")
        limit(request, "login-address")
        limit(request, "login-account", values["email"].strip().lower()[:254])
        try:
            with db.write(engine(request)) as session:
                user = services.authenticate(
                    db=session, email=values["email"], password=field(form, "password")
                )
                token = auth.start_session(session, user, request.cookies.get(auth.COOKIE))
            response = redirect(next_url, flash="signed_in")
            auth.set_cookie(request, response, token)
            return response
        except ValidationError as exc:
            errors = exc.errors
    settings = request.app.state.settings
    return render(
        request,
        "accounts/login.html",
        {
            "values": values,
            "errors": errors,
            "next": next_url,
            "sso_name": settings.oidc_name if oidc.configured(settings) else None,
        },
        status_code=400 if errors else 200,
    )


async def logout(request: Request) -> Response:
    with db.write(engine(request)) as session:
        auth.end_session(session, request.cookies.get(auth.COOKIE))
    response = redirect("/", flash="signed_out")
    response.delete_cookie(auth.COOKIE)
    return response


async def account(request: Request) -> Response:
    user = require_user(request)
    return render(request, "accounts/account.html", {"account": user})


async def export(request: Request) -> Response:
    """Download all my data as JSON."""
    user = require_user(request)
    with db.read(engine(request)) as session:
        data = privacy.export(session, user)
    return JSONResponse(
        data, headers={"Content-Disposition": f'attachment; filename="portal-data-{user.id}.json"'}
    )


async def delete_account(request: Request) -> Response:
    user = require_user(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        try:
            with db.write(engine(request)) as session:
                privacy.delete_account(
                    db=session,
                    actor=user,
                    password=field(form, "password"),
                    confirm=field(form, "confirm"),
                )
            response = redirect("/", flash="account_deleted")
            response.delete_cookie(auth.COOKIE)
            return response
        except ValidationError as exc:
            errors = exc.errors
    return render(
        request, "accounts/delete.html", {"errors": errors}, status_code=400 if errors else 200
    )


# --- Single sign-on (OpenID Connect) ---------------------------------------------------------


def _sso_name(request: Request) -> str:
    settings = request.app.state.settings
    if not oidc.configured(settings):
        raise NotFound()
    return settings.oidc_name


def _sso_problem(request: Request, status: int, title: str, message: str) -> Response:
    return render(
        request,
        "errors/error.html",
        {"status": status, "title": title, "message": message},
        status_code=status,
    )


def _provider_down(request: Request, name: str) -> Response:
    return _sso_problem(
        request,
        502,
        _("Single sign-on is not available"),
        _(
            "%(name)s cannot be reached just now. Please try again in a few minutes, or sign in "
            "with your email address and password.",
            name=name,
        ),
    )


def _not_completed(request: Request) -> Response:
    return _sso_problem(
        request,
        400,
        _("This sign-in could not be completed"),
        _(
            "It was cancelled, took too long, or was already used. Please start again from the "
            "sign-in page."
        ),
    )


def _signed_in(request: Request, user_session: str, next_url: str) -> Response:
    response = redirect(next_url, flash="signed_in")
    auth.set_cookie(request, response, user_session)
    return response


async def sso_start(request: Request) -> Response:
    """Send the browser to the provider. Nothing is written but the state cookie."""
    name = _sso_name(request)
    try:
        return await oidc.start(request, safe_next(request.query_params.get("next"), "/"))
    except oidc.ProviderUnavailable:
        return _provider_down(request, name)


async def sso_callback(request: Request) -> Response:
    """The provider sends the browser back here with a code: sign in, or ask to link."""
    name = _sso_name(request)
    try:
        claims, next_url = await oidc.finish(request)
    except oidc.ProviderUnavailable:
        return _provider_down(request, name)
    except oidc.FlowRejected:
        return _not_completed(request)
    try:
        with db.write(engine(request)) as session:
            user = oidc.sign_in(db=session, claims=claims, provider_name=name)
            token = auth.start_session(session, user, request.cookies.get(auth.COOKIE))
    except oidc.NeedsLink:
        oidc.remember_link(request, claims, next_url)
        return redirect("/auth/link")
    except oidc.SignInRefused as exc:
        return _sso_problem(request, exc.status, _("You cannot sign in"), exc.message)
    return _signed_in(request, token, next_url)


async def sso_link(request: Request) -> Response:
    """An account already has the provider's email: its password links the two, once."""
    name = _sso_name(request)
    pending = oidc.pending_link(request)
    if pending is None:
        return _not_completed(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        limit(request, "login-address")
        limit(request, "login-account", pending.email)
        try:
            with db.write(engine(request)) as session:
                user = oidc.link(db=session, pending=pending, password=field(form, "password"))
                token = auth.start_session(session, user, request.cookies.get(auth.COOKIE))
            oidc.forget_link(request)
            return _signed_in(request, token, pending.next)
        except ValidationError as exc:
            errors = exc.errors
    return render(
        request,
        "accounts/link.html",
        {"email": pending.email, "sso_name": name, "errors": errors},
        status_code=400 if errors else 200,
    )


_state_cookie = [Middleware(oidc.StateCookie)]

routes = [
    Route("/login/sso", sso_start, name="accounts:sso", middleware=_state_cookie),
    Route("/auth/callback", sso_callback, name="accounts:sso_callback", middleware=_state_cookie),
    Route(
        "/auth/link",
        sso_link,
        methods=["GET", "POST"],
        name="accounts:sso_link",
        middleware=_state_cookie,
    ),
    Route("/account/export.json", export, name="accounts:export"),
    Route("/account/delete", delete_account, methods=["GET", "POST"], name="accounts:delete"),
    Route("/signup", signup, methods=["GET", "POST"], name="accounts:signup"),
    Route("/login", login, methods=["GET", "POST"], name="accounts:login"),
    Route("/logout", logout, methods=["POST"], name="accounts:logout"),
    Route("/account", account, name="accounts:account"),
]
