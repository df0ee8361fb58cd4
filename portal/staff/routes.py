"""/staff: for admins, what a new site still needs set up; overdue pilot reviews, ideas
waiting for a first response, quick actions."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require
from portal.core import db
from portal.core.clock import utcnow
from portal.decisions import queries as decisions_q
from portal.ideas import queries as ideas_q
from portal.moderation import queries as moderation_q
from portal.setup import queries as setup_q
from portal.setup.current import site
from portal.staff import permissions
from portal.web.requests import engine
from portal.web.routing import Domain
from portal.web.templating import render


async def desk(request: Request) -> Response:
    user = require(request, permissions.can_use_desk)
    with db.read(engine(request)) as s:
        overdue = decisions_q.overdue_reviews(s, utcnow().date())
        waiting = ideas_q.awaiting_response(s, limit=20)
        reports = moderation_q.queue(s)
        checklist = (
            setup_q.checklist(s, site(request)) if permissions.can_see_setup_checklist(user) else []
        )
    return render(
        request,
        "staff/desk.html",
        {"overdue": overdue, "waiting": waiting, "reports": reports, "checklist": checklist},
    )


routes = Domain(
    "staff",
    [Route("/staff", desk, name="desk")],
)
