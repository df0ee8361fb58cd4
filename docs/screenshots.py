"""Regenerate the README's screenshots of the main pages at 360 px and 1280 px wide.

A real portal process serves a fresh demo database in a temp dir (as the e2e tests do), a staff
member publishes a decision through the form and the worker sends it out once, then
Debian's Chromium, driven by Playwright, photographs each page: the whole page at 360 px (its
first 2,600 px), the first screen at 1280 px. The PNGs go to docs/screenshots/.

    .venv/bin/python docs/screenshots.py

It needs the test extras (`make unit` installs them), Debian's chromium (`make system-deps`)
and a font with Chinese characters for the language switcher (apt-get install
fonts-wqy-microhei or fonts-noto-cjk). $E2E_CHROMIUM points at another Chromium binary.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from the checkout: its test helpers

from tests.pg import free_port  # noqa: E402
from tests.processes import portal_command, portal_server  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "screenshots demo password"
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
NARROW = {"width": 360, "height": 740}
WIDE = {"width": 1280, "height": 800}
# A full-page shot of a long list is cut here, to keep each PNG small.
MAX_HEIGHT = 2600


@contextmanager
def demo_server() -> Iterator[tuple[str, dict[str, str]]]:
    """A migrated, seeded portal on a free port; yields its address and environment."""
    with tempfile.TemporaryDirectory(prefix="portal-screenshots-") as tmp:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'demo.sqlite3'}",
            "SECRET_KEY": "screenshots-secret-key",
            "BASE_URL": url,
            "PORTAL_VAR_DIR": tmp,
            "SMTP_URL": "log://",
        }
        portal_command("migrate", env=env)
        portal_command("seed-demo", "--password", PASSWORD, env=env)
        with portal_server(port, env, Path(tmp) / "server.log"):
            yield url, env


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_have_text("You are signed in.")


def linked_ids(page: Page, listing: str, n: int) -> list[int]:
    """The ids of the first `n` items that the list page at `listing` links to."""
    page.goto(listing)
    hrefs = page.locator(f"main a[href^='{listing}/']").evaluate_all(
        "els => els.map(e => e.pathname)"
    )
    ids = [int(m.group(1)) for h in hrefs if (m := re.fullmatch(rf"{listing}/(\d+)", h))]
    return list(dict.fromkeys(ids))[:n]


def publish(page: Page, *, title: str, you_said: str, we_did: str, outcome: str, ideas: str) -> int:
    """Publish a decision through the staff form; returns its id."""
    page.goto("/staff/decisions/new")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("You said", exact=True).fill(you_said)
    page.get_by_label("We did", exact=True).fill(we_did)
    page.get_by_label("Outcome", exact=True).select_option(outcome)
    page.get_by_label("Linked ideas", exact=True).fill(ideas)
    page.get_by_role("button", name="Publish decision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return int(page.url.split("#")[0].rstrip("/").rsplit("/", 1)[-1])


def prepare(browser: Browser, url: str, env: dict[str, str]) -> dict[str, str]:
    """Publish a decision as staff (the demo has one already) and let the worker notify
    people. Returns the pages to photograph, name -> path."""
    context = browser.new_context(base_url=url, viewport=WIDE, locale="en-GB")
    page = context.new_page()
    sign_in(page, "staff@example.org")
    first, second = linked_ids(page, "/ideas", 2)
    (session,) = linked_ids(page, "/sessions", 1)
    decision = publish(
        page,
        title="Two quiet rooms for online interviews",
        you_said="A small soundproof room to book for a job interview or a video call, "
        "instead of the corridor or the café.",
        we_did="Two former storerooms on the ground floor are now soundproof rooms with a desk, "
        "a lamp and a screen. Book them online for up to two hours.",
        outcome="adopted",
        ideas=str(second),
    )
    context.close()
    portal_command("worker", "--once", env=env)
    return {
        "home": "/",
        "ideas": "/ideas",
        "idea": f"/ideas/{first}",
        "new-idea-errors": "/ideas/new",
        "you-said-we-did": "/you-said-we-did",
        "decision": f"/you-said-we-did/{decision}",
        "sessions": "/sessions",
        "session": f"/sessions/{session}",
        "scorecard": "/scorecard",
    }


def photograph(browser: Browser, url: str, pages: dict[str, str]) -> list[Path]:
    """Each page as the demo patron sees it, at both widths; returns the files written."""
    written = []
    for width, viewport in (("360", NARROW), ("1280", WIDE)):
        context = browser.new_context(
            base_url=url,
            viewport=viewport,
            locale="en-GB",
            color_scheme="light",
            reduced_motion="reduce",
        )
        page = context.new_page()
        sign_in(page, "patron@example.org")
        for name, path in pages.items():
            page.goto(path)
            if name == "new-idea-errors":
                page.get_by_label("Title").fill("Quiet")
                page.get_by_role("button", name="Post your idea").click()
                expect(page.get_by_role("alert").first).to_be_visible()
            page.wait_for_load_state("networkidle")
            file = OUT / f"{name}-{width}.png"
            if viewport is NARROW:
                height = page.evaluate("document.documentElement.scrollHeight")
                clip = {"x": 0, "y": 0, "width": 360, "height": min(height, MAX_HEIGHT)}
                page.screenshot(path=file, full_page=True, clip=clip)
            else:
                page.screenshot(path=file)
            written.append(file)
        context.close()
    return written


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_server() as (url, env), sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            pages = prepare(browser, url, env)
            for file in photograph(browser, url, pages):
                print(f"{file.relative_to(ROOT)}  {file.stat().st_size // 1024} KB")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
