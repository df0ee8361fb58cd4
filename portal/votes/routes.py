"""HTTP for votes and follows: one form post each, answered with a partial for htmx."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require_user
from portal.core import db
from portal.core.errors import NotFound
from portal.core.i18n import _
from portal.ideas import queries as ideas_q
from portal.votes import services
from portal.web import flash
from portal.web.htmx import is_partial
from portal.web.requests import engine, field, form_data, limit, path_id, redirect, safe_next
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "voted": _("Your vote is counted."),
        "vote_withdrawn": _("Your vote is withdrawn."),
        "followed": _("You follow this idea now."),
        "unfollowed": _("You no longer follow this idea."),
    }


async def vote(request: Request) -> Response:
    """Vote (action=add) or withdraw (action=remove): explicit, so a double click is harmless.

    The busiest write of the site: the rate-limit count and the vote share one transaction,
    shared in turn with the other votes arriving at the same time (portal.core.groupcommit), and
    the counter update returns what the button shows."""
    user = require_user(request)
    idea_id = path_id(request)
    form = await form_data(request)
    withdraw = field(form, "action") == "remove"

    def cast(conn: Connection) -> Any:
        limit(request, "vote", user.id, conn=conn)
        return services.cast(db=conn, actor=user, idea_id=idea_id, withdraw=withdraw)

    idea = await request.app.state.group_commit.run(cast)
    if is_partial(request):
        voted = set() if withdraw else {idea_id}
        return render(request, "ideas/_vote_button.html", {"idea": idea, "voted": voted})
    target = safe_next(field(form, "next"), path_for("ideas:detail", id=idea_id))
    return redirect(target, flash="vote_withdrawn" if withdraw else "voted")


async def follow(request: Request) -> Response:
    user = require_user(request)
    idea_id = path_id(request)
    form = await form_data(request)
    stop = field(form, "action") == "remove"
    with db.write(engine(request)) as session:
        if ideas_q.get(session, idea_id) is None:
            raise NotFound()
        if stop:
            services.unfollow(db=session, actor=user, idea_id=idea_id)
        else:
            services.follow(db=session, actor=user, idea_id=idea_id)
    if is_partial(request):
        return render(
            request, "ideas/_follow_button.html", {"idea_id": idea_id, "following": not stop}
        )
    return redirect(
        path_for("ideas:detail", id=idea_id), flash="unfollowed" if stop else "followed"
    )


routes = Domain(
    "votes",
    [
        Route("/ideas/{id:int}/vote", vote, methods=["POST"], name="vote"),
        Route("/ideas/{id:int}/follow", follow, methods=["POST"], name="follow"),
    ],
)
