"""A patron votes for an idea; staff publish a "You said, we did" decision that answers it.
The patron hears of it (the unread count in the header, the notification, an email with a
one-click unsubscribe), opens the decision from the notification and says whether it helped;
the idea's timeline and the Atom feed show the decision."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect


def test_staff_publishes_a_decision_and_the_voter_hears_of_it(
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
    # Someone proposes an idea; a new patron votes for it.
    proposer = new_context().new_page()
    sign_in(proposer, "committee@example.org")
    idea_title = "Lockers for laptops on every floor"
    idea_id = propose_idea(
        proposer,
        title=idea_title,
        description="Charging lockers so we can leave laptops safely during lunch.",
        category="Spaces and study rooms",
    )
    email = sign_up(page, "Ada Voter", new_email("ada"))
    page.goto(f"/ideas/{idea_id}")
    page.get_by_role("button", name=f"Vote for “{idea_title}”").click()
    expect(
        page.get_by_role("button", name=f"Withdraw your vote for “{idea_title}”")
    ).to_be_visible()
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Notifications", exact=True)).to_be_visible()

    # Staff publish the decision from the staff desk.
    staff = new_context().new_page()
    sign_in(staff, "staff@example.org")
    staff.goto("/staff")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Staff desk")
    staff.get_by_role("link", name="Publish a decision").click()
    expect(staff).to_have_url(re.compile(r"/staff/decisions/new$"))
    expect(staff.get_by_role("heading", level=1)).to_have_text("Publish a decision")
    title = "Charging lockers on floors 1 to 3"
    staff.get_by_label("Title", exact=True).fill(title)
    staff.get_by_label("You said", exact=True).fill(
        "You asked for a safe place to leave a laptop at lunch."
    )
    staff.get_by_label("We did", exact=True).fill(
        "We installed **24 charging lockers**, eight per floor."
    )
    staff.get_by_label("Outcome", exact=True).select_option(label="Adopted")
    staff.get_by_label("Linked ideas", exact=True).fill(str(idea_id))
    staff.get_by_label("Move the linked ideas' status to match").check()
    staff.get_by_role("button", name="Publish decision").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(title)
    expect(staff.get_by_role("status")).to_have_text(
        "The decision is published. Everyone who took part will be told."
    )
    expect(staff).to_have_url(re.compile(r"/you-said-we-did/\d+$"))
    decision_url = staff.url
    decision_path = urlsplit(decision_url).path
    decision = staff.get_by_role("article", name=title)
    expect(decision.get_by_text("Adopted", exact=True)).to_be_visible()
    expect(decision.get_by_text("24 charging lockers", exact=True)).to_have_js_property(
        "tagName", "STRONG"
    )
    expect(decision.get_by_role("link", name=idea_title)).to_have_attribute(
        "href", f"/ideas/{idea_id}"
    )

    # The voter sees the unread count, the notification, and the decision it leads to.
    wait_for_unread(page, 1)
    expect(navigation.get_by_role("link", name="Notifications 1 unread")).to_be_visible()
    navigation.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    item = page.get_by_role("listitem").filter(has_text=f"Decision published: “{title}”")
    expect(item).to_have_count(1)
    expect(item.get_by_text("Unread", exact=True)).to_be_visible()
    assert_accessible(page)
    item.get_by_role("button", name=f"Open {title}").click()
    expect(page).to_have_url(re.compile(re.escape(decision_path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(navigation.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    expect(page.get_by_role("article", name=title)).to_contain_text("2 people were notified")

    # "Did this change help you?"
    follow_up = page.get_by_role("region", name="Did this change help you?")
    expect(follow_up).to_contain_text("No answers yet.")
    answer = follow_up.get_by_role("group", name="Your answer", exact=True)
    answer.get_by_role("radio", name="4", exact=True).check()
    follow_up.get_by_label("Anything to add? (optional)").fill(
        "Yes, I can study through lunch now."
    )
    follow_up.get_by_role("button", name="Send answer").click()
    expect(page).to_have_url(re.compile(re.escape(decision_path) + "#follow-up$"))
    expect(page.get_by_role("status")).to_have_text("Thank you. Your answer is saved.")
    expect(follow_up).to_contain_text("1 answer · average 4.0 of 5")
    ratings = follow_up.get_by_role("table", name="Answers by rating")
    for rating, answers in [(5, "0"), (4, "1"), (3, "0"), (2, "0"), (1, "0")]:
        row = ratings.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=str(rating), exact=True)
        )
        expect(row.get_by_role("cell").first).to_have_text(answers)
    expect(follow_up.get_by_role("listitem")).to_contain_text(
        "Yes, I can study through lunch now. (4/5)"
    )
    changed = follow_up.get_by_role("group", name="Your answer (you can change it)")
    expect(changed.get_by_role("radio", name="4", exact=True)).to_be_checked()
    assert_accessible(page)

    # The idea's timeline shows the decision, and the idea moved to Planned.
    page.goto(f"/ideas/{idea_id}")
    history = page.get_by_role("region", name="What happened")
    expect(history.get_by_role("link", name=title)).to_have_attribute("href", decision_path)
    expect(history).to_contain_text("Status changed to Planned")
    badge = page.get_by_role("article", name=idea_title).get_by_text("Planned", exact=True)
    expect(badge).to_be_visible()

    # The Atom feed lists it.
    feed = page.request.get("/feeds/decisions.atom")
    assert feed.ok
    assert feed.headers["content-type"].startswith("application/atom+xml")
    assert f"<title>{title}</title>" in feed.text()
    assert decision_url in feed.text()

    # And the email came, with a one-click unsubscribe.
    message = wait_for_email(email, title)
    assert message["Subject"] == f"You said, we did: {title}"
    assert message["List-Unsubscribe"].startswith("<http://")
    assert "/unsubscribe/" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = message.get_content()
    assert "Hello Ada Voter," in body
    assert decision_url in body
