"""Pages for visitors who are not signed in, kept ready in each process.

Everyone who is not signed in sees the same page at an address in a given language, so a page
rendered once can be sent again, until something changes. Every write that pages show moves
the site's data version (see `db.write`); a kept page is reused only while the version it was
rendered at is still current, and for at most `PAGE_CACHE_SECONDS`, so relative times ("3
minutes ago") and upcoming/past boundaries stay fresh. Checking costs one indexed read.

Only plain visits are kept: a GET that carries no credentials at all, and whose answer was not
rendered for a signed-in person. "No credentials" is judged by the very parser that signs people
in (Starlette's, behind `request.cookies`): no cookie but the CSRF and language ones (no login
session, no flash message, no sign-in state, nothing unreadable) and no Authorization header. The
answer must be a 200 that sets no cookie, carries no `Cache-Control: no-store` or `private`
(every response for a signed-in person does, see portal.web.security), and was rendered while nobody
was signed in (`request.state.user` empty). Either guard alone would keep a signed-in page from
strangers; both are checked, so a parser disagreement or a new way of signing in cannot open
that door again. The page's CSRF token is the one thing that differs per visitor: it is kept as
a placeholder and each visitor gets their own.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.core import db, i18n

# The CSRF token is 40 hex digits; the placeholder has the same length, so Content-Length stays
# right, and NUL bytes, which no page contains.
PLACEHOLDER = b"\x00" * 40
PLAIN_COOKIES = {"csrftoken", "lang"}
# Liveness checks answer for this moment and never touch a kept page (nor its version read).
NEVER = {"/ping", "/healthz"}
# Files, sent from disk (static ones, and attached pictures and PDFs of up to 20 MB, which would
# crowd every page out): never kept in memory.
FILES = ("/static/", "/media/")


@dataclass(frozen=True)
class Page:
    version: int
    born: float
    start: Message
    body: bytes


class PageCacheMiddleware:
    def __init__(self, app: ASGIApp, *, seconds: float, max_bytes: int = 16 * 2**20) -> None:
        self.app = app
        self.seconds = seconds
        self.max_bytes = max_bytes  # kept pages stay within this, the least recent go first
        self.pages: OrderedDict[tuple, Page] = OrderedDict()
        self.bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope) if self.seconds > 0 else None
        if key is None:
            await self.app(scope, receive, send)
            return
        engine = scope["app"].state.engine
        version = db.data_version(engine)
        token = scope["state"]["csrf_token"].encode()
        page = self.pages.get(key)
        if page and page.version == version and time.monotonic() - page.born < self.seconds:
            self.pages.move_to_end(key)
            await send({**page.start, "headers": [*page.start["headers"], (b"x-cache", b"hit")]})
            await send(
                {"type": "http.response.body", "body": page.body.replace(PLACEHOLDER, token)}
            )
            return
        await self._render(scope, receive, send, key, version, token)

    async def _render(
        self, scope: Scope, receive: Receive, send: Send, key: tuple, version: int, token: bytes
    ) -> None:
        start: Message = {}
        chunks: list[bytes] = []
        keep = True

        async def record(message: Message) -> None:
            nonlocal start, keep
            if message["type"] == "http.response.start":
                # A copy: the middleware outside (gzip) changes the headers it is sent.
                start = {**message, "headers": list(message.get("headers", []))}
                keep = _keepable(start) and not _rendered_for_someone(scope)
            elif keep:
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, record)
        if keep and start:
            born = time.monotonic()
            body = b"".join(chunks).replace(token, PLACEHOLDER)
            if len(body) > self.max_bytes // 8:
                return
            old = self.pages.pop(key, None)
            self.bytes += len(body) - (len(old.body) if old else 0)
            self.pages[key] = Page(version, born, start, body)
            while self.bytes > self.max_bytes:
                self.bytes -= len(self.pages.popitem(last=False)[1].body)

    @staticmethod
    def _key(scope: Scope) -> tuple | None:
        """What the page depends on besides the data: address, language and htmx headers;
        None when the request is not a plain visit."""
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        if scope["path"] in NEVER or scope["path"].startswith(FILES):
            return None
        if PageCacheMiddleware._credentials(scope):
            return None
        hx = tuple(sorted((n, v) for n, v in scope["headers"] if n.startswith(b"hx-")))
        return (scope["path"], scope["query_string"], i18n.get_locale(), hx)

    @staticmethod
    def _credentials(scope: Scope) -> bool:
        """Whether the request carries anything that may say who is asking: an Authorization
        header, or any cookie but the CSRF and language ones, read with the same parser that
        signs people in (so no cookie header can look empty here and signed in there)."""
        conn = HTTPConnection(scope)
        if "authorization" in conn.headers:
            return True
        return bool(conn.cookies.keys() - PLAIN_COOKIES)


def _rendered_for_someone(scope: Scope) -> bool:
    """Whether the answer was rendered for a signed-in person (the accounts middleware leaves
    them in the request's state as `user`)."""
    return scope.get("state", {}).get("user") is not None


def _keepable(start: Message) -> bool:
    if start["status"] != 200:
        return False
    for name, value in start.get("headers", []):
        if name == b"set-cookie":
            return False
        if name == b"cache-control" and (b"no-store" in value or b"private" in value):
            return False
    return True
