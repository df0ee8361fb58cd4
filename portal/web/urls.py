"""Addresses built from the routes' names, never written by hand.

Each domain names its routes and the app mounts them per domain, so that every address has a
name such as "ideas:detail". The app hands its routes here when it is built (`use`), and so
does the worker, which writes emails without a request; pages (the `url` template global),
redirects and emails all ask `path_for`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.routing import BaseRoute, Router

_router: Router | None = None


def use(routes: Sequence[BaseRoute]) -> None:
    """Build addresses from `routes` from now on (the app's, in every process)."""
    global _router
    _router = Router(routes=list(routes))


def path_for(
    name: str,
    /,
    *,
    query: Mapping[str, Any] | None = None,
    fragment: str = "",
    **params: Any,
) -> str:
    """The path of the route called `name` with its `params` (`path_for("ideas:detail",
    id=3)`), then `query` (pairs whose value is None are left out) and `#fragment`."""
    if _router is None:
        raise RuntimeError("no routes to build addresses from: call portal.web.urls.use first")
    path = str(_router.url_path_for(name, **params))
    if query:
        pairs = {key: value for key, value in query.items() if value is not None}
        if pairs:
            path += "?" + urlencode(pairs, doseq=True)
    if fragment:
        path += "#" + fragment
    return path
