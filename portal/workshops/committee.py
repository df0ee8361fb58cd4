"""/committee: the advisory committee's page (with a member's private calendar address, and the
button that makes a new one), and the admin page that grants and removes the committee role
for a term."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts import permissions as accounts_permissions
from portal.accounts import queries as accounts_q
from portal.accounts import services as accounts
from portal.accounts.auth import current_user, require, require_user
from portal.accounts.models import User
from portal.core import db
from portal.core.errors import ValidationError
from portal.core.hooks import Hooks
from portal.core.i18n import _
from portal.web import flash
from portal.web.requests import engine, field, form_data, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for
from portal.workshops import membership, permissions, queries
from portal.workshops.routes import feed_token


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "committee_saved": _("The committee membership is saved."),
        "calendar_link_new": _(
            "You have a new calendar address. Add it to your calendar app: any earlier address "
            "no longer works."
        ),
    }


# What domains built on this one add to the committee's page, called with (db, the person):
# the decisions domain gives the drafts shared with the committee, for its members.
committee_extras: Hooks[[Session, User | None], dict[str, Any]] = Hooks(
    "the committee's page is shown"
)


async def committee(request: Request) -> Response:
    user = current_user(request)
    member = permissions.can_see_committee_sessions(user)
    with db.read(engine(request)) as s:
        listed = accounts_listed(s)
        sessions = queries.upcoming(s, ("committee",)) if member else []
        places = queries.places(s, [w.id for w in sessions])
        key = queries.calendar_key(s, user.id) if member and user is not None else None
        extras = {k: v for extra in committee_extras(s, user) for k, v in extra.items()}
    feed = None
    if key and user is not None:
        token = feed_token(request.app.state.settings.secret_key, user.id, key)
        feed = request.app.state.settings.base_url + path_for(
            "workshops:feed", query={"token": token}
        )
    return render(
        request,
        "workshops/committee.html",
        {
            "members": listed,
            "workshops": sessions,
            "places": places,
            "member": member,
            "feed_url": feed,
            **extras,
        },
    )


async def calendar_link(request: Request) -> Response:
    """A member makes their private calendar address, or replaces it."""
    user = require_user(request)
    with db.write(engine(request)) as s:
        membership.new_calendar_key(db=s, actor=user)
    return redirect(path_for("committee:index", fragment="calendar"), flash="calendar_link_new")


def accounts_listed(s: Session) -> list[User]:
    # A member whose term has ended is no longer on the committee, listed or not.
    return [m for m in accounts_q.committee_members(s, listed_only=True) if m.is_committee]


async def manage(request: Request) -> Response:
    user = require(request, accounts_permissions.can_manage_committee)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in ("email", "until", "listed", "action")}
        try:
            with db.write(engine(request)) as s:
                accounts.set_committee(
                    db=s,
                    actor=user,
                    email=values["email"],
                    member=values["action"] != "remove",
                    until=values["until"],
                    listed=values["listed"] == "1",
                )
            return redirect(path_for("committee:manage"), flash="committee_saved")
        except ValidationError as exc:
            errors = exc.errors
    with db.read(engine(request)) as s:
        members = accounts_q.committee_members(s)
    return render(
        request,
        "workshops/committee_manage.html",
        {"members": members, "errors": errors, "values": values, "today": date.today()},
        status_code=400 if errors else 200,
    )


routes = Domain(
    "committee",
    [
        Route("/committee", committee, name="index"),
        Route(
            "/committee/calendar-link",
            calendar_link,
            methods=["POST"],
            name="calendar_link",
        ),
        Route("/staff/committee", manage, methods=["GET", "POST"], name="manage"),
    ],
)
