"""HTTP for votes and follows: one form post each, answered with a partial for htmx."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import db
from portal.errors import NotFound
from portal.htmx import is_partial
from portal.ideas.models import Idea
from portal.templating import render
from portal.votes import services
from portal.web import (
    engine,
    field,
    form_data,
    limit,
    path_id,
    redirect,
    require_user,
    safe_next,
)


async def vote(request: Request) -> Response:
    """Vote (action=add) or withdraw (action=remove): explicit, so a double click is harmless."""
    user = require_user(request)
    idea_id = path_id(request)
    limit(request, "vote", user.id)
    form = await form_data(request)
    withdraw = field(form, "action") == "remove"
    with db.write(engine(request)) as session:
        if withdraw:
            services.withdraw(db=session, actor=user, idea_id=idea_id)
        else:
            services.vote(db=session, actor=user, idea_id=idea_id)
        # The counter update left the idea in the session: usually no query.
        idea = session.get(Idea, idea_id) if is_partial(request) else None
    if idea is not None:
        voted = set() if withdraw else {idea_id}
        return render(request, "ideas/_vote_button.html", {"idea": idea, "voted": voted})
    target = safe_next(field(form, "next"), f"/ideas/{idea_id}")
    return redirect(target, flash="vote_withdrawn" if withdraw else "voted")


async def follow(request: Request) -> Response:
    user = require_user(request)
    idea_id = path_id(request)
    form = await form_data(request)
    stop = field(form, "action") == "remove"
    with db.write(engine(request)) as session:
        if session.get(Idea, idea_id) is None:
            raise NotFound()
        if stop:
            services.unfollow(db=session, actor=user, idea_id=idea_id)
        else:
            services.follow(db=session, actor=user, idea_id=idea_id)
    if is_partial(request):
        return render(
            request, "ideas/_follow_button.html", {"idea_id": idea_id, "following": not stop}
        )
    return redirect(f"/ideas/{idea_id}", flash="unfollowed" if stop else "followed")


routes = [
    Route("/ideas/{id:int}/vote", vote, methods=["POST"], name="votes:vote"),
    Route("/ideas/{id:int}/follow", follow, methods=["POST"], name="votes:follow"),
]
