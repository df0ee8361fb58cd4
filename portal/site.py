"""Site-wide pages: home, health check, the language switcher."""

from __future__ import annotations

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal import db, i18n
from portal.accounts.auth import current_user
from portal.comments import queries as comments_q
from portal.ideas import queries as ideas_q
from portal.ideas.routes import card_context
from portal.templating import render
from portal.web import engine, field, form_data, redirect, safe_next


async def home(request: Request) -> Response:
    user = current_user(request)
    with db.read(engine(request)) as session:
        trending = ideas_q.list_ideas(session, ideas_q.Filters(sort="trending"), per_page=6).items
        newest = ideas_q.list_ideas(session, ideas_q.Filters(sort="new"), per_page=5).items
        changes = ideas_q.recent_status_changes(session, limit=5)
        comments = comments_q.recent(session, limit=5)
        titles = ideas_q.titles(session, {c.idea_id for c in comments}, user)
        context = {
            "trending": trending,
            "newest": newest,
            "changes": changes,
            "recent_comments": comments,
            "titles": titles,
            **card_context(session, trending, user),
        }
    return render(request, "home.html", context)


async def healthz(request: Request) -> Response:
    """Liveness and database reachability, for load balancers."""
    with db.read(engine(request)) as session:
        session.execute(text("SELECT 1"))
    return PlainTextResponse("ok")


async def ping(request: Request) -> Response:
    """Liveness without the database: the floor that benchmarks compare pages against."""
    return PlainTextResponse("pong")


async def set_language(request: Request) -> Response:
    form = await form_data(request)
    lang = field(form, "lang")
    response = redirect(safe_next(field(form, "next"), "/"))
    if lang in i18n.LOCALES:
        response.set_cookie("lang", lang, max_age=60 * 60 * 24 * 365, samesite="lax")
    return response


routes = [
    Route("/", home, name="home"),
    Route("/healthz", healthz, name="healthz"),
    Route("/ping", ping, name="ping"),
    Route("/language", set_language, methods=["POST"], name="language"),
]
