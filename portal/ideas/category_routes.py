"""HTTP for categories (admins): /staff/categories lists, adds and reorders them;
/staff/categories/{id} renames, archives, restores or deletes one."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require
from portal.accounts.models import User
from portal.core import db
from portal.core.errors import NotFound, ValidationError
from portal.core.i18n import _
from portal.ideas import categories, permissions, queries
from portal.web import flash
from portal.web.requests import engine, field, form_data, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "category_added": _("The category is added. People can choose it now."),
        "category_saved": _("The category's names are saved."),
        "category_moved": _("The order of the categories is saved."),
        "category_archived": _("The category is archived. Its ideas keep it."),
        "category_restored": _("The category is offered again."),
        "category_deleted": _("The category is deleted."),
    }


def _admin(request: Request) -> User:
    return require(request, permissions.can_manage_categories)


def _list_page(
    request: Request, values: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> Response:
    with db.read(engine(request)) as s:
        rows = queries.categories(s)
        usage = queries.category_usage(s)
    return render(
        request,
        "ideas/categories.html",
        {
            "active": [c for c in rows if c.archived_at is None],
            "archived": [c for c in rows if c.archived_at is not None],
            "usage": usage,
            "values": values or {},
            "errors": errors or {},
        },
        status_code=400 if errors else 200,
    )


async def index(request: Request) -> Response:
    user = _admin(request)
    if request.method == "GET":
        return _list_page(request)
    form = await form_data(request)
    values = {k: field(form, k) for k in ("name", "name_zh")}
    try:
        with db.write(engine(request)) as s:
            categories.add(db=s, actor=user, **values)
    except ValidationError as exc:
        return _list_page(request, values, exc.errors)
    return redirect(path_for("categories:index"), flash="category_added")


def _detail_page(
    request: Request,
    category_id: int,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    with db.read(engine(request)) as s:
        category = queries.category(s, category_id)
        if category is None:
            raise NotFound()
        ideas = queries.count(s, category_id=category_id)
    return render(
        request,
        "ideas/category.html",
        {
            "category": category,
            "ideas": ideas,
            "values": values or {"name": category.name, "name_zh": category.name_zh},
            "errors": errors or {},
        },
        status_code=400 if errors else 200,
    )


async def detail(request: Request) -> Response:
    user = _admin(request)
    category_id = path_id(request)
    if request.method == "GET":
        return _detail_page(request, category_id)
    form = await form_data(request)
    values = {k: field(form, k) for k in ("name", "name_zh")}
    try:
        with db.write(engine(request)) as s:
            categories.rename(db=s, actor=user, category_id=category_id, **values)
    except ValidationError as exc:
        return _detail_page(request, category_id, values, exc.errors)
    return redirect(path_for("categories:index"), flash="category_saved")


async def move(request: Request) -> Response:
    user = _admin(request)
    category_id = path_id(request)
    form = await form_data(request)
    with db.write(engine(request)) as s:
        categories.move(
            db=s, actor=user, category_id=category_id, direction=field(form, "direction")
        )
    return redirect(
        path_for("categories:index", fragment=f"category-{category_id}"), flash="category_moved"
    )


async def archive(request: Request) -> Response:
    user = _admin(request)
    category_id = path_id(request)
    form = await form_data(request)
    restore = field(form, "action") == "restore"
    with db.write(engine(request)) as s:
        if restore:
            categories.restore(db=s, actor=user, category_id=category_id)
        else:
            categories.archive(db=s, actor=user, category_id=category_id)
    return redirect(
        path_for("categories:index"), flash="category_restored" if restore else "category_archived"
    )


async def delete(request: Request) -> Response:
    user = _admin(request)
    category_id = path_id(request)
    try:
        with db.write(engine(request)) as s:
            categories.delete(db=s, actor=user, category_id=category_id)
    except ValidationError as exc:
        return _detail_page(request, category_id, errors=exc.errors)
    return redirect(path_for("categories:index"), flash="category_deleted")


routes = Domain(
    "categories",
    [
        Route("/staff/categories", index, methods=["GET", "POST"], name="index"),
        Route("/staff/categories/{id:int}", detail, methods=["GET", "POST"], name="detail"),
        Route("/staff/categories/{id:int}/move", move, methods=["POST"], name="move"),
        Route("/staff/categories/{id:int}/archive", archive, methods=["POST"], name="archive"),
        Route("/staff/categories/{id:int}/delete", delete, methods=["POST"], name="delete"),
    ],
)
