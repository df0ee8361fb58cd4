"""HTTP for design sessions: list, detail, register and cancel, calendars, and staff pages to
schedule, edit, cancel, take attendance and publish notes."""

from __future__ import annotations

import hmac
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import current_user, require, require_user
from portal.accounts.models import User
from portal.accounts.queries import user_by_id, users_by_ids
from portal.core import db
from portal.core.clock import aware, utcnow
from portal.core.db import ID_MAX
from portal.core.errors import NotFound, ValidationError
from portal.core.forms import id_list, number
from portal.core.hooks import Hooks
from portal.core.i18n import _
from portal.ideas import queries as ideas_q
from portal.web import flash
from portal.web.requests import engine, field, form_data, page_number, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for
from portal.workshops import calendar, permissions, queries, services
from portal.workshops.models import AUDIENCES, KINDS, Workshop


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "registered": _("You have a place. We will remind you the day before."),
        "waitlisted": _(
            "The session is full, so you are on the waitlist. We will tell you if a place frees up."
        ),
        "registration_cancelled": _("Your registration is cancelled."),
        "session_scheduled": _("The session is scheduled."),
        "session_saved": _("The session is saved."),
        "session_cancelled": _("The session is cancelled."),
        "attendance_saved": _("Attendance is saved."),
        "notes_published": _("The notes and outcomes are published."),
    }


# v2 signs (user id, key); the v1 addresses signed the user id alone and could not be revoked.
FEED_SALT = "committee-feed-v2"
FIELDS = (
    "title",
    "description",
    "kind",
    "starts_at",
    "ends_at",
    "timezone",
    "place",
    "online_link",
    "capacity",
    "audience",
    "agenda",
)


def feed_token(secret: str, user_id: int, key: str) -> str:
    """The token of a member's private calendar address: their id and current key, signed."""
    return URLSafeSerializer(secret, salt=FEED_SALT).dumps([user_id, key])


def _feed_member(request: Request, token: str) -> User:
    """The member whose current calendar address carries `token`; 404 for anything else (a
    forged token, an old key, a membership that has ended, a blocked person)."""
    try:
        user_id, key = URLSafeSerializer(
            request.app.state.settings.secret_key, salt=FEED_SALT
        ).loads(token)
    except (BadSignature, TypeError, ValueError):
        raise NotFound() from None
    if not isinstance(user_id, int) or not isinstance(key, str) or not 0 < user_id <= ID_MAX:
        raise NotFound()
    with db.read(engine(request)) as s:
        member = user_by_id(s, user_id)
        stored = queries.calendar_key(s, user_id)
    if (
        member is None
        or not permissions.can_have_calendar_address(member)
        or stored is None
        or not hmac.compare_digest(stored.encode(), key.encode())
    ):
        raise NotFound()
    return member


def _visible(request: Request, workshop_id: int) -> tuple[User | None, Workshop]:
    """The session and the person, when they may see it: 404 otherwise."""
    user = current_user(request)
    with db.read(engine(request)) as s:
        w = queries.get(s, workshop_id)
        held = (
            w is not None
            and user is not None
            and not permissions.can_see(user, w)
            and queries.holds_place(s, w.id, user.id)
        )
    if w is None or not permissions.can_see(user, w, holds_place=held):
        raise NotFound()
    return user, w


async def index(request: Request) -> Response:
    user = current_user(request)
    past = request.query_params.get("when") == "past"
    page = page_number(request)
    with db.read(engine(request)) as s:
        rows, has_next = queries.listing(s, permissions.audiences_for(user), past, page)
        context = {
            "workshops": rows,
            "has_next": has_next,
            "page": page,
            "past": past,
            "places": queries.places(s, [w.id for w in rows]),
        }
    return render(request, "workshops/index.html", context)


# What domains built on sessions add to a session's page, called with (db, session id,
# reader): the choices domain gives the session's questions, the media domain its files.
detail_extras: Hooks[[Session, int, User | None], dict[str, Any]] = Hooks(
    "a design session's page is shown"
)


def detail_context(request: Request, workshop_id: int) -> dict:
    user, w = _visible(request, workshop_id)
    with db.read(engine(request)) as s:
        agenda = queries.agenda_ids(s, w.id)
        reg = queries.registration(s, w.id, user.id if user else None)
        staff = permissions.can_manage(user)
        regs = queries.registrants(s, w.id) if staff else []
        return {
            "w": w,
            "agenda": agenda,
            "titles": ideas_q.titles(s, set(agenda), user),
            "places": queries.places(s, [w.id])[w.id],
            "reg": reg,
            "position": queries.waitlist_position(s, reg)
            if reg and reg.status == "waitlisted"
            else None,
            "can_manage": staff,
            "registrants": regs,
            "people": users_by_ids(s, {r.user_id for r in regs}),
            "started": w.starts_at.timestamp() <= utcnow().timestamp(),
            "show_link": permissions.shows_link(user, w, reg),
            "errors": {},
            "values": {},
        } | {k: v for extra in detail_extras(s, w.id, user) for k, v in extra.items()}


async def detail(request: Request) -> Response:
    return render(request, "workshops/detail.html", detail_context(request, path_id(request)))


async def register(request: Request) -> Response:
    user = require_user(request)
    workshop_id = path_id(request)
    _visible(request, workshop_id)
    form = await form_data(request)
    try:
        with db.write(engine(request)) as s:
            reg = services.register(
                db=s, actor=user, workshop_id=workshop_id, access_needs=field(form, "access_needs")
            )
        said = "registered" if reg.status == "confirmed" else "waitlisted"
        return redirect(path_for("workshops:detail", id=workshop_id), flash=said)
    except ValidationError as exc:
        context = detail_context(request, workshop_id)
        context.update(errors=exc.errors, values={"access_needs": field(form, "access_needs")})
        return render(request, "workshops/detail.html", context, status_code=400)


async def unregister(request: Request) -> Response:
    user = require_user(request)
    workshop_id = path_id(request)
    _, w = _visible(request, workshop_id)
    try:
        with db.write(engine(request)) as s:
            services.cancel_registration(db=s, actor=user, workshop_id=workshop_id)
    except ValidationError as exc:
        context = detail_context(request, workshop_id)
        context.update(errors=exc.errors)
        return render(request, "workshops/detail.html", context, status_code=400)
    # Someone whose membership ended saw the session only for their place: now it is gone.
    back = (
        path_for("workshops:detail", id=workshop_id)
        if permissions.can_see(user, w)
        else path_for("workshops:index")
    )
    return redirect(back, flash="registration_cancelled")


def _require_staff(request: Request) -> User:
    return require(request, permissions.can_manage)


async def new(request: Request) -> Response:
    user = _require_staff(request)
    zone = request.app.state.settings.timezone
    values: dict[str, str] = {
        "timezone": zone,
        "kind": "workshop",
        "audience": "public",
        "capacity": "12",
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in FIELDS}
        if field(form, "action") == "top_ideas":
            with db.read(engine(request)) as s:
                top = ideas_q.top_open(s, 5)
            values["agenda"] = ", ".join(str(i.id) for i in top)
        else:
            try:
                with db.write(engine(request)) as s:
                    w = services.schedule(db=s, actor=user, form=values, default_zone=zone)
                return redirect(path_for("workshops:detail", id=w.id), flash="session_scheduled")
            except ValidationError as exc:
                errors = exc.errors
    return _form(request, values, errors, None)


def _form(request: Request, values: dict, errors: dict, w: Workshop | None) -> Response:
    with db.read(engine(request)) as s:
        # Read as the service reads it; when it cannot be read, the form says so by the field.
        ids = id_list(values.get("agenda", "")) or []
        found = ideas_q.titles(s, {i for i in ids if 0 < i <= ID_MAX}, current_user(request))
    titles = {i: found[i] for i in ids if i in found}  # in the agenda's order
    return render(
        request,
        "workshops/form.html",
        {
            "values": values,
            "errors": errors,
            "w": w,
            "kinds": KINDS,
            "audiences": AUDIENCES,
            "agenda_titles": titles,
            "zones": services.offered_zones(),
        },
        status_code=400 if errors else 200,
    )


def _form_values(w: Workshop, zone_default: str) -> dict[str, str]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(w.timezone)
    local = lambda dt: dt.astimezone(zone).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    return {
        "title": w.title,
        "description": w.description,
        "kind": w.kind,
        "starts_at": local(aware(w.starts_at)),
        "ends_at": local(aware(w.ends_at)),
        "timezone": w.timezone or zone_default,
        "place": w.place,
        "online_link": w.online_link,
        "capacity": str(w.capacity),
        "audience": w.audience,
    }


async def edit(request: Request) -> Response:
    user = _require_staff(request)
    workshop_id = path_id(request)
    zone = request.app.state.settings.timezone
    with db.read(engine(request)) as s:
        w = queries.get(s, workshop_id)
        if w is None:
            raise NotFound()
        values = _form_values(w, zone)
        values["agenda"] = ", ".join(map(str, queries.agenda_ids(s, workshop_id)))
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = await form_data(request)
        values = {k: field(form, k) for k in FIELDS}
        try:
            with db.write(engine(request)) as s:
                services.edit(
                    db=s, actor=user, workshop_id=workshop_id, form=values, default_zone=zone
                )
            return redirect(path_for("workshops:detail", id=workshop_id), flash="session_saved")
        except ValidationError as exc:
            errors = exc.errors
    return _form(request, values, errors, w)


async def cancel(request: Request) -> Response:
    user = _require_staff(request)
    workshop_id = path_id(request)
    with db.write(engine(request)) as s:
        services.cancel_workshop(db=s, actor=user, workshop_id=workshop_id)
    return redirect(path_for("workshops:detail", id=workshop_id), flash="session_cancelled")


async def attendance(request: Request) -> Response:
    user = _require_staff(request)
    workshop_id = path_id(request)
    form = await form_data(request)
    ticked = [v for v in form.getlist("attended") if isinstance(v, str)]
    try:
        with db.write(engine(request)) as s:
            services.record_attendance(
                db=s, actor=user, workshop_id=workshop_id, attended_user_ids=ticked
            )
    except ValidationError as exc:
        context = detail_context(request, workshop_id)
        # The ticks stay as they were sent, so nothing is lost to the mistake.
        context.update(errors=exc.errors, values={"attended": {number(v) for v in ticked}})
        return render(request, "workshops/detail.html", context, status_code=400)
    return redirect(
        path_for("workshops:detail", id=workshop_id, fragment="attendance"),
        flash="attendance_saved",
    )


async def notes(request: Request) -> Response:
    user = _require_staff(request)
    workshop_id = path_id(request)
    form = await form_data(request)
    values = {"notes": field(form, "notes"), "outcomes": field(form, "outcomes")}
    try:
        with db.write(engine(request)) as s:
            services.publish_notes(db=s, actor=user, workshop_id=workshop_id, **values)
        return redirect(
            path_for("workshops:detail", id=workshop_id, fragment="what-happened"),
            flash="notes_published",
        )
    except ValidationError as exc:
        context = detail_context(request, workshop_id)
        context.update(errors=exc.errors, values=values)
        return render(request, "workshops/detail.html", context, status_code=400)


def _ics(body: bytes, filename: str) -> Response:
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


async def ics_one(request: Request) -> Response:
    user, w = _visible(request, path_id(request))
    base = request.app.state.settings.base_url
    with db.read(engine(request)) as s:
        reg = queries.registration(s, w.id, user.id if user else None)
    show = permissions.shows_link(user, w, reg)
    return _ics(
        calendar.calendar([w], base, w.title, {w.id} if show else set()), f"session-{w.id}.ics"
    )


async def ics_feed(request: Request) -> Response:
    """Upcoming public sessions; with a committee member's private token, theirs too."""
    settings = request.app.state.settings
    audiences: tuple[str, ...] = ("public",)
    token = request.query_params.get("token")
    if token:
        audiences = permissions.audiences_for(_feed_member(request, token))
    with db.read(engine(request)) as s:
        rows = queries.upcoming(s, audiences)
    return _ics(calendar.calendar(rows, settings.base_url, settings.site_name), "sessions.ics")


routes = Domain(
    "workshops",
    [
        Route("/sessions", index, name="index"),
        Route("/sessions.ics", ics_feed, name="feed"),
        Route("/sessions/{id:int}", detail, name="detail"),
        Route("/sessions/{id:int}.ics", ics_one, name="ics"),
        Route("/sessions/{id:int}/register", register, methods=["POST"], name="register"),
        Route("/sessions/{id:int}/unregister", unregister, methods=["POST"], name="unregister"),
        Route("/sessions/{id:int}/edit", edit, methods=["GET", "POST"], name="edit"),
        Route("/sessions/{id:int}/cancel", cancel, methods=["POST"], name="cancel"),
        Route("/sessions/{id:int}/attendance", attendance, methods=["POST"], name="attendance"),
        Route("/sessions/{id:int}/notes", notes, methods=["POST"], name="notes"),
        Route("/staff/sessions/new", new, methods=["GET", "POST"], name="new"),
    ],
)
