"""HTTP for ideas: list, detail, propose, edit, status changes, similar titles."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypedDict

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import current_user, require_user
from portal.accounts.models import User
from portal.accounts.queries import users_by_ids
from portal.comments import permissions as comment_rules
from portal.comments import queries as comments_q
from portal.core import db
from portal.core.clock import aware
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.hooks import Hooks
from portal.core.i18n import _
from portal.decisions import queries as decisions_q
from portal.ideas import permissions, queries, services
from portal.ideas.models import ORIGINS, STATUSES
from portal.votes import queries as votes_q
from portal.web import flash
from portal.web.htmx import is_partial
from portal.web.requests import engine, field, form_data, limit, page_number, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for
from portal.workshops import permissions as workshop_rules
from portal.workshops import queries as workshops_q


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "idea_posted": _("Your idea is posted. You will hear about every step it takes."),
        "idea_saved": _("Your changes are saved."),
        "status_changed": _("The status is changed and the response is public."),
    }


def _idea_id(request: Request) -> int:
    return path_id(request)


def card_context(session: Session, ideas: list, user: User | None) -> dict:
    """What idea cards need besides the ideas, in a fixed number of queries."""
    return {
        "categories": {c.id: c for c in queries.shown_categories(session)},
        "voted": votes_q.voted_ids(session, user.id if user else None, [i.id for i in ideas]),
    }


async def index(request: Request) -> Response:
    filters = queries.Filters.parse(dict(request.query_params))
    user = current_user(request)
    with db.read(engine(request)) as session:
        page = queries.list_ideas(session, filters)
        context = {
            "page": page,
            "filters": filters,
            "statuses": STATUSES,
            "origins": ORIGINS,
            "sorts": list(queries.SORTS),
            "all_categories": queries.category_choices(session, filters.category),
            **card_context(session, page.items, user),
        }
    if is_partial(request):
        response = render(request, "ideas/_results.html", context)
    else:
        response = render(request, "ideas/index.html", context)
    response.headers["Vary"] = "HX-Request"
    return response


# What domains built on ideas add to an idea's timeline, called with (db, the ids of the
# decisions about it): entries (when, template, item) that the template includes with `entry`
# set to the item; the pilots domain gives its rounds and reviews.
timeline_extras: Hooks[[Session, list[int]], list[tuple[datetime, str, object]]] = Hooks(
    "an idea's timeline is shown"
)


# What domains built on ideas add to an idea's page for its reader, called with (db, idea id,
# the reader): (template, context) pairs that the page includes with `panel` set to the
# context; the triage domain gives staff its panel. Each decides itself who may see it.
staff_panels: Hooks[[Session, int, User | None], list[tuple[str, dict[str, Any]]]] = Hooks(
    "an idea's page is shown"
)


def timeline(
    history: list, decisions: list, sessions: list, extras: Iterable[tuple] = ()
) -> list[tuple[str, object]]:
    """The idea's public history in order: status changes, design sessions that discussed
    it, decisions, and what other domains add (as kind "extra", item (template, entry)),
    each as (kind, item)."""
    entries = [(aware(h.created_at), "status", h) for h in history]
    entries += [(aware(d.published_at), "decision", d) for d in decisions]
    entries += [(aware(w.starts_at), "session", w) for w in sessions]
    entries += [(aware(at), "extra", (template, item)) for at, template, item in extras]
    return [(kind, item) for _at, kind, item in sorted(entries, key=lambda e: e[0])]


# What domains built on ideas add to an idea's page, called with (db, the page's context so
# far, reader): the choices domain gives the idea's questions, the media domain the files of
# the idea and of the comments shown.
detail_extras: Hooks[[Session, dict[str, Any], User | None], dict[str, Any]] = Hooks(
    "an idea's page is shown"
)


async def detail(request: Request) -> Response:
    user = current_user(request)
    with db.read(engine(request)) as session:
        idea = queries.get(session, _idea_id(request))
        if idea is None:
            raise NotFound()
        page = page_number(request, "comments")
        threads = comments_q.threads(session, idea.id, page)
        history = queries.history(session, idea.id)
        people = {idea.author_id} | {
            c.author_id for t in threads.threads for c in [t.comment, *t.replies]
        }
        people |= {h.actor_id for h in history}
        decisions = decisions_q.for_idea(session, idea.id)
        context = {
            "idea": idea,
            "threads": threads,
            "timeline": timeline(
                history,
                decisions,
                workshops_q.for_idea(session, idea.id, workshop_rules.audiences_for(user)),
                [e for found in timeline_extras(session, [d.id for d in decisions]) for e in found],
            ),
            "follow_ups": decisions_q.follow_up_summaries(session, [d.id for d in decisions]),
            "people": users_by_ids(session, {p for p in people if p}),
            "following": votes_q.is_following(session, user.id if user else None, idea.id),
            "desk_votes": votes_q.desk_votes(session, idea.id),
            "original": queries.get(session, idea.duplicate_of_id)
            if idea.duplicate_of_id
            else None,
            "can_edit": permissions.can_edit(user, idea),
            "can_change_status": permissions.can_change_status(user),
            "statuses": STATUSES,
            "can_edit_comment": comment_rules.can_edit,
            "staff_panels": [p for found in staff_panels(session, idea.id, user) for p in found],
            **card_context(session, [idea], user),
        }
        for extra in detail_extras(session, context, user):
            context |= extra
    return render(request, "ideas/detail.html", context)


async def new(request: Request) -> Response:
    user = require_user(request)
    values = {"title": request.query_params.get("title", "")[:120], "body": "", "category_id": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in ("title", "body", "category_id")}
        limit(request, "idea", user.id)
        try:
            with db.write(engine(request)) as session:
                idea = services.propose(
                    db=session,
                    actor=user,
                    **values,
                    library_proposal=field(form, "library_proposal") == "1",
                )
            return redirect(path_for("ideas:detail", id=idea.id), flash="idea_posted")
        except ValidationError as exc:
            errors = exc.errors
    with db.read(engine(request)) as session:
        categories = queries.active_categories(session)
    return render(
        request,
        "ideas/new.html",
        {"values": values, "errors": errors, "all_categories": categories},
        status_code=400 if errors else 200,
    )


async def edit(request: Request) -> Response:
    user = require_user(request)
    idea_id = _idea_id(request)
    with db.read(engine(request)) as session:
        idea = queries.get(session, idea_id)
        if idea is None:
            raise NotFound()
        categories = queries.category_choices(session, idea.category_id)
    if not permissions.can_edit(user, idea):
        raise Forbidden()
    values = {"title": idea.title, "body": idea.body, "category_id": str(idea.category_id or "")}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in ("title", "body", "category_id")}
        try:
            with db.write(engine(request)) as session:
                services.edit(db=session, actor=user, idea_id=idea_id, **values)
            return redirect(path_for("ideas:detail", id=idea_id), flash="idea_saved")
        except ValidationError as exc:
            errors = exc.errors
    return render(
        request,
        "ideas/edit.html",
        {"idea": idea, "values": values, "errors": errors, "all_categories": categories},
        status_code=400 if errors else 200,
    )


class _StatusForm(TypedDict):
    status: str
    response: str
    duplicate_of: str


async def change_status(request: Request) -> Response:
    user = require_user(request)
    idea_id = _idea_id(request)
    form = await form_data(request)
    values = _StatusForm(
        status=field(form, "status"),
        response=field(form, "response"),
        duplicate_of=field(form, "duplicate_of"),
    )
    try:
        with db.write(engine(request)) as session:
            services.change_status(db=session, actor=user, idea_id=idea_id, **values)
        return redirect(
            path_for("ideas:detail", id=idea_id, fragment="history"), flash="status_changed"
        )
    except ValidationError as exc:
        with db.read(engine(request)) as session:
            idea = queries.get(session, idea_id)
        return render(
            request,
            "ideas/status.html",
            {"idea": idea, "values": values, "errors": exc.errors, "statuses": STATUSES},
            status_code=400,
        )


async def similar(request: Request) -> Response:
    title = request.query_params.get("title", "")[:120]
    with db.read(engine(request)) as session:
        ideas = queries.similar(session, title)
    response = render(request, "ideas/_similar.html", {"similar": ideas, "title": title})
    response.headers["Vary"] = "HX-Request"
    return response


routes = Domain(
    "ideas",
    [
        Route("/ideas", index, name="index"),
        Route("/ideas/new", new, methods=["GET", "POST"], name="new"),
        Route("/ideas/similar", similar, name="similar"),
        Route("/ideas/{id:int}", detail, name="detail"),
        Route("/ideas/{id:int}/edit", edit, methods=["GET", "POST"], name="edit"),
        Route("/ideas/{id:int}/status", change_status, methods=["POST"], name="status"),
    ],
)
