"""A person who forgot their password asks for a link, gets it by real email, chooses a new
password and is signed in; the old password no longer works, the new one does, and the
link works only once. Each page in English and Chinese, at 360 px."""

from __future__ import annotations

from playwright.sync_api import Page, expect

NEW_PASSWORD = "a new and better passphrase"


def test_person_forgets_the_password_and_chooses_a_new_one(
    page: Page,
    new_context,
    assert_accessible,
    in_both_languages,
    new_email,
    password,
    sign_up,
    sign_in,
    follow_email_link,
) -> None:
    email = sign_up(page, "Fen Reader", new_email("fen"))
    page.get_by_role("button", name="Sign out").first.click()

    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    in_both_languages(page, "Forgot your password?", "忘记密码？")
    page.get_by_label("Email address").fill("not an address")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter an email address like")
    expect(page.get_by_label("Email address")).to_have_value("not an address")
    assert_accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    in_both_languages(page, "Check your email", "请查收邮件")

    link = follow_email_link(page, email, "Choose a new password", "/password/reset/")
    in_both_languages(page, "Choose a new password", "设置新密码")
    page.get_by_label("New password").fill("short")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 10")
    assert_accessible(page)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_role("status")).to_contain_text("Your new password is set")
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Fen Reader")).to_be_visible()

    other = new_context().new_page()
    other.goto(link)
    expect(other.get_by_role("heading", level=1)).to_have_text("This link does not work")
    assert_accessible(other)
    other.goto("/login")
    other.get_by_label("Email address").fill(email)
    other.get_by_label("Password").fill(password)
    other.get_by_role("button", name="Sign in").click()
    expect(other.get_by_role("alert")).to_contain_text(
        "The email address or password is not right."
    )
    sign_in(other, email, NEW_PASSWORD)
