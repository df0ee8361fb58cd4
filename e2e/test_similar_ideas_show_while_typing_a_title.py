"""While a patron types a title, ideas that already say something similar appear under the
field (htmx, announced politely), so people vote instead of posting a duplicate."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_similar_ideas_show_while_typing_a_title(page: Page, assert_accessible, sign_in) -> None:
    sign_in(page, "patron@example.org")
    page.goto("/ideas/new")
    address = page.url
    page.get_by_label("Title").press_sequentially("silent study rooms", delay=20)

    similar = page.get_by_text("Similar ideas already exist").locator("..")
    expect(similar).to_have_attribute("aria-live", "polite")
    match = similar.get_by_role("link", name="More silent study spaces during exam weeks")
    expect(match).to_be_visible()
    assert page.url == address
    assert_accessible(page)

    page.get_by_label("Title").fill("Xylophone lessons")
    page.get_by_label("Title").press("End")
    page.get_by_label("Title").press_sequentially("!", delay=20)
    expect(match).to_have_count(0)
