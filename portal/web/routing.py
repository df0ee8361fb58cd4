"""Routes mounted per domain: `Domain("ideas", [Route("/ideas/{id:int}", detail,
name="detail"), ...])` answers the app's router for the domain's routes, which keep their own
addresses, and names them "ideas:detail" for `url_path_for`.

Unlike `Mount("", ...)`, a domain claims no address of its own: it matches a request only when
one of its routes does, so the app's router goes on to the next domain otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from starlette.datastructures import URLPath
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound, Route, get_route_path
from starlette.types import Receive, Scope, Send


class Domain(BaseRoute):
    """A domain's routes under one name: each route's inner name ("detail") is known outside
    as "<name>:<inner name>" ("ideas:detail")."""

    def __init__(self, name: str, routes: Sequence[BaseRoute]) -> None:
        self.name = name
        self.routes = list(routes)
        self._prefix = name + ":"
        self.starts = _starts(self.routes)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """As Starlette's router decides among its routes: the first full match; else the
        first partial one (the right address with another method: a 405 unless a later domain
        matches fully). The route found travels in the child scope as `route`, which the
        router copies into the request's scope (the metrics read its path template)."""
        # Most requests are for another domain: one look at how the path starts settles it.
        if self.starts is not None and not get_route_path(scope).startswith(self.starts):
            return Match.NONE, {}
        partial: Scope | None = None
        for route in self.routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                # A nested domain has already named the route inside it.
                child_scope.setdefault("route", route)
                return match, child_scope
            if match is Match.PARTIAL and partial is None:
                child_scope.setdefault("route", route)
                partial = child_scope
        if partial is not None:
            return Match.PARTIAL, partial
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the request to the route that `matches` found (the router has copied it into
        the scope), without matching the path a second time."""
        await scope["route"].handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        if not name.startswith(self._prefix):
            raise NoMatchFound(name, path_params)
        inner = name[len(self._prefix) :]
        for route in self.routes:
            try:
                return route.url_path_for(inner, **path_params)
            except NoMatchFound:
                pass
        raise NoMatchFound(name, path_params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, routes={len(self.routes)})"


def _starts(routes: Sequence[BaseRoute]) -> tuple[str, ...] | None:
    """How every path these routes match starts (the text of each route's path before its
    first parameter), or None when a route does not say (then every request is tried)."""
    starts: list[str] = []
    for route in routes:
        if isinstance(route, Route | Mount):
            starts.append(route.path.split("{", 1)[0])
        elif isinstance(route, Domain) and route.starts is not None:
            starts.extend(route.starts)
        else:
            return None
    return tuple(dict.fromkeys(starts))


def every_route(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Each route inside the domains, in the order the router tries them (a tool for checks
    over every address: metrics' path templates, tests)."""
    for route in routes:
        if isinstance(route, Domain):
            yield from every_route(route.routes)
        else:
            yield route
