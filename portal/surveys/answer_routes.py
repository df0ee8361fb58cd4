"""HTTP for people answering: /surveys lists the rounds open to the signed-in person and the
rounds whose results are published; /surveys/{id} is the form of the survey's open round
(with `?link=` for an anonymous round's one-time link)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import current_user, require_user
from portal.core import db
from portal.core.errors import NotFound, ValidationError
from portal.core.i18n import _
from portal.surveys import answering, queries
from portal.surveys.answering import RoundUnavailable
from portal.web import flash
from portal.web.requests import engine, form_data, path_id, redirect
from portal.web.templating import render
from portal.web.urls import path_for


@flash.texts.register
def flash_texts() -> dict[str, str]:
    return {
        "survey_sent": _("Thank you: your answers are sent."),
        "survey_draft": _("Your answers are saved. Come back to this page to finish."),
    }


def unavailable_text(reason: str) -> str:
    return {
        "closed": _("This survey is not open now: its last round has closed."),
        "not_yet": _("This survey is not open yet. Its invitation will tell you when it opens."),
        "needs_link": _(
            "This survey is anonymous: answer it through the link in your invitation email."
        ),
        "bad_link": _("This link is not one of this survey's: use the link in your email."),
        "used_link": _(
            "This link has already been used: your answers were received, and nothing more "
            "was stored. Each anonymous link works once."
        ),
    }.get(reason, reason)


async def index(request: Request) -> Response:
    user = current_user(request)
    with db.read(engine(request)) as s:
        open_rounds = queries.open_for(s, user.id if user else None)
        mine = {
            r.id: queries.response_of(s, r.id, user.id) for _s, r in open_rounds if user is not None
        }
        published = queries.published(s)
    return render(
        request,
        "surveys/index.html",
        {"open_rounds": open_rounds, "mine": mine, "published": published},
    )


def _form_page(
    request: Request,
    survey_id: int,
    *,
    link: str = "",
    values: dict | None = None,
    errors: dict | None = None,
) -> Response:
    user = current_user(request) if not link else None
    with db.read(engine(request)) as s:
        survey = queries.get(s, survey_id)
        if survey is None:
            raise NotFound()
        try:
            if link:
                rnd, _inv = answering.invitation_for_link(s, survey, link)
            else:
                rnd = answering.open_round(s, survey)
                if rnd.anonymous:
                    raise RoundUnavailable("needs_link")
        except RoundUnavailable as exc:
            return _unavailable(request, survey, exc.reason)
        if not link:
            user = require_user(request)
            answering.may_answer(s, rnd, user)
        structure = queries.structure(s, survey)
        response = queries.response_of(s, rnd.id, user.id) if user else None
        saved = queries.answers_of(s, response.id) if response else ({}, {})
    if values is None:
        # A first visit starts from the group the person gave on /account.
        group = response.group if response else (user.user_group if user else "")
        values = {**saved[0], **saved[1], "group": group}
    return render(
        request,
        "surveys/form.html",
        {
            "survey": survey,
            "structure": structure,
            "round": rnd,
            "response": response,
            "link": link,
            "values": values,
            "errors": errors or {},
        },
        status_code=400 if errors else 200,
    )


def _unavailable(request: Request, survey: object, reason: str) -> Response:
    status = 410 if reason in ("closed", "used_link") else 403 if reason == "bad_link" else 409
    return render(
        request,
        "surveys/unavailable.html",
        {"survey": survey, "message": unavailable_text(reason)},
        status_code=status,
    )


async def form(request: Request) -> Response:
    survey_id = path_id(request)
    if request.method == "GET":
        return _form_page(request, survey_id, link=request.query_params.get("link", ""))
    posted = await form_data(request)
    fields = {k: v for k, v in posted.items() if isinstance(v, str)}
    link = fields.pop("link", "")
    fields.pop("csrf_token", None)
    draft = fields.pop("action", "") == "draft"
    try:
        with db.write(engine(request)) as s:
            if link:
                answering.answer_anonymously(db=s, survey_id=survey_id, token=link, form=fields)
            else:
                actor = require_user(request)
                answering.answer(db=s, actor=actor, survey_id=survey_id, form=fields, draft=draft)
    except RoundUnavailable as exc:
        with db.read(engine(request)) as s:
            survey = queries.get(s, survey_id)
        return _unavailable(request, survey, exc.reason)
    except ValidationError as exc:
        return _form_page(request, survey_id, link=link, values=fields, errors=exc.errors)
    if draft:
        return redirect(path_for("surveys:form", id=survey_id), flash="survey_draft")
    return redirect(path_for("surveys:index"), flash="survey_sent")


routes = [
    Route("/surveys", index, name="index"),
    Route("/surveys/{id:int}", form, methods=["GET", "POST"], name="form"),
]
