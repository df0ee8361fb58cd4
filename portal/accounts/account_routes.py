"""HTTP for an account's life after sign-up: confirming the address, a forgotten password,
and changing the name, the address or the password on /account.

Links from emails open a page with a button (a POST does the work), so nothing changes on a
GET, and a mail program that opens links to scan them does not use them up. Those pages are
never stored by caches and send no Referer to other sites, since their address holds the token.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts import addresses, auth, lifecycle, oidc, passwords, queries, services
from portal.accounts.auth import require_user
from portal.accounts.models import User
from portal.accounts.signin import password_matches
from portal.core import db
from portal.core.errors import ValidationError
from portal.core.hooks import Hooks
from portal.core.i18n import _
from portal.core.ratelimit.windows import RateLimited
from portal.web import flash
from portal.web.requests import engine, field, form_data, limit, redirect, safe_next
from portal.web.templating import render
from portal.web.urls import path_for

# Called when /account is shown with (db, person): each returns a section of the page, a
# template name and its context (the messaging domain's linked chat addresses).
sections: Hooks[[Session, User], tuple[str, dict[str, Any]]] = Hooks("the account page is shown")


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "email_confirmed": _("Thank you: your email address is confirmed. Welcome!"),
        "confirmation_sent": _("We sent the link again. It may take a minute to arrive."),
        "email_change_sent": _(
            "We sent a link to the new address. Your address changes when you follow it."
        ),
        "email_changed": _("Your email address is changed. We told your old address."),
        "password_changed": _("Your password is changed. You are signed out everywhere else."),
        "password_reset": _(
            "Your new password is set and you are signed in. You are signed out everywhere else."
        ),
        "profile_saved": _("Your profile is saved."),
    }


def may_email(request: Request, address: str) -> bool:
    """Whether one more email about an account may go to `address` now (a few an hour), so
    the forms cannot be used to flood someone's inbox. Refusals are silent: the person is
    told the same either way."""
    try:
        limit(request, "account-email", addresses.lookup_form(address)[:254])
    except RateLimited:
        return False
    return True


def base_url(request: Request) -> str:
    return request.app.state.settings.base_url


def private(response: Response) -> Response:
    """A page whose address holds a token: kept by no cache, named to no other site."""
    response.headers["Cache-Control"] = "no-store"
    # same-origin: its own forms still carry an Origin that the CSRF check accepts.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def signed_in(request: Request, user: User, next_url: str, flash: str) -> Response:
    """Start a login session for `user` in this browser and go to `next_url`."""
    with db.write(engine(request)) as session:
        token = auth.start_session(session, user, request.cookies.get(auth.COOKIE))
    response = redirect(next_url, flash=flash)
    auth.set_cookie(request, response, token)
    return response


def check_email(request: Request, kind: str) -> Response:
    return render(request, "accounts/check_email.html", {"kind": kind})


async def signup_sent(request: Request) -> Response:
    return check_email(request, "signup")


async def forgot_sent(request: Request) -> Response:
    return check_email(request, "reset")


# --- Confirming the address -------------------------------------------------------------------


def _spent_link(request: Request, message: str) -> Response:
    return private(
        render(request, "accounts/link_spent.html", {"message": message}, status_code=400)
    )


async def confirm(request: Request) -> Response:
    """GET: the button that confirms the address the link was sent to. POST: confirm it (or
    move the account to it), and sign the person in."""
    token = request.path_params["token"]
    if request.method == "POST":
        await form_data(request)
        try:
            with db.write(engine(request)) as session:
                user, moved = lifecycle.confirm_address(
                    db=session, token=token, base_url=base_url(request)
                )
        except ValidationError as exc:
            return _spent_link(request, exc.errors["link"])
        if moved:
            return signed_in(request, user, path_for("accounts:account"), "email_changed")
        return signed_in(request, user, path_for("home"), "email_confirmed")
    with db.read(engine(request)) as session:
        link = lifecycle.valid_link(session, token, lifecycle.CONFIRM)
    if link is None:
        return _spent_link(
            request, _("This link has expired or has already been used. Ask for a new one.")
        )
    return private(render(request, "accounts/confirm.html", {"address": link.email}))


async def resend(request: Request) -> Response:
    """Send the confirmation link again (from the banner on every page)."""
    user = require_user(request)
    form = await form_data(request)
    next_url = safe_next(field(form, "next"), path_for("home"))
    limit(request, "account-email-address")
    if user.email_confirmed_at is None and may_email(request, user.email):
        with db.write(engine(request), shown=False) as session:
            lifecycle.resend_confirmation(db=session, actor=user, base_url=base_url(request))
    return redirect(next_url, flash="confirmation_sent")


# --- A forgotten password ---------------------------------------------------------------------


async def forgot(request: Request) -> Response:
    """Ask for a link to choose a new password. The answer is the same whether or not the
    address has an account."""
    values = {"email": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {"email": field(form, "email")}
        problem = services.email_problem(values["email"])
        if problem:
            errors = {"email": problem}
        else:
            limit(request, "account-email-address")
            allowed = may_email(request, values["email"])
            with db.write(engine(request), shown=False) as session:
                lifecycle.request_reset(
                    db=session, email=values["email"], base_url=base_url(request), may_email=allowed
                )
            return redirect(path_for("accounts:forgot_sent"))
    return render(
        request,
        "accounts/forgot.html",
        {"values": values, "errors": errors},
        status_code=400 if errors else 200,
    )


async def reset(request: Request) -> Response:
    """GET: choose a new password. POST: set it, end every other login session, sign in."""
    token = request.path_params["token"]
    with db.read(engine(request)) as session:
        link = lifecycle.valid_link(session, token, lifecycle.RESET)
        user = queries.user_by_id(session, link.user_id) if link else None
    if link is None or user is None:
        return _spent_link(
            request, _("This link has expired or has already been used. Ask for a new one.")
        )
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        password = field(form, "password")
        problem = services.password_problem(password, user.email)
        if problem:
            errors = {"password": problem}
        else:
            hashed = await passwords.hash_async(password)
            try:
                with db.write(engine(request)) as session:
                    user = lifecycle.reset_password(db=session, token=token, password_hash=hashed)
            except ValidationError as exc:
                return _spent_link(request, exc.errors["link"])
            return signed_in(request, user, path_for("home"), "password_reset")
    return private(
        render(
            request,
            "accounts/reset.html",
            {"errors": errors, "address": user.email},
            status_code=400 if errors else 200,
        )
    )


# --- Changing the name, the address, the password ---------------------------------------------


def account_page(
    request: Request,
    user: User,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    """/account: the person's details and the forms that change them."""
    settings = request.app.state.settings
    with db.read(engine(request)) as session:
        assert user.id is not None  # a signed-in account
        pending = queries.pending_address(session, user.id)
        sso = oidc.configured(settings) and oidc.has_identity(session, user.id)
        extra = sections(session, user)
    return render(
        request,
        "accounts/account.html",
        {
            "account": user,
            "pending": pending,
            "sso_name": settings.oidc_name if sso else None,
            "errors": errors or {},
            "values": {
                "display_name": user.display_name,
                "email": "",
                "user_group": user.user_group,
                **(values or {}),
            },
            "sections": extra,
        },
        status_code=400 if errors else 200,
    )


async def account(request: Request) -> Response:
    return account_page(request, require_user(request))


async def rename(request: Request) -> Response:
    user = require_user(request)
    form = await form_data(request)
    name = field(form, "display_name")
    try:
        with db.write(engine(request)) as session:
            lifecycle.rename(db=session, actor=user, display_name=name)
    except ValidationError as exc:
        return account_page(request, user, exc.errors, {"display_name": name})
    return redirect(path_for("accounts:account"), flash="profile_saved")


async def set_group(request: Request) -> Response:
    user = require_user(request)
    form = await form_data(request)
    group = field(form, "user_group")
    try:
        with db.write(engine(request)) as session:
            lifecycle.set_group(db=session, actor=user, group=group)
    except ValidationError as exc:
        return account_page(request, user, exc.errors, {"user_group": group})
    return redirect(path_for("accounts:account"), flash="profile_saved")


async def change_email(request: Request) -> Response:
    """Move the account to another address, confirmed there; the current password is asked
    for (when the account has one), so a borrowed session cannot take the account away."""
    user = require_user(request)
    form = await form_data(request)
    email = field(form, "email")
    values = {"email": email}
    problem = services.email_problem(email)
    if problem:
        return account_page(request, user, {"email": problem}, values)
    if user.password_hash and not await password_matches(
        request, user, field(form, "email_password")
    ):
        return account_page(
            request, user, {"email_password": _("The password is not right.")}, values
        )
    limit(request, "account-email-address")
    allowed = may_email(request, email)
    try:
        with db.write(engine(request), shown=False) as session:
            if allowed:
                lifecycle.change_email(
                    db=session, actor=user, email=email, base_url=base_url(request)
                )
    except ValidationError as exc:
        return account_page(request, user, exc.errors, values)
    return redirect(path_for("accounts:account"), flash="email_change_sent")


async def change_password(request: Request) -> Response:
    """A new password, with the current one: every other login session ends."""
    user = require_user(request)
    form = await form_data(request)
    if not user.password_hash:  # single sign-on only: a password comes by email (forgot)
        return account_page(request, user)
    if not await password_matches(request, user, field(form, "current_password")):
        return account_page(request, user, {"current_password": _("The password is not right.")})
    new = field(form, "password")
    problem = services.password_problem(new, user.email)
    if problem:
        return account_page(request, user, {"password": problem})
    hashed = await passwords.hash_async(new)
    with db.write(engine(request)) as session:
        changed = lifecycle.change_password(
            db=session, actor=user, password_hash=hashed, base_url=base_url(request)
        )
    return signed_in(request, changed, path_for("accounts:account"), "password_changed")


routes = [
    Route("/signup/sent", signup_sent, name="signup_sent"),
    Route("/account/confirmation", resend, methods=["POST"], name="resend"),
    Route("/account/confirm/{token}", confirm, methods=["GET", "POST"], name="confirm"),
    Route("/password/forgot", forgot, methods=["GET", "POST"], name="forgot"),
    Route("/password/forgot/sent", forgot_sent, name="forgot_sent"),
    Route("/password/reset/{token}", reset, methods=["GET", "POST"], name="reset"),
    Route("/account", account, name="account"),
    Route("/account/name", rename, methods=["POST"], name="rename"),
    Route("/account/group", set_group, methods=["POST"], name="group"),
    Route("/account/email", change_email, methods=["POST"], name="email"),
    Route("/account/password", change_password, methods=["POST"], name="password"),
]
