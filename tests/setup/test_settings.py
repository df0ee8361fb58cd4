"""/staff/settings: an admin names the site, writes the welcome text in both languages, sets
the contact address and the response promise; bad input is named beside its field and stores
nothing; every page, in every process, shows the change at once."""

from __future__ import annotations

import dataclasses
import html
import re

import pytest
from sqlalchemy import text

from portal.app import create_app
from portal.core import db
from portal.moderation.models import AuditEntry
from portal.setup import queries
from portal.setup.models import SiteSettings
from tests import factories as f
from tests.conftest import Client, login_as

GOOD = {
    "site_name": "Riverside Library ideas",
    "welcome_en": "Tell us what would make the library **better**.",
    "welcome_zh": "告诉我们怎样让图书馆**更好**。",
    "contact_email": "ideas@riverside.example.org",
    "response_days": "10",
}


def field_error(page: str, name: str) -> str:
    found = re.search(rf'id="{name}-error">(.*?)</p>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split()) if found else ""


def stored(engine) -> SiteSettings:
    with db.read(engine) as s:
        return queries.row(s)


def brand(page: str) -> str:
    return html.unescape(re.search(r'<a class="brand" href="/">([^<]*)</a>', page).group(1))


def save(client, **changes: str):
    return client.post("/staff/settings", {**GOOD, **changes})


def test_settings_page_shows_the_current_settings_to_an_admin(client, admin):
    login_as(client, admin)
    page = client.get("/staff/settings")
    assert page.status_code == 200
    assert 'name="site_name" type="text" value=""' in page.text
    assert 'name="response_days" type="text" value="14"' in page.text
    # The hint names the name in use until an admin chooses one.
    assert "Library co-design portal" in page.text


@pytest.mark.parametrize("role", ["patron", "committee", "staff"])
def test_settings_are_refused_to_everyone_but_admins(client, engine, role, request):
    person = request.getfixturevalue(role)
    login_as(client, person)
    assert client.get("/staff/settings").status_code == 403
    assert save(client).status_code == 403
    assert stored(engine).site_name == ""


def test_admin_saves_the_settings_and_the_audit_log_keeps_the_change(client, engine, admin):
    login_as(client, admin)
    response = save(client)
    assert response.status_code == 303 and response.headers["location"] == "/staff/settings"
    row = stored(engine)
    assert (row.site_name, row.contact_email, row.response_days) == (
        "Riverside Library ideas",
        "ideas@riverside.example.org",
        10,
    )
    assert row.welcome_zh == GOOD["welcome_zh"]
    assert f.count(engine, AuditEntry, AuditEntry.action == "change_settings") == 1
    assert "The settings are saved." in client.get("/staff/settings").text


def test_every_page_shows_the_site_name_in_its_header_and_title(client, admin):
    login_as(client, admin)
    save(client)
    for path in ("/", "/ideas", "/you-said-we-did", "/login"):
        page = client.get(path).text
        assert brand(page) == "Riverside Library ideas", path
        assert re.search(r"<title>[^<]* · Riverside Library ideas</title>", page), path
    feed = client.get("/feeds/decisions.atom").text
    assert "<title>Riverside Library ideas: You said, we did</title>" in feed


def test_site_name_setting_is_the_default_until_an_admin_names_the_site(settings, admin):
    app = create_app(dataclasses.replace(settings, site_name="Hill Library"))
    with Client(app, base_url="http://testserver") as client:
        assert brand(client.get("/").text) == "Hill Library"
        login_as(client, admin)
        save(client, site_name="  Hill   Library ideas ")
        assert brand(client.get("/").text) == "Hill Library ideas"
        save(client, site_name="")
        assert brand(client.get("/").text) == "Hill Library"
    app.state.engine.dispose()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("contact_email", "not an address", "Enter an email address like library@example.org."),
        ("contact_email", "a@b", "Enter an email address like library@example.org."),
        ("contact_email", "x" * 250 + "@b.org", "Enter an email address like"),
        ("contact_email", "a\x00@b.org", "Enter an email address like"),
        ("response_days", "0", "Enter a whole number of days from 1 to 365."),
        ("response_days", "366", "Enter a whole number of days from 1 to 365."),
        ("response_days", "-3", "Enter a whole number of days from 1 to 365."),
        ("response_days", "two weeks", "Enter a whole number of days from 1 to 365."),
        ("response_days", "", "Enter a whole number of days from 1 to 365."),
        ("response_days", "1e3", "Enter a whole number of days from 1 to 365."),
        ("site_name", "x" * 81, "Use at most 80 characters here."),
        ("site_name", "Library\x07", "Remove the invisible control characters"),
        ("welcome_en", "w" * 3001, "Use at most 3000 characters here."),
        ("welcome_zh", "欢迎\x00", "Remove the invisible control characters"),
    ],
)
def test_bad_settings_are_named_beside_the_field_and_nothing_is_stored(
    client, engine, admin, name, value, message
):
    login_as(client, admin)
    response = save(client, **{name: value})
    assert response.status_code == 400
    assert message in field_error(response.text, name)
    assert f'<a href="#{name}">' in response.text  # the error summary links to the field
    # The person's text is kept, the wrong value too...
    assert html.escape(value.replace("\x00", "")[:40], quote=False) in response.text.replace(
        "\x00", ""
    )
    other = "welcome_zh" if name == "welcome_en" else "welcome_en"
    assert html.escape(GOOD[other], quote=False) in response.text
    # ...and nothing was stored.
    row = stored(engine)
    assert (row.site_name, row.contact_email, row.response_days) == ("", "", 14)


def test_the_promise_may_be_one_day_or_a_year(client, engine, admin):
    login_as(client, admin)
    assert save(client, response_days="1").status_code == 303
    assert stored(engine).response_days == 1
    assert save(client, response_days=" 365 ").status_code == 303
    assert stored(engine).response_days == 365


def test_welcome_text_shows_on_the_home_page_in_the_readers_language(client, admin):
    login_as(client, admin)
    save(client)
    english = client.get("/").text
    assert '<div class="prose lead" lang="en"><p>Tell us what would make the library ' in english
    assert "<strong>better</strong>" in english
    chinese = client.get("/", headers={"Accept-Language": "zh-CN"}).text
    assert '<div class="prose lead" lang="zh-Hans"><p>告诉我们怎样让图书馆' in chinese
    assert "<strong>更好</strong>" in chinese


@pytest.mark.parametrize(
    ("only", "reader", "shown"),
    [
        ("welcome_en", "zh-CN", "Tell us what would make"),
        ("welcome_zh", "en", "告诉我们怎样让图书馆"),
    ],
)
def test_welcome_text_falls_back_to_the_other_language(client, admin, only, reader, shown):
    other = "welcome_zh" if only == "welcome_en" else "welcome_en"
    login_as(client, admin)
    save(client, **{other: ""})
    page = client.get("/", headers={"Accept-Language": reader}).text
    assert shown in page
    # The one text there is, marked with the language it is written in.
    lang = "en" if only == "welcome_en" else "zh-Hans"
    assert f'<div class="prose lead" lang="{lang}">' in page


def test_without_a_welcome_text_the_home_page_says_what_the_portal_is_for(client):
    page = client.get("/").text
    assert "Propose ideas for the library" in page
    assert 'class="prose lead"' not in page


def test_welcome_text_is_sanitized_like_every_text(client, admin):
    login_as(client, admin)
    save(client, welcome_en='Hi <script>alert(1)</script> [x](javascript:alert(1)) <b onclick="x">')
    page = client.get("/").text
    welcome = page.split('<div class="prose lead" lang="en">', 1)[1].split("</div>", 1)[0]
    assert re.findall(r"<[a-z][^>]*>", welcome) == ["<p>"]  # the text's tags are text
    assert "&lt;script&gt;" in welcome


def test_contact_address_shows_at_the_foot_of_every_page(client, admin):
    assert "Contact the library" not in client.get("/").text
    login_as(client, admin)
    save(client)
    for path in ("/", "/ideas", "/scorecard"):
        footer = client.get(path).text.split('<footer class="site-footer">', 1)[1]
        assert (
            'Contact the library: <a href="mailto:ideas@riverside.example.org">'
            "ideas@riverside.example.org</a>" in footer
        ), path


def test_a_change_shows_at_once_in_every_process_even_on_kept_pages(settings, admin):
    """Two apps on one database stand for two processes: a visitor's page kept by the first
    is rendered again once an admin saves the settings through the second."""
    first, second = create_app(settings), create_app(settings)
    with (
        Client(first, base_url="http://testserver") as visitor,
        Client(second, base_url="http://testserver") as librarian,
    ):
        assert brand(visitor.get("/").text) == "Library co-design portal"
        assert visitor.get("/").headers.get("x-cache") == "hit"  # kept
        login_as(librarian, admin)
        save(librarian)
        again = visitor.get("/")
        assert brand(again.text) == "Riverside Library ideas"
        assert again.headers.get("x-cache") != "hit"
    first.state.engine.dispose()
    second.state.engine.dispose()


def test_pages_render_with_the_default_settings_when_the_row_is_missing(client, engine):
    with db.write(engine) as s:
        s.execute(SiteSettings.__table__.delete())
    page = client.get("/").text
    assert brand(page) == "Library co-design portal"
    assert "Contact the library" not in page


def test_the_feed_stays_valid_xml_whatever_the_site_name(client, admin):
    import xml.etree.ElementTree as ET

    login_as(client, admin)
    assert save(client, site_name="Library \ufffe ideas \uffff").status_code == 303
    feed = client.get("/feeds/decisions.atom")
    assert feed.status_code == 200
    title = ET.fromstring(feed.content).find("{http://www.w3.org/2005/Atom}title")
    assert title.text == "Library  ideas : You said, we did"


def test_error_pages_render_with_the_default_settings_when_the_table_is_unreadable(client, engine):
    # The settings are read with a prepared statement, whose errors are the driver's own.
    with db.write(engine) as s:
        s.execute(text("ALTER TABLE site_settings RENAME TO site_settings_gone"))
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert brand(response.text) == "Library co-design portal"
