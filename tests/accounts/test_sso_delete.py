"""Deleting an account confirmed by a fresh single sign-on, through the real OpenID Connect
provider (npm's oidc-provider, see tests/oidc/): the provider is asked to sign the person in
again, the callback checks the identity and `auth_time`, and a five-minute proof lets the
final button delete the account."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from html import escape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal.accounts import oidc
from portal.accounts.models import Identity, LoginSession, User
from portal.core import db
from portal.core.clock import utcnow
from portal.ideas.models import Idea
from portal.settings import Settings
from portal.votes import services as votes
from tests.accounts.test_sso import _count, _signed_in_name, _sso, _user
from tests.conftest import PASSWORD, Client, login_as, make_user
from tests.factories import idea as make_idea
from tests.oidc import fixtures
from tests.oidc.fixtures import (
    TEST_APP,
    Provider,
    path_of,
    provider_browser,
    sign_in_at_provider,
)

oidc_provider = fixtures.oidc_provider

FINAL = {"confirm_with": "sign-in"}
SSO_BUTTON = "Confirm by signing in with University account"
NOT_PROVEN = "Your sign-in to confirm is missing or more than five minutes old"


@pytest.fixture
def settings(settings: Settings, oidc_provider: Provider) -> Settings:
    return oidc_provider.configure(settings)


def _sso_user(client: Client, engine, login: str) -> User:
    """An account made by signing in with the provider as `login` (no password), signed in."""
    response = _sso(client, login)
    assert response.status_code == 303, response.text
    return _user(engine, f"{login}@example.org")


def _provider_address(client: Client) -> str:
    """Press "Confirm by signing in": the provider's address the answer sends the browser to
    (a page with a Refresh header and a link, as the CSP lets a form lead to this site only)."""
    response = client.post("/account/delete/sso")
    assert response.status_code == 200, response.text
    delay, _sep, url = response.headers["refresh"].partition("; url=")
    assert delay == "0"
    assert f'href="{escape(url)}"' in response.text
    return url


def _confirmation_callback(client: Client, login: str) -> str:
    """Press "Confirm by signing in", sign in at the provider as `login`; the address it sends
    the browser back to (not yet visited)."""
    with provider_browser() as browser:
        return sign_in_at_provider(browser, _provider_address(client), login, TEST_APP)


def _confirm(client: Client, login: str):
    """The whole round trip; the app's answer to the callback."""
    return client.get(path_of(_confirmation_callback(client, login)), follow_redirects=False)


def _exists(engine, user_id: int) -> bool:
    with db.read(engine) as s:
        return s.get(User, user_id) is not None


def _set_proof_cookie(client: Client, value: str) -> None:
    """Put `value` in the browser's proof cookie, in place of the one it has (if any)."""
    for cookie in list(client.cookies.jar):
        if cookie.name == oidc.PROOF_COOKIE:
            client.cookies.delete(oidc.PROOF_COOKIE, domain=cookie.domain, path=cookie.path)
    client.cookies.set(oidc.PROOF_COOKIE, value, domain="testserver.local", path="/account/delete")


def _proof_cookie(client: Client) -> str | None:
    for cookie in client.cookies.jar:
        if cookie.name == oidc.PROOF_COOKIE:
            return cookie.value
    return None


# --- The page ----------------------------------------------------------------------------------


def test_an_account_without_a_password_is_offered_a_fresh_sign_in(client, engine):
    _sso_user(client, engine, "ada")
    page = client.get("/account/delete")
    assert page.status_code == 200
    assert 'action="/account/delete/sso"' in page.text
    assert 'method="post"' in page.text and 'name="csrf_token"' in page.text
    assert f"{SSO_BUTTON}</button>" in page.text
    assert 'aria-describedby="sso-hint"' in page.text
    assert 'name="password"' not in page.text
    assert "Type DELETE" not in page.text and 'name="confirm"' not in page.text


def test_an_account_with_a_password_and_no_identity_keeps_the_password_alone(client, patron):
    login_as(client, patron)
    page = client.get("/account/delete").text
    assert '<label for="password">' in page
    assert "/account/delete/sso" not in page


def test_the_button_asks_the_provider_for_a_new_sign_in(client, engine, oidc_provider):
    _sso_user(client, engine, "ada")
    response = client.post("/account/delete/sso")
    assert response.status_code == 200
    assert "<h1>Sign in again with University account</h1>" in response.text
    assert "Continue to University account</a>" in response.text
    assert response.headers["cache-control"] == "private, no-store"
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith(f"{oidc.STATE_COOKIE}=") and "path=/auth" in c for c in cookies)
    target = urlsplit(response.headers["refresh"].partition("; url=")[2])
    assert f"{target.scheme}://{target.netloc}" == oidc_provider.issuer
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert params["prompt"] == "login"
    assert params["max_age"] == "0"
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) >= 20 and len(params["nonce"]) >= 20


# --- Deleting ----------------------------------------------------------------------------------


def test_a_fresh_sign_in_lets_an_account_without_a_password_be_deleted(
    client, engine, staff, category
):
    ada = _sso_user(client, engine, "ada")
    assert ada.password_hash is None
    mine = make_idea(engine, ada, category, title="Quiet study pods")
    theirs = make_idea(engine, staff, category, title="Longer opening hours")
    with db.write(engine) as s:
        votes.vote(db=s, actor=ada, idea_id=theirs.id)
    with db.read(engine) as s:
        count_before = s.get(Idea, theirs.id).vote_count
    assert count_before == 1

    response = _confirm(client, "ada")
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/account/delete"
    cookie = next(c for c in response.headers.get_list("set-cookie") if "delete_proof=" in c)
    assert "Path=/account/delete" in cookie and "HttpOnly" in cookie and "Max-Age=300" in cookie
    assert _exists(engine, ada.id)  # nothing is deleted before the final button

    page = client.get("/account/delete")
    assert page.status_code == 200
    assert 'name="confirm_with" value="sign-in"' in page.text
    assert "Delete my account</button>" in page.text
    assert SSO_BUTTON not in page.text

    response = client.post("/account/delete", FINAL)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert _proof_cookie(client) is None
    with db.read(engine) as s:
        assert s.get(User, ada.id) is None
        assert s.execute(select(Identity)).scalars().all() == []
        assert s.get(Idea, theirs.id).vote_count == count_before
        assert s.get(Idea, mine.id).author_id is None
    assert _count(engine, LoginSession) == 0
    page = client.get(f"/ideas/{mine.id}").text
    assert "Quiet study pods" in page and "deleted user" in page
    assert "ada@example.org" not in page and "Person ada" not in page
    assert "Sign out" not in client.get("/").text


def test_an_account_with_a_password_and_an_identity_may_use_either(client, engine):
    eve = make_user(engine, email="eve@example.org", name="Eve Local")
    _sso(client, "eve")
    assert client.post("/auth/link", {"password": PASSWORD}).status_code == 303
    page = client.get("/account/delete").text
    assert '<label for="password">' in page and SSO_BUTTON in page

    assert _confirm(client, "eve").status_code == 303
    assert client.post("/account/delete", FINAL).status_code == 303
    assert not _exists(engine, eve.id)


def test_a_password_still_deletes_an_account_that_has_one(client, patron, engine):
    login_as(client, patron)
    response = client.post("/account/delete", {"confirm_with": "password", "password": PASSWORD})
    assert response.status_code == 303
    assert not _exists(engine, patron.id)


# --- Refused -----------------------------------------------------------------------------------


def test_signing_in_as_another_person_gives_no_proof(client, engine, app):
    with Client(app, base_url=TEST_APP) as other:
        bob = _sso_user(other, engine, "bob")
    ada = _sso_user(client, engine, "ada")

    response = _confirm(client, "bob")
    assert response.status_code == 303
    assert response.headers["location"] == "/account/delete?sso=other"
    assert _proof_cookie(client) is None
    page = client.get(response.headers["location"])
    assert "as someone whose account is not linked to this one" in page.text
    assert 'id="sso-error"' in page.text and 'aria-invalid="true"' in page.text
    assert 'name="confirm_with" value="sign-in"' not in page.text

    assert client.post("/account/delete", FINAL).status_code == 400
    assert _exists(engine, ada.id) and _exists(engine, bob.id)
    assert _signed_in_name(client) == "Person ada"  # still Ada: nobody was signed in as Bob


def test_a_proof_for_another_account_is_refused(client, engine, app):
    ada = _sso_user(client, engine, "ada")
    with Client(app, base_url=TEST_APP) as other:
        bob = _sso_user(other, engine, "bob")
        assert _confirm(other, "bob").status_code == 303
        bobs_proof = _proof_cookie(other)
    assert bobs_proof

    _set_proof_cookie(client, bobs_proof)
    page = client.get("/account/delete")
    assert 'name="confirm_with" value="sign-in"' not in page.text
    response = client.post("/account/delete", FINAL)
    assert response.status_code == 400
    assert NOT_PROVEN in response.text
    assert _exists(engine, ada.id) and _exists(engine, bob.id)


def test_the_final_button_without_a_fresh_proof_deletes_nothing(client, engine):
    ada = _sso_user(client, engine, "ada")
    response = client.post("/account/delete", FINAL)
    assert response.status_code == 400
    assert NOT_PROVEN in response.text
    assert 'href="#sso"' in response.text and 'id="sso-error"' in response.text
    # Without any field at all, and with a password the account does not have: the same.
    assert client.post("/account/delete", {}).status_code == 400
    assert client.post("/account/delete", {"password": PASSWORD}).status_code == 400
    assert _exists(engine, ada.id)
    assert _count(engine, LoginSession) == 1


def test_a_proof_older_than_five_minutes_deletes_nothing(client, engine, monkeypatch):
    ada = _sso_user(client, engine, "ada")
    assert _confirm(client, "ada").status_code == 303
    later = utcnow() + timedelta(minutes=5, seconds=5)
    monkeypatch.setattr("portal.accounts.oidc.utcnow", lambda: later)
    response = client.post("/account/delete", FINAL)
    assert response.status_code == 400
    assert NOT_PROVEN in response.text
    assert _exists(engine, ada.id)


def test_a_forged_proof_deletes_nothing(client, engine):
    ada = _sso_user(client, engine, "ada")
    assert _confirm(client, "ada").status_code == 303
    value = _proof_cookie(client)
    _set_proof_cookie(client, value[:-2] + ("xx" if not value.endswith("xx") else "yy"))
    assert client.post("/account/delete", FINAL).status_code == 400
    assert _exists(engine, ada.id)
    _set_proof_cookie(client, value)  # the genuine one, put back the same way, still works
    assert client.post("/account/delete", FINAL).status_code == 303
    assert not _exists(engine, ada.id)


def test_a_sign_in_that_is_not_fresh_gives_no_proof(client, engine, monkeypatch):
    ada = _sso_user(client, engine, "ada")
    url = _confirmation_callback(client, "ada")
    later = utcnow() + timedelta(minutes=5, seconds=5)
    monkeypatch.setattr("portal.accounts.oidc.utcnow", lambda: later)
    response = client.get(path_of(url), follow_redirects=False)
    assert response.headers["location"] == "/account/delete?sso=stale"
    assert _proof_cookie(client) is None
    page = client.get("/account/delete?sso=stale").text
    assert "did not confirm that you signed in just now" in page
    assert _exists(engine, ada.id)


def test_a_sign_in_without_auth_time_is_never_fresh(engine):
    ada = make_user(engine, email="lee@example.org")
    with db.write(engine) as s:
        s.add(Identity(user_id=ada.id, issuer="https://login.example.edu", subject="lee"))
    claims = oidc.Claims(
        issuer="https://login.example.edu",
        subject="lee",
        email="lee@example.org",
        email_verified=True,
        name="Lee",
    )
    with db.read(engine) as s, pytest.raises(oidc.ConfirmationRefused) as refused:
        oidc.confirm_fresh_sign_in(db=s, user=ada, claims=claims)
    assert refused.value.reason == "stale"
    now = int(utcnow().timestamp())
    with db.read(engine) as s:
        fresh = dataclasses.replace(claims, auth_time=now - 10)
        assert oidc.confirm_fresh_sign_in(db=s, user=ada, claims=fresh).user_id == ada.id


def test_a_cancelled_sign_in_is_said_plainly_on_the_delete_page(client, engine):
    ada = _sso_user(client, engine, "ada")
    start = _provider_address(client)
    state = parse_qs(urlsplit(start).query)["state"][0]
    response = client.get(f"/auth/callback?error=access_denied&state={state}")
    assert response.status_code == 200
    assert str(response.url).endswith("/account/delete?sso=failed")
    assert "was cancelled or could not be completed, so nothing was deleted" in response.text
    assert _exists(engine, ada.id)


def test_a_confirmation_started_by_someone_else_in_this_browser_gives_no_proof(
    client, engine, patron
):
    ada = _sso_user(client, engine, "ada")
    url = _confirmation_callback(client, "ada")
    client.post("/logout")
    login_as(client, patron)  # someone else signs in here before the callback arrives
    response = client.get(path_of(url), follow_redirects=False)
    assert response.headers["location"] == "/account/delete?sso=failed"
    assert _proof_cookie(client) is None
    assert client.post("/account/delete", FINAL).status_code == 400
    assert _exists(engine, ada.id) and _exists(engine, patron.id)


def test_the_confirmation_never_signs_anyone_in(client, engine):
    response = client.post("/account/delete/sso")  # signed out: to the sign-in page, no state
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    assert oidc.STATE_COOKIE not in response.headers.get("set-cookie", "")
    assert _count(engine, User) == 0


def test_the_forms_need_the_csrf_token(client, engine):
    ada = _sso_user(client, engine, "ada")
    assert client.post("/account/delete/sso", csrf=False).status_code == 403
    assert _confirm(client, "ada").status_code == 303
    response = client.post("/account/delete", FINAL, csrf=False)
    assert response.status_code == 403
    assert _exists(engine, ada.id)
    assert client.post("/account/delete", FINAL).status_code == 303  # the proof was still good
    assert not _exists(engine, ada.id)
