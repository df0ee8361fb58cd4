"""Single sign-on through a real OpenID Connect provider (npm's oidc-provider, in Node): the app
runs under the TestClient, the provider's pages are walked with httpx, and each test follows the
browser's redirects between the two by hand."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from portal.accounts.auth import COOKIE as SESSION_COOKIE
from portal.accounts.models import Identity, LoginSession, User
from portal.accounts.oidc import STATE_COOKIE
from portal.app import create_app
from portal.core import db
from portal.settings import Settings
from tests.conftest import PASSWORD, Client, make_user
from tests.oidc import fixtures
from tests.oidc.fixtures import (
    TEST_APP,
    Provider,
    path_of,
    provider_browser,
    running_provider,
    sign_in_at_provider,
)
from tests.pg import free_port

oidc_provider = fixtures.oidc_provider


@pytest.fixture
def settings(settings: Settings, oidc_provider: Provider) -> Settings:
    return oidc_provider.configure(settings)


def _count(engine, table, *where) -> int:
    with db.read(engine) as s:
        stmt = select(func.count()).select_from(table)
        for condition in where:
            stmt = stmt.where(condition)
        return s.execute(stmt).scalar_one()


def _callback(client: Client, login: str, start: str = "/login/sso") -> str:
    """Start single sign-on, sign in at the provider as `login`; the address it sends the
    browser back to (not yet visited)."""
    response = client.get(start, follow_redirects=False)
    assert response.status_code == 302, response.text
    with provider_browser() as browser:
        return sign_in_at_provider(browser, response.headers["location"], login, TEST_APP)


def _sso(client: Client, login: str, start: str = "/login/sso"):
    """The whole round trip; the app's answer to the callback."""
    return client.get(path_of(_callback(client, login, start)), follow_redirects=False)


def _signed_in_name(client: Client) -> str | None:
    response = client.get("/account", follow_redirects=False)
    if response.status_code != 200:
        return None
    return re.search(r"<dt>Name</dt><dd>(.*?)</dd>", response.text).group(1)


def _set_state_cookie(client: Client, value: str) -> None:
    """Put `value` in the browser's state cookie, in place of the one it has (if any)."""
    for cookie in list(client.cookies.jar):
        if cookie.name == STATE_COOKIE:
            client.cookies.delete(STATE_COOKIE, domain=cookie.domain, path=cookie.path)
    client.cookies.set(STATE_COOKIE, value, domain="testserver.local", path="/auth")


def _user(engine, email: str) -> User:
    with db.read(engine) as s:
        return s.execute(select(User).where(User.email == email)).scalar_one()


def _identities(engine) -> list[tuple[int, str, str]]:
    with db.read(engine) as s:
        rows = s.execute(select(Identity)).scalars()
        return [(i.user_id, i.issuer, i.subject) for i in rows]


def _error_page(response, status: int, title: str) -> None:
    assert response.status_code == status, response.text
    assert f"<h1>{title}</h1>" in response.text
    assert 'href="/ideas"' in response.text  # inside the site's layout
    assert "Traceback" not in response.text


# --- The sign-in page --------------------------------------------------------------------------


def test_login_page_offers_single_sign_on_when_configured(client):
    html = client.get("/login").text
    assert '<a class="button button--secondary" href="/login/sso">' in html
    assert "Sign in with University account</a>" in html


def test_login_page_carries_next_into_the_sso_link(client):
    html = client.get("/login?next=/ideas/new").text
    assert 'href="/login/sso?next=/ideas/new"' in html


def test_without_configuration_there_is_no_button_and_no_route(settings):
    plain = dataclasses.replace(settings, oidc_discovery_url="", oidc_client_id="")
    app = create_app(plain)
    try:
        with Client(app, base_url=TEST_APP) as client:
            assert "/login/sso" not in client.get("/login").text
            assert client.get("/login/sso", follow_redirects=False).status_code == 404
            assert client.get("/auth/callback?code=x&state=y").status_code == 404
    finally:
        app.state.engine.dispose()


def test_starting_redirects_with_pkce_state_and_nonce_and_writes_nothing(
    client, engine, oidc_provider
):
    response = client.get("/login/sso", follow_redirects=False)
    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}" == oidc_provider.issuer
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert params["response_type"] == "code"
    assert params["client_id"] == "portal"
    assert params["redirect_uri"] == f"{TEST_APP}/auth/callback"
    assert set(params["scope"].split()) == {"openid", "email", "profile"}
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{STATE_COOKIE}=")
    assert "path=/auth" in cookie and "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower() and "Max-Age=600" in cookie
    assert _count(engine, User) == 0
    assert _count(engine, LoginSession) == 0


# --- Signing in --------------------------------------------------------------------------------


def test_first_sign_in_creates_the_account_from_userinfo_and_the_next_reuses_it(
    client, engine, oidc_provider
):
    response = _sso(client, "ada")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    first_cookie = client.cookies.get(SESSION_COOKIE)
    assert first_cookie
    assert _signed_in_name(client) == "Person ada"
    user = _user(engine, "ada@example.org")
    assert user.display_name == "Person ada"
    assert user.password_hash is None
    assert user.role == "patron"
    assert _identities(engine) == [(user.id, oidc_provider.issuer, "ada")]

    # Again, from a new sign-in at the provider: the same account, and a new session id.
    response = _sso(client, "ada")
    assert response.status_code == 303
    assert client.cookies.get(SESSION_COOKIE) not in (None, first_cookie)
    assert _user(engine, "ada@example.org").id == user.id
    assert _count(engine, User) == 1
    assert _count(engine, Identity) == 1
    assert _count(engine, LoginSession) == 1  # the earlier session of this browser ended
    assert _signed_in_name(client) == "Person ada"


def test_sign_in_returns_to_the_page_it_started_from(client):
    response = _sso(client, "ben", start="/login/sso?next=/ideas/new")
    assert response.status_code == 303
    assert response.headers["location"] == "/ideas/new"


def test_sign_in_never_returns_to_another_site(client):
    response = _sso(client, "bo", start="/login/sso?next=https://evil.example/")
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_the_state_cookie_is_cleared_after_the_callback(client):
    _sso(client, "cleo")
    assert STATE_COOKIE not in client.cookies


def test_a_blocked_account_cannot_sign_in_with_the_provider(client, engine):
    assert _sso(client, "dan").status_code == 303
    client.post("/logout")
    with db.write(engine) as s:
        user = s.execute(select(User).where(User.email == "dan@example.org")).scalar_one()
        user.blocked_at = datetime.now(UTC)
    response = _sso(client, "dan")
    _error_page(response, 403, "You cannot sign in")
    assert "blocked by the moderators" in response.text
    assert SESSION_COOKIE not in client.cookies
    assert _count(engine, LoginSession) == 0


# --- An account with the same email already exists --------------------------------------------


@pytest.fixture
def local_eve(engine) -> User:
    return make_user(engine, email="eve@example.org", name="Eve Local")


def test_an_existing_account_is_never_linked_silently(client, engine, local_eve):
    response = _sso(client, "eve")
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/link"
    assert _identities(engine) == []
    assert SESSION_COOKIE not in client.cookies
    assert _count(engine, User) == 1

    page = client.get("/auth/link")
    assert page.status_code == 200
    assert "<h1>Link your University account</h1>" in page.text
    assert "eve@example.org" in page.text
    assert '<label for="password">' in page.text
    assert _signed_in_name(client) is None


def test_a_wrong_password_links_nothing(client, engine, local_eve):
    _sso(client, "eve")
    response = client.post("/auth/link", {"password": "not the password at all"})
    assert response.status_code == 400
    assert "That is not the password of this account." in response.text
    assert _identities(engine) == []
    assert SESSION_COOKIE not in client.cookies
    assert _signed_in_name(client) is None


def test_the_right_password_links_and_signs_in(client, engine, local_eve, oidc_provider):
    _sso(client, "eve", start="/login/sso?next=/ideas")
    response = client.post("/auth/link", {"password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == "/ideas"
    assert _identities(engine) == [(local_eve.id, oidc_provider.issuer, "eve")]
    assert _signed_in_name(client) == "Eve Local"
    assert client.get("/auth/link").status_code == 400  # nothing is pending any more

    # From now on the provider alone signs Eve in, to the same account.
    client.post("/logout")
    response = _sso(client, "eve")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert _signed_in_name(client) == "Eve Local"
    assert _count(engine, User) == 1


def test_the_link_form_needs_the_csrf_token(client, engine, local_eve):
    _sso(client, "eve")
    response = client.post("/auth/link", {"password": PASSWORD}, csrf=False)
    assert response.status_code == 403
    assert _identities(engine) == []


def test_linking_without_a_pending_sign_in_is_refused(client, engine, local_eve):
    _error_page(client.get("/auth/link"), 400, "This sign-in could not be completed")
    response = client.post("/auth/link", {"password": PASSWORD})
    _error_page(response, 400, "This sign-in could not be completed")
    assert _identities(engine) == []


def test_a_forged_state_cookie_cannot_carry_a_pending_link(client, engine, local_eve):
    _sso(client, "eve")
    value = client.cookies[STATE_COOKIE]
    _set_state_cookie(client, "x" + value)
    response = client.post("/auth/link", {"password": PASSWORD})
    assert response.status_code == 400
    assert _identities(engine) == []


# --- Callbacks that must be refused ------------------------------------------------------------


def _with(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()}
    params.update(changes)
    return f"{parts.path}?{urlencode(params)}"


def test_a_tampered_state_is_refused(client, engine):
    url = _callback(client, "fay")
    response = client.get(_with(url, state="forged-state-value"), follow_redirects=False)
    _error_page(response, 400, "This sign-in could not be completed")
    assert SESSION_COOKIE not in client.cookies
    assert _count(engine, User) == 0


def test_a_missing_state_is_refused(client, engine):
    url = urlsplit(_callback(client, "fay"))
    code = parse_qs(url.query)["code"][0]
    response = client.get(f"/auth/callback?code={code}", follow_redirects=False)
    _error_page(response, 400, "This sign-in could not be completed")
    assert _count(engine, User) == 0


def test_a_callback_from_another_browser_is_refused(client, engine, app):
    url = _callback(client, "gus")
    with Client(app, base_url=TEST_APP) as other:  # has no state cookie
        response = other.get(path_of(url), follow_redirects=False)
    _error_page(response, 400, "This sign-in could not be completed")
    assert _count(engine, User) == 0


def test_a_replayed_callback_is_refused_and_makes_no_second_session(client, engine):
    url = _callback(client, "hal")
    state_cookie = client.cookies[STATE_COOKIE]
    assert client.get(path_of(url), follow_redirects=False).status_code == 303
    assert _count(engine, LoginSession) == 1

    # The same callback again: the state is used up.
    _error_page(client.get(path_of(url)), 400, "This sign-in could not be completed")
    # Even with the state cookie as it was before: the provider takes a code only once.
    _set_state_cookie(client, state_cookie)
    _error_page(client.get(path_of(url)), 400, "This sign-in could not be completed")
    assert _count(engine, LoginSession) == 1
    assert _count(engine, User) == 1


def test_a_response_naming_another_issuer_is_refused(client, engine):
    url = _callback(client, "ida")
    response = client.get(_with(url, iss="https://evil.example"), follow_redirects=False)
    _error_page(response, 400, "This sign-in could not be completed")
    assert _count(engine, User) == 0


def test_a_refusal_at_the_provider_is_shown_plainly(client, engine):
    start = client.get("/login/sso", follow_redirects=False).headers["location"]
    state = parse_qs(urlsplit(start).query)["state"][0]
    response = client.get(f"/auth/callback?error=access_denied&state={state}")
    _error_page(response, 400, "This sign-in could not be completed")
    assert _count(engine, User) == 0


# --- The provider is down ----------------------------------------------------------------------


def test_an_unreachable_provider_gives_a_clear_page(settings, engine):
    closed = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    app = create_app(dataclasses.replace(settings, oidc_discovery_url=closed))
    try:
        with Client(app, base_url=TEST_APP, raise_server_exceptions=True) as client:
            assert "Sign in with University account" in client.get("/login").text
            response = client.get("/login/sso", follow_redirects=False)
            _error_page(response, 502, "Single sign-on is not available")
            assert "University account cannot be reached just now" in response.text
            assert STATE_COOKIE not in client.cookies
    finally:
        app.state.engine.dispose()


@pytest.fixture
def short_lived_provider(tmp_path) -> Iterator[Provider]:
    with running_provider([f"{TEST_APP}/auth/callback"], tmp_path) as provider:
        yield provider


def test_a_provider_that_goes_down_before_the_token_exchange_gives_a_clear_page(
    settings, short_lived_provider, engine
):
    app = create_app(short_lived_provider.configure(settings, name="Campus login"))
    try:
        with Client(app, base_url=TEST_APP, raise_server_exceptions=True) as client:
            url = _callback(client, "jo")
            short_lived_provider.stop()
            response = client.get(path_of(url), follow_redirects=False)
            _error_page(response, 502, "Single sign-on is not available")
            assert "Campus login cannot be reached just now" in response.text
            assert SESSION_COOKIE not in client.cookies
    finally:
        app.state.engine.dispose()
    assert _count(engine, User) == 0
