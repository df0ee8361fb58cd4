"""HTTP for questions: staff ask one on an idea or a session; its page, where people answer
and everyone sees the results when they show; staff close it, record desk answers and cite it
in a decision. Ideas', sessions' and decisions' pages show their questions through hooks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import current_user, require, require_user
from portal.accounts.models import User
from portal.choices import permissions, queries, services
from portal.choices.models import OPTIONS_MAX, ChoiceOption, ChoiceQuestion
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import NotFound, ValidationError
from portal.core.forms import number
from portal.core.hooks import Hooks
from portal.core.i18n import _
from portal.decisions import queries as decisions_q
from portal.decisions import routes as decision_routes
from portal.ideas import queries as ideas_q
from portal.ideas import routes as idea_routes
from portal.web import flash
from portal.web.requests import engine, field, form_data, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for
from portal.workshops import permissions as workshop_rules
from portal.workshops import queries as workshops_q
from portal.workshops import routes as workshop_routes

NEW_FIELDS = ("text", "text_zh", "kind", "opens", "closes", "live") + tuple(
    f"option_{n}{lang}" for n in range(1, OPTIONS_MAX + 1) for lang in ("", "_zh")
)
# The staff forms on a question's page, by the last part of their address, and the flash after.
ACTIONS = {"desk": "choice_desk_recorded", "close": "choice_closed", "cite": "choice_cited"}


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "choice_asked": _("The question is on its page."),
        "choice_answered": _("Your answer is saved. You can change it until the question closes."),
        "choice_desk_recorded": _("The answers from the desk are counted."),
        "choice_closed": _("The question is closed and its results are public."),
        "choice_cited": _("The decision now cites this question as its evidence."),
    }


# What domains built on choices show beside the options a page shows, called once per page
# with (db, every option id): the media domain gives each option's pictures, by option id.
option_extras: Hooks[[Session, list[int]], dict[int, list[Any]]] = Hooks(
    "a page shows questions' options"
)


@dataclass
class View:
    """A question as a page shows it: open or closed, the reader's own answer, the results
    when the reader may see them."""

    question: ChoiceQuestion
    options: list[ChoiceOption]
    is_open: bool
    is_closed: bool
    may_answer: bool
    mine: tuple[int, ...]
    results: queries.Results | None
    pictures: dict[int, list[Any]]


def views(s: Session, questions: list[ChoiceQuestion], user: User | None) -> list[View]:
    """Every question ready to show, in a fixed number of queries."""
    now, ids = utcnow(), [q.id for q in questions]
    options = queries.options_of(s, ids)
    shown = [q.id for q in questions if permissions.sees_results(user, q, now)]
    ballots = queries.ballots_of(s, shown)
    mine = queries.answers_of(s, ids, user.id if user else None)
    option_ids = [o.id for found in options.values() for o in found]
    pictures: dict[int, list[Any]] = {}
    for extra in option_extras(s, option_ids) if option_ids else []:
        pictures |= extra
    return [
        View(
            question=q,
            options=options[q.id],
            is_open=permissions.is_open(q, now),
            is_closed=permissions.is_closed(q, now),
            may_answer=permissions.can_answer(user, q, now),
            mine=queries.parse_ranking(mine.get(q.id, "")),
            results=queries.results(q, options[q.id], ballots[q.id]) if q.id in ballots else None,
            pictures=pictures,
        )
        for q in questions
    ]


@idea_routes.detail_extras.register
def on_idea_page(s: Session, context: dict[str, Any], user: User | None) -> dict[str, Any]:
    """The idea page's questions, and whether the reader may ask one."""
    questions = views(s, queries.on_idea(s, context["idea"].id), user)
    return {"choice_views": questions, "can_ask_choice": permissions.can_ask(user)}


@workshop_routes.detail_extras.register
def on_session_page(s: Session, workshop_id: int, user: User | None) -> dict[str, Any]:
    """The session page's questions, and whether the reader may ask one."""
    questions = views(s, queries.on_workshop(s, workshop_id), user)
    return {"choice_views": questions, "can_ask_choice": permissions.can_ask(user)}


@decision_routes.detail_extras.register
def evidence(s: Session, decision_id: int, _reader: User | None) -> dict[str, Any]:
    """The decision page's "Evidence": the questions it cites, each with its outcome where
    everyone may see the results (a question still open without live results: its name)."""
    return {"choice_evidence": views(s, queries.cited_by(s, decision_id), None)}


def _visible(s: Session, question: ChoiceQuestion | None, user: User | None) -> ChoiceQuestion:
    """The question, when its session may be seen (a committee-only session's questions do
    not exist for others); 404 otherwise."""
    if question is None:
        raise NotFound()
    if question.workshop_id is not None:
        w = workshops_q.get(s, question.workshop_id)
        if w is None or not workshop_rules.can_see(user, w):
            raise NotFound()
    return question


def _parent(s: Session, question: ChoiceQuestion, user: User | None) -> tuple[str, str]:
    """(address, name) of the idea or session the question is on."""
    if question.idea_id is not None:
        titles = ideas_q.titles(s, {question.idea_id}, user)
        return path_for("ideas:detail", id=question.idea_id), titles.get(question.idea_id, "")
    assert question.workshop_id is not None
    titles = workshops_q.titles(s, {question.workshop_id})
    return (
        path_for("workshops:detail", id=question.workshop_id),
        titles.get(question.workshop_id, ""),
    )


def _context(s: Session, question_id: int, user: User | None) -> dict[str, Any]:
    question = _visible(s, queries.get(s, question_id), user)
    staff = permissions.can_ask(user)
    decision_ids = queries.decision_ids(s, question.id)
    return {
        "view": views(s, [question], user)[0],
        "parent": _parent(s, question, user),
        "can_ask_choice": staff,
        "desk": queries.desk_entries(s, question.id) if staff else [],
        "decisions": decisions_q.titles(s, set(decision_ids)),
        "decision_ids": decision_ids,
        "errors": {},
        "values": {},
        "action": "",
    }


async def detail(request: Request) -> Response:
    user = current_user(request)
    with db.read(engine(request)) as s:
        context = _context(s, path_id(request), user)
    return render(request, "choices/detail.html", context)


async def answer(request: Request) -> Response:
    user = require_user(request)
    question_id = path_id(request)
    form = await form_data(request)
    values = {k: field(form, k) for k in form}
    try:
        with db.write(engine(request)) as s:
            _visible(s, queries.get(s, question_id), user)
            services.answer(db=s, actor=user, question_id=question_id, form=values)
        return redirect(path_for("choices:detail", id=question_id), flash="choice_answered")
    except ValidationError as exc:
        errors = exc.errors
    with db.read(engine(request)) as s:
        context = _context(s, question_id, user)
    context.update(errors=errors, values=values, action="answer")
    return render(request, "choices/detail.html", context, status_code=400)


async def new(request: Request) -> Response:
    user = require(request, permissions.can_ask)
    idea_id = (
        number(request.query_params.get("idea", "")) if "idea" in request.query_params else None
    )
    workshop_id = (
        number(request.query_params.get("session", ""))
        if "session" in request.query_params
        else None
    )
    values = dict.fromkeys(NEW_FIELDS, "") | {"kind": "rank"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in NEW_FIELDS}
        try:
            with db.write(engine(request)) as s:
                question = services.ask(
                    db=s, actor=user, form=values, idea_id=idea_id, workshop_id=workshop_id
                )
            return redirect(path_for("choices:detail", id=question.id), flash="choice_asked")
        except ValidationError as exc:
            errors = exc.errors
    with db.read(engine(request)) as s:
        if idea_id is not None and workshop_id is None and ideas_q.get(s, idea_id):
            on = (path_for("ideas:detail", id=idea_id), ideas_q.titles(s, {idea_id}, user)[idea_id])
        elif workshop_id is not None and idea_id is None and workshops_q.get(s, workshop_id):
            on = (
                path_for("workshops:detail", id=workshop_id),
                workshops_q.titles(s, {workshop_id})[workshop_id],
            )
        else:
            raise NotFound()
    context = {"values": values, "errors": errors, "parent": on, "options_max": OPTIONS_MAX}
    return render(request, "choices/new.html", context, status_code=400 if errors else 200)


async def staff_action(request: Request) -> Response:
    """The staff forms of a question's page: record desk answers, close it, cite it in a
    decision. On bad input the page again, the message beside the field and what was typed."""
    user = require(request, permissions.can_ask)
    question_id = path_id(request)
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise NotFound()
    form = await form_data(request)
    values = {k: field(form, k) for k in form}
    try:
        with db.write(engine(request)) as s:
            if action == "desk":
                services.record_desk(db=s, actor=user, question_id=question_id, form=values)
            elif action == "close":
                services.close(db=s, actor=user, question_id=question_id)
            else:
                services.cite(
                    db=s, actor=user, question_id=question_id, decision=values.get("decision", "")
                )
        return redirect(path_for("choices:detail", id=question_id), flash=ACTIONS[action])
    except ValidationError as exc:
        errors = exc.errors
    with db.read(engine(request)) as s:
        context = _context(s, question_id, user)
    context.update(errors=errors, values=values, action=action)
    return render(request, "choices/detail.html", context, status_code=400)


routes = Domain(
    "choices",
    [
        Route("/choices/new", new, methods=["GET", "POST"], name="new"),
        Route("/choices/{id:int}", detail, name="detail"),
        Route("/choices/{id:int}/answer", answer, methods=["POST"], name="answer"),
        Route(
            "/choices/{id:int}/{action:str}", staff_action, methods=["POST"], name="staff_action"
        ),
    ],
)
