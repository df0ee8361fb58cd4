"""HTTP for accounts: sign up, sign in (with a password or single sign-on), sign out, the
account page."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal.accounts import (
    account_routes,
    auth,
    lifecycle,
    oidc,
    passwords,
    privacy,
    queries,
    services,
    signin,
)
from portal.accounts.auth import current_user, require_user
from portal.accounts.models import User
from portal.core import db
from portal.core.errors import NotFound, ValidationError
from portal.core.i18n import _, get_locale
from portal.web import flash
from portal.web.requests import engine, field, form_data, limit, redirect, safe_next
from portal.web.templating import render


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "signed_in": _("You are signed in."),
        "signed_out": _("You are signed out."),
        "account_deleted": _(
            "Your account is deleted. What you wrote stays, as by a deleted user."
        ),
    }


DELETE_PAGE = oidc.PROOF_PATH


async def signup(request: Request) -> Response:
    """Sign up. Whether or not the address has an account, the answer is "check your email"
    (and the same work is done: the password is hashed either way); the email says what to
    do. Nobody is signed in until the address is confirmed."""
    values = {"email": "", "display_name": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {"email": field(form, "email"), "display_name": field(form, "display_name")}
        password = field(form, "password")
        limit(request, "signup-address")
        errors = services.check_profile(values["email"], values["display_name"], password)
        if not errors:
            hashed = await passwords.hash_async(password)
            allowed = account_routes.may_email(request, values["email"])
            with db.write(engine(request)) as session:
                lifecycle.sign_up(
                    db=session,
                    **values,
                    password=password,
                    password_hash=hashed,
                    locale=get_locale(),
                    base_url=account_routes.base_url(request),
                    may_email=allowed,
                )
            return redirect("/signup/sent")
    return render(
        request,
        "accounts/signup.html",
        {"values": values, "errors": errors},
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
        try:
            user = await signin.authenticate(request, values["email"], field(form, "password"))
            return account_routes.signed_in(request, user, next_url, "signed_in")
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
    auth.forget_cookie(request, response)
    return response


async def export(request: Request) -> Response:
    """Download all my data as JSON."""
    user = require_user(request)
    with db.read(engine(request)) as session:
        data = privacy.export(session, user)
    return JSONResponse(
        data, headers={"Content-Disposition": f'attachment; filename="portal-data-{user.id}.json"'}
    )


def _sign_in_problems(name: str) -> dict[str, str]:
    """What went wrong with a sign-in meant to confirm deleting the account, by the key the
    callback puts in the address (only keys travel, never text)."""
    return {
        "other": _(
            "You signed in to %(name)s as someone whose account is not linked to this one, so "
            "nothing was deleted. To confirm, sign in with your own account.",
            name=name,
        ),
        "stale": _(
            "%(name)s did not confirm that you signed in just now, so nothing was deleted. "
            "Please try again.",
            name=name,
        ),
        "failed": _(
            "The sign-in with %(name)s was cancelled or could not be completed, so nothing was "
            "deleted. Please try again.",
            name=name,
        ),
    }


def _delete_page(request: Request, user: User, errors: dict[str, str], status: int) -> Response:
    """The delete page: the password and single sign-on confirmations this account can use,
    or, after a fresh sign-in, only the final button."""
    settings = request.app.state.settings
    sso_name = settings.oidc_name if oidc.configured(settings) else None
    proof = oidc.proof(request)
    confirmed = not errors and proof is not None and proof.user_id == user.id
    with db.read(engine(request)) as session:
        assert user.id is not None  # a signed-in account
        has_identity = sso_name is not None and oidc.has_identity(session, user.id)
    response = render(
        request,
        "accounts/delete.html",
        {
            "errors": errors,
            "has_password": bool(user.password_hash),
            "sso_name": sso_name if has_identity else None,
            "confirmed": confirmed,
        },
        status_code=status,
    )
    if errors and proof is not None:
        oidc.forget_proof(response)
    return response


async def delete_account(request: Request) -> Response:
    """Delete my account, confirmed with my password or a fresh single sign-on."""
    user = require_user(request)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        by_sign_in = not user.password_hash or field(form, "confirm_with") == "sign-in"
        try:
            # The password is checked like a sign-in's: off the event loop, guesses counted.
            password_ok = None
            if not by_sign_in:
                password_ok = await signin.password_matches(request, user, field(form, "password"))
            with db.write(engine(request)) as session:
                privacy.delete_account(
                    db=session,
                    actor=user,
                    password_ok=password_ok,
                    proof=oidc.proof(request) if by_sign_in else None,
                )
            response = redirect("/", flash="account_deleted")
            auth.forget_cookie(request, response)
            oidc.forget_proof(response)
            return response
        except ValidationError as exc:
            errors = exc.errors
        return _delete_page(request, user, errors, 400)
    problem = request.query_params.get("sso")
    settings = request.app.state.settings
    message = _sign_in_problems(settings.oidc_name).get(problem or "")
    if message:
        errors = {"sso": message}
    return _delete_page(request, user, errors, 200)


async def delete_sso(request: Request) -> Response:
    """Confirm deleting the account by signing in again with the provider (a POST, so the
    CSRF check covers it). Only the state cookie is written here."""
    user = require_user(request)
    name = _sso_name(request)
    try:
        url = await oidc.start_confirmation(request, user)
    except oidc.ProviderUnavailable:
        return _provider_down(request, name)
    # The pages' CSP (form-action 'self') would stop this form's navigation at a redirect to
    # the provider: a page of ours sends the browser on instead, with a link to follow.
    response = render(request, "accounts/delete_sso.html", {"sso_name": name, "sso_url": url})
    response.headers["Refresh"] = f"0; url={url}"
    response.headers["Cache-Control"] = "no-store"
    return response


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


def _confirmed_deletion(request: Request, user_id: int, claims: oidc.Claims) -> Response:
    """A sign-in to confirm deleting the account of `user_id`: back to the delete page with a
    five-minute proof, or with the reason there is none. Nobody is signed in or out here."""
    user = current_user(request)
    if user is None or user.id != user_id:  # signed out, or someone else, since it started
        return redirect(f"{DELETE_PAGE}?sso=failed")
    try:
        with db.read(engine(request)) as session:
            proof = oidc.confirm_fresh_sign_in(db=session, user=user, claims=claims)
    except oidc.ConfirmationRefused as exc:
        return redirect(f"{DELETE_PAGE}?sso={exc.reason}")
    response = redirect(DELETE_PAGE)
    oidc.remember_proof(request, response, proof)
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
    confirming = oidc.confirming(request)
    try:
        claims, next_url = await oidc.finish(request)
    except oidc.ProviderUnavailable:
        return _provider_down(request, name)
    except oidc.FlowRejected:
        if confirming is not None:
            return redirect(f"{DELETE_PAGE}?sso=failed")
        return _not_completed(request)
    if confirming is not None:
        return _confirmed_deletion(request, confirming, claims)
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
        with db.read(engine(request)) as session:
            account = queries.user_by_email(session, pending.email)
        # Checked like a sign-in's password: off the event loop, guesses counted.
        ok = await signin.password_matches(request, account, field(form, "password"), pending.email)
        try:
            with db.write(engine(request)) as session:
                user = oidc.link(
                    db=session, pending=pending, account_id=account.id if ok and account else None
                )
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
    Route(
        "/account/delete/sso",
        delete_sso,
        methods=["POST"],
        name="accounts:delete_sso",
        middleware=_state_cookie,
    ),
    Route("/signup", signup, methods=["GET", "POST"], name="accounts:signup"),
    Route("/login", login, methods=["GET", "POST"], name="accounts:login"),
    Route("/logout", logout, methods=["POST"], name="accounts:logout"),
    *account_routes.routes,
]
