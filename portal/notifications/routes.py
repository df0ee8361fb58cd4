"""HTTP for notifications: the in-app list, mark read, email preferences, unsubscribe, and the
staff's list of emails that failed."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.accounts.auth import current_user, require, require_user
from portal.core import db
from portal.core.errors import ValidationError
from portal.core.i18n import _
from portal.notifications import content, permissions, queries, services, unsubscribe
from portal.notifications.models import KINDS, MODES, kinds_for
from portal.web import flash
from portal.web.requests import engine, field, form_data, page_number, path_id, redirect, safe_next
from portal.web.routing import Domain
from portal.web.templating import context_hook, render
from portal.web.urls import path_for


@context_hook
def unread(request: Request) -> dict[str, Any]:
    """The header's count of unread notifications, on every page: read only when the page
    shows it (for a signed-in person), in a query of its own."""
    user = current_user(request)

    def count() -> int:
        if user is None:
            return 0
        with engine(request).connect() as conn:
            return queries.unread_count(conn, user.id)

    return {"unread_count": count}


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "all_read": _("All notifications are marked as read."),
        "preferences_saved": _("Your email settings are saved."),
        "email_retried": _("The email is back in the queue. The worker sends it in a moment."),
        "emails_retried": _(
            "The failed emails are back in the queue. The worker sends them in a moment."
        ),
        "email_not_failed": _(
            "That email is no longer among the failed ones: it was sent, or it is back in the "
            "queue already."
        ),
    }


async def index(request: Request) -> Response:
    user = require_user(request)
    page = page_number(request)
    with db.read(engine(request)) as s:
        items, has_next = queries.latest(s, user.id, page)
        facts = content.for_events(s, [item.event for item in items], user)
    return render(
        request,
        "notifications/index.html",
        {"items": items, "facts": facts, "page": page, "has_next": has_next},
    )


async def read(request: Request) -> Response:
    user = require_user(request)
    form = await form_data(request)
    with db.write(engine(request)) as s:
        services.mark_read(db=s, actor=user, notification_id=path_id(request))
    return redirect(safe_next(field(form, "next"), path_for("notifications:index")))


async def read_all(request: Request) -> Response:
    user = require_user(request)
    with db.write(engine(request)) as s:
        services.mark_all_read(db=s, actor=user)
    return redirect(path_for("notifications:index"), flash="all_read")


async def preferences(request: Request) -> Response:
    user = require_user(request)
    errors: dict[str, str] = {}
    with db.read(engine(request)) as s:
        modes = queries.modes(s, user.id)
        messages = queries.messages(s, user.id)
    if request.method == "POST":
        form = await form_data(request)
        modes = {k: field(form, f"mode-{k}") for k in kinds_for(user.is_staff)}
        messages = {k: field(form, f"message-{k}") == "1" for k in kinds_for(user.is_staff)}
        try:
            with db.write(engine(request)) as s:
                services.save_preferences(db=s, actor=user, modes=modes, messages=messages)
            return redirect(path_for("notifications:settings"), flash="preferences_saved")
        except ValidationError as exc:
            errors = exc.errors
    return render(
        request,
        "notifications/settings.html",
        {
            "modes": modes,
            "messages": messages,
            "kinds": kinds_for(user.is_staff),
            "all_modes": MODES,
            "errors": errors,
        },
        status_code=400 if errors else 200,
    )


async def unsubscribe_page(request: Request) -> Response:
    """GET shows what the link will do; POST (a button, or a mail program's one-click
    request) does it. The signed token is the authority, so it works signed out."""
    settings = request.app.state.settings
    found = unsubscribe.read_token(settings.secret_key, request.path_params["token"])
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status_code=400)
    user_id, kind = found
    if request.method == "POST":
        with db.write(engine(request)) as s:
            if kind == "digest":
                for k in KINDS:
                    services.unsubscribe(db=s, user_id=user_id, kind=k)
            else:
                services.unsubscribe(db=s, user_id=user_id, kind=kind)
        return render(request, "notifications/unsubscribe.html", {"done": True, "kind": kind})
    return render(request, "notifications/unsubscribe.html", {"kind": kind})


async def failed_emails(request: Request) -> Response:
    """Staff: emails that could not be sent, with the reason, to send again."""
    require(request, permissions.can_retry_emails)
    page = page_number(request)
    with db.read(engine(request)) as s:
        emails, has_next = queries.failed_emails(s, page)
    return render(
        request,
        "notifications/failed.html",
        {"emails": emails, "page": page, "has_next": has_next},
    )


async def retry_email(request: Request) -> Response:
    user = require_user(request)
    with db.write(engine(request), shown=False) as s:
        done = services.retry_email(db=s, actor=user, email_id=path_id(request))
    return redirect(
        path_for("notifications:failed"), flash="email_retried" if done else "email_not_failed"
    )


async def retry_failed_emails(request: Request) -> Response:
    user = require_user(request)
    with db.write(engine(request), shown=False) as s:
        services.retry_failed_emails(db=s, actor=user)
    return redirect(path_for("notifications:failed"), flash="emails_retried")


routes = Domain(
    "notifications",
    [
        Route("/notifications", index, name="index"),
        Route("/notifications/{id:int}/read", read, methods=["POST"], name="read"),
        Route("/notifications/read-all", read_all, methods=["POST"], name="read_all"),
        Route(
            "/notifications/settings",
            preferences,
            methods=["GET", "POST"],
            name="settings",
        ),
        Route(
            "/unsubscribe/{token}",
            unsubscribe_page,
            methods=["GET", "POST"],
            name="unsubscribe",
        ),
        Route("/staff/emails", failed_emails, name="failed"),
        Route(
            "/staff/emails/{id:int}/retry",
            retry_email,
            methods=["POST"],
            name="retry",
        ),
        Route(
            "/staff/emails/retry",
            retry_failed_emails,
            methods=["POST"],
            name="retry_all",
        ),
    ],
)
