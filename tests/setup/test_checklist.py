"""After `portal migrate`, /staff shows an admin what is not set up yet, each step with its
link, until it is done (computed from the data); staff get no list."""

from __future__ import annotations

import dataclasses
import html
import re

from portal.app import create_app
from portal.core import db
from portal.ideas import categories
from portal.setup import services as setup
from portal.teams import services as teams
from tests.conftest import Client, login_as

ALL = [
    ("Name the site", "/staff/settings#site_name"),
    ("Add categories", "/staff/categories#name"),
    ("Add the library's teams", "/staff/teams#name"),
    ("Write the welcome text", "/staff/settings#welcome_en"),
    ("Set the contact address", "/staff/settings#contact_email"),
]


def steps(page: str) -> list[tuple[str, str]]:
    if 'id="set-up"' not in page:
        return []
    section = page.split('id="set-up"', 1)[1].split("</section>", 1)[0]
    return [
        (html.unescape(label), href)
        for href, label in re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', section)
    ]


def save(engine, admin, **form: str) -> None:
    with db.write(engine) as s:
        setup.save(db=s, actor=admin, form={"response_days": "14", **form})


def test_a_new_site_shows_the_admin_every_step(client, admin):
    login_as(client, admin)
    assert steps(client.get("/staff").text) == ALL


def test_staff_get_no_checklist(client, staff):
    login_as(client, staff)
    page = client.get("/staff").text
    assert page.count('id="set-up"') == 0 and "Reports to review" in page


def test_each_step_leaves_the_list_once_it_is_done(client, engine, admin):
    login_as(client, admin)
    save(engine, admin, site_name="Riverside ideas")
    assert [label for label, _ in steps(client.get("/staff").text)] == [
        "Add categories",
        "Add the library's teams",
        "Write the welcome text",
        "Set the contact address",
    ]
    with db.write(engine) as s:
        categories.add(db=s, actor=admin, name="Study spaces")
        teams.add(db=s, actor=admin, form={"name": "Public services"})
    save(engine, admin, site_name="Riverside ideas", welcome_zh="欢迎")
    assert steps(client.get("/staff").text) == [ALL[4]]
    save(engine, admin, site_name="Riverside ideas", welcome_zh="欢迎", contact_email="a@b.org")
    assert steps(client.get("/staff").text) == []


def test_archived_categories_and_teams_do_not_count(client, engine, admin):
    with db.write(engine) as s:
        category = categories.add(db=s, actor=admin, name="Study spaces")
        team = teams.add(db=s, actor=admin, form={"name": "Public services"})
        categories.archive(db=s, actor=admin, category_id=category.id)
        teams.archive(db=s, actor=admin, team_id=team.id)
    login_as(client, admin)
    labels = [label for label, _ in steps(client.get("/staff").text)]
    assert "Add categories" in labels and "Add the library's teams" in labels


def test_a_site_named_with_site_name_needs_no_naming(settings, admin):
    app = create_app(dataclasses.replace(settings, site_name="Hill Library"))
    with Client(app, base_url="http://testserver") as client:
        login_as(client, admin)
        assert ("Name the site", "/staff/settings#site_name") not in steps(
            client.get("/staff").text
        )
    app.state.engine.dispose()


def test_the_checklist_links_lead_to_the_fields(client, admin):
    login_as(client, admin)
    for _label, href in ALL:
        path, anchor = href.split("#")
        page = client.get(path)
        assert page.status_code == 200, path
        assert f'id="{anchor}"' in page.text, href
