"""htmx: one URL, two renderings. A partial for htmx requests, the whole page otherwise."""

from __future__ import annotations

from starlette.requests import Request


def is_partial(request: Request) -> bool:
    """True when htmx asks for a fragment (a boosted navigation wants the whole page)."""
    return (
        request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"
    )
