"""Printed, a decision and the scorecard keep their content and drop the site's controls: no
navigation, no forms or buttons, no footer; links on the page show where they lead."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def _printed(page: Page) -> None:
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.locator("footer")).to_be_hidden()
    forms = page.locator("form")
    for index in range(forms.count()):
        expect(forms.nth(index)).to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_a_decision_prints_without_the_sites_controls(page: Page) -> None:
    page.goto("/you-said-we-did")
    page.locator("main a[href^='/you-said-we-did/']").first.click()
    heading = page.get_by_role("heading", level=1).inner_text()
    _printed(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_text("You said", exact=True).first).to_be_visible()
    link = page.locator("main a[href^='/ideas/']").first
    after = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert "/ideas/" in after  # the address is printed beside the link


def test_the_scorecard_prints_its_figures(page: Page) -> None:
    page.goto("/scorecard")
    _printed(page)
    expect(page.locator("main table").first).to_be_visible()
