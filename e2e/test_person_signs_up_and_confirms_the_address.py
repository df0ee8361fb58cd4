"""A person signs up, is asked to check their email, signs in before confirming and sees why
they cannot take part yet, has the link sent again, and follows it from the real email:
the address is confirmed and they are signed in. Each page in English and Chinese, at 360 px."""

from __future__ import annotations

from playwright.sync_api import Page, expect

CHINESE, ENGLISH = "简体中文", "English"


def test_person_signs_up_and_confirms_the_address(
    page: Page,
    assert_accessible,
    in_both_languages,
    new_email,
    password,
    wait_for_email,
    follow_email_link,
    mail_inbox,
) -> None:
    email = new_email("sol")
    page.goto("/signup")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Your name").fill("Sol Reader")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    in_both_languages(page, "Check your email", "请查收邮件")
    first = wait_for_email(email, "Confirm your email address")
    assert "List-Unsubscribe" not in first

    # Signed in before confirming: a banner on every page says why, and sends the link again.
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    banner = page.get_by_text("Please confirm your email address")
    expect(banner).to_be_visible()
    page.goto("/ideas")
    expect(banner).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_role("status")).to_have_text(
        "We sent the link again. It may take a minute to arrive."
    )
    page.get_by_role("button", name=CHINESE).click()
    expect(page.get_by_role("button", name="重新发送链接")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=ENGLISH).click()

    follow_email_link(page, email, "Confirm your email address", "/account/confirm/")
    expect(page.get_by_text(f"Confirm that {email} is your email address.")).to_be_visible()
    in_both_languages(page, "Confirm your email address", "确认您的电子邮箱地址")
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.get_by_role("status")).to_have_text(
        "Thank you: your email address is confirmed. Welcome!"
    )
    expect(page.get_by_text("Please confirm your email address")).to_have_count(0)
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Sol Reader")).to_be_visible()
    assert len(mail_inbox.by_recipient(email)) == 2  # the link, and the link again
