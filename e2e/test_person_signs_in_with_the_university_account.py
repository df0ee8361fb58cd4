"""A person signs in with their university account: Chromium goes from the portal's sign-in page
to a real OpenID Connect provider (npm's oidc-provider, its development sign-in pages), and back
to the portal, signed in. Someone who already has a local account with the same email address
links the two with that account's password first.

This journey needs a portal configured for single sign-on, so it starts its own: a provider and
a `portal serve` subprocess on free ports, on a migrated SQLite file in a temp dir.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.oidc.fixtures import CLIENT_ID, CLIENT_SECRET, running_provider
from tests.pg import free_port
from tests.processes import portal_command, portal_server

LOCAL_PASSWORD = "lin's own password 2026"
SSO_NAME = "University account"
LOCAL_SITES = re.compile(r"^https?://127\.0\.0\.1[:/]")


@dataclass(frozen=True)
class Portal:
    url: str
    provider: str


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """A portal with single sign-on through a provider of its own, and one local account
    (lin@example.org, "Lin Local")."""
    tmp = tmp_path_factory.mktemp("sso-e2e")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_provider([f"{url}/auth/callback"], tmp) as provider:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp / 'sso.sqlite3'}",
            "SECRET_KEY": "e2e-sso-secret-key-not-for-production",
            "BASE_URL": url,
            "PORTAL_VAR_DIR": str(tmp),
            "PYTHONUNBUFFERED": "1",
            "OIDC_DISCOVERY_URL": provider.discovery_url,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_NAME": SSO_NAME,
        }
        portal_command("migrate", env=env)
        portal_command(
            "create-user", "lin@example.org", "--name", "Lin Local", env=env, stdin=LOCAL_PASSWORD
        )
        log = tmp / "server.log"
        with portal_server(port, env, log):
            yield Portal(url, provider.issuer)
        assert "Traceback" not in log.read_text(), log.read_text()


def _local_only(route: Route) -> None:
    """The provider's development pages load a web font from the internet: not from here."""
    if LOCAL_SITES.match(route.request.url):
        route.continue_()
    else:
        route.abort()


@pytest.fixture
def sso_context(browser: Browser, portal: Portal) -> Iterator[BrowserContext]:
    """A fresh browser (no portal or provider cookies) whose relative addresses are the
    portal's."""
    context = browser.new_context(
        base_url=portal.url, viewport={"width": 1280, "height": 800}, locale="en-GB"
    )
    context.route("**/*", _local_only)
    yield context
    context.close()


def _sign_in_at_the_provider(page: Page, portal: Portal, login: str) -> None:
    """On the provider's development pages: any login name, any password, then consent."""
    expect(page).to_have_url(re.compile("^" + re.escape(portal.provider)))
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("whatever they type")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile("^" + re.escape(portal.url)))


def test_person_signs_in_with_the_university_account(
    sso_context: BrowserContext, portal: Portal, assert_accessible
) -> None:
    page = sso_context.new_page()
    page.goto("/login?next=/ideas")
    button = page.get_by_role("link", name=f"Sign in with {SSO_NAME}")
    expect(button).to_be_visible()
    assert_accessible(page)

    button.click()
    _sign_in_at_the_provider(page, portal, "uma")

    expect(page).to_have_url(f"{portal.url}/ideas")
    expect(page.get_by_role("status")).to_have_text("You are signed in.")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Person uma")).to_be_visible()

    page.goto("/account")
    expect(page.get_by_text("uma@example.org")).to_be_visible()


def test_person_with_a_local_account_links_it_with_the_password(
    sso_context: BrowserContext, portal: Portal, assert_accessible
) -> None:
    page = sso_context.new_page()
    page.goto("/login")
    page.get_by_role("link", name=f"Sign in with {SSO_NAME}").click()
    _sign_in_at_the_provider(page, portal, "lin")

    expect(page).to_have_url(f"{portal.url}/auth/link")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Link your {SSO_NAME}")
    expect(page.get_by_text("lin@example.org")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Password").fill("not my password at all")
    page.get_by_role("button", name="Link and sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("That is not the password of this account.")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_label("Password").fill(LOCAL_PASSWORD)
    page.get_by_role("button", name="Link and sign in").click()
    expect(page.get_by_role("status")).to_have_text("You are signed in.")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Lin Local")).to_be_visible()

    # Signed out, the university account alone now signs Lin in, to the same account.
    nav.get_by_role("button", name="Sign out").click()
    page.goto("/login")
    page.get_by_role("link", name=f"Sign in with {SSO_NAME}").click()
    expect(nav.get_by_role("link", name="Lin Local")).to_be_visible()
