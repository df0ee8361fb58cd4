"""HTTP for pilots: the pilot on its decision's page (through `decisions.routes.detail_extras`)
and on the idea's timeline (through `ideas.routes.timeline_extras`); joining and leaving;
the staff's page to set a pilot up and invite people; the review form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require, require_user
from portal.accounts.models import User
from portal.core import db
from portal.core.errors import NotFound, ValidationError
from portal.core.i18n import _
from portal.decisions import queries as decisions_q
from portal.decisions import routes as decision_routes
from portal.decisions.models import Decision
from portal.ideas import routes as idea_routes
from portal.pilots import measures, permissions, queries, services
from portal.pilots.models import OUTCOMES, Pilot
from portal.surveys import charts
from portal.surveys import queries as surveys_q
from portal.surveys.labels import local_text
from portal.web import flash
from portal.web.requests import engine, field, form_data, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for

REVIEW_FIELDS = (
    "findings",
    "outcome",
    "we_did",
    "reason",
    "pilot_start",
    "pilot_end",
    "review_date",
)


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "pilot_saved": _("The pilot is saved."),
        "pilot_joined": _(
            "You are in the pilot. You will be asked for your view before and after."
        ),
        "pilot_left": _("You have left the pilot."),
        "pilot_full": _("Sorry, the pilot is full."),
        "pilot_invited": _("The invitation is on its way."),
        "pilot_reviewed": _("The review is recorded and the next decision is published."),
    }


@decision_routes.detail_extras.register
def pilot_of_decision(s: Session, decision_id: int, user: User | None) -> dict[str, Any]:
    """The decision page's pilot: its cohort, its rounds' results, its review and the chain
    of decisions."""
    pilot = queries.for_decision(s, decision_id)
    previous = queries.previous_of(s, decision_id)
    user_id = user.id if user else None
    # The decisions before and after this one, to name them.
    chain = {previous.decision_id} if previous else set()
    if pilot is not None and pilot.next_decision_id:
        chain.add(pilot.next_decision_id)
    return {
        "pilot": pilot,
        "pilot_member": pilot is not None and queries.is_member(s, pilot.id, user_id),
        "pilot_can_join": pilot is not None and permissions.can_join(user, pilot),
        "pilot_can_manage": permissions.can_manage(user),
        "pilot_measures": measures.before_after(s, pilot, user) if pilot else None,
        "pilot_previous": previous,
        "pilot_chain": decisions_q.titles(s, chain),
        "pilot_number": charts.number,
    }


@idea_routes.timeline_extras.register
def pilots_of_idea(s: Session, decision_ids: list[int]) -> list[tuple[Any, str, object]]:
    """An idea's timeline: each pilot's rounds as they open and its review."""
    return measures.timeline(s, queries.for_decisions(s, decision_ids))


def _decision(s: Session, decision_id: int) -> Decision:
    decision = decisions_q.get(s, decision_id)
    if decision is None or decision.outcome != "piloting":
        raise NotFound()
    return decision


def _pilot(s: Session, decision_id: int) -> Pilot:
    pilot = queries.for_decision(s, decision_id)
    if pilot is None:
        raise NotFound()
    return pilot


def _manage_page(
    request: Request,
    decision_id: int,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Response:
    with db.read(engine(request)) as s:
        decision = _decision(s, decision_id)
        pilot = queries.for_decision(s, decision_id)
        surveys = [(str(x.id), local_text(x, "title")) for x in surveys_q.listing(s)]
    if values is None:
        values = {
            "size": str(pilot.size) if pilot else "",
            "survey_id": str(pilot.survey_id or "") if pilot else "",
            "email": "",
        }
    context = {
        "decision": decision,
        "pilot": pilot,
        "surveys": surveys,
        "values": values,
        "errors": errors or {},
    }
    return render(request, "pilots/manage.html", context, status_code=400 if errors else 200)


async def manage(request: Request) -> Response:
    """Staff set up a pilot: its cohort's size and its survey."""
    user = require(request, permissions.can_manage)
    decision_id = path_id(request)
    if request.method == "GET":
        return _manage_page(request, decision_id)
    form = await form_data(request)
    values = {"size": field(form, "size"), "survey_id": field(form, "survey_id"), "email": ""}
    try:
        with db.write(engine(request)) as s:
            services.set_up(
                db=s,
                actor=user,
                decision_id=decision_id,
                size=values["size"],
                survey_id=values["survey_id"],
            )
    except ValidationError as exc:
        return _manage_page(request, decision_id, values, exc.errors)
    return redirect(
        path_for("decisions:detail", id=decision_id, fragment="pilot"), flash="pilot_saved"
    )


async def invite(request: Request) -> Response:
    """Staff invite the holder of an account, by its email address."""
    user = require(request, permissions.can_manage)
    decision_id = path_id(request)
    form = await form_data(request)
    email = field(form, "email")
    try:
        with db.write(engine(request)) as s:
            pilot = _pilot(s, decision_id)
            services.invite(
                db=s,
                actor=user,
                pilot_id=pilot.id,
                email=email,
                settings=request.app.state.settings,
            )
    except ValidationError as exc:
        with db.read(engine(request)) as s:
            pilot = _pilot(s, decision_id)
        values = {"size": str(pilot.size), "survey_id": str(pilot.survey_id or ""), "email": email}
        return _manage_page(request, decision_id, values, exc.errors)
    return redirect(path_for("pilots:manage", id=decision_id), flash="pilot_invited")


async def join(request: Request) -> Response:
    user = require_user(request)
    decision_id = path_id(request)
    done = "pilot_joined"
    try:
        with db.write(engine(request)) as s:
            services.join(db=s, actor=user, pilot_id=_pilot(s, decision_id).id)
    except ValidationError:
        done = "pilot_full"
    return redirect(path_for("decisions:detail", id=decision_id, fragment="pilot"), flash=done)


async def leave(request: Request) -> Response:
    user = require_user(request)
    decision_id = path_id(request)
    with db.write(engine(request)) as s:
        services.leave(db=s, actor=user, pilot_id=_pilot(s, decision_id).id)
    return redirect(
        path_for("decisions:detail", id=decision_id, fragment="pilot"), flash="pilot_left"
    )


async def review(request: Request) -> Response:
    """Staff record the review: findings, outcome, and the next decision's text and dates."""
    user = require(request, permissions.can_review)
    decision_id = path_id(request)
    values = dict.fromkeys(REVIEW_FIELDS, "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in REVIEW_FIELDS}
        try:
            with db.write(engine(request)) as s:
                pilot = _pilot(s, decision_id)
                done = services.review(db=s, actor=user, pilot_id=pilot.id, form=values)
                following = done.next_decision_id
            return redirect(
                path_for("decisions:detail", id=following or decision_id), flash="pilot_reviewed"
            )
        except ValidationError as exc:
            errors = exc.errors
    with db.read(engine(request)) as s:
        decision = _decision(s, decision_id)
        pilot = _pilot(s, decision_id)
        if pilot.reviewed_at is not None and request.method == "GET":
            raise NotFound()
    context = {
        "decision": decision,
        "pilot": pilot,
        "values": values,
        "errors": errors,
        "outcomes": list(OUTCOMES),
    }
    return render(request, "pilots/review.html", context, status_code=400 if errors else 200)


routes = Domain(
    "pilots",
    [
        Route("/you-said-we-did/{id:int}/pilot", manage, methods=["GET", "POST"], name="manage"),
        Route("/you-said-we-did/{id:int}/pilot/invite", invite, methods=["POST"], name="invite"),
        Route("/you-said-we-did/{id:int}/pilot/join", join, methods=["POST"], name="join"),
        Route("/you-said-we-did/{id:int}/pilot/leave", leave, methods=["POST"], name="leave"),
        Route(
            "/you-said-we-did/{id:int}/pilot/review", review, methods=["GET", "POST"], name="review"
        ),
    ],
)
