"""A session with one place: the first patron takes it (telling staff about an access need),
the second joins the waitlist. Staff see both, and only staff see the access need. When the
first patron cancels, the second has the place and hears of it: the unread count in the
header, the notification, and an email."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import Page, expect


def schedule_session(page: Page, title: str, capacity: int) -> int:
    """As a signed-in staff member, schedule a public session through the form; returns its id."""
    page.goto("/staff/sessions/new")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Kind of session", exact=True).select_option(label="Focus group")
    page.get_by_label("Starts", exact=True).fill(f"{date.today().year + 1}-03-10T17:30")
    page.get_by_label("Ends", exact=True).fill(f"{date.today().year + 1}-03-10T19:00")
    page.get_by_label("Time zone", exact=True).select_option("UTC")
    page.get_by_label("Place", exact=True).fill("Branch library, meeting room")
    page.get_by_label("Places", exact=True).fill(str(capacity))
    page.get_by_label("Who can take part").select_option(label="Open to everyone")
    page.get_by_role("button", name="Schedule session").click()
    expect(page.get_by_role("status")).to_have_text("The session is scheduled.")
    return int(page.url.rstrip("/").rsplit("/", 1)[-1])


def test_waitlisted_patron_is_promoted_when_a_place_frees(
    page: Page,
    new_context,
    assert_accessible,
    new_email,
    sign_in,
    sign_up,
    wait_for_unread,
    wait_for_email,
) -> None:
    staff = new_context().new_page()
    sign_in(staff, "staff@example.org")
    title = "Focus group: the new self-service kiosks"
    session_id = schedule_session(staff, title, capacity=1)
    address = f"/sessions/{session_id}"
    expect(staff.get_by_text("0 of 1 places taken")).to_be_visible()

    # Patron A takes the only place and mentions an access need.
    sign_up(page, "Alex First", new_email("alex"))
    page.goto(address)
    take_part = page.get_by_role("region", name="Take part")
    need = "I use a wheelchair and need a table at sitting height."
    take_part.get_by_label("Access needs (optional)").fill(need)
    take_part.get_by_role("button", name="Register").click()
    expect(page).to_have_url(re.compile(rf"{address}$"))
    expect(page.get_by_role("status")).to_have_text(
        "You have a place. We will remind you the day before."
    )
    expect(take_part.get_by_text("You have a place.", exact=True)).to_be_visible()
    expect(take_part.get_by_role("button", name="Cancel my place")).to_be_visible()
    expect(page.get_by_text("1 of 1 places taken")).to_be_visible()

    # Patron B, in another browser, finds it full and joins the waitlist.
    b_email = new_email("bea")
    other = new_context().new_page()
    sign_up(other, "Bea Second", b_email)
    other.goto(address)
    b_take_part = other.get_by_role("region", name="Take part")
    expect(b_take_part.get_by_role("button", name="Register")).to_have_count(0)
    b_take_part.get_by_role("button", name="Join the waitlist").click()
    expect(other.get_by_role("status")).to_have_text(
        "The session is full, so you are on the waitlist. We will tell you if a place frees up."
    )
    expect(b_take_part.get_by_text("You are number 1 on the waitlist.")).to_be_visible()
    expect(b_take_part.get_by_role("button", name="Leave the waitlist")).to_be_visible()
    expect(other.get_by_text("1 of 1 places taken, 1 waiting")).to_be_visible()
    # Access needs are for staff only: B sees neither A's need nor the list of registrations.
    expect(other.get_by_text(need)).to_have_count(0)
    expect(other.get_by_role("table")).to_have_count(0)
    expect(other.get_by_text("Alex First")).to_have_count(0)

    # Staff see both registrations, and A's access need.
    staff.goto(address)
    registrations = staff.get_by_role("table", name="Registrations")
    a_row = registrations.get_by_role("row", name=re.compile(r"^Alex First"))
    expect(a_row).to_contain_text("Confirmed")
    expect(a_row).to_contain_text(need)
    expect(a_row.get_by_role("checkbox", name="Alex First attended")).to_be_visible()
    b_row = registrations.get_by_role("row", name=re.compile(r"^Bea Second"))
    expect(b_row).to_contain_text("Waitlist")
    expect(b_row.get_by_role("checkbox")).to_have_count(0)
    assert_accessible(staff)

    # A cancels; the place goes to B.
    take_part.get_by_role("button", name="Cancel my place").click()
    expect(page.get_by_role("status")).to_have_text("Your registration is cancelled.")
    expect(take_part.get_by_text("You have a place.", exact=True)).to_have_count(0)
    expect(take_part.get_by_role("button", name="Join the waitlist")).to_be_visible()

    other.reload()
    expect(b_take_part.get_by_text("You have a place.", exact=True)).to_be_visible()
    expect(b_take_part.get_by_role("button", name="Cancel my place")).to_be_visible()
    expect(other.get_by_text("1 of 1 places taken")).to_be_visible()
    expect(other.get_by_text(need)).to_have_count(0)

    # B hears of it: the header's unread count, the notification, the email.
    wait_for_unread(other, 1)
    other.get_by_role("navigation", name="Main").get_by_role(
        "link", name=re.compile(r"^Notifications")
    ).click()
    expect(other.get_by_role("list").filter(has_text=title)).to_contain_text(
        f"You have a place in “{title}”"
    )
    assert_accessible(other)
    message = wait_for_email(b_email, "A place is yours")
    assert title in str(message["Subject"])

    staff.reload()
    expect(registrations.get_by_role("row", name=re.compile(r"^Bea Second"))).to_contain_text(
        "Confirmed"
    )
    expect(registrations.get_by_role("row", name=re.compile(r"^Alex First"))).to_have_count(0)
