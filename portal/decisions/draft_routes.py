"""HTTP for draft decisions and the committee's advice: staff keep a draft, share it with the
advisory committee, read the advice and publish it; members read shared drafts on their
committee page and give their advice."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require
from portal.accounts.models import User
from portal.accounts.queries import users_by_ids
from portal.core import db
from portal.core.errors import NotFound, ValidationError
from portal.core.i18n import _
from portal.decisions import drafts, permissions, queries
from portal.decisions.models import OUTCOMES, STANCES
from portal.teams import queries as teams_q
from portal.web import flash
from portal.web.requests import engine, field, form_data, path_id, redirect
from portal.web.templating import render
from portal.web.urls import path_for
from portal.workshops import committee


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "draft_saved": _("The draft is saved. It is not public and nobody was told."),
        "draft_shared": _("The draft is shared with the advisory committee; its members are told."),
        "advice_saved": _(
            "Thank you. Your advice is saved; you can change it until the decision is published."
        ),
    }


@committee.committee_extras.register
def _shared_drafts(s: Session, user: User | None) -> dict[str, Any]:
    """The drafts shared with the committee, for its members, and their own advice."""
    if not permissions.can_advise(user) or user is None:
        return {}
    shared = queries.drafts(s, shared_only=True)
    mine = {d.id: queries.my_advice(s, d.id, user.id) for d in shared}
    return {"shared_drafts": shared, "my_advice": {k: v for k, v in mine.items() if v}}


async def index(request: Request) -> Response:
    require(request, permissions.can_draft)
    with db.read(engine(request)) as s:
        waiting = queries.drafts(s)
    return render(request, "decisions/drafts.html", {"drafts": waiting})


def _draft_page(
    request: Request, draft_id: int, values: dict, teams: list, errors: dict, status: int = 200
) -> Response:
    with db.read(engine(request)) as s:
        draft = queries.draft(s, draft_id)
        if draft is None:
            raise NotFound()
        advice = queries.advice(s, draft_id)
        members = users_by_ids(s, {a.member_id for a in advice if a.member_id})
        team_choices = teams_q.active(s)
    return render(
        request,
        "decisions/draft.html",
        {
            "draft": draft,
            "values": values,
            "chosen_teams": teams,
            "team_choices": team_choices,
            "errors": errors,
            "outcomes": OUTCOMES,
            "advice": advice,
            "members": members,
        },
        status_code=status,
    )


async def draft(request: Request) -> Response:
    """A draft: its form, the committee's advice, and the buttons to save, share, publish."""
    draft_id = path_id(request)
    user = require(request, permissions.can_draft)
    with db.read(engine(request)) as s:
        found = queries.draft(s, draft_id)
    if found is None:
        raise NotFound()
    if found.decision_id is not None:
        return redirect(path_for("decisions:detail", id=found.decision_id))
    values, teams = drafts.form_of(found)
    if request.method == "GET":
        return _draft_page(request, draft_id, values, teams, {})
    form = await form_data(request)
    values = {k: field(form, k) for k in drafts.FORM_KEYS}
    teams = [t for t in form.getlist("teams") if isinstance(t, str)]
    action = field(form, "action")
    here = path_for("decisions:draft", id=draft_id)
    try:
        with db.write(engine(request)) as s:
            if action == "publish":
                decision = drafts.publish(
                    db=s, actor=user, draft_id=draft_id, form=values, teams=teams
                )
                return redirect(
                    path_for("decisions:detail", id=decision.id), flash="decision_published"
                )
            drafts.save(db=s, actor=user, form=values, teams=teams, draft_id=draft_id)
            if action == "share":
                drafts.share(
                    db=s,
                    actor=user,
                    draft_id=draft_id,
                    base_url=request.app.state.settings.base_url,
                    path=path_for("decisions:advise", id=draft_id),
                )
                return redirect(here, flash="draft_shared")
        return redirect(here, flash="draft_saved")
    except ValidationError as exc:
        return _draft_page(request, draft_id, values, teams, exc.errors, status=400)


async def advise(request: Request) -> Response:
    """A shared draft as a committee member reads it, and their advice."""
    draft_id = path_id(request)  # a number no draft can have is not found, for anyone
    user = require(request, permissions.can_advise)
    with db.read(engine(request)) as s:
        found = queries.draft(s, draft_id)
        if found is None or found.decision_id is not None or found.shared_at is None:
            raise NotFound()
        mine = queries.my_advice(s, draft_id, user.id)
    values = {
        "stance": mine.stance if mine else "",
        "reason": mine.reason if mine else "",
        "consent": "1" if mine and mine.consent else "",
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in ("stance", "reason", "consent")}
        try:
            with db.write(engine(request)) as s:
                drafts.advise(
                    db=s,
                    actor=user,
                    draft_id=draft_id,
                    stance=values["stance"],
                    reason=values["reason"],
                    consent=values["consent"] == "1",
                )
            return redirect(path_for("decisions:advise", id=draft_id), flash="advice_saved")
        except ValidationError as exc:
            errors = exc.errors
    form_values, _teams = drafts.form_of(found)
    return render(
        request,
        "decisions/advise.html",
        {
            "draft": found,
            "text": form_values,
            "values": values,
            "errors": errors,
            "stances": STANCES,
        },
        status_code=400 if errors else 200,
    )


# Mounted with the decisions domain's own routes (portal.decisions.routes).
ROUTES = [
    Route("/staff/decisions/drafts", index, name="drafts"),
    Route("/staff/decisions/drafts/{id:int}", draft, methods=["GET", "POST"], name="draft"),
    Route("/committee/drafts/{id:int}", advise, methods=["GET", "POST"], name="advise"),
]
