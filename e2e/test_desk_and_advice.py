"""Staff record what a patron said at the desk (first with an address that has no account,
named beside its field), and it shows on the idea as "From the desk". Then staff save a
decision as a draft, share it with the advisory committee; a member follows the emailed link,
gives advice with consent; staff read it and publish, and the decision shows the advice. Every
page is checked with axe in English and in Chinese."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_desk_feedback_and_the_committee_advises_on_a_draft(
    page: Page, new_context, assert_accessible, sign_in, follow_email_link
) -> None:
    sign_in(page, "staff@example.org")
    page.goto("/staff")
    page.get_by_role("link", name="Record feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record feedback")
    assert_accessible(page)

    page.get_by_label("From a comment card").check()
    page.get_by_label("A new idea").check()
    page.get_by_label("Their account's email address (optional)").fill("nobody@example.org")
    page.get_by_label("Title", exact=True).fill("Hooks for coats in the reading room")
    page.get_by_label("Describe the idea").fill("Wet coats end up on the chairs.")
    category = page.get_by_label("Category")
    if category.count():
        category.select_option(index=1)
    page.get_by_role("button", name="Record the feedback").click()
    expect(page.locator("#email-error")).to_contain_text("No account has this address")
    expect(page.get_by_label("Title", exact=True)).to_have_value(
        "Hooks for coats in the reading room"
    )
    assert_accessible(page)

    page.get_by_label("Their account's email address (optional)").fill("patron@example.org")
    page.get_by_role("button", name="Record the feedback").click()
    expect(page.get_by_role("status")).to_have_text("The feedback is recorded.")
    recent = page.get_by_role("region", name="Recorded lately")
    recent.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hooks for coats in the reading room")
    expect(page.get_by_text("From a comment card", exact=True)).to_be_visible()
    idea_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])

    # Erasing a contact someone gave at the desk: an unknown one is named beside the field.
    page.goto("/staff/feedback/contact")
    page.get_by_label("Their contact").fill("never-given@example.org")
    page.get_by_role("button", name="Find their records").click()
    expect(page.locator("#contact-error")).to_be_visible()
    expect(page.get_by_label("Their contact")).to_have_value("never-given@example.org")
    assert_accessible(page)

    # A decision saved as a draft and shared with the committee.
    page.goto("/staff/decisions/new")
    title = "Coat hooks by every reading-room door"
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("You said", exact=True).fill("Wet coats end up on the chairs.")
    page.get_by_label("We did", exact=True).fill("We will put **hooks** by each door.")
    page.get_by_label("Outcome", exact=True).select_option(label="Adopted")
    page.get_by_label("Linked ideas", exact=True).fill(str(idea_id))
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_role("status")).to_have_text(
        "The draft is saved. It is not public and nobody was told."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Save and share with the committee").click()
    expect(page.get_by_role("status")).to_have_text(
        "The draft is shared with the advisory committee; its members are told."
    )
    draft_url = page.url

    member = new_context().new_page()
    sign_in(member, "committee@example.org")
    follow_email_link(member, "committee@example.org", title, "/committee/drafts/")
    expect(member.get_by_role("heading", level=1)).to_have_text(title)
    assert_accessible(member)
    member.get_by_role("button", name="Save my advice").click()
    expect(member.locator("#stance-error")).to_be_visible()
    assert_accessible(member)
    member.get_by_label("Support").check()
    member.get_by_label("Your reason").fill("Wet coats damage the chairs.")
    member.get_by_label("Publish my reason with my name").check()
    member.get_by_role("button", name="Save my advice").click()
    expect(member.get_by_role("status")).to_contain_text("Your advice is saved")
    member.goto("/committee")
    expect(member.get_by_role("link", name=title)).to_be_visible()
    assert_accessible(member)

    page.goto(draft_url)
    expect(page.get_by_text("Wet coats damage the chairs.")).to_be_visible()
    page.get_by_role("button", name="Publish decision").click()
    expect(page).to_have_url(re.compile(r"/you-said-we-did/\d+$"))
    advice = page.get_by_role("region", name="The advisory committee's advice")
    expect(advice.get_by_text("Support: 1")).to_be_visible()
    expect(advice.get_by_text("Wet coats damage the chairs.")).to_be_visible()
    assert_accessible(page)
