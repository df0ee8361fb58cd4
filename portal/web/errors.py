"""Error pages: every error the portal answers with, in the site's layout, with a clear heading
and the request's id as the reference a person can quote to the library.

`handlers` maps the errors of the floors below (portal.core.errors, rate limits, the web's own)
to their pages; a domain adds the pages of its own errors beside it in the app's wiring (the
password pool's Busy, portal.accounts.signin.busy).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.core.errors import Forbidden, NotFound, Unconfirmed
from portal.core.i18n import _, ngettext
from portal.core.ratelimit.windows import RateLimited
from portal.web.htmx import is_partial
from portal.web.requests import FormRefused, LoginRequired, login_url, redirect
from portal.web.templating import render
from portal.web.urls import path_for

log = logging.getLogger("portal")


def error_page(request: Request, status: int, title: str, message: str) -> Response:
    """The error page: `title` as its heading, `message` below, with `status`."""
    return render(
        request,
        "errors/error.html",
        {
            "status": status,
            "title": title,
            "message": message,
            # The reference a person can quote to the library: the id in the log line.
            "request_id": request.scope.get("state", {}).get("request_id", ""),
        },
        status_code=status,
    )


async def not_found(request: Request, exc: Exception) -> Response:
    return error_page(
        request,
        404,
        _("Page not found"),
        _("There is nothing at this address. It may have been moved or removed."),
    )


async def forbidden(request: Request, exc: Exception) -> Response:
    return error_page(request, 403, _("Not allowed"), _("Your account is not allowed to do this."))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return await not_found(request, exc)
    if exc.status_code == 403:
        return await forbidden(request, exc)
    if exc.status_code == 405:
        return error_page(request, 405, _("Not allowed"), _("This address does not accept that."))
    return error_page(request, exc.status_code, _("Something went wrong"), str(exc.detail))


async def server_error(request: Request, exc: Exception) -> Response:
    rid = request.scope.get("state", {}).get("request_id")
    log.exception("unhandled error in request %s", rid, exc_info=exc, extra={"request_id": rid})
    return error_page(
        request,
        500,
        _("Something went wrong"),
        _("The portal hit a problem and could not finish. Please try again."),
    )


async def too_many(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    minutes = max(1, round(exc.retry_after / 60))
    response = error_page(
        request,
        429,
        _("Please slow down"),
        ngettext(
            "You have done this many times in a short while. Please try again in %(num)s minute.",
            "You have done this many times in a short while. Please try again in %(num)s minutes.",
            minutes,
        ),
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def unconfirmed(request: Request, exc: Exception) -> Response:
    # The banner on every page (base.html) offers to send the link again.
    return error_page(
        request,
        403,
        _("Confirm your email address first"),
        _(
            "To propose, vote, comment or register, follow the link we sent to your email "
            "address. Until then you can read and follow ideas."
        ),
    )


async def needs_login(request: Request, exc: Exception) -> Response:
    target = login_url(request) if request.method == "GET" else path_for("accounts:login")
    if is_partial(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return redirect(target)


def _too_large(request: Request) -> Response:
    return error_page(
        request,
        413,
        _("Too much text"),
        _("What you sent is too large, or has more fields than any form here. Nothing was saved."),
    )


async def form_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FormRefused)
    if exc.too_large:
        return _too_large(request)
    return error_page(
        request, 400, _("This form could not be read"), _("Please reload the page and try again.")
    )


def csrf_reject(scope: Scope, status: int, reason: str) -> Response:
    """The CSRF middleware's answer to a form it refuses (portal.web.csrf)."""
    request = Request(scope)
    if status == 413:
        return _too_large(request)
    return error_page(
        request,
        403,
        _("This form has expired"),
        _(
            "For your safety the form could not be accepted. Go back, reload the page and try "
            "again."
        ),
    )


class ErrorPageMiddleware:
    """Turns an unhandled exception into the 500 page inside the middleware stack, so that
    error pages get the security headers like every other response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if started:
                raise
            response = await server_error(Request(scope), exc)
            await response(scope, receive, send)


Handler = Callable[[Request, Exception], Awaitable[Response]]

handlers: dict[type[Exception], Handler] = {
    HTTPException: http_error,
    NotFound: not_found,
    Forbidden: forbidden,
    Unconfirmed: unconfirmed,
    LoginRequired: needs_login,
    RateLimited: too_many,
    FormRefused: form_refused,
}
