"""HTTP for staff: /staff/surveys lists the instruments and starts one (empty or from a
starting template); /staff/surveys/{id} builds it and schedules its rounds;
/staff/surveys/rounds/{id} shows a round and its count of responses."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require
from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import NotFound, ValidationError
from portal.core.forms import number
from portal.core.i18n import _
from portal.surveys import audiences, permissions, queries, services
from portal.surveys.answer_routes import routes as answer_routes
from portal.surveys.results_routes import routes as results_routes
from portal.surveys.starters import STARTERS
from portal.web import flash
from portal.web.requests import engine, form_data, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "survey_added": _("The survey is ready to change: add or remove its parts below."),
        "survey_saved": _("The survey is saved."),
        "survey_part_added": _("Added."),
        "survey_part_removed": _("Removed."),
        "round_added": _("The round is scheduled. Its audience is invited when it opens."),
        "round_closed": _("The round is closed."),
        "round_published": _("The round's results are published: everyone can read them."),
        "round_unpublished": _("The round's results are no longer published."),
    }


def _staff(request: Request) -> User:
    return require(request, permissions.can_manage)


async def _fields(request: Request, prefix: str = "") -> dict[str, str]:
    """The posted form as text, without `prefix` on the names (forms on one page keep their
    fields' ids apart by a prefix)."""
    form = await form_data(request)
    return {
        key.removeprefix(prefix): value
        for key, value in form.items()
        if isinstance(value, str) and key.startswith(prefix)
    }


def _index_page(
    request: Request, values: dict | None = None, errors: dict | None = None
) -> Response:
    with db.read(engine(request)) as s:
        surveys = queries.listing(s)
    return render(
        request,
        "surveys/staff_index.html",
        {"surveys": surveys, "starters": STARTERS, "values": values or {}, "errors": errors or {}},
        status_code=400 if errors else 200,
    )


async def staff_index(request: Request) -> Response:
    user = _staff(request)
    if request.method == "GET":
        return _index_page(request)
    form = await _fields(request)
    try:
        with db.write(engine(request)) as s:
            if form.get("starter"):
                survey = services.create_from_starter(db=s, actor=user, starter=form["starter"])
            else:
                survey = services.create(db=s, actor=user, form=form)
    except ValidationError as exc:
        return _index_page(request, form, exc.errors)
    return redirect(path_for("surveys:edit", id=survey.id), flash="survey_added")


def _edit_page(
    request: Request,
    survey_id: int,
    *,
    form: str = "",
    values: dict | None = None,
    errors: dict | None = None,
) -> Response:
    with db.read(engine(request)) as s:
        survey = queries.get(s, survey_id)
        if survey is None:
            raise NotFound()
        structure = queries.structure(s, survey)
        rounds = queries.rounds(s, survey.id)
        counts = queries.response_counts(s, [r.id for r in rounds])
        locked = queries.has_responses(s, survey.id)
    settings_values = {
        "title": survey.title,
        "title_zh": survey.title_zh,
        "scale": "three" if survey.scale == "three" else f"single{survey.points}",
        "asks_group": "1" if survey.asks_group else "",
    }
    return render(
        request,
        "surveys/edit.html",
        {
            "survey": survey,
            "structure": structure,
            "rounds": rounds,
            "counts": counts,
            "locked": locked,
            "sources": {kind: source.label() for kind, source in audiences.SOURCES.items()},
            "form": form,
            "values": {**({} if form else settings_values), **(values or {})},
            "errors": errors or {},
        },
        status_code=400 if errors else 200,
    )


async def edit(request: Request) -> Response:
    user = _staff(request)
    survey_id = path_id(request)
    if request.method == "GET":
        return _edit_page(request, survey_id)
    return await _change(request, user, "settings", "", services.edit, "survey_saved")


async def _change(
    request: Request, user: User, form_name: str, prefix: str, service: Callable, flash_key: str
) -> Response:
    """Post one of the edit page's forms to its service; on bad input show the page again
    with that form's text and messages."""
    survey_id = path_id(request)
    form = await _fields(request, prefix)
    try:
        with db.write(engine(request)) as s:
            service(db=s, actor=user, survey_id=survey_id, form=form)
    except ValidationError as exc:
        values = {prefix + k: v for k, v in form.items()}
        errors = {(k if k == "survey" else prefix + k): v for k, v in exc.errors.items()}
        return _edit_page(request, survey_id, form=form_name, values=values, errors=errors)
    fragment = {"settings": "", "round": "rounds"}.get(form_name, "parts")
    return redirect(path_for("surveys:edit", id=survey_id, fragment=fragment), flash=flash_key)


async def add_dimension(request: Request) -> Response:
    user = _staff(request)
    return await _change(
        request, user, "dimension", "dim-", services.add_dimension, "survey_part_added"
    )


async def add_item(request: Request) -> Response:
    user = _staff(request)
    return await _change(request, user, "item", "item-", services.add_item, "survey_part_added")


async def add_question(request: Request) -> Response:
    user = _staff(request)
    return await _change(
        request, user, "question", "q-", services.add_question, "survey_part_added"
    )


async def add_round(request: Request) -> Response:
    user = _staff(request)
    return await _change(request, user, "round", "round-", services.add_round, "round_added")


async def remove_part(request: Request) -> Response:
    user = _staff(request)
    survey_id = path_id(request)
    form = await _fields(request)
    part_id = number(form.get("part_id"))
    if not part_id:
        raise NotFound()
    try:
        with db.write(engine(request)) as s:
            services.remove_part(
                db=s, actor=user, survey_id=survey_id, kind=form.get("kind", ""), part_id=part_id
            )
    except ValidationError as exc:
        return _edit_page(request, survey_id, form="remove", errors=exc.errors)
    return redirect(
        path_for("surveys:edit", id=survey_id, fragment="parts"), flash="survey_part_removed"
    )


async def round_page(request: Request) -> Response:
    _staff(request)
    with db.read(engine(request)) as s:
        rnd = queries.get_round(s, path_id(request))
        if rnd is None:
            raise NotFound()
        survey = queries.get(s, rnd.survey_id)
        done, drafts = queries.response_counts(s, [rnd.id])[rnd.id]
        invited, answered = queries.invitation_counts(s, rnd.id)
        sources = queries.sources(s, rnd.id)
    return render(
        request,
        "surveys/round.html",
        {
            "survey": survey,
            "round": rnd,
            "closable": rnd.closes_at > utcnow(),
            "done": done,
            "drafts": drafts,
            "invited": invited,
            "answered": answered,
            "sources": sources,
            "source_labels": {kind: source.label() for kind, source in audiences.SOURCES.items()},
        },
    )


async def close_round(request: Request) -> Response:
    user = _staff(request)
    with db.write(engine(request)) as s:
        rnd = services.close_round(db=s, actor=user, round_id=path_id(request))
    return redirect(path_for("surveys:round", id=rnd.id), flash="round_closed")


async def publish_round(request: Request) -> Response:
    user = _staff(request)
    form = await _fields(request)
    publish = form.get("publish") != "0"
    with db.write(engine(request)) as s:
        rnd = services.publish_round(db=s, actor=user, round_id=path_id(request), publish=publish)
    flash_key = "round_published" if publish else "round_unpublished"
    return redirect(path_for("surveys:round", id=rnd.id), flash=flash_key)


routes = Domain(
    "surveys",
    [
        Route("/staff/surveys", staff_index, methods=["GET", "POST"], name="staff_index"),
        Route("/staff/surveys/{id:int}", edit, methods=["GET", "POST"], name="edit"),
        Route(
            "/staff/surveys/{id:int}/dimensions",
            add_dimension,
            methods=["POST"],
            name="add_dimension",
        ),
        Route("/staff/surveys/{id:int}/items", add_item, methods=["POST"], name="add_item"),
        Route(
            "/staff/surveys/{id:int}/questions",
            add_question,
            methods=["POST"],
            name="add_question",
        ),
        Route("/staff/surveys/{id:int}/remove", remove_part, methods=["POST"], name="remove_part"),
        Route("/staff/surveys/{id:int}/rounds", add_round, methods=["POST"], name="add_round"),
        Route("/staff/surveys/rounds/{id:int}", round_page, name="round"),
        Route(
            "/staff/surveys/rounds/{id:int}/close",
            close_round,
            methods=["POST"],
            name="close_round",
        ),
        Route(
            "/staff/surveys/rounds/{id:int}/publish",
            publish_round,
            methods=["POST"],
            name="publish_round",
        ),
        *answer_routes,
        *results_routes,
    ],
)
