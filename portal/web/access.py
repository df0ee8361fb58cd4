"""Request ids and the access log: one line per request, written by the outermost middleware,
so it times everything the portal does and sees the status the client got.

A request's id is the `X-Request-ID` a proxy in front sent, when it is short and made of safe
characters, and otherwise a new one; anything else a client sends there is never copied into a
log or a header. The id is echoed as `X-Request-ID`, kept in the request's state (error pages
print it as their reference) and carried by every log record written while the request is
answered (portal.core.logs).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.core import logs

log = logging.getLogger("portal.access")
HEADER = b"x-request-id"
# Ids that proxies make (nginx's $request_id, UUIDs, base64, trace ids like AWS's Root=1-...)
# fit; nothing that could break a log line, a header or a page does.
SAFE_ID = re.compile(rb"[A-Za-z0-9._:=+/-]{1,128}")
PATH_MAX = 500

# Called once a request is answered, with its scope, status and duration in seconds.
Observer = Callable[[Scope, int, float], None]


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    """The proxy's request id when it is a safe one, otherwise a new one."""
    for name, value in headers:
        if name == HEADER:
            if SAFE_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return secrets.token_hex(16)


def printable_path(scope: Scope) -> str:
    """The path as the client sent it (still percent-encoded), shortened, with any byte that
    could forge a log line written as %XX."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    path = raw[:PATH_MAX].decode("latin-1")
    if not (path.isascii() and path.isprintable() and " " not in path):
        path = "".join(c if " " < c < "\x7f" else f"%{ord(c):02X}" for c in path)
    return path + ("..." if len(raw) > PATH_MAX else "")


class AccessLogMiddleware:
    """Gives each request its id and, once it is answered, writes the access line and tells
    `observer` (the metrics, when they are on)."""

    def __init__(self, app: ASGIApp, *, observer: Observer | None = None) -> None:
        self.app = app
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = request_id_of(scope["headers"])
        scope.setdefault("state", {})["request_id"] = rid
        token = logs.request_id.set(rid)
        echo = (HEADER, rid.encode("ascii"))
        status = 500  # unless a response starts: an exception that escapes every handler

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), echo]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            if log.isEnabledFor(logging.INFO):  # nothing is formatted when the level is off
                self._log(scope, rid, status, seconds)
            if self.observer is not None:
                self.observer(scope, status, seconds)
            logs.request_id.reset(token)

    @staticmethod
    def _log(scope: Scope, rid: str, status: int, seconds: float) -> None:
        method, path, ms = scope["method"], printable_path(scope), round(seconds * 1000, 2)
        # Built and handed over directly: log.info() would also look up its caller's file
        # and line on every request, which this line does not show.
        record = log.makeRecord(
            log.name,
            logging.INFO,
            __file__,
            0,
            "%s %s %s %.1f ms",
            (method, path, status, ms),
            None,
            extra={
                "request_id": rid,
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": ms,
            },
        )
        log.handle(record)
