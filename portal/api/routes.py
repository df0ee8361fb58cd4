"""/api/v1: ideas as JSON (public data only: no emails, no private fields)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal import db
from portal.accounts.queries import users_by_ids
from portal.errors import NotFound
from portal.ideas import queries
from portal.ideas.models import Idea
from portal.web import engine, path_id


def _idea(idea: Idea, base: str, categories: dict, people: dict) -> dict[str, Any]:
    author = people.get(idea.author_id)
    category = categories.get(idea.category_id)
    return {
        "id": idea.id,
        "url": f"{base}/ideas/{idea.id}",
        "title": idea.title,
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
        next_url = f"{base}/api/v1/ideas?{urlencode(params)}"
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
        if idea is None:
            raise NotFound()
        categories = {c.id: c for c in queries.categories(session)}
        people = users_by_ids(session, {idea.author_id} if idea.author_id else set())
    return JSONResponse({"data": _idea(idea, base, categories, people)})


routes = [
    Route("/api/v1/ideas", ideas_index, name="api:ideas"),
    Route("/api/v1/ideas/{id:int}", ideas_detail, name="api:idea"),
]
