"""Addresses come from the routes' names (portal.web.urls)."""

from __future__ import annotations

import pytest
from starlette.routing import NoMatchFound

from portal.web import urls


def test_path_for_builds_a_named_address(client):
    assert urls.path_for("ideas:detail", id=12) == "/ideas/12"


def test_path_for_adds_the_query_and_the_fragment(client):
    path = urls.path_for(
        "ideas:detail", id=3, query={"comments": 2, "sort": None}, fragment="comments"
    )
    assert path == "/ideas/3?comments=2#comments"


def test_path_for_refuses_an_unknown_name(client):
    with pytest.raises(NoMatchFound):
        urls.path_for("ideas:nowhere")


def test_templates_offer_url(client):
    from portal.web.templating import env

    assert env.from_string('{{ url("ideas:detail", id=5) }}').render() == "/ideas/5"


def test_path_for_keeps_a_slash_readable_in_the_query(client):
    path = urls.path_for("accounts:login", query={"next": "/ideas/new?title=Late opening"})
    assert path == "/login?next=/ideas/new%3Ftitle%3DLate+opening"


def test_path_for_tells_routes_with_one_name_apart_by_their_parameters(client):
    from starlette.routing import Route

    def page(request):  # pragma: no cover - never called
        return None

    urls.use([Route("/a", page, name="a:page"), Route("/a/{n:int}", page, name="a:page")])
    try:
        assert urls.path_for("a:page") == "/a"
        assert urls.path_for("a:page", n=2) == "/a/2"
        assert urls.path_for("a:page") == "/a"  # what was found first is kept per parameters
        with pytest.raises(NoMatchFound):
            urls.path_for("a:page", m=2)
    finally:
        urls.use(client.app.routes)


def test_path_for_asks_only_the_route_that_answered_before(client):
    from starlette.routing import Route

    asked = []

    class Counted(Route):
        def url_path_for(self, name, /, **params):
            asked.append(self.name)
            return super().url_path_for(name, **params)

    def page(request):  # pragma: no cover - never called
        return None

    many = [Counted(f"/p{n}", page, name=f"p:{n}") for n in range(50)]
    urls.use([*many, Counted("/last/{id:int}", page, name="p:last")])
    try:
        assert urls.path_for("p:last", id=1) == "/last/1"
        asked.clear()
        # A page builds hundreds of addresses: asking every route in turn for each one cost
        # as much as rendering the rest of the page.
        assert urls.path_for("p:last", id=2) == "/last/2"
        assert set(asked) <= {"p:last"}
    finally:
        urls.use(client.app.routes)


def _named(routes, prefix=""):
    """(full name, route) for each plain route, inside the domains too."""
    from starlette.routing import Route

    from portal.web.routing import Domain

    for route in routes:
        if isinstance(route, Domain):
            yield from _named(route.routes, prefix + route.name + ":")
        elif isinstance(route, Route):
            yield prefix + route.name, route


def test_path_for_builds_what_each_route_builds(client):
    named = list(_named(client.app.routes))
    assert len(named) > 80
    for full_name, route in named:
        params = {param: 7 for param in route.param_convertors}
        assert urls.path_for(full_name, **params) == route.url_path_for(route.name, **params)
        assert urls.path_for(full_name, **params) == client.app.url_path_for(full_name, **params)
