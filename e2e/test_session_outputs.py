"""A past session's page shows what it produced: the demo's group-study floor workshop with its
summary, whiteboard picture, floor-layout result and ideas. Staff, with JavaScript off, link an
idea by number (a wrong number is named beside its field first) and create a new idea there; a
visitor reads them. The page, and the refused form, pass axe in English and Chinese."""

from __future__ import annotations

from playwright.sync_api import expect


def _session(page) -> None:
    page.goto("/sessions?when=past")
    page.get_by_role("link", name="Group-study floor workshop").first.click()


def test_session_outputs_are_shown_and_staff_add_ideas(new_context, sign_in, assert_accessible):
    visitor = new_context().new_page()
    _session(visitor)
    outputs = visitor.get_by_role("region", name="Ideas this session created or changed")
    expect(outputs.get_by_role("link", name="Movable whiteboards for group rooms")).to_be_visible()
    expect(visitor.get_by_role("img", name="Whiteboard sketch of the group-study floor").first)
    expect(visitor.get_by_text("Which layout for the group-study floor?").first).to_be_visible()
    assert_accessible(visitor)

    staff = new_context(java_script_enabled=False).new_page()
    sign_in(staff, "staff@example.org")
    _session(staff)
    staff.get_by_label("Idea number").fill("999999")
    staff.get_by_label("What the session did with it (optional)").fill("From sketch 3")
    staff.get_by_role("button", name="Link the idea").click()
    expect(staff.get_by_label("Idea number")).to_have_attribute("aria-invalid", "true")
    expect(staff.get_by_label("What the session did with it (optional)")).to_have_value(
        "From sketch 3"
    )
    assert_accessible(staff)

    staff.get_by_label("Title", exact=True).fill("Booths bookable by the hour")
    staff.get_by_label("Description").fill("Groups asked to book the booths for project work.")
    staff.get_by_label("Category").select_option(index=1)
    staff.get_by_role("button", name="Publish the idea").click()
    expect(staff.get_by_role("status")).to_contain_text("linked to this session's outputs")

    visitor.reload()
    expect(visitor.get_by_role("link", name="Booths bookable by the hour")).to_be_visible()
