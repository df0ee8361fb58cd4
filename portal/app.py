"""create_app(settings) -> Starlette: middleware, every domain's routes, error pages."""

from __future__ import annotations

from sqlalchemy.orm import configure_mappers
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute, Mount

import portal.domains  # noqa: F401 - every domain's registrations with the floors below
from portal import settings as settings_mod
from portal.accounts.auth import SignedInMiddleware
from portal.accounts.passwords import Busy
from portal.accounts.routes import routes as account_routes
from portal.accounts.signin import busy
from portal.api.routes import routes as api_routes
from portal.assessment.routes import routes as assessment_routes
from portal.choices.routes import routes as choice_routes
from portal.comments.routes import routes as comment_routes
from portal.core import db, errorreports
from portal.core.groupcommit import GroupCommit
from portal.core.ratelimit.limits import counter_for
from portal.decisions.routes import routes as decision_routes
from portal.desk.routes import routes as desk_routes
from portal.home import health
from portal.home.routes import routes as home_routes
from portal.ideas.category_routes import routes as category_routes
from portal.ideas.routes import routes as idea_routes
from portal.media import storage as media_storage
from portal.media.routes import routes as media_routes
from portal.messaging.routes import routes as messaging_routes
from portal.moderation.routes import routes as moderation_routes
from portal.notifications.routes import routes as notification_routes
from portal.outputs.routes import routes as output_routes
from portal.pilots.routes import routes as pilot_routes
from portal.setup.routes import routes as setup_routes
from portal.staff.routes import routes as staff_routes
from portal.stories.routes import routes as story_routes
from portal.surveys.routes import routes as survey_routes
from portal.teams.routes import routes as team_routes
from portal.triage.routes import routes as triage_routes
from portal.votes.routes import routes as vote_routes
from portal.web import csrf, errors, templating, urls
from portal.web.access import AccessLogMiddleware
from portal.web.metrics import Metrics
from portal.web.metrics import routes as metrics_routes
from portal.web.pagecache import PageCacheMiddleware
from portal.web.security import LocaleMiddleware, PrivateWhenSignedIn, SecurityHeadersMiddleware
from portal.web.site import CachedStatic
from portal.web.site import routes as site_routes
from portal.workshops.committee import routes as committee_routes
from portal.workshops.routes import routes as workshop_routes


def routes() -> list[BaseRoute]:
    """The site's own routes, then each domain's (the router asks them in this order), then
    the static files."""
    return [
        *home_routes,
        *site_routes,
        account_routes,
        idea_routes,
        vote_routes,
        comment_routes,
        decision_routes,
        notification_routes,
        messaging_routes,
        assessment_routes,
        workshop_routes,
        committee_routes,
        staff_routes,
        desk_routes,
        setup_routes,
        category_routes,
        team_routes,
        triage_routes,
        survey_routes,
        story_routes,
        pilot_routes,
        choice_routes,
        media_routes,
        output_routes,
        moderation_routes,
        api_routes,
        *metrics_routes,
        Mount("/static", app=CachedStatic(directory=settings_mod.STATIC_DIR), name="static"),
    ]


def create_app(settings: settings_mod.Settings | None = None) -> Starlette:
    """Build the application for `settings` (from the environment when not given)."""
    settings = settings or settings_mod.from_env()
    errorreports.init(settings)
    media_storage.use(settings.media_dir)
    engine = db.make_engine(settings.database_url)
    metrics = Metrics(settings, engine, health.report) if settings.metrics_token else None
    middleware = [
        # Outermost: it times everything and sees the status the client gets.
        Middleware(AccessLogMiddleware, observer=metrics.observe if metrics else None),
        # Who is signed in, found when first asked, for every layer below (error pages too).
        Middleware(SignedInMiddleware),
        Middleware(SecurityHeadersMiddleware, https=settings.secure_cookies),
        Middleware(GZipMiddleware, minimum_size=500),
        Middleware(errors.ErrorPageMiddleware),
        Middleware(LocaleMiddleware),
        Middleware(
            csrf.CSRFMiddleware,
            secret=settings.secret_key,
            secure=settings.secure_cookies,
            base_url=settings.base_url,
            on_reject=errors.csrf_reject,
        ),
        Middleware(PageCacheMiddleware, seconds=settings.page_cache_seconds),
        Middleware(PrivateWhenSignedIn),
    ]
    app = Starlette(
        debug=False,
        routes=routes(),
        middleware=middleware,
        exception_handlers={**errors.handlers, Busy: busy},
    )
    # Every model is imported by now (portal.domains): set the ORM up before the first
    # request, not lazily inside whichever request happens to come first in a new process.
    configure_mappers()
    urls.use(app.routes)
    app.state.settings = settings
    app.state.engine = engine
    app.state.metrics = metrics
    app.state.rate_counter = counter_for(
        settings.redis_url, app.state.engine, factor=settings.rate_limit_factor
    )
    app.state.group_commit = GroupCommit(app.state.engine)
    templating.env.auto_reload = settings.debug
    return app
