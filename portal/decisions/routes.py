"""HTTP for decisions: the public "You said, we did" list and pages, the follow-up answer,
publishing by staff, and the Atom feed."""

from __future__ import annotations

import re
from datetime import UTC

from feedgen.feed import FeedGenerator
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import db
from portal.accounts.auth import current_user
from portal.clock import utcnow
from portal.decisions import queries, services
from portal.decisions.models import OUTCOMES
from portal.errors import Forbidden, NotFound, ValidationError
from portal.ideas import queries as ideas_q
from portal.notifications import queries as notifications_q
from portal.templating import markdown, render
from portal.web import engine, field, form_data, page_number, path_id, redirect, require_user
from portal.workshops import permissions as workshop_rules
from portal.workshops import queries as workshops_q


async def index(request: Request) -> Response:
    outcome = request.query_params.get("outcome", "")
    outcome = outcome if outcome in OUTCOMES else ""
    page = page_number(request)
    with db.read(engine(request)) as s:
        decisions, has_next = queries.listing(s, outcome, page)
        ids = [d.id for d in decisions]
        context = {
            "decisions": decisions,
            "has_next": has_next,
            "page": page,
            "outcome": outcome,
            "outcomes": OUTCOMES,
            "summaries": queries.follow_up_summaries(s, ids),
        }
    return render(request, "decisions/index.html", context)


def _detail_context(s, decision_id: int, user) -> dict:  # noqa: ANN001
    decision = queries.get(s, decision_id)
    if decision is None:
        raise NotFound()
    idea_ids = queries.idea_ids(s, decision_id)
    return {
        "decision": decision,
        "ideas": ideas_q.titles(s, set(idea_ids), user),
        "idea_ids": idea_ids,
        # Committee-only sessions stay unnamed for those who may not see them.
        "sessions": workshops_q.titles(
            s, set(queries.workshop_ids(s, decision_id)), workshop_rules.audiences_for(user)
        ),
        "notified": notifications_q.notified_for_decision(s, decision_id),
        "summary": queries.follow_up_summaries(s, [decision_id])[decision_id],
        "comments": queries.follow_up_comments(s, decision_id),
        "mine": queries.my_follow_up(s, decision_id, user.id if user else None),
        "can_answer": bool(user)
        and notifications_q.was_notified_of_decision(s, user.id, decision_id),
        "errors": {},
        "values": {},
    }


async def detail(request: Request) -> Response:
    user = current_user(request)
    with db.read(engine(request)) as s:
        context = _detail_context(s, path_id(request), user)
    return render(request, "decisions/detail.html", context)


async def follow_up(request: Request) -> Response:
    user = require_user(request)
    decision_id = path_id(request)
    form = await form_data(request)
    values = {"rating": field(form, "rating"), "comment": field(form, "comment")}
    try:
        with db.write(engine(request)) as s:
            services.answer_follow_up(db=s, actor=user, decision_id=decision_id, **values)
        return redirect(f"/you-said-we-did/{decision_id}#follow-up", flash="follow_up_saved")
    except ValidationError as exc:
        errors = exc.errors
    with db.read(engine(request)) as s:
        context = _detail_context(s, decision_id, user)
    context.update(errors=errors, values=values)
    return render(request, "decisions/detail.html", context, status_code=400)


async def new(request: Request) -> Response:
    user = require_user(request)
    if not user.is_staff:
        raise Forbidden()
    values = {"ideas": request.query_params.get("ideas", "")[:200], "move_status": "1"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in form}
        values.pop("csrf_token", None)
        try:
            with db.write(engine(request)) as s:
                decision = services.publish(db=s, actor=user, form=values)
            return redirect(f"/you-said-we-did/{decision.id}", flash="decision_published")
        except ValidationError as exc:
            errors = exc.errors
    return render(
        request,
        "decisions/new.html",
        {"values": values, "errors": errors, "outcomes": OUTCOMES},
        status_code=400 if errors else 200,
    )


async def reviewed(request: Request) -> Response:
    user = require_user(request)
    with db.write(engine(request)) as s:
        services.mark_reviewed(db=s, actor=user, decision_id=path_id(request))
    return redirect("/staff", flash="review_recorded")


# Characters XML 1.0 cannot hold (C0 controls but tab and newlines, lone surrogates,
# U+FFFE/U+FFFF): lxml refuses a feed with any of them, so they are left out of it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("", text)


async def atom(request: Request) -> Response:
    """The latest decisions as an Atom feed, built with feedgen."""
    base = request.app.state.settings.base_url
    with db.read(engine(request)) as s:
        decisions, _more = queries.listing(s)
    fg = FeedGenerator()
    fg.id(f"{base}/you-said-we-did")
    fg.title(f"{request.app.state.settings.site_name}: You said, we did")
    fg.link(href=f"{base}/you-said-we-did", rel="alternate")
    fg.link(href=f"{base}/feeds/decisions.atom", rel="self")
    fg.language("en")
    latest = max((d.published_at for d in decisions), default=None)
    fg.updated((latest or utcnow()).astimezone(UTC))
    for d in reversed(decisions):
        entry = fg.add_entry()
        entry.id(f"{base}/you-said-we-did/{d.id}")
        entry.title(_xml(d.title))
        entry.link(href=f"{base}/you-said-we-did/{d.id}")
        entry.published(d.published_at.astimezone(UTC))
        entry.updated(d.published_at.astimezone(UTC))
        entry.summary(_xml(d.we_did[:300]))
        entry.content(
            _xml(str(markdown(f"**You said:** {d.you_said}\n\n**We did:** {d.we_did}"))),
            type="html",
        )
        entry.category(term=d.outcome)
    return Response(fg.atom_str(pretty=False), media_type="application/atom+xml; charset=utf-8")


routes = [
    Route("/you-said-we-did", index, name="decisions:index"),
    Route("/you-said-we-did/{id:int}", detail, name="decisions:detail"),
    Route(
        "/you-said-we-did/{id:int}/follow-up",
        follow_up,
        methods=["POST"],
        name="decisions:follow_up",
    ),
    Route(
        "/you-said-we-did/{id:int}/reviewed", reviewed, methods=["POST"], name="decisions:reviewed"
    ),
    Route("/staff/decisions/new", new, methods=["GET", "POST"], name="decisions:new"),
    Route("/feeds/decisions.atom", atom, name="decisions:atom"),
]
