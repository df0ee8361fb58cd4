"""HTTP for moderation: report, the staff queue actions, people, and the audit log."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import func, or_, select
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts import permissions as accounts_permissions
from portal.accounts import services as accounts
from portal.accounts.auth import require, require_user
from portal.accounts.models import ROLES, User
from portal.core import db
from portal.core.errors import NotFound, ValidationError
from portal.core.forms import number
from portal.core.i18n import _
from portal.moderation import audit, permissions, services
from portal.web import flash
from portal.web.requests import (
    engine,
    field,
    form_data,
    limit,
    page_number,
    path_id,
    redirect,
    safe_next,
)
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "reported": _("Thank you. The moderators will look at your report."),
        "moderation_hide": _("It is hidden. Its author sees the reason."),
        "moderation_restore": _("It is shown again."),
        "moderation_dismiss": _("The reports are dismissed."),
        "person_saved": _("Saved. The person's sessions ended, so the change applies at once."),
    }


async def report(request: Request) -> Response:
    user = require_user(request)
    limit(request, "flag", user.id)
    form = await form_data(request)
    target_type, target_id = field(form, "target_type"), number(field(form, "target_id"))
    back = safe_next(field(form, "next"), path_for("ideas:index"))
    try:
        with db.write(engine(request)) as s:
            services.flag(
                db=s,
                actor=user,
                target_type=target_type,
                target_id=target_id or 0,
                reason=field(form, "reason"),
            )
    except ValidationError as exc:
        return render(
            request,
            "moderation/report.html",
            {
                "errors": exc.errors,
                "next": back,
                "target_type": target_type,
                "target_id": target_id,
            },
            status_code=400,
        )
    return redirect(back, flash="reported")


def _staff(request: Request) -> User:
    return require(request, permissions.can_moderate)


class _Target(TypedDict):
    target_type: str
    target_id: int


async def act(request: Request) -> Response:
    """hide / restore / dismiss, from the queue or from the content itself."""
    user = _staff(request)
    form = await form_data(request)
    action = request.path_params["action"]
    if action not in ("hide", "restore", "dismiss"):
        raise NotFound()
    target: _Target = {
        "target_type": field(form, "target_type"),
        "target_id": number(field(form, "target_id")) or 0,
    }
    back = safe_next(field(form, "next"), path_for("staff:desk", fragment="reports"))
    try:
        with db.write(engine(request)) as s:
            if action == "hide":
                services.hide(db=s, actor=user, reason=field(form, "reason"), **target)
            elif action == "restore":
                services.restore(db=s, actor=user, **target)
            else:
                services.dismiss(db=s, actor=user, **target)
    except ValidationError as exc:
        return render(
            request,
            "moderation/report.html",
            {"errors": exc.errors, "next": back, "hide": True, **target},
            status_code=400,
        )
    return redirect(back, flash=f"moderation_{action}")


async def people(request: Request) -> Response:
    """Staff look people up to block or unblock them; admins also change roles."""
    user = _staff(request)
    q = (request.query_params.get("q") or "").replace("\x00", "").strip()[:100]
    page = page_number(request)
    stmt = select(User).order_by(col(User.id).desc())
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(col(User.email)).like(like),
                func.lower(col(User.display_name)).like(like),
            )
        )
    with db.read(engine(request)) as s:
        rows = list(s.execute(stmt.offset((page - 1) * 50).limit(51)).scalars())
    return render(
        request,
        "moderation/users.html",
        {
            "people": rows[:50],
            "has_next": len(rows) > 50,
            "page": page,
            "q": q,
            "roles": ROLES,
            "can_set_roles": accounts_permissions.can_set_roles(user),
            "errors": {},
        },
    )


async def person(request: Request) -> Response:
    user = _staff(request)
    form = await form_data(request)
    user_id = path_id(request)
    action = field(form, "action")
    if action not in ("role", "block", "unblock"):  # anything else must not unblock
        raise NotFound()
    try:
        with db.write(engine(request)) as s:
            if action == "role":
                accounts.set_role(db=s, actor=user, user_id=user_id, role=field(form, "role"))
            else:
                services.set_blocked(
                    db=s,
                    actor=user,
                    user_id=user_id,
                    blocked=action == "block",
                    reason=field(form, "reason"),
                )
    except ValidationError as exc:
        return render(
            request,
            "moderation/report.html",
            {"errors": exc.errors, "next": path_for("moderation:users"), "block": True},
            status_code=400,
        )
    return redirect(
        safe_next(field(form, "next"), path_for("moderation:users")), flash="person_saved"
    )


async def audit_log(request: Request) -> Response:
    require(request, permissions.can_read_audit)
    page = page_number(request)
    with db.read(engine(request)) as s:
        entries, has_next = audit.entries(s, page)
    return render(
        request, "moderation/audit.html", {"entries": entries, "page": page, "has_next": has_next}
    )


routes = Domain(
    "moderation",
    [
        Route("/report", report, methods=["POST"], name="report"),
        Route("/staff/moderation/{action:str}", act, methods=["POST"], name="act"),
        Route("/staff/users", people, name="users"),
        Route("/staff/users/{id:int}", person, methods=["POST"], name="person"),
        Route("/staff/audit", audit_log, name="audit"),
    ],
)
