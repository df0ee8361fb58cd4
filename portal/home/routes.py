"""The home page (what is trending, new and answered) and /healthz."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal.accounts.auth import current_user
from portal.comments import queries as comments_q
from portal.core import db
from portal.home import health
from portal.ideas import queries as ideas_q
from portal.ideas.routes import card_context
from portal.surveys import queries as surveys_q
from portal.web.requests import engine
from portal.web.templating import render


async def home(request: Request) -> Response:
    user = current_user(request)
    with db.read(engine(request)) as session:
        trending = ideas_q.list_ideas(session, ideas_q.Filters(sort="trending"), per_page=6).items
        newest = ideas_q.list_ideas(session, ideas_q.Filters(sort="new"), per_page=5).items
        changes = ideas_q.recent_status_changes(session, limit=5)
        comments = comments_q.recent(session, limit=5)
        titles = ideas_q.titles(session, {c.idea_id for c in comments if c.idea_id}, user)
        context = {
            "trending": trending,
            "newest": newest,
            "changes": changes,
            "recent_comments": comments,
            "titles": titles,
            "open_surveys": surveys_q.open_for(session, user.id if user else None),
            **card_context(session, trending, user),
        }
    return render(request, "home.html", context)


async def healthz(request: Request) -> Response:
    """For load balancers and monitoring: 200 with the health report (portal.home.health) while the
    database answers, 503 when it does not."""
    reachable, body = health.report(engine(request))
    return JSONResponse(
        body, status_code=200 if reachable else 503, headers={"Cache-Control": "no-store"}
    )


routes = [
    Route("/", home, name="home"),
    Route("/healthz", healthz, name="healthz"),
]
