"""/api/v1: ideas, sessions, decisions and published survey results as JSON (public data only:
no emails, no private fields; staff also read survey results not yet published)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal.accounts.auth import current_user
from portal.accounts.queries import users_by_ids
from portal.core import db
from portal.core.errors import NotFound
from portal.decisions import queries as decisions_q
from portal.ideas import names, queries
from portal.ideas.models import Idea
from portal.surveys import permissions as surveys_permissions
from portal.surveys import queries as surveys_q
from portal.surveys.results import DimensionResult, ItemResult
from portal.surveys.stats import Summary
from portal.teams import queries as teams_q
from portal.teams.models import Team
from portal.web.requests import engine, path_id
from portal.web.routing import Domain
from portal.web.urls import path_for
from portal.workshops import queries as workshops_q
from portal.workshops.models import Workshop


def _idea(idea: Idea, base: str, categories: dict, people: dict) -> dict[str, Any]:
    author = people.get(idea.author_id)
    category = categories.get(idea.category_id)
    return {
        "id": idea.id,
        "url": base + path_for("ideas:detail", id=idea.id),
        "title": names.title(idea, None),  # public data: a hidden idea is never named
        "body": idea.body,
        "category": category.slug if category else None,
        "origin": idea.origin,
        "status": idea.status,
        "author": author.display_name if author else None,
        "votes": idea.vote_count,
        "comments": idea.comment_count,
        "duplicate_of": idea.duplicate_of_id,
        "created_at": idea.created_at.isoformat(),
        "updated_at": idea.updated_at.isoformat(),
    }


async def ideas_index(request: Request) -> Response:
    """A page of ideas, with the same filters as /ideas and a link to the next page."""
    filters = queries.Filters.parse(dict(request.query_params))
    base = request.app.state.settings.base_url
    with db.read(engine(request)) as session:
        page = queries.list_ideas(session, filters)
        categories = {c.id: c for c in queries.categories(session)}
        people = users_by_ids(session, {i.author_id for i in page.items if i.author_id})
    next_url = None
    if page.has_next:
        params = dict(request.query_params, page=str(page.page + 1))
        next_url = base + path_for("api:ideas", query=params)
    return JSONResponse(
        {
            "data": [_idea(i, base, categories, people) for i in page.items],
            "page": page.page,
            "next": next_url,
        }
    )


async def ideas_detail(request: Request) -> Response:
    base = request.app.state.settings.base_url
    with db.read(engine(request)) as session:
        idea = queries.get(session, path_id(request))
        if idea is None or idea.hidden_at is not None:  # hidden by moderators: not public
            raise NotFound()
        categories = {c.id: c for c in queries.categories(session)}
        people = users_by_ids(session, {idea.author_id} if idea.author_id else set())
    return JSONResponse({"data": _idea(idea, base, categories, people)})


def _session(w: Workshop, base: str, agenda: list[int]) -> dict[str, Any]:
    return {
        "id": w.id,
        "url": base + path_for("workshops:detail", id=w.id),
        "title": w.title,
        "description": w.description,
        "kind": w.kind,
        "starts_at": w.starts_at.isoformat(),
        "ends_at": w.ends_at.isoformat(),
        "timezone": w.timezone,
        "place": w.place,
        "online": bool(w.online_link),
        "capacity": w.capacity,
        "cancelled": w.cancelled_at is not None,
        "agenda": agenda,
    }


async def sessions_index(request: Request) -> Response:
    """Public design sessions (never committee-only ones), upcoming or ?when=past."""
    base = request.app.state.settings.base_url
    past = request.query_params.get("when") == "past"
    with db.read(engine(request)) as session:
        rows, has_next = workshops_q.listing(session, ("public",), past)
        agendas = workshops_q.agendas(session, [w.id for w in rows])
    return JSONResponse(
        {"data": [_session(w, base, agendas.get(w.id, [])) for w in rows], "has_more": has_next}
    )


def _team(team: Team) -> dict[str, Any]:
    return {"id": team.id, "name": team.name, "name_zh": team.name_zh}


async def decisions_index(request: Request) -> Response:
    """Published decisions, newest first, with their responsible teams."""
    base = request.app.state.settings.base_url
    with db.read(engine(request)) as session:
        rows, has_next = decisions_q.listing(session)
        links = decisions_q.linked_ideas(session, [d.id for d in rows])
        team_ids = decisions_q.teams_by_decision(session, [d.id for d in rows])
        teams = teams_q.by_ids(session, {t for ids in team_ids.values() for t in ids})
    return JSONResponse(
        {
            "data": [
                {
                    "id": d.id,
                    "url": base + path_for("decisions:detail", id=d.id),
                    "title": d.title,
                    "you_said": d.you_said,
                    "we_did": d.we_did,
                    "outcome": d.outcome,
                    "reason": d.reason,
                    "teams": [_team(teams[t]) for t in team_ids[d.id] if t in teams],
                    # The names in one text, as before teams were a list.
                    "team": ", ".join(teams[t].name for t in team_ids[d.id] if t in teams),
                    "published_at": d.published_at.isoformat(),
                    "corrected_at": d.corrected_at.isoformat() if d.corrected_at else None,
                    "ideas": links.get(d.id, []),
                }
                for d in rows
            ],
            "has_more": has_next,
        }
    )


def _summary(s: Summary) -> dict[str, Any]:
    ci95 = [s.ci95_low, s.ci95_high] if s.ci95_low is not None else None
    return {"n": s.n, "mean": s.mean, "sd": s.sd, "ci95": ci95}


def _survey_item(item: ItemResult) -> dict[str, Any]:
    out = {"code": item.code, **_summary(item.summary)}
    if item.three is not None:
        out["adequacy_gap"] = _summary(item.three.adequacy_gap)
        out["superiority_gap"] = _summary(item.three.superiority_gap)
    return out


def _dimension(d: DimensionResult) -> dict[str, Any]:
    return {
        "code": d.code,
        **_summary(d.summary),
        "alpha": d.reliability.alpha,
        "items": [_survey_item(i) for i in d.items],
    }


async def survey_results(request: Request) -> Response:
    """A survey's results, newest round first: its published rounds (staff: every round)."""
    user = current_user(request)
    base = request.app.state.settings.base_url
    with db.read(engine(request)) as session:
        survey = surveys_q.get(session, path_id(request))
        if survey is None:
            raise NotFound()
        shown = [
            r
            for r in surveys_q.rounds(session, survey.id)
            if surveys_permissions.can_see_results(user, r)
        ]
        if not shown:
            raise NotFound()
        merge = not surveys_permissions.can_manage(user)
        found = [(r, surveys_q.round_results(session, r, merge_groups=merge)) for r in shown]
    rounds = [
        {
            "id": r.id,
            "url": base + path_for("surveys:results", id=survey.id, query={"round": r.id}),
            "opens_at": r.opens_at.isoformat(),
            "closes_at": r.closes_at.isoformat(),
            "published_at": r.published_at.isoformat() if r.published_at else None,
            "n": result.n,
            "dimensions": [_dimension(d) for d in result.dimensions],
        }
        for r, result in found
    ]
    return JSONResponse(
        {
            "data": {
                "id": survey.id,
                "title": survey.title,
                "scale": survey.scale,
                "points": survey.points,
                "rounds": rounds,
            }
        }
    )


routes = Domain(
    "api",
    [
        Route("/api/v1/sessions", sessions_index, name="sessions"),
        Route("/api/v1/decisions", decisions_index, name="decisions"),
        Route("/api/v1/ideas", ideas_index, name="ideas"),
        Route("/api/v1/ideas/{id:int}", ideas_detail, name="idea"),
        Route("/api/v1/surveys/{id:int}/results", survey_results, name="survey_results"),
    ],
)
