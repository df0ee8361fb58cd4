"""A staff member answers a patron's idea with a status change and a public response; the
patron then sees the new status and the response in the idea's history."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_staff_changes_status_and_patron_sees_it(
    page: Page, new_context, assert_accessible, sign_in, propose_idea
) -> None:
    sign_in(page, "patron@example.org")
    title = "Lend board games for the weekend"
    idea_id = propose_idea(
        page,
        title=title,
        description="Families could borrow a game on Friday and bring it back on Monday.",
        category="Collections",
    )
    history = page.get_by_role("region", name="What happened")
    expect(history.get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_role("button", name="Save the status")).to_have_count(0)

    staff_page = new_context().new_page()
    sign_in(staff_page, "staff@example.org")
    staff_page.goto(f"/ideas/{idea_id}")
    assert_accessible(staff_page)
    staff_page.get_by_label("New status").select_option(label="Planned")
    response = "We will start with 30 games in **March**, chosen with the games club."
    staff_page.get_by_label("Public response (optional)").fill(response)
    staff_page.get_by_role("button", name="Save the status").click()
    expect(staff_page.get_by_role("status")).to_have_text(
        "The status is changed and the response is public."
    )
    assert staff_page.url.endswith(f"/ideas/{idea_id}#history")

    page.reload()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(title)
    badge = page.get_by_role("article", name=title).get_by_text("Planned", exact=True)
    expect(badge).to_be_visible()
    changes = history.get_by_role("listitem")
    expect(changes).to_have_count(2)
    latest = changes.nth(1)
    expect(latest).to_contain_text("Status changed to Planned")
    expect(latest).to_contain_text("Sam Librarian")
    expect(latest).to_contain_text("Library staff")
    expect(latest).to_contain_text(
        "We will start with 30 games in March, chosen with the games club."
    )
    expect(latest.get_by_text("March", exact=True)).to_have_js_property("tagName", "STRONG")
    assert_accessible(page)

    # The home page lists the library's response too.
    page.goto("/")
    activity = page.get_by_role("region", name="Latest activity")
    expect(activity.get_by_role("link", name=title).first).to_be_visible()
    expect(activity).to_contain_text(f"{title}: now Planned")
