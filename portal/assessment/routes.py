"""/scorecard: the public accountability page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import db
from portal.assessment import queries
from portal.decisions.models import OUTCOMES
from portal.templating import render
from portal.web import engine


async def scorecard(request: Request) -> Response:
    with db.read(engine(request)) as s:
        figures, months = queries.scorecard(s)
    return render(
        request,
        "assessment/scorecard.html",
        {"figures": figures, "months": months, "outcomes": OUTCOMES},
    )


routes = [Route("/scorecard", scorecard, name="assessment:scorecard")]
