"""HTTP for triage: an idea's triage page (its staff panel, also shown on the idea's page
through `ideas.routes.staff_panels`), the forms it posts (lead team and owner, a request for
input, a note, scores), a team's board on its page (through `teams.routes.detail_extras`),
and the scoring criteria that admins set at /staff/triage/criteria."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require
from portal.accounts.models import User
from portal.accounts.queries import staff_members, users_by_ids
from portal.core import db
from portal.core.clock import aware, utcnow
from portal.core.errors import NotFound, ValidationError
from portal.core.forms import page as page_of
from portal.core.i18n import _
from portal.ideas import queries as ideas_q
from portal.ideas import routes as idea_routes
from portal.ideas.models import OPEN_STATUSES
from portal.setup import queries as setup_q
from portal.teams import queries as teams_q
from portal.teams import routes as team_routes
from portal.triage import permissions, queries, services
from portal.web import flash
from portal.web.requests import engine, field, form_data, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "triage_assigned": _("The lead team and owner are saved."),
        "triage_asked": _("The team is asked for its input."),
        "triage_answered": _("The request for input is marked answered."),
        "triage_noted": _("The note is saved. Only staff can read it."),
        "triage_scored": _("The scores are saved."),
        "criterion_added": _("The criterion is added."),
        "criterion_saved": _("The criterion is saved."),
        "criterion_removed": _("The criterion and its scores are removed."),
    }


def panel(s: Session, idea_id: int) -> dict[str, Any]:
    """What an idea's triage panel shows, in a fixed number of queries."""
    assignment = queries.assignment(s, idea_id)
    requests = queries.requests_for_idea(s, idea_id)
    notes = queries.notes(s, idea_id)
    people = {n.author_id for n in notes if n.author_id}
    if assignment and assignment.owner_id:
        people.add(assignment.owner_id)
    scores = queries.scores(s, idea_id)
    return {
        "idea_id": idea_id,
        "assignment": assignment,
        "requests": requests,
        "notes": notes,
        "people": users_by_ids(s, people),
        "teams": {t.id: t for t in teams_q.listing(s)},
        "active_teams": teams_q.active(s),
        "staff": staff_members(s),
        "criteria": queries.criteria(s),
        "scores": scores,
        "weighted": queries.weighted(s, {idea_id}).get(idea_id),
    }


@idea_routes.staff_panels.register
def idea_panel(s: Session, idea_id: int, user: User | None) -> list[tuple[str, dict[str, Any]]]:
    """The triage panel under an idea, for staff alone."""
    if not permissions.can_triage(user):
        return []
    return [("triage/_panel.html", panel(s, idea_id) | {"entered": {}, "errors": {}})]


@team_routes.detail_extras.register
def team_board(
    s: Session, team_id: int, user: User | None, params: Mapping[str, str]
) -> list[tuple[str, dict[str, Any]]]:
    """A team's board on its page: its ideas by status against the response promise, and
    the requests for input it was asked."""
    if not permissions.can_triage(user):
        return []
    sort = params.get("sort", "score")
    sort = sort if sort in queries.SORTS else "score"
    board = queries.board(s, team_id, sort, page_of(params.get("page")))
    owners = users_by_ids(s, {r.owner_id for r in board.rows if r.owner_id})
    promise = setup_q.row(s).response_days
    now = utcnow()
    ages = {r.idea.id: (now - aware(r.answered_at or r.idea.created_at)).days for r in board.rows}
    return [
        (
            "triage/_board.html",
            {
                "team_id": team_id,
                "board": board,
                "sort": sort,
                "owners": owners,
                "promise": promise,
                "ages": ages,
                # The page is ordered by status already: its rows, status by status.
                "groups": [
                    (status, list(rows))
                    for status, rows in groupby(board.rows, key=lambda r: r.idea.status)
                ],
                # Only ideas still open wait for an answer; a done or declined one is answered.
                "overdue": {
                    r.idea.id
                    for r in board.rows
                    if r.idea.status in OPEN_STATUSES and ages[r.idea.id] > promise
                },
            },
        )
    ]


def _page(
    request: Request, idea_id: int, values: Mapping[str, str], errors: Mapping[str, str]
) -> Response:
    with db.read(engine(request)) as s:
        idea = ideas_q.get(s, idea_id)
        if idea is None:
            raise NotFound()
        context = panel(s, idea_id)
    return render(
        request,
        "triage/idea.html",
        {"idea": idea, "panel": context | {"entered": values, "errors": errors}},
        status_code=400 if errors else 200,
    )


async def idea(request: Request) -> Response:
    require(request, permissions.can_triage)
    return _page(request, path_id(request), {}, {})


def _back(idea_id: int, key: str) -> Response:
    return redirect(path_for("ideas:detail", id=idea_id, fragment="triage"), flash=key)


async def _post(request: Request, verb: Any, key: str, *names: str) -> Response:
    """Run one of the idea's triage forms; a refused one shows the triage page again with
    the text kept and each problem beside its field."""
    user = require(request, permissions.can_triage)
    idea_id = path_id(request)
    form = await form_data(request)
    values = {k: field(form, k) for k in names} | {
        k: field(form, k) for k in form if k.startswith("score-")
    }
    try:
        with db.write(engine(request)) as s:
            verb(s, user, idea_id, values)
    except ValidationError as exc:
        return _page(request, idea_id, values, exc.errors)
    return _back(idea_id, key)


async def assign(request: Request) -> Response:
    return await _post(
        request,
        lambda s, u, i, v: services.assign(db=s, actor=u, idea_id=i, form=v),
        "triage_assigned",
        "team_id",
        "owner_id",
    )


async def ask(request: Request) -> Response:
    return await _post(
        request,
        lambda s, u, i, v: services.ask_input(db=s, actor=u, idea_id=i, form=v),
        "triage_asked",
        "input_team_id",
        "message",
    )


async def note(request: Request) -> Response:
    return await _post(
        request,
        lambda s, u, i, v: services.add_note(db=s, actor=u, idea_id=i, body=v["note"]),
        "triage_noted",
        "note",
    )


async def score(request: Request) -> Response:
    return await _post(
        request,
        lambda s, u, i, v: services.score(db=s, actor=u, idea_id=i, form=v),
        "triage_scored",
    )


async def answer(request: Request) -> Response:
    user = require(request, permissions.can_triage)
    with db.write(engine(request)) as s:
        row = services.answer_input(db=s, actor=user, request_id=path_id(request))
    return redirect(
        path_for("teams:detail", id=row.team_id, fragment="asked"), flash="triage_answered"
    )


def _criteria_page(
    request: Request,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Response:
    with db.read(engine(request)) as s:
        criteria = queries.criteria(s)
    return render(
        request,
        "triage/criteria.html",
        {"criteria": criteria, "values": values or {}, "errors": errors or {}},
        status_code=400 if errors else 200,
    )


CRITERION_FIELDS = ("name", "name_zh", "weight")


async def criteria(request: Request) -> Response:
    user = require(request, permissions.can_manage_criteria)
    if request.method == "GET":
        return _criteria_page(request)
    form = await form_data(request)
    values = {k: field(form, k) for k in CRITERION_FIELDS}
    try:
        with db.write(engine(request)) as s:
            services.add_criterion(db=s, actor=user, form=values)
    except ValidationError as exc:
        return _criteria_page(request, values, exc.errors)
    return redirect(path_for("triage:criteria"), flash="criterion_added")


async def edit_criterion(request: Request) -> Response:
    user = require(request, permissions.can_manage_criteria)
    criterion_id = path_id(request)
    form = await form_data(request)
    if field(form, "action") == "remove":
        with db.write(engine(request)) as s:
            services.remove_criterion(db=s, actor=user, criterion_id=criterion_id)
        return redirect(path_for("triage:criteria"), flash="criterion_removed")
    values = {k: field(form, k) for k in CRITERION_FIELDS}
    try:
        with db.write(engine(request)) as s:
            services.edit_criterion(db=s, actor=user, criterion_id=criterion_id, form=values)
    except ValidationError as exc:
        errors = {f"{k}-{criterion_id}": v for k, v in exc.errors.items()}
        shown = {f"{k}-{criterion_id}": v for k, v in values.items()}
        return _criteria_page(request, shown, errors)
    return redirect(path_for("triage:criteria"), flash="criterion_saved")


routes = Domain(
    "triage",
    [
        Route("/staff/ideas/{id:int}/triage", idea, name="idea"),
        Route("/staff/ideas/{id:int}/triage/assign", assign, methods=["POST"], name="assign"),
        Route("/staff/ideas/{id:int}/triage/input", ask, methods=["POST"], name="ask"),
        Route("/staff/ideas/{id:int}/triage/notes", note, methods=["POST"], name="note"),
        Route("/staff/ideas/{id:int}/triage/scores", score, methods=["POST"], name="score"),
        Route("/staff/triage/requests/{id:int}/answer", answer, methods=["POST"], name="answer"),
        Route("/staff/triage/criteria", criteria, methods=["GET", "POST"], name="criteria"),
        Route(
            "/staff/triage/criteria/{id:int}", edit_criterion, methods=["POST"], name="criterion"
        ),
    ],
)
