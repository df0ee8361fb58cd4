"""HTTP for stories: telling one, the published list and pages, and the staff's list and
page where they code, link and publish a story."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import current_user, require, require_user
from portal.accounts.models import User
from portal.core import db
from portal.core.errors import NotFound, ValidationError
from portal.core.i18n import _
from portal.decisions import queries as decisions_q
from portal.decisions import routes as decision_routes
from portal.ideas import queries as ideas_q
from portal.stories import permissions, queries, services
from portal.web import flash
from portal.web.requests import engine, field, form_data, limit, page_number, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for

FIELDS = ("happened", "did", "changed", "category_id", "service")
# The staff page's forms, by the last part of their address, and what the page says after.
FLASHES = {
    "theme": "story_theme_added",
    "code": "story_coded",
    "link": "story_linked",
    "publish": "story_published",
    "unpublish": "story_unpublished",
}


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "story_told": _("Thank you. Your story is with the library's staff."),
        "story_coded": _("The story's themes are saved."),
        "story_linked": _("The story's links are saved."),
        "story_published": _("The story is published."),
        "story_unpublished": _("The story is no longer published."),
        "story_theme_added": _("The theme is added."),
    }


@decision_routes.detail_extras.register
def stories_about(s: Session, decision_id: int, _reader: User | None) -> dict[str, Any]:
    """The decision page's short "Stories about this" list."""
    return {"stories": queries.for_decision(s, decision_id)}


def _service_context(s: Session) -> dict[str, Any]:
    """The categories by id, to name each story's service."""
    return {"categories": {c.id: c for c in ideas_q.categories(s)}}


async def index(request: Request) -> Response:
    code = request.query_params.get("theme", "")[:20]
    page = page_number(request)
    with db.read(engine(request)) as s:
        theme = queries.theme_by_code(s, code) if code else None
        if code and theme is None:
            raise NotFound()
        listing = queries.published(s, theme, page)
        context = {
            "listing": listing,
            "page": page,
            "theme": theme,
            "themes": queries.themes(s),
            **_service_context(s),
        }
    return render(request, "stories/index.html", context)


async def new(request: Request) -> Response:
    user = require_user(request)
    values = dict.fromkeys(FIELDS, "") | {"consent": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in (*FIELDS, "consent")}
        limit(request, "story", user.id)
        try:
            with db.write(engine(request)) as s:
                story = services.tell(
                    db=s,
                    actor=user,
                    **{k: values[k] for k in FIELDS},
                    consent=values["consent"] == "1",
                )
            return redirect(path_for("stories:detail", id=story.id), flash="story_told")
        except ValidationError as exc:
            errors = exc.errors
    with db.read(engine(request)) as s:
        categories = ideas_q.active_categories(s)
    return render(
        request,
        "stories/new.html",
        {"values": values, "errors": errors, "all_categories": categories},
        status_code=400 if errors else 200,
    )


async def detail(request: Request) -> Response:
    user = current_user(request)
    with db.read(engine(request)) as s:
        story = queries.get(s, path_id(request))
        if story is None or not permissions.can_read(user, story):
            raise NotFound()
        context = {
            "story": story,
            "story_themes": queries.themes_of(s, [story.id])[story.id],
            "decisions": decisions_q.titles(s, set(queries.decision_ids(s, story.id))),
            # A hidden idea stays unnamed for those who may not read it.
            "ideas": ideas_q.titles(s, set(queries.idea_ids(s, story.id)), user),
            "mine": user is not None and story.author_id == user.id,
            **_service_context(s),
        }
    return render(request, "stories/detail.html", context)


def _staff(request: Request) -> User:
    return require(request, permissions.can_code)


async def staff_index(request: Request) -> Response:
    _staff(request)
    page = page_number(request)
    with db.read(engine(request)) as s:
        listing = queries.everything(s, page)
        context = {"listing": listing, "page": page, **_service_context(s)}
    return render(request, "stories/staff_index.html", context)


def _staff_context(s: Session, story_id: int) -> dict[str, Any]:
    story = queries.get(s, story_id)
    if story is None:
        raise NotFound()
    decision_ids = queries.decision_ids(s, story.id)
    idea_ids = queries.idea_ids(s, story.id)
    return {
        "story": story,
        "themes": queries.themes(s),
        "coded": {t.id for t in queries.themes_of(s, [story.id])[story.id]},
        "links": {
            "decisions": ", ".join(map(str, decision_ids)),
            "ideas": ", ".join(map(str, idea_ids)),
        },
        "theme_values": {"code": "", "name": "", "name_zh": ""},
        "errors": {},
        **_service_context(s),
    }


async def staff_detail(request: Request) -> Response:
    _staff(request)
    with db.read(engine(request)) as s:
        context = _staff_context(s, path_id(request))
    return render(request, "stories/staff_detail.html", context)


async def staff_action(request: Request) -> Response:
    """The staff page's forms: add a theme, code, link, publish, unpublish. On bad input the
    page again, with the message beside the field and what was typed."""
    user = _staff(request)
    story_id = path_id(request)
    action = request.path_params["action"]
    if action not in FLASHES:
        raise NotFound()
    form = await form_data(request)
    try:
        with db.write(engine(request)) as s:
            if queries.get(s, story_id) is None:
                raise NotFound()
            if action == "theme":
                services.add_theme(
                    db=s,
                    actor=user,
                    code=field(form, "code"),
                    name=field(form, "name"),
                    name_zh=field(form, "name_zh"),
                )
            elif action == "code":
                raw = [t for t in form.getlist("themes") if isinstance(t, str)]
                services.code(db=s, actor=user, story_id=story_id, theme_ids=raw)
            elif action == "link":
                services.link(
                    db=s,
                    actor=user,
                    story_id=story_id,
                    decisions=field(form, "decisions"),
                    ideas=field(form, "ideas"),
                )
            elif action == "publish":
                services.publish(db=s, actor=user, story_id=story_id)
            else:
                services.unpublish(db=s, actor=user, story_id=story_id)
        return redirect(path_for("stories:staff_detail", id=story_id), flash=FLASHES[action])
    except ValidationError as exc:
        errors = exc.errors
    with db.read(engine(request)) as s:
        context = _staff_context(s, story_id)
    context["errors"] = errors
    if action == "theme":
        context["theme_values"] = {k: field(form, k) for k in ("code", "name", "name_zh")}
    if action == "link":
        context["links"] = {k: field(form, k) for k in ("decisions", "ideas")}
    return render(request, "stories/staff_detail.html", context, status_code=400)


routes = Domain(
    "stories",
    [
        Route("/stories", index, name="index"),
        Route("/stories/new", new, methods=["GET", "POST"], name="new"),
        Route("/stories/{id:int}", detail, name="detail"),
        Route("/staff/stories", staff_index, name="staff_index"),
        Route("/staff/stories/{id:int}", staff_detail, name="staff_detail"),
        Route(
            "/staff/stories/{id:int}/{action:str}",
            staff_action,
            methods=["POST"],
            name="staff_action",
        ),
    ],
)
