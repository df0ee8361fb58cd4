"""CSRF protection for every state-changing request, htmx included.

A random value lives in an HttpOnly cookie; pages carry a token derived from it with the
secret key (a hidden form field, and `hx-headers` on <body> for htmx). A POST, PUT, PATCH or
DELETE is refused with 403 unless its token matches the cookie, and unless its Origin (when the
browser sends one) is this site. The check is middleware, so no route can forget it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import parse_qs, urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "csrftoken"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_FORM_BYTES = 1024 * 1024
# Paths whose POST carries its own proof instead of a CSRF token: a signed unsubscribe link
# must work from a mail program's one-click request (RFC 8058), which cannot know our token.
TOKEN_IN_PATH = ("/unsubscribe/",)


def token_for(secret: str, cookie_value: str) -> str:
    return hmac.new(secret.encode(), cookie_value.encode(), hashlib.sha256).hexdigest()[:40]


class CSRFMiddleware:
    def __init__(self, app: ASGIApp, *, secret: str, secure: bool, on_reject) -> None:
        self.app = app
        self.secret = secret
        self.secure = secure
        self.on_reject = on_reject  # (scope, status, message) -> Response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        cookie = conn.cookies.get(COOKIE)
        new_cookie = None
        if not cookie or len(cookie) != 43:
            cookie = new_cookie = secrets.token_urlsafe(32)
        expected = token_for(self.secret, cookie)
        scope.setdefault("state", {})["csrf_token"] = expected

        if scope["method"] not in SAFE_METHODS and not scope["path"].startswith(TOKEN_IN_PATH):
            body, submitted = await self._submitted_token(conn, receive)
            if body is None:
                await self.on_reject(scope, 413, "too_large")(scope, receive, send)
                return
            if not self._same_origin(conn) or not hmac.compare_digest(submitted, expected):
                await self.on_reject(scope, 403, "csrf")(scope, receive, send)
                return
            receive = _replay(body, receive)

        async def send_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and new_cookie:
                cookie_response = Response()
                cookie_response.set_cookie(
                    COOKIE,
                    new_cookie,
                    httponly=True,
                    samesite="lax",
                    secure=self.secure,
                    max_age=60 * 60 * 24 * 365,
                )
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (k, v) for k, v in cookie_response.raw_headers if k == b"set-cookie"
                ]
            await send(message)

        await self.app(scope, receive, send_cookie)

    @staticmethod
    def _same_origin(conn: HTTPConnection) -> bool:
        origin = conn.headers.get("origin")
        if not origin or origin == "null":
            return origin is None
        return urlsplit(origin).netloc == conn.headers.get("host", "")

    async def _submitted_token(
        self, conn: HTTPConnection, receive: Receive
    ) -> tuple[bytes | None, str]:
        """Read the whole body (so the app can read it again) and find the token in it."""
        chunks = []
        size = 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_FORM_BYTES:
                return None, ""
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        header = conn.headers.get(HEADER)
        if header:
            return body, header
        if conn.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            values = parse_qs(body.decode("latin-1"), max_num_fields=1000).get(FIELD)
            return body, values[0] if values else ""
        return body, ""


def _replay(body: bytes, original: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then waits on the real one."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
