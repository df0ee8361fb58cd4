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

from starlette.routing import BaseRoute, NoMatchFound, Route

from portal.web.routing import Domain

_routes: list[BaseRoute] | None = None
# Which of the routes answers a name with a given set of parameters, found on first use: a
# page with 50 comments builds some 200 addresses, and asking each route in turn (Starlette's
# Router.url_path_for) costs about 100 µs an address, as much as the rest of the page.
_owner: dict[tuple[str, frozenset[str]], tuple[BaseRoute, str]] = {}


def use(routes: Sequence[BaseRoute]) -> None:
    """Build addresses from `routes` from now on (the app's, in every process)."""
    global _routes
    _routes = list(routes)
    _owner.clear()


def _owner_of(name: str, params: dict[str, Any]) -> tuple[BaseRoute, str]:
    if _routes is None:
        raise RuntimeError("no routes to build addresses from: call portal.web.urls.use first")
    key = (name, frozenset(params))
    owner = _owner.get(key)
    if owner is None:
        owner = _owner[key] = _find(_routes, name, params)
    return owner


def _find(routes: Sequence[BaseRoute], name: str, params: dict[str, Any]) -> tuple[BaseRoute, str]:
    """The route that answers `name`, and its name there: inside a domain, the domain's own
    route ("ideas:detail" is "detail" in the ideas domain), so the quick way below applies."""
    for route in routes:
        try:
            route.url_path_for(name, **params)
        except NoMatchFound:
            continue
        if isinstance(route, Domain):
            return _find(route.routes, name.removeprefix(route.name + ":"), params)
        return route, name
    raise NoMatchFound(name, params)


def _path(name: str, params: dict[str, Any]) -> str:
    owner, inner = _owner_of(name, params)
    if isinstance(owner, Route) and type(owner).url_path_for is Route.url_path_for:
        # What Route.url_path_for does once it has matched (the name and the parameters'
        # names did when the route was found), without its sets and URLPath: 6 times quicker.
        path = owner.path_format
        for param, value in params.items():
            path = path.replace("{" + param + "}", owner.param_convertors[param].to_string(value))
        return path
    return str(owner.url_path_for(inner, **params))


def path_for(
    name: str,
    /,
    *,
    query: Mapping[str, Any] | None = None,
    fragment: str = "",
    **params: Any,
) -> str:
    """The path of the route called `name` with its `params` (`path_for("ideas:detail",
    id=3)`), then `query` (pairs whose value is None are left out) and `#fragment`. A slash
    in a query value stays readable (`/login?next=/ideas/3`), as RFC 3986 allows."""
    path = _path(name, params)
    if query:
        pairs = {key: value for key, value in query.items() if value is not None}
        if pairs:
            path += "?" + urlencode(pairs, doseq=True, safe="/")
    if fragment:
        path += "#" + fragment
    return path
