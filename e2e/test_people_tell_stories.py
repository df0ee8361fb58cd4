"""A patron tells a story through the footer's link (the form refused first, then sent with
consent), staff publish it, and a visitor reads it at /stories; the form, the refused form and
the list pass axe in both languages and fit 360 px."""

from __future__ import annotations

from playwright.sync_api import expect

HAPPENED = "In March a subject librarian found the 1950s census tables I had given up on."


def test_patron_tells_a_story_and_a_visitor_reads_it(new_context, sign_in, assert_accessible):
    patron = new_context().new_page()
    sign_in(patron, "patron@example.org")
    patron.get_by_role("contentinfo").get_by_role("link", name="Tell us a story").click()
    expect(patron.get_by_role("heading", level=1)).to_have_text("Tell us a story")
    assert_accessible(patron)

    patron.get_by_label("What happened?").fill(HAPPENED)
    patron.get_by_role("button", name="Send your story").click()
    expect(patron.get_by_role("alert")).to_contain_text("There is a problem")
    expect(patron.get_by_label("What did you do with it?")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(patron.get_by_label("What happened?")).to_have_value(HAPPENED)
    assert_accessible(patron)

    patron.get_by_label("What did you do with it?").fill("I used them in my thesis chapter.")
    patron.get_by_label("What changed for you?").fill("I finished the chapter a month early.")
    patron.get_by_label("The service involved").select_option(index=1)
    patron.get_by_label("The library may publish my story without my name").check()
    patron.get_by_role("button", name="Send your story").click()
    expect(patron.get_by_role("status")).to_contain_text("Your story is with the library")
    story_url = patron.url

    staff = new_context().new_page()
    sign_in(staff, "staff@example.org")
    staff.goto("/staff/stories")
    staff.get_by_role("link").filter(has_text="Story").first.click()
    staff.get_by_role("button", name="Publish without the author's name").click()
    expect(staff.get_by_role("status")).to_have_text("The story is published.")

    visitor = new_context().new_page()
    visitor.goto("/stories")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Stories")
    expect(visitor.get_by_text("census tables").first).to_be_visible()
    assert_accessible(visitor)
    visitor.goto(story_url)
    expect(visitor.get_by_role("heading", name="What changed")).to_be_visible()
