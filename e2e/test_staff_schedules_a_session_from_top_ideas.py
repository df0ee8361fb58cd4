"""A staff member schedules a design session from the staff desk: one button fills the agenda
with the five most-voted open ideas (their numbers in the field, their titles listed under it);
the new session's page links those ideas and shows its places. Pressing Enter in a field
schedules the session, though the agenda button comes first in the form."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect


def test_staff_schedules_a_session_from_top_ideas(page: Page, assert_accessible, sign_in) -> None:
    sign_in(page, "staff@example.org")
    page.goto("/staff")
    page.get_by_role("link", name="Schedule a session").click()
    expect(page).to_have_url(re.compile(r"/staff/sessions/new$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule a session")

    page.get_by_role("button", name="Fill the agenda with the 5 most-voted open ideas").click()
    agenda = page.get_by_label("Agenda: idea numbers")
    expect(agenda).to_have_value(re.compile(r"^\d+(, \d+){4}$"))
    idea_ids = [int(x) for x in agenda.input_value().split(", ")]
    listed = page.locator("ul.hint li")
    expect(listed).to_have_count(5)
    for position, idea_id in enumerate(idea_ids):
        expect(listed.nth(position)).to_have_text(re.compile(rf"^#{idea_id} \S"))
    titles = [text.split(" ", 1)[1] for text in listed.all_inner_texts()]
    # The form came back without errors and kept its defaults.
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_label("Who can take part")).to_have_value("public")

    next_year = date.today().year + 1
    title = "Quiet corners: design the silent study floor"
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Kind of session", exact=True).select_option(label="Workshop")
    page.get_by_label("Description", exact=True).fill(
        "We look at the **most-voted** study ideas together."
    )
    page.get_by_label("Starts", exact=True).fill(f"{next_year}-05-04T18:00")
    page.get_by_label("Ends", exact=True).fill(f"{next_year}-05-04T20:00")
    page.get_by_label("Time zone", exact=True).select_option("Europe/London")
    page.get_by_label("Place", exact=True).fill("Main library, room 1.02")
    page.get_by_label("Places", exact=True).fill("1")
    page.get_by_label("Who can take part").select_option(label="Open to everyone")
    expect(page.get_by_role("button", name="Schedule session")).to_be_visible()
    page.get_by_label("Place", exact=True).press("Enter")

    expect(page).to_have_url(re.compile(r"/sessions/\d+$"))
    expect(page.get_by_role("status")).to_have_text("The session is scheduled.")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("0 of 1 places taken")).to_be_visible()
    expect(page.get_by_text("Main library, room 1.02")).to_be_visible()
    # 18:00 in London in May is 17:00 UTC, the site's time zone.
    expect(page.locator("dl.facts")).to_contain_text("17:00")
    agenda_list = page.get_by_role("region", name="Agenda: the ideas we will work on")
    links = agenda_list.get_by_role("link")
    expect(links).to_have_count(5)
    for position, (idea_id, idea_title) in enumerate(zip(idea_ids, titles, strict=True)):
        expect(links.nth(position)).to_have_text(idea_title)
        expect(links.nth(position)).to_have_attribute("href", f"/ideas/{idea_id}")
    assert_accessible(page)

    # It is listed with the upcoming sessions.
    page.goto("/sessions")
    card = page.get_by_role("article", name=title)
    expect(card).to_contain_text("0 of 1 places taken")
    expect(card).to_contain_text("Workshop")
