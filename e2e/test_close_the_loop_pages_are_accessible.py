"""The pages that close the loop (decisions, their follow-up, notifications, email settings,
unsubscribe, the staff desk, the scorecard) pass axe-core with no violation and do not scroll
sideways at 360 px, empty, full and with errors; publishing a decision and answering its
follow-up are plain forms that work with JavaScript off."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect


def _publish(staff: Page, *, title: str, idea_id: int, outcome: str = "Adopted") -> str:
    """Fill the staff form and publish; returns the decision's path."""
    staff.goto("/staff/decisions/new")
    staff.get_by_label("Title", exact=True).fill(title)
    staff.get_by_label("You said", exact=True).fill("You asked for it in the idea.")
    staff.get_by_label("We did", exact=True).fill("We did it, starting this month.")
    staff.get_by_label("Outcome", exact=True).select_option(label=outcome)
    staff.get_by_label("Linked ideas", exact=True).fill(str(idea_id))
    staff.get_by_role("button", name="Publish decision").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(title)
    return urlsplit(staff.url).path


def test_close_the_loop_pages_are_accessible(
    page: Page,
    new_context,
    assert_accessible,
    new_email,
    sign_up,
    sign_in,
    propose_idea,
    wait_for_unread,
    wait_for_email,
) -> None:
    # A new patron, before anything happened: no notifications yet, the email settings.
    patron = new_context().new_page()
    email = sign_up(patron, "Noor Patron", new_email("noor"))
    patron.goto("/notifications")
    expect(patron.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(patron.get_by_text("Nothing new.")).to_be_visible()
    assert_accessible(patron)
    patron.get_by_role("link", name="Email settings").click()
    expect(patron.get_by_role("heading", level=1)).to_have_text("Email settings")
    expect(patron.get_by_role("group", name="Decisions on ideas I took part in")).to_be_visible()
    assert_accessible(patron)
    idea_title = "Quiet study hours on Saturday mornings"
    idea_id = propose_idea(
        patron,
        title=idea_title,
        description="From nine to noon, no group work on the second floor.",
        category="Spaces and study rooms",
    )

    # Staff: the desk, the empty form, the form with every error named, then a decision.
    staff = new_context().new_page()
    sign_in(staff, "staff@example.org")
    staff.goto("/staff")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Staff desk")
    waiting = staff.get_by_role("region", name="Ideas waiting for a first response")
    expect(waiting.get_by_role("link", name=idea_title)).to_be_visible()
    assert_accessible(staff)
    staff.get_by_role("link", name="Publish a decision").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Publish a decision")
    assert_accessible(staff)
    staff.get_by_label("Linked ideas", exact=True).fill("")
    staff.get_by_role("button", name="Publish decision").click()
    summary = staff.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_count(4)
    expect(staff.get_by_label("Title", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(staff.get_by_label("Outcome", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(staff)
    title = "Quiet hours on Saturdays from nine to noon"
    decision = _publish(staff, title=title, idea_id=idea_id)
    assert_accessible(staff)

    # A pilot whose review date has passed: its page, and the desk listing the review.
    pilot = "Self-service returns at the branch libraries"
    staff.goto("/staff/decisions/new")
    staff.get_by_label("Title", exact=True).fill(pilot)
    staff.get_by_label("You said", exact=True).fill("Returning books takes too long.")
    staff.get_by_label("We did", exact=True).fill("A three-month trial of returns machines.")
    staff.get_by_label("Outcome", exact=True).select_option(label="Piloting")
    staff.get_by_label("Pilot starts").fill("2020-01-06")
    staff.get_by_label("Pilot ends").fill("2020-03-31")
    staff.get_by_label("Review date").fill("2020-04-15")
    staff.get_by_role("button", name="Publish decision").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(pilot)
    expect(staff.get_by_role("article", name=pilot)).to_contain_text("Review")
    assert_accessible(staff)
    staff.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    overdue = staff.get_by_role("region", name="Pilot reviews that are overdue")
    expect(overdue.get_by_role("link", name=pilot)).to_be_visible()
    assert_accessible(staff)
    overdue.get_by_role("button", name=f"Mark reviewed {pilot}").click()
    expect(staff.get_by_role("status")).to_have_text("The review is recorded.")
    expect(overdue.get_by_role("link", name=pilot)).to_have_count(0)

    # Signed out: the list, the list filtered by outcome, the decision, the scorecard.
    page.goto("/you-said-we-did")
    expect(page.get_by_role("heading", level=1)).to_have_text("You said, we did")
    expect(page.get_by_role("link", name=title)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Outcome").select_option(label="Adopted")
    page.get_by_role("button", name="Show decisions").click()
    expect(page).to_have_url(re.compile(r"/you-said-we-did\?outcome=adopted$"))
    expect(page.get_by_role("link", name=title)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    follow_up = page.get_by_role("region", name="Did this change help you?")
    expect(follow_up).to_contain_text("People who took part in the ideas can answer")
    assert_accessible(page)
    page.goto("/scorecard")
    expect(page.get_by_role("heading", level=1)).to_have_text("How quickly the library answers")
    expect(page.get_by_role("table", name="Decisions by outcome, last 12 months")).to_be_visible()
    assert_accessible(page)

    # The notified patron: the list with an item, the decision with the follow-up form, and
    # the form sent without a rating.
    wait_for_unread(patron, 1)
    patron.goto("/notifications")
    expect(patron.get_by_role("listitem").filter(has_text=title)).to_contain_text("Unread")
    assert_accessible(patron)
    patron.goto(decision)
    follow_up = patron.get_by_role("region", name="Did this change help you?")
    expect(follow_up.get_by_role("group", name="Your answer", exact=True)).to_be_visible()
    assert_accessible(patron)
    follow_up.get_by_role("button", name="Send answer").click()
    expect(patron.get_by_role("alert")).to_contain_text(
        "Choose a number from 1 (not at all) to 5 (very much)."
    )
    expect(
        follow_up.get_by_role("group", name="Your answer", exact=True)
    ).to_have_accessible_description(re.compile("Choose a number from 1"))
    assert_accessible(patron)

    # The email's unsubscribe link: what it will do, done, and a tampered link.
    message = wait_for_email(email, title)
    link = str(message["List-Unsubscribe"]).strip("<>")
    assert link in message.get_content()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    expect(page.get_by_text("Stop these emails:")).to_contain_text(
        "Decisions on ideas I took part in"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_text("Done. You will no longer get these emails:")).to_be_visible()
    assert_accessible(page)
    response = page.goto(link.replace("/unsubscribe/", "/unsubscribe/x"))
    assert response is not None and response.status == 400
    expect(page.get_by_text("This unsubscribe link is not valid.")).to_be_visible()
    assert_accessible(page)
    patron.goto("/notifications/settings")
    decisions = patron.get_by_role("group", name="Decisions on ideas I took part in")
    expect(decisions.get_by_role("radio", name="No email")).to_be_checked()


def test_publishing_and_answering_work_without_javascript(
    new_context, new_email, sign_up, sign_in, propose_idea, wait_for_unread
) -> None:
    patron = new_context(java_script_enabled=False).new_page()
    sign_up(patron, "Kai Patron", new_email("kai"))
    idea_id = propose_idea(
        patron,
        title="Reading glasses to borrow at the desk",
        description="Sometimes I forget mine and cannot read the small print.",
        category="Collections",
    )

    staff = new_context(java_script_enabled=False).new_page()
    sign_in(staff, "staff@example.org")
    title = "Reading glasses at every service desk"
    decision = _publish(staff, title=title, idea_id=idea_id)
    expect(staff.get_by_role("status")).to_have_text(
        "The decision is published. Everyone who took part will be told."
    )

    wait_for_unread(patron, 1)
    patron.goto(decision)
    follow_up = patron.get_by_role("region", name="Did this change help you?")
    follow_up.get_by_role("radio", name="5", exact=True).check()
    follow_up.get_by_label("Anything to add? (optional)").fill("Exactly what I needed.")
    with patron.expect_navigation():
        follow_up.get_by_role("button", name="Send answer").click()
    expect(patron).to_have_url(re.compile(re.escape(decision) + "#follow-up$"))
    expect(patron.get_by_role("status")).to_have_text("Thank you. Your answer is saved.")
    expect(follow_up).to_contain_text("1 answer · average 5.0 of 5")
    expect(follow_up).to_contain_text("Exactly what I needed. (5/5)")
