"""Security headers on every response (pages, partials, errors, static files) and the
per-request locale. Both are plain ASGI middleware: cheap enough for every request."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.core import i18n

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


def _secure(cookie: bytes) -> bytes:
    """A Set-Cookie value with the Secure attribute (added when it is missing)."""
    attributes = {part.strip().lower() for part in cookie.split(b";")[1:]}
    return cookie if b"secure" in attributes else cookie + b"; Secure"


HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    """The headers above on every response. Over https, also HSTS, and every cookie the portal
    sets is made Secure here, in one place, whichever part of the portal set it.

    "Over https" is decided per request: under an https `BASE_URL` (`https=True`) always, and
    otherwise whenever the request's scheme is https, as a TLS-terminating proxy reports it in
    `X-Forwarded-Proto` (uvicorn believes that header only from the addresses in
    FORWARDED_ALLOW_IPS) or when TLS ends at uvicorn itself."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https
        self.headers = dict(HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = self.https or scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                if https:
                    message["headers"] = [
                        (name, _secure(value) if name == b"set-cookie" else value)
                        for name, value in message.get("headers", [])
                    ]
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
                if https and "strict-transport-security" not in headers:
                    headers["strict-transport-security"] = HSTS
            await send(message)

        await self.app(scope, receive, send_with_headers)


class PrivateWhenSignedIn:
    """Every response rendered for a signed-in person is `Cache-Control: private, no-store`:
    no shared cache (a proxy, the portal's own kept pages) may keep it, and no browser may
    store it on disk. "Rendered for" means the signed-in person was looked up while answering
    (the accounts domain leaves them in the request's state as `user`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get("state", {}).get("user"):
                MutableHeaders(scope=message)["cache-control"] = "private, no-store"
            await send(message)

        await self.app(scope, receive, send_private)


class LocaleMiddleware:
    """Sets the request's locale from the `lang` cookie or Accept-Language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        locale = i18n.negotiate(conn.headers.get("accept-language", ""), conn.cookies.get("lang"))
        token = i18n.set_locale(locale)

        async def send_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.add_vary_header("Accept-Language")
                headers.add_vary_header("Cookie")
            await send(message)

        try:
            await self.app(scope, receive, send_vary)
        finally:
            i18n._current.reset(token)
