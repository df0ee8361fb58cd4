"""A person signs up with a hostile name and posts the worst payloads of the corpus as an
idea's title and description and as a comment; an admin names a team with it, and staff
publish a decision with them all. Then the idea page, the list and search, the home page,
the similar-ideas box while typing, the vote button swapped in by htmx, and the decision
list and page are opened in a real browser.

Nothing runs and nothing loads from elsewhere: no dialog opens, no request leaves 127.0.0.1,
and the browser never has to block anything under the Content-Security-Policy (which would
mean the markup got through and only the policy stopped it)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import ConsoleMessage, Dialog, Page, Request, expect

from tests.security.corpus import ATTACKER, WORST

NAME = '"><img src=x onerror=alert(1)>'
TITLE = "<script>alert(1)</script> \"><img src=x onerror=alert('t')> {{7*7}}"
BODY = "\n\n".join(WORST)


def test_hostile_text_never_runs(
    page: Page, new_context, new_email, sign_up, sign_in, propose_idea
) -> None:
    dialogs: list[str] = []
    foreign: list[str] = []
    blocked: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message} on {page.url}")
        dialog.dismiss()

    def on_request(request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != "127.0.0.1":
            foreign.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or ATTACKER in message.text:
            blocked.append(message.text)

    page.on("dialog", on_dialog)
    page.on("request", on_request)
    page.on("console", on_console)

    def nothing_ran() -> None:
        page.wait_for_load_state("networkidle")
        assert dialogs == []
        assert foreign == []
        assert blocked == []

    sign_up(page, NAME, new_email("hostile"))
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name=NAME)).to_be_visible()  # the name, as text

    idea_id = propose_idea(page, title=TITLE, description=BODY, category="Spaces and study rooms")
    nothing_ran()
    idea = page.get_by_role("article", name=TITLE)
    expect(idea).to_contain_text("<script>alert(1)</script>")  # shown as text, not run
    expect(idea).to_contain_text("{{7*7}}")  # and no template evaluated it

    page.get_by_label("Your comment").fill(BODY)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_have_text("Your comment is posted.")
    nothing_ran()

    # htmx swaps in the vote button, which names the idea.
    page.get_by_role("button", name=f"Vote for “{TITLE}”").click()
    expect(page.get_by_role("button", name=f"Withdraw your vote for “{TITLE}”")).to_be_visible()
    nothing_ran()

    # htmx swaps in similar ideas while a title is typed: ours is among them.
    page.goto("/ideas/new")
    page.get_by_label("Title").press_sequentially("script alert img onerror", delay=10)
    expect(page.locator("#similar").get_by_role("link", name=TITLE)).to_be_visible()
    nothing_ran()

    for url in ("/ideas?sort=new", "/ideas?q=script+alert", "/"):
        page.goto(url)
        expect(page.get_by_role("link", name=TITLE).first).to_be_visible()
        nothing_ran()
    page.goto(f"/ideas/{idea_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    nothing_ran()

    # An admin adds a team with the hostile name; staff name it on a decision that quotes
    # it all; the decision list and page show it.
    admin = new_context().new_page()
    sign_in(admin, "admin@example.org")
    admin.goto("/staff/teams")
    admin.get_by_label("Name in English").fill(NAME)
    admin.get_by_role("button", name="Add team").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text(NAME)
    admin.close()
    staff = new_context().new_page()
    sign_in(staff, "staff@example.org")
    staff.goto("/staff/decisions/new")
    staff.get_by_label("Title", exact=True).fill(TITLE)
    staff.get_by_label("You said", exact=True).fill(BODY)
    staff.get_by_label("We did", exact=True).fill(BODY)
    staff.get_by_label("Outcome", exact=True).select_option(label="Adopted")
    staff.get_by_label(NAME, exact=True).check()
    staff.get_by_label("Linked ideas", exact=True).fill(str(idea_id))
    staff.get_by_role("button", name="Publish decision").click()
    expect(staff).to_have_url(re.compile(r"/you-said-we-did/\d+$"))
    decision_path = urlsplit(staff.url).path
    staff.close()

    for url in ("/you-said-we-did", decision_path, f"/ideas/{idea_id}"):
        page.goto(url)
        expect(page.get_by_text(TITLE).first).to_be_visible()
        nothing_ran()
    assert page.evaluate("document.querySelectorAll('script:not([src^=\"/static/\"])').length") == 0
    assert page.evaluate(f"document.querySelectorAll('img[src*=\"{ATTACKER}\"]').length") == 0
