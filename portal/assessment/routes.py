"""/scorecard: the public accountability page."""

from __future__ import annotations

import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.assessment import dashboard_routes, queries
from portal.core import db
from portal.decisions.models import OUTCOMES
from portal.ideas.models import SOURCES
from portal.setup.current import site
from portal.web.requests import engine
from portal.web.routing import Domain
from portal.web.templating import render

# The figures are medians and shares over a year of ideas: computing them reads that whole
# year (half a second at 100,000 ideas), so each process keeps them this long. The page says so.
KEEP_SECONDS = 300.0


@dataclass(frozen=True)
class Kept:
    at: float
    figures: queries.Figures
    months: list[queries.Month]


async def scorecard(request: Request) -> Response:
    # The promise is read on every request: a change by an admin shows at once.
    days = site(request).response_days
    kept: Kept | None = getattr(request.app.state, "scorecard", None)
    if (
        kept is None
        or kept.figures.answer_days != days
        or time.monotonic() - kept.at >= KEEP_SECONDS
    ):
        with db.read(engine(request)) as s:
            figures, months = queries.scorecard(s, answer_days=days)
        kept = request.app.state.scorecard = Kept(time.monotonic(), figures, months)
    return render(
        request,
        "assessment/scorecard.html",
        {
            "figures": kept.figures,
            "months": kept.months,
            "outcomes": OUTCOMES,
            # The known channels, then any other one the rows name.
            "sources": [*SOURCES, *sorted(set(kept.figures.by_source) - set(SOURCES))],
        },
    )


routes = Domain(
    "assessment",
    [
        Route("/scorecard", scorecard, name="scorecard"),
        Route("/staff/assessment", dashboard_routes.assessment, name="dashboard"),
    ],
)
