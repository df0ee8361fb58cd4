"""HTTP for the desk: record feedback received at the desk, on a card, by phone or in a chat."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import require
from portal.accounts.queries import users_by_ids
from portal.core import db
from portal.core.errors import ValidationError
from portal.core.i18n import _
from portal.core.ratelimit.windows import RateLimited
from portal.desk import permissions, queries, services
from portal.desk.models import KINDS, DeskRecord
from portal.ideas import queries as ideas_q
from portal.ideas.models import DESK_SOURCES
from portal.web import flash
from portal.web.requests import engine, field, form_data, limit, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "desk_recorded": _("The feedback is recorded."),
        "desk_contact_erased": _("The contact is erased from every desk record that held it."),
    }


def _too_many() -> str:
    return _(
        "You have recorded a great deal of feedback in the last hour, so this was not saved. "
        "Try again in a little while: what you typed is kept."
    )


async def record(request: Request) -> Response:
    user = require(request, permissions.can_record)
    status = 200
    values = dict.fromkeys(services.FIELDS, "")
    values["source"], values["kind"] = "desk", "idea"
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in services.FIELDS}
        try:
            limit(request, "desk", user.id)
            with db.write(engine(request)) as session:
                services.record(db=session, recorder=user, values=values)
            return redirect(path_for("desk:record"), flash="desk_recorded")
        except ValidationError as exc:
            status, errors = 400, exc.errors
        except RateLimited:
            # Said beside the button, with the form as typed: the text is not lost.
            status, errors = 429, {"submit": _too_many()}
    with db.read(engine(request)) as session:
        recent = queries.recent(session)
        ids = {r.recorded_by_id for r in recent} | {r.person_id for r in recent}
        people = users_by_ids(session, {i for i in ids if i is not None})
        categories = ideas_q.active_categories(session)
    return render(
        request,
        "desk/record.html",
        {
            "values": values,
            "errors": errors,
            "all_categories": categories,
            "sources": DESK_SOURCES,
            "kinds": KINDS,
            "recent": recent,
            "people": people,
        },
        status_code=status,
    )


def _contact_page(
    request: Request, contact: str, found: list[DeskRecord], errors: dict[str, str]
) -> Response:
    return render(
        request,
        "desk/contact.html",
        {"contact": contact, "found": found, "errors": errors},
        status_code=400 if errors else 200,
    )


async def find_contact(request: Request) -> Response:
    """Find the desk records holding a contact, exactly, before erasing it. A POST, so that
    the contact stays out of addresses, history and logs; it changes nothing."""
    user = require(request, permissions.can_erase_contact)
    if request.method == "GET":
        return _contact_page(request, "", [], {})
    contact = field(await form_data(request), "contact")
    try:
        with db.read(engine(request)) as session:
            found = services.find_contact(db=session, actor=user, contact=contact)
    except ValidationError as exc:
        return _contact_page(request, contact, [], exc.errors)
    return _contact_page(request, contact, found, {})


async def erase_contact(request: Request) -> Response:
    user = require(request, permissions.can_erase_contact)
    contact = field(await form_data(request), "contact")
    try:
        with db.write(engine(request)) as session:
            services.erase_contact(db=session, actor=user, contact=contact)
    except ValidationError as exc:
        return _contact_page(request, contact, [], exc.errors)
    return redirect(path_for("desk:record"), flash="desk_contact_erased")


routes = Domain(
    "desk",
    [
        Route("/staff/feedback", record, methods=["GET", "POST"], name="record"),
        Route("/staff/feedback/contact", find_contact, methods=["GET", "POST"], name="contact"),
        Route(
            "/staff/feedback/contact/erase", erase_contact, methods=["POST"], name="erase_contact"
        ),
    ],
)
