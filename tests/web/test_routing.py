"""Routes mounted per domain (portal.web.routing.Domain): matched as the router would match
them one by one, and named "<domain>:<name>"."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound, Route
from starlette.testclient import TestClient

from portal.web.routing import Domain, every_route


def _answer(text: str):
    async def endpoint(request: Request) -> Response:
        params = ",".join(f"{k}={v!r}" for k, v in sorted(request.path_params.items()))
        route = request.scope["route"]
        return PlainTextResponse(f"{text} {params} {route.path}")

    return endpoint


def _app() -> Starlette:
    ideas = Domain(
        "ideas",
        [
            Route("/ideas", _answer("ideas index"), name="index"),
            Route("/ideas/{id:int}", _answer("ideas detail"), name="detail"),
            Route("/ideas/{id:int}/edit", _answer("ideas edit"), methods=["POST"], name="edit"),
        ],
    )
    # Another domain under the same address space: /ideas/{id}/vote belongs to votes, and
    # /ideas/{id}/edit answers GET here while ideas answers only POST.
    votes = Domain(
        "votes",
        [
            Route("/ideas/{id:int}/vote", _answer("votes vote"), methods=["POST"], name="vote"),
            Route("/ideas/{id:int}/edit", _answer("votes edit"), name="edit_form"),
        ],
    )
    return Starlette(routes=[Route("/ping", _answer("ping"), name="ping"), ideas, votes])


@pytest.fixture
def web() -> TestClient:
    return TestClient(_app())


def test_domain_answers_with_its_route_and_params(web):
    response = web.get("/ideas/12")
    assert response.status_code == 200
    assert response.text == "ideas detail id=12 /ideas/{id:int}"


def test_domain_answers_a_path_without_params(web):
    assert web.get("/ideas").text == "ideas index  /ideas"


def test_domain_no_match_falls_through_to_the_next_domain(web):
    response = web.post("/ideas/3/vote")
    assert response.status_code == 200
    assert response.text == "votes vote id=3 /ideas/{id:int}/vote"


def test_domain_full_match_in_a_later_domain_beats_a_partial_one(web):
    # ideas has /ideas/{id}/edit for POST only; votes has it for GET.
    assert web.get("/ideas/4/edit").text == "votes edit id=4 /ideas/{id:int}/edit"
    assert web.post("/ideas/4/edit").text == "ideas edit id=4 /ideas/{id:int}/edit"


def test_domain_wrong_method_is_405_with_allow(web):
    response = web.delete("/ideas/5")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD"}
    assert web.get("/ideas/5/vote").status_code == 405


def test_domain_unknown_path_is_404(web):
    assert web.get("/ideas/new/thing").status_code == 404
    assert web.get("/nothing").status_code == 404


def test_domain_names_routes_with_its_prefix(web):
    app = web.app
    assert app.url_path_for("ideas:detail", id=7) == "/ideas/7"
    assert app.url_path_for("ideas:index") == "/ideas"
    assert app.url_path_for("votes:vote", id=8) == "/ideas/8/vote"
    assert app.url_path_for("ping") == "/ping"


def test_domain_refuses_inner_names_other_prefixes_and_wrong_params(web):
    app = web.app
    for name, params in [
        ("detail", {"id": 1}),  # the inner name alone is not an address
        ("votes:detail", {"id": 1}),  # another domain's prefix
        ("ideas:vote", {"id": 1}),
        ("ideas:detail", {}),  # a parameter missing
        ("ideas:detail", {"id": 1, "page": 2}),  # one too many
        ("ideas", {}),
    ]:
        with pytest.raises(NoMatchFound):
            app.url_path_for(name, **params)


def test_domain_nested_names_and_matches():
    inner = Domain("comments", [Route("/c/{id:int}", _answer("comment"), name="show")])
    outer = Domain("ideas", [inner, Route("/i", _answer("ideas"), name="index")])
    web = TestClient(Starlette(routes=[outer]))
    assert web.get("/c/2").text == "comment id=2 /c/{id:int}"
    assert web.get("/i").text == "ideas  /i"
    assert web.app.url_path_for("ideas:comments:show", id=2) == "/c/2"


def test_domain_redirects_a_trailing_slash_like_the_router():
    web = TestClient(_app(), follow_redirects=False)
    response = web.get("/ideas/")
    assert response.status_code == 307
    assert response.headers["location"] == "http://testserver/ideas"


def test_every_route_lists_the_routes_inside_domains_in_order():
    static = Mount("/static", routes=[])
    app = _app()
    paths = [r.path for r in every_route([*app.routes, static])]
    assert paths == [
        "/ping",
        "/ideas",
        "/ideas/{id:int}",
        "/ideas/{id:int}/edit",
        "/ideas/{id:int}/vote",
        "/ideas/{id:int}/edit",
        "/static",
    ]


def test_app_mounts_every_domain_under_its_name(app):
    domains = [r for r in app.routes if isinstance(r, Domain)]
    assert {"accounts", "ideas", "votes", "comments", "workshops"} <= {d.name for d in domains}
    for domain in domains:
        for route in every_route(domain.routes):
            assert route.name and ":" not in route.name, (domain.name, route.name)


def test_domain_knows_how_its_paths_start():
    web = _app()
    ideas = next(r for r in web.routes if isinstance(r, Domain) and r.name == "ideas")
    assert ideas.starts == ("/ideas", "/ideas/")
    outer = Domain("outer", [ideas, Mount("/static", routes=[])])
    assert outer.starts == ("/ideas", "/ideas/", "/static")


class _Anything(BaseRoute):
    """A route that says nothing of its paths: it answers every one."""

    def matches(self, scope):
        return Match.FULL, {"endpoint": None}

    async def handle(self, scope, receive, send):
        await PlainTextResponse("anything")(scope, receive, send)

    def url_path_for(self, name, /, **params):
        raise NoMatchFound(name, params)


def test_domain_asks_a_route_that_says_nothing_of_its_paths():
    domain = Domain("any", [Route("/a", _answer("a"), name="a"), _Anything()])
    assert domain.starts is None
    web = TestClient(Starlette(routes=[domain]))
    assert web.get("/a").text == "a  /a"
    assert web.get("/elsewhere").text == "anything"


def test_domain_matches_below_a_root_path():
    web = TestClient(_app(), root_path="/portal")
    response = web.get("/portal/ideas/9")
    assert response.text == "ideas detail id=9 /ideas/{id:int}"
