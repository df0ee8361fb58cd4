"""Every page a person meets passes axe-core with no violation and does not scroll sideways on
a 360 px wide phone; in the dark scheme the colours keep enough contrast."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect


def _open_most_discussed_idea(page: Page) -> None:
    page.goto("/ideas?sort=discussed")
    page.get_by_role("article").first.get_by_role("heading").get_by_role("link").click()
    expect(page.get_by_role("region", name="What happened")).to_be_visible()


def test_public_pages_are_accessible(page: Page, assert_accessible) -> None:
    for address, heading, text in [
        ("/", "Shape your library with us", "Trending ideas"),
        ("/ideas", "Ideas", "Next page"),
        ("/ideas?q=zzzzzz", "Ideas", "No ideas match"),
        ("/login", "Sign in", "New here?"),
        ("/signup", "Create an account", "Already have an account?"),
    ]:
        response = page.goto(address)
        assert response is not None and response.ok, address
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_text(text).first).to_be_visible()
        assert_accessible(page)

    # The idea with the most comments: replies, staff badges, a status history.
    _open_most_discussed_idea(page)
    expect(page.get_by_role("link", name="Sign in to comment")).to_be_visible()
    assert_accessible(page)

    # An idea the library answered, reached from the home page.
    page.goto("/")
    page.get_by_role("region", name="Latest activity").get_by_role("link").first.click()
    expect(page.get_by_role("region", name="What happened")).to_contain_text("Status changed to")
    assert_accessible(page)


def test_not_found_page_is_accessible(page: Page, assert_accessible) -> None:
    for address in ("/ideas/999999", "/no/such/page"):
        response = page.goto(address)
        assert response is not None and response.status == 404, address
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()
    assert_accessible(page)


def test_signed_in_pages_are_accessible(page: Page, assert_accessible, sign_in) -> None:
    sign_in(page, "patron@example.org")
    assert_accessible(page)
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_role("button", name="Get a linking code")).to_be_visible()
    assert_accessible(page)
    # How each kind of notification reaches the person: email, digest, and a chat message.
    page.goto("/notifications/settings")
    expect(page.get_by_role("heading", level=1)).to_have_text("Email settings")
    assert_accessible(page)

    _open_most_discussed_idea(page)
    page.get_by_text("Reply to this comment").first.click()
    expect(page.get_by_label("Your reply").first).to_be_visible()
    assert_accessible(page)

    # An empty comment comes back on its own page with the problem named.
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_label("Your comment")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_staff_pages_are_accessible(page: Page, assert_accessible, sign_in) -> None:
    sign_in(page, "staff@example.org")
    _open_most_discussed_idea(page)
    expect(page.get_by_role("button", name="Save the status")).to_be_visible()
    assert_accessible(page)

    # Staff may edit any idea: the edit form.
    page.get_by_role("link", name="Edit idea").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit idea")
    assert_accessible(page)

    # The assessment dashboard, from the staff desk: its tables of the demo's figures.
    page.goto("/staff")
    page.get_by_role("link", name="Assessment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Assessment")
    expect(page.get_by_role("table", name="Impact stories by theme")).to_be_visible()
    assert_accessible(page)

    # The chat messages that failed, from the failed emails.
    page.goto("/staff/emails")
    page.get_by_role("link", name="Chat messages that failed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chat messages that failed")
    assert_accessible(page)


@pytest.mark.browser_context_args(color_scheme="dark")
def test_dark_scheme_keeps_enough_contrast(page: Page, assert_enough_contrast, sign_in) -> None:
    for address in ("/", "/ideas", "/signup", "/ideas/999999"):
        page.goto(address)
        assert_enough_contrast(page)

    sign_in(page, "staff@example.org")
    _open_most_discussed_idea(page)
    assert_enough_contrast(page)
    page.goto("/ideas/new")
    page.get_by_role("button", name="Post your idea").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_enough_contrast(page)
