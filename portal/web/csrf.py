"""CSRF protection for every state-changing request, htmx included.

A random value lives in an HttpOnly cookie; pages carry a token derived from it with the
secret key (a hidden form field, and `hx-headers` on <body> for htmx). A POST, PUT, PATCH or
DELETE is refused with 403 unless its token matches the cookie, and unless its Origin (when the
browser sends one) is this site's, scheme, host and port, as `BASE_URL` names it. The check is
middleware, so no route can forget it. The cookie is replaced at sign-in and sign-out
(`rotate`), so a token seen before either is worth nothing after it.

A form body is read here first: one over MAX_FORM_BYTES or with more than MAX_FIELDS fields is
refused with 413 before anything parses it further. The one exception is a form with a file
(multipart/form-data) posted to an upload address (portal.web.uploads): it is parsed here as
it arrives, its file streamed to a temporary file under the upload limit, its token checked
like any other, and the route finds it as `request.state.upload` (the temporary file is
removed once the route has answered). Anywhere else, multipart carries no token we read, so
it is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.web import uploads

COOKIE = "csrftoken"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_FORM_BYTES = 1024 * 1024
MAX_FIELDS = 1000
COOKIE_MAX_AGE = 60 * 60 * 24 * 365
# Paths whose POST carries its own proof instead of a CSRF token: a signed unsubscribe link
# must work from a mail program's one-click request (RFC 8058), which cannot know our token;
# a relay's webhook request is signed with the shared WEBHOOK_SECRET (portal.messaging.webhook).
TOKEN_IN_PATH = ("/unsubscribe/", "/hooks/")


def token_for(secret: str, cookie_value: str) -> str:
    return hmac.new(secret.encode(), cookie_value.encode(), hashlib.sha256).hexdigest()[:40]


def rotate(response: Response, *, secure: bool) -> None:
    """Give the browser a new CSRF cookie with `response` (at sign-in and sign-out)."""
    _set(response, secrets.token_urlsafe(32), secure=secure)


def _set(response: Response, value: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE, value, httponly=True, samesite="lax", secure=secure, max_age=COOKIE_MAX_AGE
    )


def origin_of(url: str) -> str:
    """scheme://host[:port] of an address, lower-case, without a default port."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return ""
    if port is None or (scheme, port) in {("http", 80), ("https", 443)}:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class CSRFMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        secret: str,
        secure: bool,
        base_url: str,
        on_reject: Callable[[Scope, int, str], ASGIApp],
    ) -> None:
        self.app = app
        self.secret = secret
        self.secure = secure
        self.origin = origin_of(base_url)
        self.on_reject = on_reject  # (scope, status, reason) -> the response to send

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

        upload = None
        content_type = conn.headers.get("content-type", "")
        if scope["method"] not in SAFE_METHODS and uploads.is_upload(scope["path"], content_type):
            if new_cookie or not self._same_origin(conn):
                # Without the cookie no token can match, and another site's Origin never may:
                # refused before a byte of the upload (up to 20 MB) is read.
                await self.on_reject(scope, 403, "csrf")(scope, receive, send)
                return
            try:
                upload = await uploads.read(content_type, receive)
            except uploads.UploadRefused as exc:
                status, reason = (413, "too_large") if exc.too_large else (403, "csrf")
                await self.on_reject(scope, status, reason)(scope, receive, send)
                return
            submitted = conn.headers.get(HEADER) or upload.fields.get(FIELD, "")
            if not self._same_origin(conn) or not _matches(submitted, expected):
                upload.discard()
                await self.on_reject(scope, 403, "csrf")(scope, receive, send)
                return
            scope["state"]["upload"] = upload
            receive = _replay(b"", receive)
        elif scope["method"] not in SAFE_METHODS and not scope["path"].startswith(TOKEN_IN_PATH):
            body, submitted = await self._submitted_token(conn, receive)
            if body is None:
                await self.on_reject(scope, 413, "too_large")(scope, receive, send)
                return
            if not self._same_origin(conn) or not _matches(submitted, expected):
                await self.on_reject(scope, 403, "csrf")(scope, receive, send)
                return
            receive = _replay(body, receive)

        async def send_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and new_cookie:
                headers = list(message.get("headers", []))
                prefix = f"{COOKIE}=".encode()
                if not any(k == b"set-cookie" and v.startswith(prefix) for k, v in headers):
                    cookie_response = Response()  # unless the answer rotates it itself
                    _set(cookie_response, new_cookie, secure=self.secure)
                    headers += [
                        (k, v) for k, v in cookie_response.raw_headers if k == b"set-cookie"
                    ]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_cookie)
        finally:
            if upload is not None:
                upload.discard()

    def _same_origin(self, conn: HTTPConnection) -> bool:
        """No Origin (an older browser, a mail program's one-click POST), or this site's."""
        origin = conn.headers.get("origin")
        if origin is None:
            return True
        return origin != "null" and origin_of(origin) == self.origin

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
        urlencoded = conn.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        )
        if urlencoded and body.count(b"&") >= MAX_FIELDS:  # more than any form of ours has
            return None, ""
        header = conn.headers.get(HEADER)
        if header:
            return body, header
        if urlencoded:
            values = parse_qs(body.decode("latin-1")).get(FIELD)
            return body, values[0] if values else ""
        return body, ""


def _matches(submitted: str, expected: str) -> bool:
    """Whether the token sent is the expected one, in constant time. Compared as bytes: a
    token is whatever the client sent, and compare_digest refuses (raises on) strings with
    characters outside ASCII."""
    return hmac.compare_digest(submitted.encode(), expected.encode())


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
