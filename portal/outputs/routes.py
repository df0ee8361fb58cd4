"""HTTP for what a session produced: the session page shows the ideas it created or changed
(through `workshops.routes.detail_extras`), and staff link one there by its number; under
the outputs, participants and staff comment on them (portal.comments keeps the comments)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require, require_user
from portal.accounts.models import User
from portal.accounts.queries import users_by_ids
from portal.comments import permissions as comment_rules
from portal.comments import queries as comments_q
from portal.comments import services as comments
from portal.core import db
from portal.core.errors import ValidationError
from portal.core.i18n import _
from portal.ideas import queries as ideas_q
from portal.outputs import permissions, queries, services
from portal.web import flash
from portal.web.requests import engine, field, form_data, limit, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for
from portal.workshops import queries as workshops_q
from portal.workshops import routes as workshop_routes


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the session page says after a link."""
    return {
        "output_idea_linked": _("The idea is linked to this session's outputs."),
        "output_idea_created": _("The idea is published and linked to this session's outputs."),
        "output_comment_posted": _("Your comment is posted."),
    }


@workshop_routes.detail_extras.register
def on_session_page(s: Session, workshop_id: int, reader: User | None) -> dict[str, Any]:
    """The ideas the session created or changed, and whether the reader may link one; the
    comments on the outputs (with their authors, in one query each) and whether the reader
    may write one."""
    workshop = workshops_q.get(s, workshop_id)
    found = comments_q.on_session(s, workshop_id)
    reg = workshops_q.registration(s, workshop_id, reader.id) if reader else None
    has_place = reg is not None and reg.status == "confirmed"
    return {
        "output_ideas": queries.of_workshop(s, workshop_id, reader),
        "can_link_outputs": permissions.can_link(reader),
        "output_categories": ideas_q.category_choices(s) if permissions.can_link(reader) else [],
        "outputs_published": workshop is not None and permissions.are_published(workshop),
        "output_comments": found,
        "output_commenters": users_by_ids(s, {c.author_id for c in found if c.author_id}),
        "can_comment_outputs": comment_rules.can_comment_on_session(reader, has_place=has_place),
        "can_edit_comment": comment_rules.can_edit,
    }


def _refused(request: Request, workshop_id: int, exc: ValidationError, values: dict) -> Response:
    """The session page again, each refused field's message beside it and the text kept."""
    context = workshop_routes.detail_context(request, workshop_id)
    context.update(errors=exc.errors, values=values)
    return render(request, "workshops/detail.html", context, status_code=400)


async def link(request: Request) -> Response:
    user = require(request, permissions.can_link)
    workshop_id = path_id(request)
    form = await form_data(request)
    values = {"idea": field(form, "idea"), "note": field(form, "note")}
    try:
        with db.write(engine(request)) as s:
            services.link_idea(db=s, actor=user, workshop_id=workshop_id, **values)
        return redirect(
            path_for("workshops:detail", id=workshop_id, fragment="outputs-ideas"),
            flash="output_idea_linked",
        )
    except ValidationError as exc:
        return _refused(request, workshop_id, exc, values)


async def create(request: Request) -> Response:
    user = require(request, permissions.can_link)
    workshop_id = path_id(request)
    form = await form_data(request)
    values = {k: field(form, k) for k in services.NEW_FIELDS}
    try:
        with db.write(engine(request)) as s:
            services.create_idea(db=s, actor=user, workshop_id=workshop_id, form=values)
        return redirect(
            path_for("workshops:detail", id=workshop_id, fragment="outputs-ideas"),
            flash="output_idea_created",
        )
    except ValidationError as exc:
        return _refused(request, workshop_id, exc, values)


async def comment(request: Request) -> Response:
    """A participant's or staff member's comment on the outputs (a plain form POST)."""
    user = require_user(request)
    workshop_id = path_id(request)
    limit(request, "comment", user.id)
    form = await form_data(request)
    body = field(form, "body")
    try:
        with db.write(engine(request)) as s:
            made = comments.add_on_session(db=s, actor=user, workshop_id=workshop_id, body=body)
        return redirect(
            path_for("workshops:detail", id=workshop_id, fragment=f"comment-{made.id}"),
            flash="output_comment_posted",
        )
    except ValidationError as exc:
        return _refused(request, workshop_id, exc, {"body": body})


routes = Domain(
    "outputs",
    [
        Route("/sessions/{id:int}/outputs/ideas", link, methods=["POST"], name="link"),
        Route("/sessions/{id:int}/outputs/new-idea", create, methods=["POST"], name="create"),
        Route("/sessions/{id:int}/outputs/comments", comment, methods=["POST"], name="comment"),
    ],
)
