"""With JavaScript off, the vote button is a plain form: posting it reloads the page with the
new count and a notice, and withdrawing works the same way."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_voting_works_without_javascript(new_context, sign_in, propose_idea) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, "committee@example.org")
    title = "Sunday opening in the exam period"
    idea_id = propose_idea(
        page,
        title=title,
        description="Open on Sundays from noon for the four weeks of exams.",
        category="Opening hours",
    )
    detail = re.compile(rf"/ideas/{idea_id}$")

    vote = page.get_by_role("button", name=f"Vote for “{title}”")
    expect(vote).to_have_attribute("aria-pressed", "false")
    expect(vote.locator(".vote-count")).to_have_text("0")
    with page.expect_navigation():
        vote.click()
    expect(page).to_have_url(detail)
    expect(page.get_by_role("status")).to_have_text("Your vote is counted.")
    withdraw = page.get_by_role("button", name=f"Withdraw your vote for “{title}”")
    expect(withdraw).to_have_attribute("aria-pressed", "true")
    expect(withdraw.locator(".vote-count")).to_have_text("1")

    with page.expect_navigation():
        withdraw.click()
    expect(page).to_have_url(detail)
    expect(page.get_by_role("status")).to_have_text("Your vote is withdrawn.")
    expect(vote).to_have_attribute("aria-pressed", "false")
    expect(vote.locator(".vote-count")).to_have_text("0")

    # From the list, the vote brings the person back to the list, not to the idea.
    page.goto("/ideas?sort=new")
    card_vote = page.get_by_role("button", name=f"Vote for “{title}”")
    with page.expect_navigation():
        card_vote.click()
    expect(page).to_have_url(re.compile(r"/ideas\?sort=new$"))
    expect(page.get_by_role("status")).to_have_text("Your vote is counted.")
    card = page.get_by_role("article", name=title)
    expect(card.get_by_role("button", name=f"Withdraw your vote for “{title}”")).to_contain_text(
        "1"
    )
