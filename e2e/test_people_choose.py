"""Staff ask "rank them" on an idea; a patron ranks the options with the keyboard alone (a
number given twice is refused beside its field first), with JavaScript on and off; staff close
the question and a visitor reads the Borda points and every runoff round. The form, the refused
form and the results pass axe in English and Chinese (axe runs in the page, so in the
JavaScript variant: the markup is the same)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

LAYOUTS = ("Quiet rows", "Group tables", "Booths")


def _ask(staff, question: str) -> str:
    """Staff put the question on the demo's standing-desks idea; its address."""
    staff.goto("/ideas?q=Standing+desks")
    staff.get_by_role("link", name="Standing desks near the windows").first.click()
    staff.get_by_role("link", name="Ask a question").click()
    staff.get_by_label("The question in English").fill(question)
    staff.get_by_label("How people answer").select_option(label="Rank them")
    for n, layout in enumerate(LAYOUTS, start=1):
        staff.get_by_label(f"Option {n} in English").fill(layout)
    today = datetime.now(UTC).date()
    staff.get_by_label("First day").fill(today.isoformat())
    staff.get_by_label("Last day").fill((today + timedelta(days=7)).isoformat())
    staff.get_by_role("button", name="Ask the question").click()
    expect(staff.get_by_role("status")).to_have_text("The question is on its page.")
    expect(staff.get_by_role("heading", level=1)).to_have_text(question)
    return staff.url


def _rank_with_keys(page, places: tuple[str, ...]) -> None:
    """Tab to each option's select and type its number, then Enter on the button."""
    page.get_by_label(LAYOUTS[0]).focus()
    for n, place in enumerate(places):
        if n:
            page.keyboard.press("Tab")
        page.keyboard.type(place)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send your answer")).to_be_focused()
    page.keyboard.press("Enter")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_people_rank_layouts_with_the_keyboard(new_context, sign_in, assert_accessible, javascript):
    question = f"Which layout for the third floor ({'js' if javascript else 'no js'})?"
    staff = new_context().new_page()
    sign_in(staff, "staff@example.org")
    url = _ask(staff, question)

    patron = new_context(java_script_enabled=javascript).new_page()
    sign_in(patron, "patron@example.org")
    patron.goto(url)
    expect(patron.get_by_role("group", name="Your ranking")).to_be_visible()
    if javascript:  # axe runs in the page: the same markup is checked in the JS variant
        assert_accessible(patron)

    _rank_with_keys(patron, ("1", "2", "2"))
    expect(patron.get_by_role("alert")).to_contain_text("There is a problem")
    expect(patron.get_by_label(LAYOUTS[2])).to_have_attribute("aria-invalid", "true")
    expect(patron.get_by_label(LAYOUTS[2])).to_have_accessible_description(
        re.compile("You gave 2 to “Group tables” as well")
    )
    expect(patron.get_by_label(LAYOUTS[1])).to_have_value("2")  # what they chose is kept
    if javascript:
        assert_accessible(patron)

    patron.get_by_label(LAYOUTS[2]).focus()
    patron.keyboard.type("N")  # back to "Not ranked": a partial ranking counts
    patron.keyboard.press("Tab")
    patron.keyboard.press("Enter")
    expect(patron.get_by_role("status")).to_contain_text("Your answer is saved.")
    expect(patron.get_by_label(LAYOUTS[0])).to_have_value("1")
    expect(patron.get_by_label(LAYOUTS[2])).to_have_value("")
    expect(patron.get_by_text("The results show once the question closes.")).to_be_visible()

    staff.goto(url)
    staff.get_by_role("button", name="Close it now").click()
    expect(staff.get_by_role("status")).to_contain_text("The question is closed")

    visitor = new_context(java_script_enabled=javascript).new_page()
    visitor.goto(url)
    expect(visitor.get_by_text("Instant-runoff winner: Quiet rows")).to_be_visible()
    expect(visitor.get_by_role("table", name="Instant runoff, round by round")).to_be_visible()
    expect(visitor.get_by_role("button", name="Send your answer")).to_have_count(0)
    if javascript:
        assert_accessible(visitor)


def test_the_demo_question_shows_a_floor_plan_beside_each_layout(new_context, assert_accessible):
    """The demo's closed question: each layout's floor plan beside its text in the results,
    described by its alt text, opening the full picture; axe clean, 360 px wide."""
    visitor = new_context().new_page()
    # The demo asks it at its group-study floor workshop, a past session.
    visitor.goto("/sessions?when=past")
    visitor.get_by_role("link", name="Group-study floor workshop").first.click()
    visitor.get_by_role("link", name="Which layout for the group-study floor?").first.click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Which layout for the group-study floor?"
    )
    plans = visitor.get_by_role("img", name=re.compile("^A floor plan with"))
    expect(plans).to_have_count(3)
    for n in range(3):
        expect(plans.nth(n)).to_be_visible()
        assert visitor.evaluate("(img) => img.naturalWidth > 0", plans.nth(n).element_handle())
    full = plans.first.locator("xpath=..").get_attribute("href")
    assert full and visitor.request.get(full).headers["content-type"] == "image/png"
    assert_accessible(visitor)
