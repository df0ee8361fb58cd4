"""create_app(settings) -> Starlette: middleware, every domain's routes, error pages."""

from __future__ import annotations

import logging

from sqlalchemy.orm import configure_mappers
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal import settings as settings_mod
from portal.accounts.passwords import Busy
from portal.accounts.routes import routes as account_routes
from portal.api.routes import routes as api_routes
from portal.assessment.routes import routes as assessment_routes
from portal.comments.routes import routes as comment_routes
from portal.core import db, errorreports
from portal.core.errors import Forbidden, NotFound, Unconfirmed
from portal.core.groupcommit import GroupCommit
from portal.core.i18n import _, ngettext
from portal.core.ratelimit.limits import counter_for
from portal.core.ratelimit.windows import RateLimited
from portal.decisions.routes import routes as decision_routes
from portal.ideas.category_routes import routes as category_routes
from portal.ideas.routes import routes as idea_routes
from portal.moderation.routes import routes as moderation_routes
from portal.notifications.routes import routes as notification_routes
from portal.setup.routes import routes as setup_routes
from portal.site import routes as site_routes
from portal.staff.routes import routes as staff_routes
from portal.teams.routes import routes as team_routes
from portal.votes.routes import routes as vote_routes
from portal.web import csrf, templating
from portal.web.access import AccessLogMiddleware
from portal.web.htmx import is_partial
from portal.web.metrics import Metrics
from portal.web.metrics import routes as metrics_routes
from portal.web.pagecache import PageCacheMiddleware
from portal.web.requests import FormRefused, LoginRequired, login_url, redirect
from portal.web.security import LocaleMiddleware, PrivateWhenSignedIn, SecurityHeadersMiddleware
from portal.web.templating import render
from portal.workshops.committee import routes as committee_routes
from portal.workshops.routes import routes as workshop_routes

log = logging.getLogger("portal")


class CachedStatic(StaticFiles):
    """Static files; addresses carry a content hash (?v=), so they may be cached for a year."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def _error(request: Request, status: int, title: str, message: str) -> Response:
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
    return _error(
        request,
        404,
        _("Page not found"),
        _("There is nothing at this address. It may have been moved or removed."),
    )


async def forbidden(request: Request, exc: Exception) -> Response:
    return _error(request, 403, _("Not allowed"), _("Your account is not allowed to do this."))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return await not_found(request, exc)
    if exc.status_code == 403:
        return await forbidden(request, exc)
    if exc.status_code == 405:
        return _error(request, 405, _("Not allowed"), _("This address does not accept that."))
    return _error(request, exc.status_code, _("Something went wrong"), str(exc.detail))


async def server_error(request: Request, exc: Exception) -> Response:
    rid = request.scope.get("state", {}).get("request_id")
    log.exception("unhandled error in request %s", rid, exc_info=exc, extra={"request_id": rid})
    return _error(
        request,
        500,
        _("Something went wrong"),
        _("The portal hit a problem and could not finish. Please try again."),
    )


async def too_many(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RateLimited)
    minutes = max(1, round(exc.retry_after / 60))
    response = _error(
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
    return _error(
        request,
        403,
        _("Confirm your email address first"),
        _(
            "To propose, vote, comment or register, follow the link we sent to your email "
            "address. Until then you can read and follow ideas."
        ),
    )


async def busy(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Busy)
    response = _error(
        request,
        503,
        _("The portal is busy"),
        _("Many people are signing in just now. Please try again in a few seconds."),
    )
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


async def needs_login(request: Request, exc: Exception) -> Response:
    target = login_url(request) if request.method == "GET" else "/login"
    if is_partial(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return redirect(target)


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


def _too_large(request: Request) -> Response:
    return _error(
        request,
        413,
        _("Too much text"),
        _("What you sent is too large, or has more fields than any form here. Nothing was saved."),
    )


async def form_refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FormRefused)
    if exc.too_large:
        return _too_large(request)
    return _error(
        request, 400, _("This form could not be read"), _("Please reload the page and try again.")
    )


def _csrf_reject(scope: Scope, status: int, reason: str) -> Response:
    request = Request(scope)
    if status == 413:
        return _too_large(request)
    return _error(
        request,
        403,
        _("This form has expired"),
        _(
            "For your safety the form could not be accepted. Go back, reload the page and try "
            "again."
        ),
    )


def create_app(settings: settings_mod.Settings | None = None) -> Starlette:
    """Build the application for `settings` (from the environment when not given)."""
    settings = settings or settings_mod.from_env()
    errorreports.init(settings)
    engine = db.make_engine(settings.database_url)
    metrics = Metrics(settings, engine) if settings.metrics_token else None
    routes = [
        *site_routes,
        *account_routes,
        *idea_routes,
        *vote_routes,
        *comment_routes,
        *decision_routes,
        *notification_routes,
        *assessment_routes,
        *workshop_routes,
        *committee_routes,
        *staff_routes,
        *setup_routes,
        *category_routes,
        *team_routes,
        *moderation_routes,
        *api_routes,
        *metrics_routes,
        Mount("/static", app=CachedStatic(directory=settings_mod.STATIC_DIR), name="static"),
    ]
    middleware = [
        # Outermost: it times everything and sees the status the client gets.
        Middleware(AccessLogMiddleware, observer=metrics.observe if metrics else None),
        Middleware(SecurityHeadersMiddleware, https=settings.secure_cookies),
        Middleware(GZipMiddleware, minimum_size=500),
        Middleware(ErrorPageMiddleware),
        Middleware(LocaleMiddleware),
        Middleware(
            csrf.CSRFMiddleware,
            secret=settings.secret_key,
            secure=settings.secure_cookies,
            base_url=settings.base_url,
            on_reject=_csrf_reject,
        ),
        Middleware(PageCacheMiddleware, seconds=settings.page_cache_seconds),
        Middleware(PrivateWhenSignedIn),
    ]
    app = Starlette(
        debug=False,
        routes=routes,
        middleware=middleware,
        exception_handlers={
            HTTPException: http_error,
            NotFound: not_found,
            Forbidden: forbidden,
            Unconfirmed: unconfirmed,
            Busy: busy,
            LoginRequired: needs_login,
            RateLimited: too_many,
            FormRefused: form_refused,
        },
    )
    # Every model is imported by now (through the routes): set the ORM up before the first
    # request, not lazily inside whichever request happens to come first in a new process.
    configure_mappers()
    app.state.settings = settings
    app.state.engine = engine
    app.state.metrics = metrics
    app.state.rate_counter = counter_for(
        settings.redis_url, app.state.engine, factor=settings.rate_limit_factor
    )
    app.state.group_commit = GroupCommit(app.state.engine)
    templating.env.auto_reload = settings.debug
    return app
