"""A new patron signs up, proposes an idea, votes and withdraws the vote in place (htmx),
comments and replies to the comment."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_patron_signs_up_proposes_votes_and_comments(
    page: Page, assert_accessible, new_email, propose_idea, follow_email_link
) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Shape your library with us")
    assert_accessible(page)

    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/signup$"))
    assert_accessible(page)
    email = new_email("robin")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Your name").fill("Robin Patron")
    page.get_by_label("Password").fill("a long and friendly passphrase")
    page.get_by_role("button", name="Create account").click()
    follow_email_link(page, email, "Confirm your email address", "/account/confirm/")
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_role("status")).to_have_text(
        "Thank you: your email address is confirmed. Welcome!"
    )
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Robin Patron")).to_be_visible()

    title = "A quiet corner for reading to toddlers"
    idea_id = propose_idea(
        page,
        title=title,
        description="Story time is lovely, but a corner with cushions **every day** would help.",
        category="Spaces and study rooms",
    )
    expect(page.get_by_role("status")).to_have_text(
        "Your idea is posted. You will hear about every step it takes."
    )
    expect(page).to_have_url(re.compile(rf"/ideas/{idea_id}$"))
    idea = page.get_by_role("article", name=title)
    expect(idea.get_by_text("every day", exact=True)).to_have_js_property("tagName", "STRONG")
    expect(idea.get_by_role("link", name="Spaces and study rooms")).to_be_visible()
    expect(idea.get_by_text("New", exact=True)).to_be_visible()
    expect(idea).to_contain_text("by Robin Patron")
    assert_accessible(page)

    # Voting swaps the button in place: same address, no page load, count +1 and back.
    address = page.url
    page.evaluate("window.stillTheSamePage = true")
    vote = page.get_by_role("button", name=f"Vote for “{title}”")
    expect(vote).to_have_attribute("aria-pressed", "false")
    expect(vote).to_contain_text("0")
    vote.click()
    withdraw = page.get_by_role("button", name=f"Withdraw your vote for “{title}”")
    expect(withdraw).to_have_attribute("aria-pressed", "true")
    expect(withdraw.locator(".vote-count")).to_have_text("1")
    assert page.url == address
    assert page.evaluate("window.stillTheSamePage") is True
    assert_accessible(page)

    withdraw.click()
    expect(vote).to_have_attribute("aria-pressed", "false")
    expect(vote.locator(".vote-count")).to_have_text("0")
    assert page.url == address
    assert page.evaluate("window.stillTheSamePage") is True

    # Comment, then reply to that comment.
    comment = "I would bring my twins every morning."
    page.get_by_label("Your comment").fill(comment)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_have_text("Your comment is posted.")
    comments = page.get_by_role("region", name="1 comment")
    expect(comments.get_by_role("article", name="Robin Patron")).to_contain_text(comment)

    page.get_by_text("Reply to this comment").click()
    reply = "Mornings before 10 would be best for us."
    page.get_by_label("Your reply").fill(reply)
    page.get_by_role("button", name="Post reply").click()
    expect(page.get_by_role("status")).to_have_text("Your comment is posted.")
    thread = (
        page.get_by_role("region", name="2 comments")
        .get_by_role("listitem")
        .filter(has_text=comment)
    )
    replies = thread.get_by_role("list")
    expect(replies.get_by_role("article", name="Robin Patron")).to_contain_text(reply)
    assert_accessible(page)

    page.get_by_role("link", name="Robin Patron").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    facts = page.get_by_role("definition")
    expect(facts).to_have_text(["Robin Patron", email, "Patron", re.compile(r"\w")])
    assert_accessible(page)
