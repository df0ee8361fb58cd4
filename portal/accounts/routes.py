"""HTTP for accounts: sign up, sign in, sign out, the account page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal import db
from portal.accounts import auth, privacy, services
from portal.errors import ValidationError
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
    return render(
        request,
        "accounts/login.html",
        {"values": values, "errors": errors, "next": next_url},
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


routes = [
    Route("/account/export.json", export, name="accounts:export"),
    Route("/account/delete", delete_account, methods=["GET", "POST"], name="accounts:delete"),
    Route("/signup", signup, methods=["GET", "POST"], name="accounts:signup"),
    Route("/login", login, methods=["GET", "POST"], name="accounts:login"),
    Route("/logout", logout, methods=["POST"], name="accounts:logout"),
    Route("/account", account, name="accounts:account"),
]
