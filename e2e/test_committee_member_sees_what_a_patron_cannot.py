"""A committee-only session exists for committee members: they see it in the list, open it, and
find it with their private calendar feed, which they make (and make anew) on the committee
page. For a patron and for a visitor it does not exist: not listed, not in the public feed,
and its address is the 404 page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

COMMITTEE_SESSION = "Advisory committee: spring meeting"


def expect_not_found(page: Page, address: str) -> None:
    response = page.goto(address)
    assert response is not None and response.status == 404, f"{address} is not a 404"
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text(COMMITTEE_SESSION)).to_have_count(0)


def test_committee_member_sees_what_a_patron_cannot(page: Page, new_context, sign_in) -> None:
    sign_in(page, "committee@example.org")
    page.goto("/sessions")
    card = page.get_by_role("article", name=COMMITTEE_SESSION)
    expect(card).to_contain_text("Committee only")
    expect(card).to_contain_text("Committee meeting")
    card.get_by_role("link", name=COMMITTEE_SESSION).click()
    expect(page).to_have_url(re.compile(r"/sessions/\d+$"))
    address = re.sub(r"^https?://[^/]+", "", page.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(COMMITTEE_SESSION)
    expect(page.get_by_text("Board room")).to_be_visible()
    # Members may register; the online link waits for a confirmed place.
    take_part = page.get_by_role("region", name="Take part")
    expect(take_part.get_by_role("button", name="Register")).to_be_visible()
    expect(page.get_by_text("The link is shown to people with a confirmed place.")).to_be_visible()
    assert page.request.get(f"{address}.ics").ok

    page.goto("/committee")
    expect(page.get_by_role("heading", level=1)).to_have_text("Advisory committee")
    meetings = page.get_by_role("region", name="Upcoming committee sessions")
    expect(meetings.get_by_role("article", name=COMMITTEE_SESSION)).to_be_visible()
    expect(meetings.get_by_role("heading", name="Your private calendar feed")).to_be_visible()
    # (another journey on this server may have made one already)
    meetings.get_by_role(
        "button", name=re.compile("^(Make my calendar link|Get a new link)$")
    ).click()
    feed = meetings.locator(".feed-url code")
    expect(feed).to_have_text(re.compile(r"^http://127\.0\.0\.1:\d+/sessions\.ics\?token=\S+$"))
    first_address = feed.inner_text()
    # Asking for a new address ends the old one at once.
    meetings.get_by_role("button", name="Get a new link").click()
    expect(page.get_by_text("You have a new calendar address.")).to_be_visible()
    expect(feed).not_to_have_text(first_address)
    assert page.request.get(first_address).status == 404
    private_feed = page.request.get(feed.inner_text())
    assert private_feed.ok
    assert private_feed.headers["content-type"].startswith("text/calendar")
    assert COMMITTEE_SESSION in private_feed.text()
    assert "Study spaces workshop" in private_feed.text()

    # The public feed, and a feed with a forged token, do not list it.
    public_feed = page.request.get("/sessions.ics")
    assert public_feed.ok and "Study spaces workshop" in public_feed.text()
    assert COMMITTEE_SESSION not in public_feed.text()
    assert page.request.get("/sessions.ics?token=not-a-real-token").status == 404

    # A patron: not listed, and its address is not found.
    patron = new_context().new_page()
    sign_in(patron, "patron@example.org")
    patron.goto("/sessions")
    expect(patron.get_by_role("article", name="Study spaces workshop")).to_be_visible()
    expect(patron.get_by_role("article", name=COMMITTEE_SESSION)).to_have_count(0)
    expect_not_found(patron, address)
    assert patron.request.get(f"{address}.ics").status == 404
    patron.goto("/committee")
    expect(patron.get_by_text("Committee sessions are visible to members only.")).to_be_visible()
    expect(patron.get_by_role("region", name="Upcoming committee sessions")).to_have_count(0)
    expect(patron.locator(".feed-url")).to_have_count(0)

    # A visitor: the same.
    visitor = new_context().new_page()
    visitor.goto("/sessions")
    expect(visitor.get_by_role("article", name="Study spaces workshop")).to_be_visible()
    expect(visitor.get_by_role("article", name=COMMITTEE_SESSION)).to_have_count(0)
    expect_not_found(visitor, address)
    visitor.goto("/committee")
    expect(visitor.get_by_text("Committee sessions are visible to members only.")).to_be_visible()
    expect(visitor.locator(".feed-url")).to_have_count(0)
