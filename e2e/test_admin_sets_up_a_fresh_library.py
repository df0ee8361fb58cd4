"""A library installs the portal for real: `portal migrate` and `portal create-user --role
admin` on an empty database, nothing else (and the worker, which sends the confirmation of a
new account's address). Before anyone configures it, a patron can already propose an idea
(the form asks for no category). The admin signs in, follows the checklist on the staff desk
(names the site, writes the welcome text, sets the contact address, adds two categories and
a team), and a patron then proposes an idea in one of the categories. Every page on the way
passes axe in English and Chinese and fits a 360 px screen.

Each journey gets its own server on its own empty database (not the demo)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.pg import free_port
from tests.processes import ROOT, portal_command, portal_server, stop

ADMIN = "head@riverside.example.org"
ADMIN_PASSWORD = "riverside head's password 2026"
CHINESE = "简体中文"


@pytest.fixture
def fresh_site(tmp_path, mail_inbox) -> Iterator[str]:
    """A portal on an empty database: migrated, with one admin account, nothing more; a
    worker beside it sends its email (the confirmation of a new address) to `mail_inbox`."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "SECRET_KEY": "e2e-fresh-secret-key-not-for-production",
        "BASE_URL": url,
        "PORTAL_VAR_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("SITE_NAME", None)
    portal_command("migrate", env=env)
    portal_command(
        "create-user", ADMIN, "--role", "admin", "--name", "Ada Head", env=env, stdin=ADMIN_PASSWORD
    )
    log = tmp_path / "server.log"
    with portal_server(port, env, log), (tmp_path / "worker.log").open("wb") as worker_log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "worker", "--poll", "0.2"],
            cwd=ROOT,
            env={**env, "SMTP_URL": mail_inbox.url},
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield url
        finally:
            stop(worker)
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture
def open_page(browser: Browser, fresh_site: str) -> Iterator[Callable[..., Page]]:
    """open_page(javascript=True): a page in a new browser (its own cookies) on the site."""
    contexts: list[Any] = []

    def make(javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=fresh_site,
            viewport={"width": 1280, "height": 800},
            locale="en-GB",
            java_script_enabled=javascript,
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def in_chinese(page: Page) -> None:
    page.get_by_role("button", name=CHINESE).click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")


def in_english(page: Page) -> None:
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def checklist(page: Page) -> Any:
    return page.get_by_role("region", name="Set up the site")


def test_a_patron_can_propose_before_any_category_exists(
    open_page, sign_up, new_email, sign_in, assert_accessible
) -> None:
    # With JavaScript off, as some people browse: plain forms do it all.
    patron = open_page(javascript=False)
    sign_up(patron, "Pat Early", new_email("early"))
    patron.goto("/ideas/new")
    expect(patron.get_by_label("Title")).to_be_visible()
    expect(patron.get_by_label("Category")).to_have_count(0)
    patron.get_by_label("Title").fill("Water fountains on every floor")
    patron.get_by_label("Describe your idea").fill("Bottles are not allowed in the stacks.")
    patron.get_by_role("button", name="Post your idea").click()
    expect(patron.get_by_role("heading", level=1)).to_have_text("Water fountains on every floor")
    idea_path = re.sub(r"^https?://[^/]+", "", patron.url)

    # Anyone reads it, in either language, on a small screen.
    reader = open_page()
    for path in ("/", "/ideas", idea_path):
        reader.goto(path)
        expect(reader.get_by_text("Water fountains on every floor").first).to_be_visible()
        assert_accessible(reader)
    in_chinese(reader)
    for path in ("/", "/ideas", idea_path):
        reader.goto(path)
        assert_accessible(reader)

    # The admin's desk says what is still to set up.
    admin = open_page()
    sign_in(admin, ADMIN, ADMIN_PASSWORD)
    admin.goto("/staff")
    expect(checklist(admin).get_by_role("link", name="Add categories")).to_be_visible()
    expect(admin.get_by_role("link", name="Water fountains on every floor")).to_be_visible()


def test_admin_sets_up_a_fresh_library(
    open_page, sign_up, sign_in, new_email, propose_idea, assert_accessible
) -> None:
    admin = open_page()
    sign_in(admin, ADMIN, ADMIN_PASSWORD)
    admin.goto("/staff")
    steps = checklist(admin).get_by_role("link")
    expect(steps).to_have_text(
        [
            "Name the site",
            "Add categories",
            "Add the library's teams",
            "Write the welcome text",
            "Set the contact address",
        ]
    )
    assert_accessible(admin)

    # The site's name, welcome text, contact address and promise; a mistake first.
    checklist(admin).get_by_role("link", name="Name the site").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Site settings")
    admin.get_by_label("Site name").fill("Riverside Library ideas")
    admin.get_by_label("Welcome text in English").fill("Tell us what would help you **study**.")
    admin.get_by_label("Welcome text in Chinese").fill("告诉我们什么能帮助你**学习**。")
    admin.get_by_label("The library's contact address").fill("ideas at riverside")
    admin.get_by_label("Response promise, in days").fill("400")
    admin.get_by_role("button", name="Save settings").click()
    summary = admin.get_by_role("alert")
    expect(summary).to_contain_text("Enter an email address like library@example.org.")
    expect(summary).to_contain_text("Enter a whole number of days from 1 to 365.")
    expect(admin.get_by_label("Site name")).to_have_value("Riverside Library ideas")
    assert_accessible(admin)
    admin.get_by_label("The library's contact address").fill("ideas@riverside.example.org")
    admin.get_by_label("Response promise, in days").fill("10")
    admin.get_by_role("button", name="Save settings").click()
    expect(admin.get_by_role("status")).to_have_text("The settings are saved.")
    expect(admin.get_by_role("link", name="Riverside Library ideas")).to_be_visible()

    # Two categories, the second moved to the top, with the buttons (no script needed).
    admin.goto("/staff")
    checklist(admin).get_by_role("link", name="Add categories").click()
    for name, name_zh in (("Study spaces", "学习空间"), ("Opening hours", "开放时间")):
        admin.get_by_label("Name in English").fill(name)
        admin.get_by_label("Name in Chinese (optional)").fill(name_zh)
        admin.get_by_role("button", name="Add category").click()
        expect(admin.get_by_role("status")).to_contain_text("The category is added.")
    admin.get_by_role("button", name="Move up Opening hours").click()
    offered = admin.get_by_role("region", name="Offered to choose from")
    expect(offered.get_by_role("strong")).to_have_text(["Opening hours", "Study spaces"])
    assert_accessible(admin)

    # A team, with the admin as its first member.
    admin.goto("/staff")
    checklist(admin).get_by_role("link", name="Add the library's teams").click()
    admin.get_by_label("Name in English").fill("Public services")
    admin.get_by_label("Name in Chinese (optional)").fill("读者服务部")
    admin.get_by_label("What the team does (optional)").fill("The help desk and loans.")
    admin.get_by_role("button", name="Add team").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Public services")
    admin.get_by_label("Add a staff member").fill(ADMIN)
    admin.get_by_role("button", name="Add member").click()
    expect(admin.get_by_role("region", name="Members")).to_contain_text("Ada Head")
    assert_accessible(admin)

    # Nothing is left to set up.
    admin.goto("/staff")
    expect(checklist(admin)).to_have_count(0)

    # The same pages in Chinese.
    in_chinese(admin)
    for path, heading in (
        ("/staff/settings", "网站设置"),
        ("/staff/categories", "类别"),
        ("/staff/teams", "团队"),
        ("/staff", "馆员工作台"),
    ):
        admin.goto(path)
        expect(admin.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(admin)
    admin.goto("/staff/teams")
    admin.get_by_role("link", name="读者服务部").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("读者服务部")
    assert_accessible(admin)

    # A patron comes, reads the welcome, and proposes an idea in a category.
    patron = open_page()
    patron.goto("/")
    expect(patron.get_by_role("link", name="Riverside Library ideas")).to_be_visible()
    expect(patron.get_by_text("Tell us what would help you")).to_be_visible()
    expect(patron.get_by_role("contentinfo")).to_contain_text("ideas@riverside.example.org")
    assert_accessible(patron)
    sign_up(patron, "Pat Reader", new_email("patron"))
    patron.goto("/ideas/new")
    expect(patron.get_by_label("Category").locator("option")).to_have_text(
        ["Choose a category", "Opening hours", "Study spaces"]
    )
    assert_accessible(patron)
    propose_idea(
        patron,
        title="Open until midnight in exam weeks",
        description="The reading room closes too early.",
        category="Opening hours",
    )
    idea = patron.get_by_role("article", name="Open until midnight in exam weeks")
    expect(idea.get_by_role("link", name="Opening hours")).to_be_visible()
    assert_accessible(patron)
    in_chinese(patron)
    expect(patron.get_by_role("link", name="开放时间")).to_be_visible()
    assert_accessible(patron)
    patron.goto("/")
    expect(patron.get_by_text("告诉我们什么能帮助你")).to_be_visible()
    assert_accessible(patron)
    patron.goto("/scorecard")
    expect(patron.get_by_text("10 天内得到答复的建议")).to_be_visible()
    assert_accessible(patron)
    in_english(patron)
    expect(patron.get_by_text("Ideas answered within 10 days")).to_be_visible()
