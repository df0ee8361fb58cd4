"""Flash messages: a line on the page after a redirect ("Your idea is posted."). Only a key
travels, in a short-lived cookie, never text; each domain registers the texts of its keys, in
the reader's language, beside the routes that redirect with them (`texts`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.core.hooks import Hooks

COOKIE = "flash"

# Each returns {key: text} in the current language (built when a page shows one).
texts: Hooks[[], dict[str, str]] = Hooks("flash messages: their texts by key")


def message(key: str) -> str | None:
    """The text of a flash message's key, or None for a key nobody registered."""
    for registered in texts.functions:
        found = registered().get(key)
        if found is not None:
            return found
    return None


def take(request: Request, response: Response) -> None:
    """The message is shown once: `response` removes the cookie that carried it."""
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE)
