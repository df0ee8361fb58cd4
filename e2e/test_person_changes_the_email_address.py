"""A person changes their email address on /account: the new address gets a link by real
email, the address changes only when it is followed, and the old address is told. The
account page in English and Chinese, at 360 px."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_person_changes_the_email_address(
    page: Page,
    assert_accessible,
    in_both_languages,
    new_email,
    password,
    sign_up,
    sign_in,
    wait_for_email,
    follow_email_link,
) -> None:
    old = sign_up(page, "Ines Reader", new_email("ines"))
    new = new_email("ines-new")
    page.goto("/account")
    in_both_languages(page, "Your account", "我的账号")

    page.get_by_label("New email address").fill(new)
    page.get_by_label("Your password, to confirm").fill("not my password")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("alert")).to_contain_text("The password is not right.")
    expect(page.get_by_label("New email address")).to_have_value(new)
    assert_accessible(page)
    page.get_by_label("Your password, to confirm").fill(password)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("status")).to_contain_text("We sent a link to the new address.")
    expect(page.get_by_text(f"We sent a link to {new}.")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text=old)).to_be_visible()  # not yet
    assert_accessible(page)

    follow_email_link(page, new, "Confirm your new email address", "/account/confirm/")
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your email address is changed. We told your old address."
    )
    expect(page.get_by_role("definition").filter(has_text=new)).to_be_visible()
    told = wait_for_email(old, "Your email address was changed")
    assert new in told.get_content()

    page.get_by_role("button", name="Sign out").first.click()
    sign_in(page, new)
