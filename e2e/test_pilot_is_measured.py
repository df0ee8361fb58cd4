"""Staff publish a piloting decision and set up its pilot; a committee member joins the
cohort from the decision page; staff record the review (refused first, then sent), which
publishes the next decision linked to this one. The pages pass axe in English and Chinese."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from playwright.sync_api import expect

TITLE = "Silent study carrels on floor 4"


def test_a_pilot_is_joined_and_reviewed(new_context, sign_in, assert_accessible) -> None:
    today = date.today()
    staff = new_context().new_page()
    sign_in(staff, "staff@example.org")
    staff.goto("/staff/decisions/new")
    staff.get_by_label("Title", exact=True).fill(TITLE)
    staff.get_by_label("You said", exact=True).fill("You asked for somewhere truly silent.")
    staff.get_by_label("We did", exact=True).fill("We are trying 20 silent carrels for a term.")
    staff.get_by_label("Outcome", exact=True).select_option(label="Piloting")
    staff.get_by_label("Pilot starts").fill((today + timedelta(days=20)).isoformat())
    staff.get_by_label("Pilot ends").fill((today + timedelta(days=80)).isoformat())
    staff.get_by_label("Review date").fill((today + timedelta(days=90)).isoformat())
    staff.get_by_role("button", name="Publish decision").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(TITLE)
    decision_url = staff.url

    pilot = staff.get_by_role("region", name="The pilot")
    pilot.get_by_role("link", name="Set up the pilot").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(f"Pilot: {TITLE}")
    staff.get_by_label("How many people can join").fill("0")
    staff.get_by_role("button", name="Save the pilot").click()
    expect(staff.get_by_role("alert")).to_contain_text("There is a problem")
    expect(staff.get_by_label("How many people can join")).to_have_attribute("aria-invalid", "true")
    assert_accessible(staff)
    staff.get_by_label("How many people can join").fill("12")
    staff.get_by_role("button", name="Save the pilot").click()
    expect(staff.get_by_role("status")).to_have_text("The pilot is saved.")
    expect(pilot).to_contain_text("0 people are in the pilot")

    member = new_context().new_page()
    sign_in(member, "committee@example.org")
    member.goto(decision_url)
    region = member.get_by_role("region", name="The pilot")
    region.get_by_role("button", name="Join the pilot").click()
    expect(member.get_by_role("status")).to_contain_text("You are in the pilot.")
    expect(region).to_contain_text("1 person is in the pilot")
    expect(region.get_by_role("button", name="Leave the pilot")).to_be_visible()
    assert_accessible(member)

    staff.goto(decision_url)
    staff.get_by_role("region", name="The pilot").get_by_role(
        "link", name="Record the review"
    ).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(f"Review the pilot: {TITLE}")
    staff.get_by_role("button", name="Record the review").click()
    expect(staff.get_by_role("alert")).to_contain_text("Choose the outcome of the pilot.")
    assert_accessible(staff)
    staff.get_by_label("What the pilot found").fill("Eleven of twelve used a carrel **weekly**.")
    staff.get_by_role("radio", name="Adopt the change").check()
    staff.get_by_label("We did", exact=True).fill("The silent carrels stay on floor 4.")
    staff.get_by_role("button", name="Record the review").click()
    expect(staff.get_by_role("status")).to_have_text(
        "The review is recorded and the next decision is published."
    )
    expect(staff).not_to_have_url(decision_url)
    expect(staff.get_by_role("heading", level=1)).to_have_text(TITLE)
    chain = staff.get_by_role("region", name="The pilot")
    expect(chain).to_contain_text("This decision follows the review of an earlier pilot")
    expect(chain.get_by_role("link", name=TITLE)).to_have_attribute(
        "href", urlsplit(decision_url).path
    )
    assert_accessible(staff)

    member.goto(decision_url)
    region = member.get_by_role("region", name="The pilot")
    expect(region.get_by_text("weekly", exact=True)).to_have_js_property("tagName", "STRONG")
    expect(region).to_contain_text("Adopt the change")
    assert_accessible(member)
