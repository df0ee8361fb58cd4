"""A patron comments on an idea; another patron reports the comment through its "Report"
disclosure; staff find it under "Reports to review" on the staff desk and hide it with a
reason. The author then sees the reason beside their comment, the reporter only a placeholder,
and an admin finds the action in the audit log."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_staff_hides_a_reported_comment(
    page: Page, new_context, assert_accessible, sign_in, sign_up, new_email
) -> None:
    # A patron comments on an idea.
    sign_up(page, "Hana Writer", new_email("hana"))
    page.goto("/ideas")
    first = page.get_by_role("main").get_by_role("article").first.get_by_role("link").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    idea_url = page.url
    comment_text = "Cheap textbooks, call 555-0199 after six."
    page.get_by_label("Your comment").fill(comment_text)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_role("status")).to_have_text("Your comment is posted.")
    comment_id = re.search(r"#comment-(\d+)$", page.url).group(1)
    mine = page.locator(f"#comment-{comment_id}")
    expect(mine).to_contain_text(comment_text)

    # Another patron reports it.
    reader = new_context().new_page()
    sign_up(reader, "Rui Reader", new_email("rui"))
    reader.goto(idea_url)
    theirs = reader.get_by_role("article", name="Hana Writer")
    expect(theirs).to_contain_text(comment_text)
    theirs.get_by_text("Report this comment").click()
    theirs.get_by_label("What is wrong?").fill("Advertising, with a phone number")
    theirs.get_by_role("button", name="Send report").click()
    expect(reader.get_by_role("status")).to_have_text(
        "Thank you. The moderators will look at your report."
    )
    expect(reader.get_by_role("article", name="Hana Writer")).to_contain_text(comment_text)

    # Staff see the report on their desk and hide the comment with a reason.
    desk = new_context().new_page()
    sign_in(desk, "staff@example.org")
    desk.goto("/staff")
    reports = desk.get_by_role("region", name="Reports to review")
    item = reports.get_by_role("listitem").filter(has_text=comment_text)
    expect(item).to_have_count(1)
    expect(item).to_contain_text("1 report: Advertising, with a phone number")
    expect(item.get_by_role("link", name=title)).to_have_attribute(
        "href", f"/comments/{comment_id}"
    )
    assert_accessible(desk)
    reason = "Advertising is not allowed here"
    item.get_by_label("Reason, shown to the author").fill(reason)
    item.get_by_role("button", name="Hide").click()
    expect(desk.get_by_role("status")).to_have_text("It is hidden. Its author sees the reason.")
    expect(reports.get_by_role("listitem").filter(has_text=comment_text)).to_have_count(0)

    # The author sees why, and still their words; the reporter sees only a placeholder.
    page.reload()
    expect(mine).to_contain_text(f"Hidden by moderators: {reason}")
    expect(mine).to_contain_text(comment_text)
    assert_accessible(page)

    reader.reload()
    hidden = reader.get_by_role("article", name="Hana Writer")
    expect(hidden).to_contain_text("This comment was hidden by the moderators.")
    expect(hidden).not_to_contain_text(comment_text)
    expect(hidden).not_to_contain_text(reason)

    # An admin finds the people page and the action in the audit log.
    admin = new_context().new_page()
    sign_in(admin, "admin@example.org")
    admin.goto("/staff/users")
    expect(admin.get_by_role("heading", level=1)).to_have_text("People")
    expect(admin.get_by_label("Role of Hana Writer")).to_have_value("patron")
    assert_accessible(admin)
    admin.goto("/staff/audit")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Audit log")
    log = admin.get_by_role("region", name="Audit log")
    expect(log.get_by_role("row").filter(has_text=f"hide comment #{comment_id}")).to_contain_text(
        "Sam Librarian"
    )
    assert_accessible(admin)
