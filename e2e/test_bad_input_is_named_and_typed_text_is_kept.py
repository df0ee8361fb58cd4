"""Forms with bad input come back with an error summary that links to each field, the message
again beside the field (and read out with it), and what the person typed still there."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_new_idea_without_a_title_names_the_problem_and_keeps_the_description(
    page: Page, assert_accessible, sign_in
) -> None:
    sign_in(page, "patron@example.org")
    page.goto("/ideas/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose an idea")
    assert_accessible(page)

    description = "A *second* book drop by the car park, so we need not queue inside."
    page.get_by_label("Describe your idea").fill(description)
    page.get_by_label("Category").select_option(label="Spaces and study rooms")
    page.get_by_role("button", name="Post your idea").click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    problem = summary.get_by_role("link")
    expect(problem).to_have_count(1)
    title = page.get_by_label("Title")
    expect(title).to_have_attribute("aria-invalid", "true")
    message = problem.inner_text()
    assert message
    # The message beside the field is read out with it, after the hint.
    expect(title).to_have_accessible_description(re.compile(rf"Error: {re.escape(message)}$"))
    expect(page.get_by_text(f"Error: {message}")).to_be_visible()
    expect(page.get_by_label("Describe your idea")).to_have_value(description)
    expect(page.get_by_label("Category")).to_have_value(
        page.get_by_role("option", name="Spaces and study rooms").get_attribute("value") or ""
    )
    assert_accessible(page)

    problem.click()
    expect(title).to_be_focused()
    title.fill("A second book drop by the car park")
    page.get_by_role("button", name="Post your idea").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A second book drop by the car park")
    expect(page.get_by_text("second", exact=True)).to_have_js_property("tagName", "EM")


def test_sign_up_with_bad_input_names_each_problem_and_keeps_the_name(
    page: Page, assert_accessible
) -> None:
    page.goto("/signup")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_label("Your name").fill("Kim")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()

    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(2)
    for label in ("Email address", "Password"):
        expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Your name")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Your name")).to_have_value("Kim")
    expect(page.get_by_label("Email address")).to_have_value("not an address")
    expect(page.get_by_label("Password")).to_have_value("")
    assert_accessible(page)

    summary.get_by_role("link").last.click()
    expect(page.get_by_label("Password")).to_be_focused()


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(
    page: Page, assert_accessible
) -> None:
    page.goto("/login")
    assert_accessible(page)
    page.get_by_label("Email address").fill("patron@example.org")
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page.get_by_label("Email address")).to_have_value("patron@example.org")
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    ).to_be_visible()
    assert_accessible(page)
