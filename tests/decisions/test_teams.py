"""A decision names its responsible teams from the library's list (checkboxes): the form
offers the active teams, the page, the list and the JSON API name them (in the reader's
language on pages), and a team archived later stays on the decisions that named it."""

from __future__ import annotations

import html
import re

from portal.core import db
from portal.teams import services as teams
from tests import factories as f
from tests.conftest import login_as
from tests.decisions import form, publish, stored
from tests.teams import team


def responsible(page: str) -> str:
    found = re.search(r"<span>Responsible: ([^<]*)</span>", page)
    return html.unescape(found.group(1)) if found else ""


def test_the_publish_form_offers_the_active_teams_as_checkboxes(client, engine, admin, staff):
    public = team(engine, admin, "Public services")
    old = team(engine, admin, "Old team")
    with db.write(engine) as s:
        teams.archive(db=s, actor=admin, team_id=old.id)
    login_as(client, staff)
    page = client.get("/staff/decisions/new").text
    assert f'<input type="checkbox" id="teams" name="teams" value="{public.id}">' in page
    assert '<label for="teams">Public services</label>' in page
    assert "Old team" not in page


def test_without_teams_the_form_says_so_and_admins_get_a_link(client, staff, admin):
    login_as(client, staff)
    page = client.get("/staff/decisions/new").text
    assert "No teams yet." in page and 'name="teams"' not in page
    assert 'href="/staff/teams"' not in page.split("<main", 1)[1]
    login_as(client, admin)
    assert 'href="/staff/teams">Add the library' in client.get("/staff/decisions/new").text


def test_staff_publish_a_decision_naming_two_teams(client, engine, admin, staff):
    public = team(engine, admin, "Public services", name_zh="读者服务部")
    spaces = team(engine, admin, "Spaces", name_zh="空间与设施")
    login_as(client, staff)
    response = client.post(
        "/staff/decisions/new", {**form(), "teams": [str(spaces.id), str(public.id)]}
    )
    assert response.status_code == 303
    path = response.headers["location"]
    assert responsible(client.get(path).text) == "Spaces, Public services"
    assert responsible(client.get("/you-said-we-did").text) == "Spaces, Public services"
    chinese = client.get(path, headers={"Accept-Language": "zh-CN"}).text
    assert "空间与设施, 读者服务部" in chinese
    [data] = client.get("/api/v1/decisions").json()["data"]
    assert data["teams"] == [
        {"id": spaces.id, "name": "Spaces", "name_zh": "空间与设施"},
        {"id": public.id, "name": "Public services", "name_zh": "读者服务部"},
    ]
    assert data["team"] == "Spaces, Public services"


def test_a_decision_may_name_no_team(client, engine, staff):
    login_as(client, staff)
    path = client.post("/staff/decisions/new", form()).headers["location"]
    assert responsible(client.get(path).text) == ""
    assert client.get("/api/v1/decisions").json()["data"][0]["teams"] == []


def test_an_archived_or_unknown_team_is_refused_and_nothing_is_stored(client, engine, admin, staff):
    public = team(engine, admin, "Public services")
    old = team(engine, admin, "Old team")
    with db.write(engine) as s:
        teams.archive(db=s, actor=admin, team_id=old.id)
    login_as(client, staff)
    before = stored(engine)
    for chosen in ([str(old.id)], ["999999"], ["abc"], [str(public.id), "99999999999"]):
        response = client.post(
            "/staff/decisions/new", {**form(title="Quiet rooms"), "teams": chosen}
        )
        assert response.status_code == 400, chosen
        assert "Choose the responsible teams from the list." in response.text
        assert 'value="Quiet rooms"' in response.text
        # What was ticked stays ticked.
        ticked = f'name="teams" value="{public.id}" checked' in response.text
        assert ticked == (str(public.id) in chosen)
    assert stored(engine) == before


def test_an_archived_team_stays_on_the_decisions_that_named_it(client, engine, admin, staff):
    public = team(engine, admin, "Public services")
    decision = publish(engine, staff, teams=[public.id])
    with db.write(engine) as s:
        teams.archive(db=s, actor=admin, team_id=public.id)
    page = client.get(f"/you-said-we-did/{decision.id}").text
    assert responsible(page) == "Public services"


def test_a_team_chosen_twice_is_named_once(engine, admin, staff, patron, category):
    public = team(engine, admin, "Public services")
    idea = f.idea(engine, patron, category)
    decision = publish(engine, staff, [idea.id], teams=[public.id, public.id])
    from portal.decisions import queries

    with db.read(engine) as s:
        assert queries.team_ids(s, decision.id) == [public.id]
