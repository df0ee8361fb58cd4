"""An email failed for good while the mail server was down. Staff find it from the staff desk
under "Emails that failed", with the address and the server's reason, send it again, and the
worker delivers it to the (now working) mail server."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, insert

from portal.core.clock import utcnow
from portal.notifications.models import EmailOutbox


def test_staff_sends_a_failed_email_again(
    page: Page, database_url, assert_accessible, sign_in, new_email, wait_for_email
) -> None:
    address = new_email("ines")
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            insert(EmailOutbox).values(
                idempotency_key=f"e2e:{address}",
                to_addr=address,
                subject="Your idea is planned",
                body="The library plans to do it this spring.",
                kind="status",
                status="failed",
                attempts=8,
                next_attempt_at=utcnow(),
                last_error="[Errno 111] Connection refused",
                created_at=utcnow(),
            )
        )
    engine.dispose()

    sign_in(page, "staff@example.org")
    page.goto("/staff")
    page.get_by_role("link", name="Emails that failed").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Emails that failed")
    row = page.get_by_role("row").filter(has_text=address)
    expect(row).to_contain_text("Connection refused")
    expect(row).to_contain_text("Your idea is planned")
    assert_accessible(page)

    row.get_by_role("button", name=f"Send again to {address}: Your idea is planned").click()
    expect(page.get_by_role("status")).to_have_text(
        "The email is back in the queue. The worker sends it in a moment."
    )
    expect(page.get_by_role("row").filter(has_text=address)).to_have_count(0)
    message = wait_for_email(address, "Your idea is planned")
    assert "The library plans to do it this spring." in message.get_content()
