"""Every design-session page passes axe-core and fits a 360 px screen, for each kind of person
who sees it (and with its error messages showing); with JavaScript off, registering and
cancelling still work."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

WORKSHOP = "Study spaces workshop"
PAST = "Focus group: opening hours"


def open_session(page: Page, title: str, when: str = "") -> str:
    """Open a session from the list; returns its address."""
    page.goto(f"/sessions{when}")
    page.get_by_role("article", name=title).get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return re.sub(r"^https?://[^/]+", "", page.url)


def test_session_pages_are_accessible_to_visitors_and_patrons(
    page: Page, assert_accessible, new_email, sign_up
) -> None:
    page.goto("/sessions")
    expect(page.get_by_role("article", name=WORKSHOP)).to_be_visible()
    assert_accessible(page)
    page.goto("/sessions?when=past")
    expect(page.get_by_role("article", name=PAST)).to_be_visible()
    assert_accessible(page)

    open_session(page, PAST, "?when=past")
    expect(page.get_by_role("region", name="What happened")).to_contain_text("Eight people came.")
    expect(page.get_by_text("This session has already taken place.")).to_be_visible()
    assert_accessible(page)

    open_session(page, WORKSHOP)
    expect(page.get_by_role("link", name="Sign in to register")).to_be_visible()
    assert_accessible(page)
    page.goto("/committee")
    expect(page.get_by_text("Committee sessions are visible to members only.")).to_be_visible()
    assert_accessible(page)

    # A patron sees the registration form, and its error when the access needs are too long.
    sign_up(page, "Pat Reader", new_email("pat"))
    open_session(page, WORKSHOP)
    take_part = page.get_by_role("region", name="Take part")
    needs = take_part.get_by_label("Access needs (optional)")
    expect(needs).to_be_visible()
    assert_accessible(page)
    needs.fill("x" * 2001)
    take_part.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_contain_text("Use at most 2000 characters here.")
    expect(needs).to_have_attribute("aria-invalid", "true")
    expect(take_part.get_by_text("You have a place.", exact=True)).to_have_count(0)
    assert_accessible(page)


def test_session_pages_are_accessible_to_staff_and_the_committee(
    page: Page, new_context, assert_accessible, sign_in
) -> None:
    sign_in(page, "staff@example.org")
    address = open_session(page, WORKSHOP)
    expect(page.get_by_role("table", name="Registrations")).to_be_visible()
    expect(page.get_by_label("Notes", exact=True)).to_be_visible()
    assert_accessible(page)
    # Publishing empty notes names the problem.
    page.get_by_role("button", name="Publish notes and outcomes").click()
    expect(page.get_by_role("alert")).to_contain_text("Write the notes or the outcomes.")
    expect(page.get_by_label("Notes", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.goto("/staff/sessions/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Schedule a session")
    assert_accessible(page)
    page.get_by_label("Places", exact=True).fill("")
    page.get_by_role("button", name="Schedule session").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter a title for the session.")
    expect(summary).to_contain_text("Enter a date and time.")
    expect(summary).to_contain_text("Enter a place, an online link, or both.")
    expect(summary).to_contain_text("Enter a number of places from 1 to 10000.")
    expect(page.get_by_label("Title", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.goto(f"{address}/edit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit session")
    expect(page.get_by_label("Title", exact=True)).to_have_value(WORKSHOP)
    expect(page.get_by_label("Agenda: idea numbers")).to_have_value(re.compile(r"^\d+(, \d+)*$"))
    assert_accessible(page)

    committee = new_context().new_page()
    sign_in(committee, "committee@example.org")
    committee.goto("/committee")
    expect(committee.get_by_role("heading", name="Your private calendar feed")).to_be_visible()
    assert_accessible(committee)

    admin = new_context().new_page()
    sign_in(admin, "admin@example.org")
    admin.goto("/staff/committee")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Committee membership")
    expect(admin.get_by_role("table", name="Committee members")).to_contain_text(
        "committee@example.org"
    )
    assert_accessible(admin)
    admin.get_by_label("Email address of the person").fill("nobody-here@example.net")
    admin.get_by_role("button", name="Grant committee role").click()
    expect(admin.get_by_role("alert")).to_be_visible()
    email = admin.get_by_label("Email address of the person")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("nobody-here@example.net")
    assert_accessible(admin)


def test_registering_and_cancelling_work_without_javascript(
    new_context, new_email, sign_up
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    sign_up(page, "Nojs Reader", new_email("nojs"))
    address = open_session(page, WORKSHOP)
    places = page.locator("dl.facts")
    taken = int(re.search(r"(\d+) of 12 places taken", places.inner_text()).group(1))
    take_part = page.get_by_role("region", name="Take part")
    take_part.get_by_label("Access needs (optional)").fill("A quiet seat near the door.")
    with page.expect_navigation():
        take_part.get_by_role("button", name="Register").click()
    expect(page).to_have_url(re.compile(rf"{address}$"))
    expect(page.get_by_role("status")).to_have_text(
        "You have a place. We will remind you the day before."
    )
    expect(take_part.get_by_text("You have a place.", exact=True)).to_be_visible()
    expect(places).to_contain_text(f"{taken + 1} of 12 places taken")

    with page.expect_navigation():
        take_part.get_by_role("button", name="Cancel my place").click()
    expect(page).to_have_url(re.compile(rf"{address}$"))
    expect(page.get_by_role("status")).to_have_text("Your registration is cancelled.")
    expect(take_part.get_by_role("button", name="Register")).to_be_visible()
    expect(places).to_contain_text(f"{taken} of 12 places taken")
