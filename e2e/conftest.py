"""Browser journeys against a real server: a fresh SQLite file in a temp dir, migrated and
seeded with the demo, served by `portal serve` in a subprocess on a free port. Beside it run a
`portal worker` subprocess (fan-out, email) and a real SMTP server (aiosmtpd) that keeps what
it accepts, so a journey can read the emails a person got.

Helpers are fixtures that return functions (`assert_accessible(page)`, `sign_in(page, ...)`),
so the journeys read like what a person does. Every accessibility check runs twice: on the page
as the journey has it, and on the same page asked for again in Simplified Chinese.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import time
import weakref
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, Request, Response, Route, expect

from tests import smtp
from tests.pg import free_port
from tests.processes import ROOT, portal_command, portal_server, stop

PASSWORD = "e2e demo password 2026"
NARROW = 360
DESKTOP = {"width": 1280, "height": 800}
_people = itertools.count(1)
NOTIFICATIONS = re.compile(r"^Notifications\b")
_axe = Axe()
_worker: dict[str, Any] = {}  # the worker process and its log, for a helpful failure
_database: dict[str, str] = {}  # the server's DATABASE_URL, for journeys that set a scene
# Contexts made with JavaScript off. axe runs inside the page, and Playwright's evaluate (which
# has no timeout) then waits without end: the accessibility checks refuse such a page at once.
_no_script: weakref.WeakSet[BrowserContext] = weakref.WeakSet()
CONTRAST_ONLY = {"runOnly": {"type": "rule", "values": ["color-contrast"]}}
CHINESE = "zh_Hans"


@pytest.fixture(scope="session")
def mail_inbox() -> Iterator[smtp.Inbox]:
    """A real SMTP server for the whole run; `mail_inbox.messages` are the emails it accepted,
    `mail_inbox.by_recipient(address)` one person's."""
    controller, inbox = smtp.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory, mail_inbox: smtp.Inbox) -> Iterator[str]:
    """The address of a real portal process with the demo data in a throwaway database, and
    a notification worker sending its email to `mail_inbox`."""
    tmp = tmp_path_factory.mktemp("e2e")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'e2e.sqlite3'}",
        "SECRET_KEY": "e2e-secret-key-not-for-production",
        "BASE_URL": url,
        "PORTAL_VAR_DIR": str(tmp),
        "PYTHONUNBUFFERED": "1",
    }
    portal_command("migrate", env=env)
    portal_command("seed-demo", "--password", PASSWORD, env=env)
    _database["url"] = env["DATABASE_URL"]
    with portal_server(port, env, tmp / "server.log"):
        worker_log = tmp / "worker.log"
        with worker_log.open("wb") as worker_out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "portal.cli", "worker", "--poll", "0.2"],
                cwd=ROOT,
                env={**env, "SMTP_URL": mail_inbox.url},
                stdout=worker_out,
                stderr=subprocess.STDOUT,
            )
        _worker.update(process=worker, log=worker_log)
        try:
            yield url
        finally:
            stop(worker)


@pytest.fixture(scope="session")
def database_url(server_url: str) -> str:
    """The served database, for the rare scene no page can set (an email that failed)."""
    return _database["url"]


@pytest.fixture(scope="session")
def base_url(server_url: str) -> str:
    """pytest-playwright gives every browser context this base URL: page.goto("/ideas")."""
    return server_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium (or $E2E_CHROMIUM) where it exists, as `playwright install` cannot
    always download browsers; otherwise Playwright's own."""
    chromium = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
    return {
        **browser_type_launch_args,
        **({"executable_path": chromium} if Path(chromium).exists() else {}),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-GB"}


@pytest.fixture
def documents() -> dict[Page, Request]:
    """Each page's last document request (after redirects), so that a check can ask for the
    same page again in another language."""
    return {}


@pytest.fixture
def new_context(new_context: Callable[..., BrowserContext], documents: dict[Page, Request]):
    """pytest-playwright's `new_context` (behind `context` and `page` too), with each page's
    document requests remembered in `documents`."""

    def remember(request: Request) -> None:
        if request.is_navigation_request() and request.frame.parent_frame is None:
            documents[request.frame.page] = request

    def create(**kwargs: Any) -> BrowserContext:
        context = new_context(**kwargs)
        context.on("request", remember)
        if kwargs.get("java_script_enabled") is False:
            _no_script.add(context)
        return context

    return create


@pytest.fixture
def in_chinese(documents: dict[Page, Request]) -> Callable[[Page, Callable[[Page], None]], None]:
    """Run `check` on the page the person has open, asked for again in Simplified Chinese: in a
    second tab of the same browser (the same person), with the language cookie set, at the same
    size. A form that came back refused is sent again as it was (refused input stores
    nothing); any other page, even one a form answered without redirecting, is asked for at
    its address. Client-side state (an opened disclosure, typed text) is not carried over."""

    def run(page: Page, check: Callable[[Page], None]) -> None:
        document = documents.get(page)
        if document is not None and document.url != page.url.partition("#")[0]:
            document = None  # htmx changed the address in place: ask for the new one
        context = page.context
        kept = [c for c in context.cookies() if c["name"] == "lang"]
        context.clear_cookies(name="lang")
        site = re.match(r"https?://[^/]+/", page.url)
        assert site, page.url
        context.add_cookies([{"name": "lang", "value": CHINESE, "url": site.group(0)}])
        chinese = context.new_page()
        try:
            if page.viewport_size:
                chinese.set_viewport_size(page.viewport_size)
            response = _open_again(chinese, page.url, document)
            expect(chinese.locator("html")).to_have_attribute("lang", "zh-Hans")
            first = document.response() if document else None
            if first and response:
                assert response.status == first.status, f"{page.url}: {response.status} in Chinese"
            check(chinese)
        finally:
            chinese.close()
            context.clear_cookies(name="lang")
            if kept:
                context.add_cookies(kept)

    return run


def _open_again(page: Page, url: str, document: Request | None) -> Response | None:
    """Open `url` in `page`, sending again the form that `document` posted if it was refused."""
    first = document.response() if document else None
    if document and first and document.method == "POST" and first.status >= 400:
        sent = document.headers
        form = {k: sent[k] for k in ("content-type", "origin") if k in sent}

        def send_again(route: Route) -> None:
            route.continue_(
                method="POST",
                post_data=document.post_data_buffer,
                headers={**route.request.headers, **form},
            )

        address = url.partition("#")[0]
        page.route(lambda asked: asked == address, send_again, times=1)
    return page.goto(url)


def _accessible(page: Page) -> None:
    """No axe-core violation, and at 360 px wide nothing scrolls sideways. The viewport is
    put back afterwards."""
    _script_on(page)
    results = _axe.run(page)
    assert results.violations_count == 0, (
        f"axe found violations on {page.url} ({_language(page)}):\n{results.generate_report()}"
    )
    size = page.viewport_size or DESKTOP
    page.set_viewport_size({"width": NARROW, "height": 740})
    try:
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= NARROW, (
            f"{page.url} ({_language(page)}) scrolls sideways at {NARROW} px: "
            f"it is {scroll_width} px wide"
        )
    finally:
        page.set_viewport_size(size)


def _script_on(page: Page) -> None:
    assert page.context not in _no_script, (
        f"{page.url}: axe cannot run in a page with JavaScript off (it would wait without "
        "end); check the same page in a context with JavaScript on"
    )


def _enough_contrast(page: Page) -> None:
    _script_on(page)
    results = _axe.run(page, options={**CONTRAST_ONLY, "resultTypes": ["violations"]})
    assert results.violations_count == 0, (
        f"axe found low contrast on {page.url} ({_language(page)}):\n{results.generate_report()}"
    )


def _language(page: Page) -> str:
    return page.locator("html").get_attribute("lang") or "no language"


@pytest.fixture
def assert_accessible(in_chinese) -> Callable[[Page], None]:
    """Check the page as it is now, then the same page in Chinese: no axe-core violation, and
    at 360 px wide nothing scrolls sideways."""

    def check(page: Page) -> None:
        _accessible(page)
        in_chinese(page, _accessible)

    return check


@pytest.fixture
def assert_enough_contrast(in_chinese) -> Callable[[Page], None]:
    """Only axe's colour-contrast rule (what changes between the light and dark schemes), on
    the page and on the same page in Chinese."""

    def check(page: Page) -> None:
        _enough_contrast(page)
        in_chinese(page, _enough_contrast)

    return check


@pytest.fixture
def new_email() -> Callable[[str], str]:
    """An address no one has used yet in this run."""
    return lambda who: f"{who}-{next(_people)}-{os.getpid()}@example.net"


@pytest.fixture
def sign_in() -> Callable[..., None]:
    def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
        page.goto("/login")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("status")).to_have_text("You are signed in.")

    return sign_in


@pytest.fixture
def propose_idea() -> Callable[..., int]:
    """Propose an idea through the form; returns its id from the address it lands on."""

    def propose(page: Page, *, title: str, description: str, category: str) -> int:
        page.goto("/ideas/new")
        page.get_by_label("Title").fill(title)
        page.get_by_label("Describe your idea").fill(description)
        page.get_by_label("Category").select_option(label=category)
        page.get_by_role("button", name="Post your idea").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        return int(page.url.rstrip("/").rsplit("/", 1)[-1])

    return propose


def _worker_alive() -> None:
    worker = _worker.get("process")
    if worker is not None and worker.poll() is not None:
        pytest.fail(f"the notification worker stopped:\n{_worker['log'].read_text()}")


@pytest.fixture
def password() -> str:
    """The password that `sign_up` gives new accounts (and the demo accounts have)."""
    return PASSWORD


@pytest.fixture
def in_both_languages(assert_accessible: Callable[[Page], None]) -> Callable[..., None]:
    """Check the page (its main heading `english`) in both languages, then switch to Chinese
    with the footer's switcher (heading `chinese`), and switch back."""

    def check(page: Page, english: str, chinese: str) -> None:
        expect(page.get_by_role("heading", level=1)).to_have_text(english)
        assert_accessible(page)
        page.get_by_role("button", name="简体中文").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(chinese)
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(english)

    return check


@pytest.fixture
def follow_email_link(wait_for_email: Callable[..., EmailMessage]) -> Callable[..., str]:
    """Open the link under `path` in the first email to `address` about `subject` (from the
    real SMTP server), as the person would; returns the link."""

    def follow(page: Page, address: str, subject: str, path: str) -> str:
        message = wait_for_email(address, subject)
        found = re.search(rf"https?://\S+{re.escape(path)}\S+", message.get_content())
        assert found, message.get_content()
        page.goto(found.group(0))
        return found.group(0)

    return follow


@pytest.fixture
def sign_up(follow_email_link: Callable[..., str]) -> Callable[..., str]:
    """Create a new account through the form and confirm it with the link from the
    confirmation email, which signs the person in; returns its email."""

    def sign_up(page: Page, name: str, email: str) -> str:
        page.goto("/signup")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Your name").fill(name)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
        follow_email_link(page, email, "Confirm your email address", "/account/confirm/")
        page.get_by_role("button", name="Confirm my email address").click()
        expect(page.get_by_role("status")).to_have_text(
            "Thank you: your email address is confirmed. Welcome!"
        )
        return email

    return sign_up


@pytest.fixture
def wait_for_unread() -> Callable[..., None]:
    """Reload the page until the header's Notifications link shows `count` unread: the worker
    fans events out a moment after the request that made them."""

    def wait(page: Page, count: int, timeout: float = 20) -> None:
        link = page.get_by_role("navigation", name="Main").get_by_role("link", name=NOTIFICATIONS)
        badge = link.locator(".count")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if badge.count() and badge.inner_text().strip() == str(count):
                break
            _worker_alive()
            page.wait_for_timeout(200)
            page.reload()
        expect(badge).to_have_text(str(count))

    return wait


@pytest.fixture
def wait_for_email(mail_inbox: smtp.Inbox) -> Callable[..., EmailMessage]:
    """The first email to `address` whose subject contains `subject`, once the worker has
    sent it to the SMTP server."""

    def wait(address: str, subject: str = "", timeout: float = 20) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in mail_inbox.by_recipient(address):
                if subject in str(message["Subject"]):
                    return message
            _worker_alive()
            time.sleep(0.1)
        got = [str(m["Subject"]) for m in mail_inbox.by_recipient(address)]
        pytest.fail(f"no email to {address} about {subject!r} within {timeout} s; it got {got}")

    return wait
