"""HTTP for messaging: the section of /account that shows a linking code and the linked chat
addresses (with a button to unlink each), and `/hooks/messages`, the signed webhook through
which other platforms' relays pass on what people write; for staff, the messages the worker
gave up on, each with a button to send it again."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal.accounts import account_routes
from portal.accounts.auth import require
from portal.accounts.models import User
from portal.core import db
from portal.core.i18n import _
from portal.messaging import commands, permissions, queries, services, webhook
from portal.messaging.models import MATRIX
from portal.web import flash
from portal.web.requests import engine, form_data, page_number, path_id, redirect
from portal.web.routing import Domain
from portal.web.templating import render
from portal.web.urls import path_for

BODY_MAX = 64 * 1024
PLATFORM = re.compile(r"^[a-z0-9][a-z0-9_-]{0,15}$")


@account_routes.sections.register
def account_section(session: Session, user: User) -> tuple[str, dict[str, Any]]:
    """/account's part: the person's linked chat addresses."""
    return "messaging/_account.html", {"links": queries.links_of(session, user.id)}


@flash.texts.register
def flash_texts() -> dict[str, str]:
    """What the next page says after this module's redirects, by their flash keys."""
    return {
        "chat_unlinked": _("That chat address is no longer linked to your account."),
        "message_retried": _("The message is back in the queue. The worker sends it in a moment."),
        "message_not_failed": _(
            "That message is no longer among the failed ones: it was sent, or it is back in "
            "the queue already."
        ),
    }


async def code(request: Request) -> Response:
    """POST: a new linking code, shown once on a page of its own (kept by no cache)."""
    user = require(request, permissions.can_link)
    await form_data(request)
    settings = request.app.state.settings
    with db.write(engine(request), shown=False) as session:
        shown = services.new_code(db=session, actor=user, secret=settings.secret_key)
    response = render(
        request,
        "messaging/code.html",
        {
            "code": shown,
            "minutes": services.LINK_MINUTES,
            "bot": settings.matrix_user,
            "homeserver": settings.matrix_homeserver,
        },
    )
    return account_routes.private(response)


async def unlink(request: Request) -> Response:
    user = require(request, lambda u: True)
    await form_data(request)
    with db.write(engine(request), shown=False) as session:
        services.unlink(db=session, actor=user, link_id=path_id(request))
    return redirect(path_for("accounts:account"), flash="chat_unlinked")


async def failed(request: Request) -> Response:
    """Staff: chat messages that could not be sent, with the reason, to send again."""
    require(request, permissions.can_see_failed)
    page = page_number(request)
    with db.read(engine(request)) as session:
        messages, has_next = queries.failed_messages(session, page)
    return render(
        request,
        "messaging/failed.html",
        {"messages": messages, "page": page, "has_next": has_next},
    )


async def retry(request: Request) -> Response:
    user = require(request, permissions.can_see_failed)
    await form_data(request)
    with db.write(engine(request), shown=False) as session:
        done = services.retry_message(db=session, actor=user, message_id=path_id(request))
    return redirect(
        path_for("messaging:failed"), flash="message_retried" if done else "message_not_failed"
    )


def _refused() -> Response:
    return JSONResponse({"error": "unauthorized"}, status_code=401)


async def _body(request: Request) -> bytes | None:
    """The raw body, or None past BODY_MAX (read no further)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > BODY_MAX:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def hook(request: Request) -> Response:
    """A relayed message: JSON {platform, sender, text} (and the relay's own id, so that no two
    bodies are alike), signed (portal.messaging.webhook).
    Answers JSON {reply}. Unsigned, wrongly signed, stale and replayed requests get 401 before
    the body is looked at; a body that is not what is expected gets 400."""
    body = await _body(request)
    if body is None:
        return JSONResponse({"error": "too large"}, status_code=413)
    settings = request.app.state.settings
    timestamp = request.headers.get(webhook.TIMESTAMP, "")
    given = request.headers.get(webhook.SIGNATURE, "")
    if not webhook.verified(settings.webhook_secret, timestamp, given, body):
        return _refused()
    with db.write(engine(request), shown=False) as session:
        fresh = webhook.first_use(session, given)
    if not fresh:
        return _refused()
    message = _message(body)
    if message is None:
        return JSONResponse(
            {"error": "expected a JSON object with platform, sender and text"}, status_code=400
        )
    reply = commands.answer(
        commands.Chat(engine(request), settings, request.app.state.rate_counter),
        platform=message[0],
        address=message[1],
        text=message[2],
    )
    return JSONResponse({"reply": reply})


def _message(body: bytes) -> tuple[str, str, str] | None:
    """(platform, sender, text) from a webhook body, or None when it is not one. The Matrix
    bot's own platform name is not for relays: they cannot speak for a Matrix address."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    platform, sender, text = (data.get(k) for k in ("platform", "sender", "text"))
    if not (isinstance(platform, str) and isinstance(sender, str) and isinstance(text, str)):
        return None
    platform = platform.strip().lower()
    sender = sender.strip()
    if not PLATFORM.match(platform) or platform == MATRIX or not 0 < len(sender) <= 255:
        return None
    if "\x00" in sender or "\x00" in text:
        return None
    return platform, sender, text


routes = Domain(
    "messaging",
    [
        Route("/account/chat/code", code, methods=["POST"], name="code"),
        Route("/account/chat/{id:int}/unlink", unlink, methods=["POST"], name="unlink"),
        Route("/hooks/messages", hook, methods=["POST"], name="hook"),
        Route("/staff/messages", failed, name="failed"),
        Route("/staff/messages/{id:int}/retry", retry, methods=["POST"], name="retry"),
    ],
)
