"""HTTP for media: the form that attaches a picture or PDF to an idea, a comment, a design
session, a decision or a question's option, and the files themselves. Pages show their files
through the hooks their domains offer (an idea's, a session's and a decision's page; the
options of the questions any page shows)."""

from __future__ import annotations

import posixpath
from functools import partial
from typing import Any
from urllib.parse import quote

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from portal.accounts.auth import current_user, require_user
from portal.accounts.models import User
from portal.choices import routes as choice_routes
from portal.comments import queries as comments_q
from portal.core import db
from portal.core.errors import NotFound, ValidationError
from portal.core.i18n import _
from portal.decisions import routes as decision_routes
from portal.ideas import routes as idea_routes
from portal.media import files, permissions, queries, services, storage
from portal.media.models import OWNER_KINDS
from portal.web import flash
from portal.web.requests import engine, limit, redirect, signed_in
from portal.web.routing import Domain
from portal.web.templating import context_hook, render
from portal.web.uploads import Upload
from portal.web.urls import path_for
from portal.workshops import routes as workshop_routes

YEAR = 365 * 24 * 60 * 60
# Whatever a file holds, a browser runs nothing in it and shows it nowhere but on its own.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
PAGES = {
    "idea": "ideas:detail",
    "workshop": "workshops:detail",
    "decision": "decisions:detail",
}


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after an attachment."""
    return {"media_attached": _("The file is attached.")}


@context_hook
def attach_rule(request: Request) -> dict[str, Any]:
    """`can_attach(kind, owner)` for every page: whether to offer the attach link."""
    return {"can_attach": partial(permissions.can_attach, signed_in(request))}


@idea_routes.detail_extras.register
def idea_files(s: Session, context: dict[str, Any], _reader: User | None) -> dict[str, Any]:
    """The files of the idea and of the comments its page shows, in one query."""
    comments = [c.id for t in context["threads"].threads for c in [t.comment, *t.replies]]
    return {"media": queries.for_owners(s, {"idea": [context["idea"].id], "comment": comments})}


@workshop_routes.detail_extras.register
def workshop_files(s: Session, workshop_id: int, _reader: User | None) -> dict[str, Any]:
    return {"media": queries.for_owners(s, {"workshop": [workshop_id]})}


@decision_routes.detail_extras.register
def decision_files(s: Session, decision_id: int, _reader: User | None) -> dict[str, Any]:
    return {"media": queries.for_owners(s, {"decision": [decision_id]})}


@choice_routes.option_extras.register
def option_pictures(s: Session, option_ids: list[int]) -> dict[int, list[Any]]:
    """The pictures of the options a page shows, by option id, in one query. The page shows
    only questions its reader may see, and an option's pictures are seen as its question."""
    found = queries.for_owners(s, {"choice_option": option_ids})
    return {
        i: [a for a in found.get(f"choice_option:{i}", []) if a.kind == "image"] for i in option_ids
    }


def _owner_path(s: Session, kind: str, owner: Any) -> str:
    if kind == "comment":
        return comments_q.url(s, owner)
    if kind == "choice_option":
        return path_for("choices:detail", id=owner.question_id)
    return path_for(PAGES[kind], id=owner.id)


async def attach(request: Request) -> Response:
    """GET: the form. POST: attach the file the form carried (see portal.web.uploads)."""
    user = require_user(request)
    kind, owner_id = request.path_params["kind"], request.path_params["id"]
    if kind not in OWNER_KINDS:
        raise NotFound()
    with db.read(engine(request)) as s:
        owner, parent = queries.owner(s, kind, owner_id)
        if not permissions.can_see(user, kind, owner, parent):
            raise NotFound()
        back = _owner_path(s, kind, owner)
    values = {"alt": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        upload: Upload = getattr(request.state, "upload", None) or Upload()
        values["alt"] = upload.fields.get("alt", "")[:1000]
        if permissions.is_limited(user):
            limit(request, "media", user.id)
        try:
            if upload.too_large:
                raise ValidationError(
                    {"file": _("The file is larger than 20 MB. Choose a smaller one.")}
                )
            with db.write(engine(request)) as s:
                services.attach(
                    db=s,
                    actor=user,
                    kind=kind,
                    owner_id=owner_id,
                    upload=upload.path,
                    filename=upload.filename,
                    alt=values["alt"],
                )
            return redirect(back, flash="media_attached")
        except ValidationError as exc:
            errors = exc.errors
    elif not permissions.can_attach(user, kind, owner):
        raise NotFound()
    return render(
        request,
        "media/attach.html",
        {"kind": kind, "owner_id": owner_id, "back": back, "values": values, "errors": errors},
        status_code=400 if errors else 200,
    )


async def file(request: Request) -> Response:
    """A file, to whoever may see what it is attached to; 404 to everyone else. Pictures are
    shown, PDFs only downloaded; both for a year in any cache when anyone may see them."""
    name = request.path_params["name"]
    path = storage.path_of(name)
    if path is None:
        raise NotFound()
    with db.read(engine(request)) as s:
        rows = queries.naming(s, name)
        owners = [(a, *queries.owner(s, a.owner_kind, a.owner_id)) for a in rows]
    public = any(permissions.is_public(a.owner_kind, o, p) for a, o, p in owners)
    if not public:
        user = current_user(request)
        if not any(permissions.can_see(user, a.owner_kind, o, p) for a, o, p in owners):
            raise NotFound()
    if not path.is_file():
        raise NotFound()
    ext = name.rsplit(".", 1)[1]
    headers = {
        "content-security-policy": FILE_CSP,
        "x-content-type-options": "nosniff",
        "cache-control": f"public, max-age={YEAR}, immutable" if public else "private, no-store",
    }
    if ext == "pdf":
        pdf = next(a for a, _o, _p in owners if a.name == name)
        headers["content-disposition"] = _attachment(pdf.filename or "document.pdf")
    accel = request.headers.get("x-media-accel")
    if accel:
        # Behind nginx (deploy/nginx): it sends the file itself, from an internal location.
        headers["x-accel-redirect"] = posixpath.join(accel, name)
        return Response(b"", headers=headers, media_type=files.CONTENT_TYPES[ext])
    return FileResponse(path, headers=headers, media_type=files.CONTENT_TYPES[ext])


def _attachment(filename: str) -> str:
    """Content-Disposition for a download: an ASCII name for old clients, the real one too."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


routes = Domain(
    "media",
    [
        Route("/attach/{kind:str}/{id:int}", attach, methods=["GET", "POST"], name="attach"),
        Route("/media/{name:str}", file, name="file"),
    ],
)
