"""Someone using only the keyboard skips the header, votes and withdraws the vote, and keeps
their place: focus stays on the vote button after htmx swaps it, however quickly they press
again."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_keyboard_user_skips_to_content_and_votes(page: Page, sign_in, propose_idea) -> None:
    sign_in(page, "committee@example.org")
    title = "Charging points at every study desk"
    propose_idea(
        page,
        title=title,
        description="Laptops run flat by lunchtime; few desks have a socket.",
        category="Spaces and study rooms",
    )
    page.reload()
    # Keyboard focus belongs to the active tab: make sure it is this one, whatever pages the
    # browser still has open from other journeys.
    page.bring_to_front()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="All ideas")).to_be_focused()
    page.keyboard.press("Tab")
    vote = page.get_by_role("button", name=f"Vote for “{title}”")
    expect(vote).to_be_focused()

    page.keyboard.press("Space")
    withdraw = page.get_by_role("button", name=f"Withdraw your vote for “{title}”")
    expect(withdraw).to_contain_text("1")
    expect(withdraw).to_be_focused()

    page.keyboard.press("Enter")
    expect(vote).to_contain_text("0")
    expect(vote).to_be_focused()

    # A second press straight after a swap is handled in place too: htmx takes over the new
    # form as it swaps it in, so the press never falls through to a plain post and a reload.
    page.evaluate(
        """id => {
            window.samePage = true;
            document.addEventListener(
                "htmx:afterSwap",
                () => setTimeout(() => document.getElementById(id).click(), 0),
                {once: true},
            );
        }""",
        vote.evaluate("button => button.id"),
    )
    page.keyboard.press("Enter")
    expect(vote).to_contain_text("0")
    expect(vote).to_be_focused()
    assert page.evaluate("window.samePage") is True

    # The follow button (voting followed the idea) keeps focus the same way.
    page.get_by_role("button", name="Following").focus()
    page.keyboard.press("Enter")
    follow = page.get_by_role("button", name="Follow", exact=True)
    expect(follow).to_have_attribute("aria-pressed", "false")
    expect(follow).to_be_focused()
