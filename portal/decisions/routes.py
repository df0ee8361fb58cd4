"""HTTP for decisions: the public "You said, we did" list and pages, the follow-up answer,
publishing and correcting by staff, the history of corrections, and the Atom feed."""

from __future__ import annotations

import re
from datetime import UTC
from typing import Any

from feedgen.feed import FeedGenerator
from sqlmodel import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import current_user, require, require_user
from portal.accounts.models import User
from portal.accounts.queries import users_by_ids
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import NotFound, ValidationError
from portal.core.forms import id_list
from portal.core.hooks import Hooks
from portal.core.i18n import _
from portal.decisions import draft_routes, drafts, permissions, queries, services
from portal.decisions.models import OUTCOMES, Decision, DecisionRevision
from portal.ideas import queries as ideas_q
from portal.notifications import queries as notifications_q
from portal.setup.current import site
from portal.teams import queries as teams_q
from portal.teams.models import Team
from portal.web import flash
from portal.web.requests import engine, field, form_data, page_number, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import html, render
from portal.web.urls import path_for
from portal.workshops import permissions as workshop_rules
from portal.workshops import queries as workshops_q


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "decision_published": _("The decision is published. Everyone who took part will be told."),
        "follow_up_saved": _("Thank you. Your answer is saved."),
        "review_recorded": _("The review is recorded."),
        "decision_corrected": _(
            "The correction is published. The earlier text stays readable in its history; "
            "nobody was notified."
        ),
    }


async def index(request: Request) -> Response:
    outcome = request.query_params.get("outcome", "")
    outcome = outcome if outcome in OUTCOMES else ""
    page = page_number(request)
    with db.read(engine(request)) as s:
        decisions, has_next = queries.listing(s, outcome, page)
        ids = [d.id for d in decisions]
        context = {
            "decisions": decisions,
            "teams": _teams_of(s, ids),
            "has_next": has_next,
            "page": page,
            "outcome": outcome,
            "outcomes": OUTCOMES,
            "summaries": queries.follow_up_summaries(s, ids),
        }
    return render(request, "decisions/index.html", context)


def _teams_of(s: Session, decision_ids: list[int]) -> dict[int, list[Team]]:
    """The responsible teams (rows, named in the reader's language) of each decision."""
    ids = queries.teams_by_decision(s, decision_ids)
    teams = teams_q.by_ids(s, {t for listed in ids.values() for t in listed})
    return {d: [teams[t] for t in listed if t in teams] for d, listed in ids.items()}


# What domains built on decisions add to a decision's page, called with (db, decision id,
# the reader): the stories domain gives its "Stories about this", the pilots domain its pilot.
detail_extras: Hooks[[Session, int, User | None], dict[str, Any]] = Hooks(
    "a decision's page is shown"
)


def _detail_context(s: Session, decision_id: int, user: User | None) -> dict:
    decision = queries.get(s, decision_id)
    if decision is None:
        raise NotFound()
    idea_ids = queries.idea_ids(s, decision_id)
    return {
        "decision": decision,
        "teams": _teams_of(s, [decision_id])[decision_id],
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
        "can_answer": user is not None
        and permissions.can_answer_follow_up(
            user, notified=notifications_q.was_notified_of_decision(s, user.id, decision_id)
        ),
        "advice": (advice := queries.published_advice(s, decision_id)),
        "advisers": users_by_ids(s, {a.member_id for a in advice.consented if a.member_id}),
        "errors": {},
        "values": {},
    } | {k: v for extra in detail_extras(s, decision_id, user) for k, v in extra.items()}


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
        return redirect(
            path_for("decisions:detail", id=decision_id, fragment="follow-up"),
            flash="follow_up_saved",
        )
    except ValidationError as exc:
        errors = exc.errors
    with db.read(engine(request)) as s:
        context = _detail_context(s, decision_id, user)
    context.update(errors=errors, values=values)
    return render(request, "decisions/detail.html", context, status_code=400)


def _form_values(form: FormData) -> tuple[dict[str, str], list[str]]:
    values = {k: field(form, k) for k in form if k not in ("csrf_token", "teams")}
    return values, [t for t in form.getlist("teams") if isinstance(t, str)]


async def new(request: Request) -> Response:
    user = require(request, permissions.can_publish)
    values = {"ideas": request.query_params.get("ideas", "")[:200], "move_status": "1"}
    teams: list[str] = []
    errors: dict[str, str] = {}
    if request.method == "POST":
        values, teams = _form_values(await form_data(request))
        try:
            with db.write(engine(request)) as s:
                if values.get("action") == "draft":
                    draft = drafts.save(db=s, actor=user, form=values, teams=teams)
                    return redirect(path_for("decisions:draft", id=draft.id), flash="draft_saved")
                decision = services.publish(db=s, actor=user, form=values, teams=teams)
            return redirect(
                path_for("decisions:detail", id=decision.id), flash="decision_published"
            )
        except ValidationError as exc:
            errors = exc.errors
    with db.read(engine(request)) as s:
        team_choices = teams_q.active(s)
        waiting = queries.drafts(s)
    return render(
        request,
        "decisions/new.html",
        {
            "values": values,
            "chosen_teams": teams,
            "team_choices": team_choices,
            "errors": errors,
            "outcomes": OUTCOMES,
            "drafts": waiting,
        },
        status_code=400 if errors else 200,
    )


def _current_values(s: Session, decision: Decision) -> tuple[dict[str, str], list[str]]:
    """The correction form filled with what the decision says now."""
    links = services.current_links(s, decision.id)
    values = {k: getattr(decision, k) for k in services.LIMITS}
    for key in services.DATES:
        day = getattr(decision, key)
        values[key] = day.isoformat() if day else ""
    values |= {
        "ideas": ", ".join(map(str, links.ideas)),
        "sessions": ", ".join(map(str, links.sessions)),
    }
    return values, [str(t) for t in links.teams]


async def correct(request: Request) -> Response:
    """Staff correct a published decision; nobody is notified."""
    user = require(request, permissions.can_correct)
    decision_id = path_id(request)
    errors: dict[str, str] = {}
    with db.read(engine(request)) as s:
        decision = queries.get(s, decision_id)
        if decision is None:
            raise NotFound()
        values, teams = _current_values(s, decision)
        linked = set(map(int, teams))
    if request.method == "POST":
        values, teams = _form_values(await form_data(request))
        try:
            with db.write(engine(request)) as s:
                services.correct(
                    db=s, actor=user, decision_id=decision_id, form=values, teams=teams
                )
            return redirect(
                path_for("decisions:detail", id=decision_id), flash="decision_corrected"
            )
        except ValidationError as exc:
            errors = exc.errors
    with db.read(engine(request)) as s:
        # The teams offered now, and those it already names (an archived one stays).
        choices = [t for t in teams_q.listing(s) if t.archived_at is None or t.id in linked]
    return render(
        request,
        "decisions/correct.html",
        {
            "decision": decision,
            "values": values,
            "chosen_teams": teams,
            "team_choices": choices,
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


async def history(request: Request) -> Response:
    """The earlier versions of a corrected decision, for everyone who can read it."""
    user = current_user(request)
    with db.read(engine(request)) as s:
        decision = queries.get(s, path_id(request))
        if decision is None:
            raise NotFound()
        revisions = queries.revisions(s, decision.id)
        numbers = [_numbers(r) for r in revisions]
        teams = teams_q.by_ids(s, {t for n in numbers for t in n["teams"]})
        context = {
            "decision": decision,
            "versions": [
                {
                    "revision": r,
                    "shown_from": revisions[i + 1].replaced_at
                    if i + 1 < len(revisions)
                    else decision.published_at,
                    "teams": [teams[t] for t in n["teams"] if t in teams],
                    "ideas": n["ideas"],
                    "sessions": n["sessions"],
                }
                for i, (r, n) in enumerate(zip(revisions, numbers, strict=True))
            ],
            "idea_titles": ideas_q.titles(s, {i for n in numbers for i in n["ideas"]}, user),
            "session_titles": workshops_q.titles(
                s,
                {w for n in numbers for w in n["sessions"]},
                workshop_rules.audiences_for(user),
            ),
        }
    return render(request, "decisions/history.html", context)


def _numbers(revision: DecisionRevision) -> dict[str, list[int]]:
    return {k: id_list(getattr(revision, k)) or [] for k in ("ideas", "sessions", "teams")}


async def reviewed(request: Request) -> Response:
    user = require_user(request)
    with db.write(engine(request)) as s:
        services.mark_reviewed(db=s, actor=user, decision_id=path_id(request))
    return redirect(path_for("staff:desk"), flash="review_recorded")


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
    index = base + path_for("decisions:index")
    fg.id(index)
    fg.title(_xml(f"{site(request).name}: You said, we did"))
    fg.link(href=index, rel="alternate")
    fg.link(href=base + path_for("decisions:atom"), rel="self")
    fg.language("en")
    latest = max((d.published_at for d in decisions), default=None)
    fg.updated((latest or utcnow()).astimezone(UTC))
    for d in reversed(decisions):
        entry = fg.add_entry()
        address = base + path_for("decisions:detail", id=d.id)
        entry.id(address)
        entry.title(_xml(d.title))
        entry.link(href=address)
        entry.published(d.published_at.astimezone(UTC))
        entry.updated((d.corrected_at or d.published_at).astimezone(UTC))
        entry.summary(_xml(d.we_did[:300]))
        entry.content(
            _xml(
                f"<p><strong>You said:</strong></p>{html(d, 'you_said')}"
                f"<p><strong>We did:</strong></p>{html(d, 'we_did')}"
            ),
            type="html",
        )
        entry.category(term=d.outcome)
    return Response(fg.atom_str(pretty=False), media_type="application/atom+xml; charset=utf-8")


routes = Domain(
    "decisions",
    [
        Route("/you-said-we-did", index, name="index"),
        Route("/you-said-we-did/{id:int}", detail, name="detail"),
        Route(
            "/you-said-we-did/{id:int}/follow-up",
            follow_up,
            methods=["POST"],
            name="follow_up",
        ),
        Route("/you-said-we-did/{id:int}/reviewed", reviewed, methods=["POST"], name="reviewed"),
        Route(
            "/you-said-we-did/{id:int}/correct",
            correct,
            methods=["GET", "POST"],
            name="correct",
        ),
        Route("/you-said-we-did/{id:int}/history", history, name="history"),
        Route("/staff/decisions/new", new, methods=["GET", "POST"], name="new"),
        Route("/feeds/decisions.atom", atom, name="atom"),
        *draft_routes.ROUTES,
    ],
)
