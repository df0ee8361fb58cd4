"""Staff triage an idea across teams: an admin sets a scoring criterion; staff give the idea
a lead team and an owner (a refused form first), ask another team for input, score it and
write a note; the lead team's board shows it beside its score, and the team asked marks the
request answered. The pages pass axe in English and Chinese."""

from __future__ import annotations

import re

from playwright.sync_api import expect

TITLE = "Find e-books from the catalogue in one search"


def test_staff_triage_an_idea_across_teams(
    new_context, sign_in, propose_idea, assert_accessible
) -> None:
    admin = new_context().new_page()
    sign_in(admin, "admin@example.org")
    admin.goto("/staff/triage/criteria")
    form = admin.locator("form", has=admin.get_by_role("button", name="Add criterion"))
    form.get_by_label("Name in English").fill("Reach")
    form.get_by_label("Weight, 1 to 10").fill("11")
    form.get_by_role("button", name="Add criterion").click()
    expect(admin.get_by_role("alert")).to_contain_text("Choose a weight from 1 to 10.")
    assert_accessible(admin)
    admin.locator("form", has=admin.get_by_role("button", name="Add criterion")).get_by_label(
        "Weight, 1 to 10"
    ).fill("3")
    admin.get_by_role("button", name="Add criterion").click()
    expect(admin.get_by_role("status")).to_have_text("The criterion is added.")

    staff = new_context().new_page()
    sign_in(staff, "staff@example.org")
    idea_id = propose_idea(
        staff,
        title=TITLE,
        description="Searching the catalogue and then each e-book platform takes too long.",
        category="Digital services",
    )
    staff.goto(f"/ideas/{idea_id}")
    panel = staff.get_by_role("region", name="Triage (staff only)")
    panel.get_by_label("Lead team").select_option(label="Technical services")
    panel.get_by_role("button", name="Save lead team and owner").click()
    expect(staff.get_by_role("alert")).to_contain_text("Choose a member of staff.")
    expect(staff.get_by_label("Owner")).to_have_attribute("aria-invalid", "true")
    assert_accessible(staff)
    staff.get_by_label("Owner").select_option(index=1)
    staff.get_by_role("button", name="Save lead team and owner").click()
    expect(staff.get_by_role("status")).to_have_text("The lead team and owner are saved.")

    panel = staff.get_by_role("region", name="Triage (staff only)")
    panel.get_by_label("Ask a team").select_option(label="Public services")
    panel.get_by_label("What should they look at?").fill("Does the desk hear about this?")
    panel.get_by_role("button", name="Ask for input").click()
    expect(staff.get_by_role("status")).to_have_text("The team is asked for its input.")
    panel = staff.get_by_role("region", name="Triage (staff only)")
    panel.get_by_label("Reach (weight 3)").select_option("4")
    panel.get_by_role("button", name="Save scores").click()
    expect(staff.get_by_role("status")).to_have_text("The scores are saved.")
    panel = staff.get_by_role("region", name="Triage (staff only)")
    panel.get_by_label("Add a note").fill("Talk to the **vendor** first.")
    panel.get_by_role("button", name="Save the note").click()
    expect(staff.get_by_role("status")).to_have_text("The note is saved. Only staff can read it.")
    panel = staff.get_by_role("region", name="Triage (staff only)")
    expect(panel.get_by_text("vendor", exact=True)).to_have_js_property("tagName", "STRONG")
    expect(panel).to_contain_text("Weighted score: 4.0 of 5")
    assert_accessible(staff)

    panel.get_by_role("link", name="See the team's board").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Technical services")
    board = staff.get_by_role("region", name="Board")
    row = board.get_by_role("row", name=TITLE)
    expect(row).to_contain_text("4.0")
    staff.get_by_label("Sort by").select_option(label="Votes")
    staff.get_by_role("button", name="Sort", exact=True).click()
    expect(staff).to_have_url(re.compile(r"sort=votes"))
    assert_accessible(staff)

    staff.goto("/staff/teams")
    staff.get_by_role("link", name="Public services", exact=True).click()
    asked = staff.get_by_role("region", name="Asked for input")
    expect(asked).to_contain_text("Does the desk hear about this?")
    asked.get_by_role("button", name=f"Mark answered {TITLE}").click()
    expect(staff.get_by_role("status")).to_have_text("The request for input is marked answered.")
    assert_accessible(staff)
