"""Staff start a three-column survey from its template and schedule a round for everyone; a
patron, with JavaScript off, finds it on the home page, saves half the answers to finish
later, comes back to them, is told what is missing, and sends them. Every page is checked
with axe in both languages (axe needs JavaScript, so a committee member's browser with it
opens the same pages), and at 360 px the three columns stack instead of overflowing. Staff
then read the results, publish them, and a visitor reads them from /surveys."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

TITLE = "What do you expect of the library, and what do you get?"
ITEMS = [
    "Staff who take my questions seriously.",
    "Help that fits what I am trying to do.",
    "Staff who are easy to reach when I need them.",
    "Online resources I can use from wherever I work.",
    "A website that makes things easy to find.",
    "The books and journals my work depends on.",
    "Space that helps me concentrate.",
    "Places to work together with others.",
    "A welcoming place to study.",
]
COLUMNS = {
    "Minimum: the least you would accept": "5",
    "Desired: what you would like": "8",
    "Perceived: what you get now": "6",
}


def _rate(page: Page, item: str) -> None:
    group = page.get_by_role("group", name=item, exact=True)
    for column, value in COLUMNS.items():
        group.get_by_role("group", name=column).get_by_label(value, exact=True).check()


def test_patron_answers_a_survey(new_context, sign_in, assert_accessible) -> None:
    staff = new_context().new_page()
    sign_in(staff, "staff@example.org")
    staff.goto("/staff")
    staff.get_by_role("link", name="Surveys").first.click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Surveys")
    assert_accessible(staff)
    staff.get_by_role(
        "button", name="Start a three-column survey (minimum, desired, perceived)"
    ).click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(TITLE)
    # The demo has a survey of the same title: this one is known by its number.
    survey = re.search(r"/staff/surveys/(\d+)", staff.url)
    assert survey, staff.url
    number = survey.group(1)
    today = datetime.now(UTC).date()
    staff.get_by_label("Opens on").fill(today.isoformat())
    staff.get_by_label("Closes after").fill((today + timedelta(days=14)).isoformat())
    staff.get_by_label("Who is asked").select_option(label="Everyone signed in")
    staff.get_by_role("button", name="Schedule the round").click()
    expect(staff.get_by_role("status")).to_have_text(
        "The round is scheduled. Its audience is invited when it opens."
    )
    assert_accessible(staff)

    patron = new_context(java_script_enabled=False).new_page()
    sign_in(patron, "patron@example.org")
    patron.goto("/")
    patron.get_by_role("region", name="The library asks for your view").locator(
        f'a[href="/surveys/{number}"]'
    ).click()
    expect(patron.get_by_role("heading", level=1)).to_have_text(TITLE)
    form_url = patron.url

    # The same form, and the same form refused, as axe sees them.
    viewer = new_context().new_page()
    sign_in(viewer, "committee@example.org")
    viewer.goto(form_url)
    assert_accessible(viewer)
    _rate(viewer, ITEMS[0])
    viewer.get_by_role("button", name="Send my answers").click()
    expect(viewer.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(viewer)

    for item in ITEMS[:4]:
        _rate(patron, item)
    patron.get_by_role("button", name="Save and finish later").click()
    expect(patron.get_by_role("status")).to_have_text(
        "Your answers are saved. Come back to this page to finish."
    )
    patron.goto("/")
    patron.goto(form_url)
    first = patron.get_by_role("group", name=ITEMS[0], exact=True)
    expect(
        first.get_by_role("group", name="Desired: what you would like").get_by_label(
            "8", exact=True
        )
    ).to_be_checked()

    # Sending with items left: each is named, the answers given stay chosen.
    patron.get_by_role("button", name="Send my answers").click()
    expect(patron.get_by_role("alert")).to_contain_text("There is a problem")
    expect(patron.get_by_role("alert").get_by_role("link")).to_have_count(15)
    expect(
        first.get_by_role("group", name="Perceived: what you get now").get_by_label("6", exact=True)
    ).to_be_checked()

    for item in ITEMS[4:8]:
        _rate(patron, item)
    last = patron.get_by_role("group", name=ITEMS[8], exact=True)
    for column in COLUMNS:
        last.get_by_role("group", name=column).get_by_label("Not applicable").check()
    patron.get_by_role(
        "textbox", name="Is there anything else you would like to tell the library?"
    ).fill("Quiet rooms fill up by ten.")
    patron.get_by_label("Which group are you in?").select_option(label="Postgraduate student")
    patron.get_by_role("button", name="Send my answers").click()
    expect(patron.get_by_role("status")).to_have_text("Thank you: your answers are sent.")
    expect(patron.get_by_role("heading", level=1)).to_have_text("Surveys")
    expect(patron.get_by_role("region", name="Open for you")).to_contain_text("answered")
    viewer.goto("/surveys")
    assert_accessible(viewer)

    # Staff see the response counted on the round's page.
    staff.get_by_role("region", name="Rounds").get_by_role("link").first.click()
    expect(staff.locator("#response-count")).to_have_text("1")
    assert_accessible(staff)

    # Staff read the results before anyone else can, then publish them.
    staff.get_by_role("link", name="See the results").click()
    expect(staff.locator("#results-n")).to_have_text("1")
    assert_accessible(staff)
    results_url = staff.url
    visitor = new_context().new_page()
    assert visitor.goto(results_url).status == 404
    staff.go_back()
    staff.get_by_role("button", name="Publish the results").click()
    expect(staff.get_by_role("status")).to_have_text(
        "The round's results are published: everyone can read them."
    )
    assert_accessible(staff)

    visitor.goto("/surveys")
    visitor.get_by_role("region", name="Published results").locator(
        f'a[href^="/surveys/{number}/"]'
    ).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(f"Results: {TITLE}")
    table = visitor.get_by_role("table", name="Dimensions")
    expect(table).to_contain_text("The service people give")
    expect(visitor.get_by_role("img", name="zones of tolerance").first).to_be_visible()
    assert_accessible(visitor)
