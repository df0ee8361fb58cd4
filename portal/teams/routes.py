"""HTTP for teams: /staff/teams lists them (staff) and adds one (admins); /staff/teams/{id}
shows a team and its members (staff), and lets admins rename it, add and remove members, and
archive or restore it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require
from portal.accounts.models import User
from portal.core import db
from portal.core.errors import NotFound, ValidationError
from portal.core.forms import number
from portal.core.hooks import Hooks
from portal.core.i18n import _
from portal.teams import permissions, queries, services
from portal.web import flash
from portal.web.requests import engine, field, form_data, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "team_added": _("The team is added. Add its members here."),
        "team_saved": _("The team is saved."),
        "team_archived": _("The team is archived. Decisions that named it still do."),
        "team_restored": _("The team is offered again."),
        "member_added": _("The member is added."),
        "member_removed": _("The member is removed from the team."),
    }


FIELDS = ("name", "name_zh", "description")


def _staff(request: Request) -> User:
    return require(request, permissions.can_see)


def _admin(request: Request) -> User:
    return require(request, permissions.can_manage)


def _index_page(
    request: Request, user: User, values: dict | None = None, errors: dict | None = None
) -> Response:
    with db.read(engine(request)) as s:
        teams = queries.listing(s)
        counts = queries.member_counts(s)
    return render(
        request,
        "teams/index.html",
        {
            "active": [t for t in teams if t.archived_at is None],
            "archived": [t for t in teams if t.archived_at is not None],
            "counts": counts,
            "can_manage": permissions.can_manage(user),
            "values": values or {},
            "errors": errors or {},
        },
        status_code=400 if errors else 200,
    )


async def index(request: Request) -> Response:
    if request.method == "GET":
        return _index_page(request, _staff(request))
    user = _admin(request)
    form = await form_data(request)
    values = {k: field(form, k) for k in FIELDS}
    try:
        with db.write(engine(request)) as s:
            team = services.add(db=s, actor=user, form=values)
    except ValidationError as exc:
        return _index_page(request, user, values, exc.errors)
    return redirect(path_for("teams:detail", id=team.id), flash="team_added")


# What domains built on teams add to a team's page, called with (db, team id, the reader, the
# query string): (template, context) pairs that the page includes with `extra` set to the
# context; the triage domain gives the team's board.
detail_extras: Hooks[[Session, int, User, Mapping[str, str]], list[tuple[str, dict[str, Any]]]] = (
    Hooks("a team's page is shown")
)


def _team_page(
    request: Request, user: User, values: dict | None = None, errors: dict | None = None
) -> Response:
    with db.read(engine(request)) as s:
        team = queries.get(s, path_id(request))
        if team is None:
            raise NotFound()
        members = queries.members(s, team.id)
        extras = [
            e
            for found in detail_extras(s, team.id, user, dict(request.query_params))
            for e in found
        ]
    return render(
        request,
        "teams/detail.html",
        {
            "team": team,
            "members": members,
            "extras": extras,
            "can_manage": permissions.can_manage(user),
            "is_member": permissions.can_be_member,
            "values": values or {k: getattr(team, k) for k in FIELDS},
            "errors": errors or {},
        },
        status_code=400 if errors else 200,
    )


async def detail(request: Request) -> Response:
    if request.method == "GET":
        return _team_page(request, _staff(request))
    user = _admin(request)
    form = await form_data(request)
    values = {k: field(form, k) for k in FIELDS}
    try:
        with db.write(engine(request)) as s:
            services.edit(db=s, actor=user, team_id=path_id(request), form=values)
    except ValidationError as exc:
        return _team_page(request, user, values, exc.errors)
    return redirect(path_for("teams:detail", id=path_id(request)), flash="team_saved")


async def add_member(request: Request) -> Response:
    user = _admin(request)
    team_id = path_id(request)
    form = await form_data(request)
    email = field(form, "email")
    try:
        with db.write(engine(request)) as s:
            services.add_member(db=s, actor=user, team_id=team_id, email=email)
    except ValidationError as exc:
        with db.read(engine(request)) as s:
            team = queries.get(s, team_id)
        values = {k: getattr(team, k) for k in FIELDS} if team else {}
        return _team_page(request, user, {**values, "email": email}, exc.errors)
    return redirect(path_for("teams:detail", id=team_id, fragment="members"), flash="member_added")


async def remove_member(request: Request) -> Response:
    user = _admin(request)
    team_id = path_id(request)
    form = await form_data(request)
    person = number(field(form, "user_id"))
    if not person:
        raise NotFound()
    with db.write(engine(request)) as s:
        services.remove_member(db=s, actor=user, team_id=team_id, user_id=person)
    return redirect(
        path_for("teams:detail", id=team_id, fragment="members"), flash="member_removed"
    )


async def archive(request: Request) -> Response:
    user = _admin(request)
    team_id = path_id(request)
    form = await form_data(request)
    restore = field(form, "action") == "restore"
    with db.write(engine(request)) as s:
        if restore:
            services.restore(db=s, actor=user, team_id=team_id)
        else:
            services.archive(db=s, actor=user, team_id=team_id)
    return redirect(
        path_for("teams:detail", id=team_id), flash="team_restored" if restore else "team_archived"
    )


routes = Domain(
    "teams",
    [
        Route("/staff/teams", index, methods=["GET", "POST"], name="index"),
        Route("/staff/teams/{id:int}", detail, methods=["GET", "POST"], name="detail"),
        Route("/staff/teams/{id:int}/members", add_member, methods=["POST"], name="add_member"),
        Route(
            "/staff/teams/{id:int}/members/remove",
            remove_member,
            methods=["POST"],
            name="remove_member",
        ),
        Route("/staff/teams/{id:int}/archive", archive, methods=["POST"], name="archive"),
    ],
)
