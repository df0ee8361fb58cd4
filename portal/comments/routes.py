"""HTTP for comments: post, reply, edit, delete, mark as the official answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require_user
from portal.comments import permissions, queries, services
from portal.comments.models import Comment
from portal.core import db
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.forms import number
from portal.core.i18n import _
from portal.web import flash
from portal.web.requests import engine, field, form_data, limit, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "comment_posted": _("Your comment is posted."),
        "comment_saved": _("Your comment is saved."),
        "comment_deleted": _("The comment is deleted."),
    }


async def create(request: Request) -> Response:
    user = require_user(request)
    idea_id = path_id(request)
    limit(request, "comment", user.id)
    form = await form_data(request)
    body = field(form, "body")
    raw_parent = field(form, "parent_id").strip()
    # A reply names its parent; one that names nothing readable is refused, not made top-level.
    parent_id = (number(raw_parent) or 0) if raw_parent else None
    try:
        with db.write(engine(request)) as session:
            comment = services.add(
                db=session, actor=user, idea_id=idea_id, body=body, parent_id=parent_id
            )
            where = queries.url(session, comment)
        return redirect(where, flash="comment_posted")
    except ValidationError as exc:
        return render(
            request,
            "comments/form_page.html",
            {"idea_id": idea_id, "parent_id": parent_id, "body": body, "errors": exc.errors},
            status_code=400,
        )


def _load(request: Request) -> Comment:
    with db.read(engine(request)) as session:
        comment = session.get(Comment, path_id(request))
    if comment is None or comment.deleted_at is not None:
        raise NotFound()
    return comment


async def edit(request: Request) -> Response:
    user = require_user(request)
    comment = _load(request)
    if not permissions.can_edit(user, comment):
        raise Forbidden()
    body = comment.body
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        body = field(form, "body")
        try:
            with db.write(engine(request)) as session:
                services.edit(db=session, actor=user, comment_id=comment.id, body=body)
                where = queries.url(session, comment)
            return redirect(where, flash="comment_saved")
        except ValidationError as exc:
            errors = exc.errors
    return render(
        request,
        "comments/edit.html",
        {"comment": comment, "body": body, "errors": errors},
        status_code=400 if errors else 200,
    )


async def delete(request: Request) -> Response:
    user = require_user(request)
    comment_id = path_id(request)
    with db.write(engine(request)) as session:
        comment = services.delete(db=session, actor=user, comment_id=comment_id)
        where = queries.url(session, comment)  # it keeps its place, shown as deleted
    return redirect(where, flash="comment_deleted")


async def official(request: Request) -> Response:
    user = require_user(request)
    form = await form_data(request)
    with db.write(engine(request)) as session:
        comment = services.mark_official(
            db=session,
            actor=user,
            comment_id=path_id(request),
            official=field(form, "official") != "0",
        )
        where = queries.url(session, comment)
    return redirect(where)


async def show(request: Request) -> Response:
    """A comment's lasting address (used in notifications and emails): its idea's page, at
    the page of threads that shows it."""
    with db.read(engine(request)) as session:
        comment = queries.get(session, path_id(request))
        if comment is None:
            raise NotFound()
        return redirect(queries.url(session, comment))


routes = Domain(
    "comments",
    [
        Route("/ideas/{id:int}/comments", create, methods=["POST"], name="create"),
        Route("/comments/{id:int}", show, name="show"),
        Route("/comments/{id:int}/edit", edit, methods=["GET", "POST"], name="edit"),
        Route("/comments/{id:int}/delete", delete, methods=["POST"], name="delete"),
        Route("/comments/{id:int}/official", official, methods=["POST"], name="official"),
    ],
)
