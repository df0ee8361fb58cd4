"""Security across the whole app: CSRF on every state-changing route (htmx included), no
state change on GET, revocable login sessions, cookie flags, and security headers on every
kind of response."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from sqlalchemy import select, update
from starlette.routing import Route
from starlette.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from portal.accounts import services as accounts
from portal.accounts.auth import COOKIE as SESSION_COOKIE
from portal.accounts.models import LoginSession, User
from portal.app import create_app
from portal.comments import services as comments
from portal.core import db
from portal.core.clock import utcnow
from portal.ideas import services as ideas
from portal.models import metadata
from portal.web import csrf
from portal.web.csrf import COOKIE as CSRF_COOKIE
from portal.web.csrf import token_for
from portal.web.routing import every_route
from tests.conftest import PASSWORD, SECRET, Client, login_as

EVIL = "https://evil.example"


# Helpers -------------------------------------------------------------------------------


def _snapshot(engine) -> dict[str, list[str]]:
    """Every row of every table, to prove that a request wrote nothing at all."""
    with db.read(engine) as s:
        return {
            table.name: sorted(repr(tuple(row)) for row in s.execute(select(table)))
            for table in metadata.sorted_tables
        }


def _exempt(path: str) -> bool:
    """Paths whose POST carries its own signed proof instead of a CSRF token."""
    return path.startswith(tuple(getattr(csrf, "TOKEN_IN_PATH", ())))


def _post_routes(app, *, exempt: bool = False) -> list[str]:
    """Every path that accepts POST, with path parameters filled in with 1 (only the
    token-in-path ones with `exempt`, none of them without)."""
    paths = []
    for route in every_route(app.routes):
        if isinstance(route, Route) and "POST" in (route.methods or ()):
            path = re.sub(r"\{[^}]+\}", "1", route.path)
            if _exempt(path) == exempt:
                paths.append(path)
    return paths


def _post_only_routes(app) -> list[str]:
    return [
        re.sub(r"\{[^}]+\}", "1", r.path)
        for r in every_route(app.routes)
        if isinstance(r, Route) and r.methods and "GET" not in r.methods
    ]


def _who(app, sid: str) -> str | None:
    """The display name that a browser holding only this session cookie is signed in as."""
    with TestClient(app, base_url="http://testserver", cookies={SESSION_COOKIE: sid}) as c:
        response = c.get("/account", follow_redirects=False)
    if response.status_code != 200:
        return None
    return re.search(r"<dt>Name</dt><dd>(.*?)</dd>", response.text).group(1)


def _set_cookie(response, name: str) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no Set-Cookie for {name}")


@pytest.fixture
def world(engine, category, staff):
    """Idea 1 and comment 1, both by `staff`, so every POST route has something to act on
    and would write if it accepted the request."""
    with db.write(engine) as s:
        idea = ideas.propose(
            db=s, actor=staff, title="Quiet study room", body="Please", category_id=category.id
        )
        comment = comments.add(db=s, actor=staff, idea_id=idea.id, body="A first comment")
    assert (idea.id, comment.id) == (1, 1)
    return {
        "title": "Changed title",
        "body": "Changed body",
        "category_id": str(category.id),
        "status": "planned",
        "response": "We will do it",
        "action": "add",
        "official": "1",
        "email": "mallory@example.org",
        "display_name": "Mallory",
        "password": PASSWORD,
        "lang": "zh_Hans",
        "next": "/",
    }


# CSRF ----------------------------------------------------------------------------------


def test_csrf_route_discovery_finds_the_state_changing_routes(app):
    paths = _post_routes(app)
    for expected in (
        "/logout",
        "/login",
        "/signup",
        "/ideas/new",
        "/ideas/1/vote",
        "/ideas/1/status",
    ):
        assert expected in paths


def test_csrf_exemptions_are_only_the_signed_unsubscribe_link_and_the_signed_webhook():
    # A new exemption from CSRF needs its own proof of intent and its own test here. The
    # webhook's (an HMAC of the body with WEBHOOK_SECRET) is tested in
    # tests/messaging/test_webhook.py.
    assert set(getattr(csrf, "TOKEN_IN_PATH", ())) <= {"/unsubscribe/", "/hooks/"}


def test_csrf_exempt_post_with_a_forged_signature_writes_nothing(client, engine, staff, world):
    login_as(client, staff)
    before = _snapshot(engine)
    for path in _post_routes(client.app, exempt=True):
        response = client.post(path, world, csrf=False, headers={"Origin": EVIL})
        assert response.status_code in (400, 401, 403, 404), path
    assert _snapshot(engine) == before


def test_csrf_post_without_token_is_refused_and_writes_nothing(client, engine, staff, world):
    login_as(client, staff)
    before = _snapshot(engine)
    refused = {}
    for path in _post_routes(client.app):
        response = client.post(path, world, csrf=False)
        refused[path] = response.status_code
        assert "lang=" not in response.headers.get("set-cookie", "")
    assert set(refused.values()) == {403}, refused
    assert _snapshot(engine) == before


def test_csrf_post_with_a_wrong_token_is_refused(client, engine, staff, world):
    login_as(client, staff)
    before = _snapshot(engine)
    wrong = token_for(SECRET, "x" * 43)
    statuses = {
        p: client.post(p, {**world, "csrf_token": wrong}).status_code
        for p in _post_routes(client.app)
    }
    assert set(statuses.values()) == {403}, statuses
    assert _snapshot(engine) == before


def test_csrf_post_with_a_foreign_origin_is_refused(client, engine, staff, world):
    login_as(client, staff)
    before = _snapshot(engine)
    statuses = {}
    for path in _post_routes(client.app):
        for origin in (EVIL, "null"):
            response = client.post(path, world, headers={"Origin": origin})
            statuses[path, origin] = response.status_code
    assert set(statuses.values()) == {403}, statuses
    assert _snapshot(engine) == before


def test_csrf_origin_must_match_base_url_in_scheme_host_and_port(client, engine, staff, world):
    login_as(client, staff)
    before = _snapshot(engine)
    for origin in ("https://testserver", "http://testserver:8080", "http://testserver.evil"):
        response = client.post("/ideas/1/status", world, headers={"Origin": origin})
        assert response.status_code == 403, origin
    assert _snapshot(engine) == before
    for origin in ("http://testserver", "HTTP://TestServer", "http://testserver:80"):
        assert csrf.origin_of(origin) == csrf.origin_of("http://testserver")


def test_csrf_token_from_before_sign_in_is_worthless_after_it(client, engine, patron, world):
    before_sign_in = client.csrf_token()
    login_as(client, patron)
    assert client.csrf_token() != before_sign_in
    response = client.post("/ideas/1/vote", {"csrf_token": before_sign_in})
    assert response.status_code == 403


def test_csrf_token_from_before_sign_out_is_worthless_after_the_next_sign_in(
    client, engine, patron, other_patron, world
):
    login_as(client, patron)
    signed_in = client.csrf_token()
    client.post("/logout")
    assert client.csrf_token() != signed_in
    assert client.post("/ideas/1/vote", {"csrf_token": signed_in}).status_code == 403
    login_as(client, other_patron)
    before = _snapshot(engine)
    assert client.post("/ideas/1/vote", {"csrf_token": signed_in}).status_code == 403
    assert _snapshot(engine) == before


def test_csrf_token_of_another_browser_is_refused(app, client, engine, staff, world):
    login_as(client, staff)
    with Client(app, base_url="http://testserver") as other:
        foreign = other.csrf_token()
    assert foreign != client.csrf_token()
    before = _snapshot(engine)
    response = client.post("/ideas/1/status", {**world, "csrf_token": foreign})
    assert response.status_code == 403
    assert _snapshot(engine) == before


def test_csrf_valid_token_from_the_same_origin_is_accepted(client, engine, staff, world):
    # The control for the tests above: the very same request with a good token does write.
    login_as(client, staff)
    before = _snapshot(engine)
    response = client.post("/ideas/1/status", world, headers={"Origin": "http://testserver"})
    assert response.status_code == 303
    assert _snapshot(engine) != before


def test_csrf_htmx_header_works_instead_of_the_form_field(client, engine, patron, world):
    login_as(client, patron)
    headers = {"X-CSRF-Token": client.csrf_token(), "HX-Request": "true"}
    response = client.post("/ideas/1/vote", {"action": "add"}, csrf=False, headers=headers)
    assert response.status_code == 200
    assert 'id="vote-1"' in response.text
    assert 'aria-pressed="true"' in response.text
    before = _snapshot(engine)
    bad = {"X-CSRF-Token": "0" * 40, "HX-Request": "true"}
    response = client.post("/ideas/1/vote", {"action": "remove"}, csrf=False, headers=bad)
    assert response.status_code == 403
    assert _snapshot(engine) == before


def test_csrf_token_is_on_every_page_for_htmx_and_forms(client, patron):
    login_as(client, patron)
    html = client.get("/").text
    token = client.csrf_token()
    assert f'hx-headers=\'{{"X-CSRF-Token": "{token}"}}\'' in html
    assert f'name="csrf_token" value="{token}"' in html


def test_csrf_oversized_body_is_refused(client, engine, patron, world):
    login_as(client, patron)
    before = _snapshot(engine)
    response = client.post("/ideas/1/comments", {"body": "x" * (1024 * 1024 + 1)})
    assert response.status_code == 413
    assert _snapshot(engine) == before


def test_get_on_post_only_routes_is_405_and_writes_nothing(client, engine, staff, world):
    login_as(client, staff)
    before = _snapshot(engine)
    paths = _post_only_routes(client.app)
    assert "/logout" in paths and "/ideas/1/vote" in paths
    statuses = {
        p: client.get(p, params={"action": "add"}, follow_redirects=False).status_code
        for p in paths
    }
    assert set(statuses.values()) == {405}, statuses
    assert _snapshot(engine) == before
    assert _who(client.app, client.cookies[SESSION_COOKIE]) == "Sam Staff"


# Sessions ------------------------------------------------------------------------------


def test_session_id_rotates_at_sign_in(app, client, patron, other_patron):
    client.cookies.set(SESSION_COOKIE, "planted-by-an-attacker", domain="testserver.local")
    login_as(client, patron)
    first = client.cookies[SESSION_COOKIE]
    assert first != "planted-by-an-attacker"
    login_as(client, other_patron)
    second = client.cookies[SESSION_COOKIE]
    assert second != first
    assert _who(app, first) is None
    assert _who(app, second) == "Olu Other"


def test_session_copied_cookie_stops_working_after_logout(app, client, patron):
    login_as(client, patron)
    copied = client.cookies[SESSION_COOKIE]
    assert _who(app, copied) == "Pat Reader"
    client.post("/logout")
    assert _who(app, copied) is None


def test_session_ends_at_once_when_the_role_changes(app, client, engine, patron, admin):
    login_as(client, patron)
    sid = client.cookies[SESSION_COOKIE]
    with db.write(engine) as s:
        accounts.set_role(db=s, actor=admin, user_id=patron.id, role="staff")
    assert _who(app, sid) is None
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_session_ends_at_once_when_the_person_is_blocked(app, client, engine, patron):
    login_as(client, patron)
    sid = client.cookies[SESSION_COOKIE]
    with db.write(engine) as s:
        s.get(User, patron.id).blocked_at = utcnow()
        accounts.end_all_sessions(db=s, user_id=patron.id)
    assert _who(app, sid) is None


def test_session_of_a_blocked_person_is_anonymous_even_before_it_is_ended(
    app, client, engine, patron
):
    login_as(client, patron)
    with db.write(engine) as s:
        s.get(User, patron.id).blocked_at = utcnow()
    assert _who(app, client.cookies[SESSION_COOKIE]) is None


def test_session_expired_is_anonymous(app, client, engine, patron):
    login_as(client, patron)
    with db.write(engine) as s:
        s.execute(update(LoginSession).values(expires_at=utcnow()))
    assert _who(app, client.cookies[SESSION_COOKIE]) is None


def test_session_cookie_is_httponly_and_samesite_lax(client, patron):
    response = client.post("/login", {"email": patron.email, "password": PASSWORD})
    cookie = _set_cookie(response, SESSION_COOKIE).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in tests: a Secure cookie would never come back


def test_csrf_cookie_is_httponly_and_samesite_lax(client):
    cookie = _set_cookie(client.get("/"), CSRF_COOKIE).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_every_cookie_is_secure_when_base_url_is_https(settings, patron):
    """Every Set-Cookie of a visit, a language choice, a sign-in with its flash message and a
    sign-out: the CSRF, session, flash and language cookies, and their deletions."""
    application = create_app(replace(settings, base_url="https://portal.example.org"))
    seen: list[str] = []

    def cookies(response) -> None:  # noqa: ANN001
        seen.extend(response.headers.get_list("set-cookie"))

    try:
        with Client(application, base_url="https://portal.example.org") as c:
            first = c.get("/")
            cookies(first)
            assert first.headers["strict-transport-security"].startswith("max-age=")
            cookies(c.post("/language", {"lang": "zh_Hans", "next": "/"}))
            response = c.post("/login", {"email": patron.email, "password": PASSWORD})
            assert response.status_code == 303
            cookies(response)
            cookies(c.get("/"))  # the flash message is shown, and its cookie deleted
            cookies(c.post("/logout"))
    finally:
        application.state.engine.dispose()
    names = {cookie.split("=", 1)[0] for cookie in seen}
    assert {CSRF_COOKIE, SESSION_COOKIE, "flash", "lang"} <= names, names
    insecure = [c for c in seen if "secure" not in [a.strip().lower() for a in c.split(";")]]
    assert insecure == []


def test_no_hsts_on_plain_http(client):
    assert "strict-transport-security" not in client.get("/").headers


def _behind_proxy(settings, trusted: str) -> tuple:
    """The app as `portal serve` runs it: behind uvicorn's proxy-header handling, trusting
    forwarded headers from `trusted` (the test client's address is "testclient")."""
    application = create_app(settings)
    return application, ProxyHeadersMiddleware(application, trusted_hosts=trusted)


def _cookie_value(response, name: str) -> str:
    return _set_cookie(response, name).split(";", 1)[0].split("=", 1)[1]


def test_every_cookie_is_secure_and_hsts_sent_when_a_trusted_proxy_says_https(settings, patron):
    """A TLS-terminating proxy in front of an http BASE_URL: the request's own scheme decides.
    The client speaks http to the app, as the proxy does, so it hands the (Secure) cookies
    back by hand, as the browser on the https side would."""
    application, served = _behind_proxy(settings, "*")
    https = {"X-Forwarded-Proto": "https"}
    seen: list[str] = []
    try:
        with TestClient(served, base_url="http://testserver", headers=https) as c:
            first = c.get("/")
            seen += first.headers.get_list("set-cookie")
            assert first.headers["strict-transport-security"].startswith("max-age=")
            csrf_cookie = _cookie_value(first, CSRF_COOKIE)
            form = {"csrf_token": token_for(SECRET, csrf_cookie)}
            signed_in = c.post(
                "/login",
                data={**form, "email": patron.email, "password": PASSWORD},
                headers={"Cookie": f"{CSRF_COOKIE}={csrf_cookie}"},
                follow_redirects=False,
            )
            assert signed_in.status_code == 303, signed_in.text
            seen += signed_in.headers.get_list("set-cookie")
            session = _cookie_value(signed_in, SESSION_COOKIE)
            csrf_cookie = _cookie_value(signed_in, CSRF_COOKIE)  # rotated at sign-in
            signed_out = c.post(
                "/logout",
                data={"csrf_token": token_for(SECRET, csrf_cookie)},
                headers={"Cookie": f"{CSRF_COOKIE}={csrf_cookie}; {SESSION_COOKIE}={session}"},
                follow_redirects=False,
            )
            assert signed_out.status_code == 303, signed_out.text
            seen += signed_out.headers.get_list("set-cookie")
        with TestClient(served, base_url="http://testserver") as plain:
            direct = plain.get("/")
    finally:
        application.state.engine.dispose()
    names = {cookie.split("=", 1)[0] for cookie in seen}
    assert {CSRF_COOKIE, SESSION_COOKIE, "flash"} <= names, names
    insecure = [c for c in seen if "secure" not in [a.strip().lower() for a in c.split(";")]]
    assert insecure == []
    # The same app, asked over plain http, keeps the BASE_URL rule: no Secure, no HSTS.
    assert "strict-transport-security" not in direct.headers
    assert "secure" not in _set_cookie(direct, CSRF_COOKIE).lower()


def test_forwarded_https_from_an_untrusted_address_changes_nothing(settings):
    application, served = _behind_proxy(settings, "127.0.0.1")
    try:
        with TestClient(served, base_url="http://testserver") as c:
            response = c.get("/", headers={"X-Forwarded-Proto": "https"})
    finally:
        application.state.engine.dispose()
    assert "strict-transport-security" not in response.headers
    assert "secure" not in _set_cookie(response, CSRF_COOKIE).lower()


# Headers -------------------------------------------------------------------------------


@pytest.fixture
def failing_client(settings):
    """A fresh app with one route that raises, answered with the 500 page."""
    application = create_app(settings)

    async def boom(request):
        raise RuntimeError("kaboom: internal detail")

    application.router.routes.append(Route("/boom", boom))
    with TestClient(application, raise_server_exceptions=False) as c:
        yield c
    application.state.engine.dispose()


def _fetch(kind: str, client, failing_client, patron):
    if kind in ("403", "csrf-403"):
        login_as(client, patron)
    requests = {
        "page": lambda: client.get("/"),
        "partial": lambda: client.get("/ideas/similar?title=x", headers={"HX-Request": "true"}),
        "404": lambda: client.get("/nope"),
        "403": lambda: client.post("/ideas/1/status", {"status": "planned"}),
        "csrf-403": lambda: client.post("/logout", csrf=False),
        "405": lambda: client.get("/logout"),
        "500": lambda: failing_client.get("/boom"),
        "redirect": lambda: client.get("/account", follow_redirects=False),
        "static": lambda: client.get("/static/css/site.css"),
        "json": lambda: client.get("/api/v1/ideas"),
    }
    return requests[kind]()


@pytest.mark.parametrize(
    "kind",
    ["page", "partial", "404", "403", "csrf-403", "405", "500", "redirect", "static", "json"],
)
def test_security_headers_on_every_kind_of_response(kind, client, failing_client, patron, world):
    response = _fetch(kind, client, failing_client, patron)
    expected = {"page": 200, "partial": 200, "redirect": 303, "static": 200, "json": 200}
    assert response.status_code == (expected[kind] if kind in expected else int(kind[-3:]))
    policy = {}
    for directive in response.headers["content-security-policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    script_src = policy.get("script-src", policy["default-src"])
    assert "'unsafe-inline'" not in script_src
    assert all("'unsafe-eval'" not in values for values in policy.values())
    assert "*" not in script_src
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }
    assert response.headers["x-frame-options"] == "DENY"


def test_pages_have_no_inline_script(client, patron, world):
    login_as(client, patron)
    for path in ("/", "/ideas", "/ideas/1", "/ideas/new", "/account", "/nope"):
        html = client.get(path).text
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts and all(" src=" in tag for tag in scripts), path
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), path


def test_csrf_post_with_a_token_that_is_not_ascii_is_refused_not_a_crash(client):
    response = client.post(
        "/login", {"email": "a@example.org", "password": "x", "csrf_token": "é" * 40}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [
        [(b"origin", b"https://evil.example"), (b"cookie", b"csrftoken=" + b"x" * 43)],
        [],  # no CSRF cookie: no token can match it
    ],
    ids=["foreign origin", "no csrf cookie"],
)
def test_csrf_refuses_an_upload_before_reading_its_body(app, headers):
    """A cross-site or cookieless upload is answered 403 without a byte of its body read, so
    nobody can make the server read and store 20 MB on someone else's behalf."""
    import asyncio

    pulled = 0

    async def receive():
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/attach/idea/1",
        "raw_path": b"/attach/idea/1",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=b"),
            (b"content-length", str(20 * 1024 * 1024).encode()),
            *headers,
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 403
    assert pulled == 0
