"""Teams at /staff/teams: admins add them, rename them, add and remove staff members, archive
and restore them; staff see them (they name teams on decisions) but change nothing; only staff
and admin accounts can be members, and `portal check` finds members who no longer are."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select, update

from portal import domains
from portal.accounts.models import User
from portal.core import db
from portal.moderation.models import AuditEntry
from portal.teams.models import Team, TeamMember
from tests import factories as f
from tests.conftest import PASSWORD, login_as
from tests.teams import team


def field_error(page: str, name: str) -> str:
    found = re.search(rf'id="{name}-error">(.*?)</p>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split()) if found else ""


def members_of(engine, team_id: int) -> set[int]:
    with db.read(engine) as s:
        return set(
            s.execute(select(TeamMember.user_id).where(TeamMember.team_id == team_id)).scalars()
        )


def teams(engine) -> list[Team]:
    with db.read(engine) as s:
        return list(s.execute(select(Team).order_by(Team.id)).scalars())


def test_admin_adds_a_team_and_lands_on_its_page(client, engine, admin):
    login_as(client, admin)
    response = client.post(
        "/staff/teams",
        {"name": " Public   services ", "name_zh": "读者服务部", "description": "The desk."},
    )
    [row] = teams(engine)
    assert response.status_code == 303
    assert response.headers["location"] == f"/staff/teams/{row.id}"
    assert (row.name, row.name_zh, row.description) == (
        "Public services",
        "读者服务部",
        "The desk.",
    )
    page = client.get(f"/staff/teams/{row.id}").text
    assert "<h1>Public services</h1>" in page and "No members yet." in page
    assert f.count(engine, AuditEntry, AuditEntry.action == "add_team") == 1
    chinese = client.get("/staff/teams", headers={"Accept-Language": "zh-CN"}).text
    assert "<strong>读者服务部</strong>" in chinese


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"name": ""}, "name", "Enter the team's name in English."),
        ({"name": "PUBLIC SERVICES"}, "name", "There is already a team called “PUBLIC SERVICES”."),
        ({"name": "Desk", "name_zh": "读者服务部"}, "name_zh", "There is already a team called"),
        ({"name": "x" * 121}, "name", "Use at most 120 characters here."),
        ({"name": "Desk", "description": "d" * 1001}, "description", "Use at most 1000"),
        ({"name": "Desk\x00"}, "name", "Remove the invisible control characters"),
    ],
)
def test_bad_team_input_is_named_and_nothing_is_added(client, engine, admin, form, field, message):
    team(engine, admin, "Public services", name_zh="读者服务部")
    login_as(client, admin)
    response = client.post("/staff/teams", form)
    assert response.status_code == 400
    assert message in field_error(response.text, field)
    assert len(teams(engine)) == 1


def test_admin_renames_a_team(client, engine, admin):
    row = team(engine, admin, "Digital")
    other = team(engine, admin, "Spaces")
    login_as(client, admin)
    response = client.post(
        f"/staff/teams/{row.id}", {"name": "Digital services", "name_zh": "数字服务部"}
    )
    assert response.status_code == 303
    assert f.get(engine, Team, row.id).name == "Digital services"
    refused = client.post(f"/staff/teams/{other.id}", {"name": "digital services"})
    assert refused.status_code == 400
    assert 'value="digital services"' in refused.text
    assert f.get(engine, Team, other.id).name == "Spaces"


def test_admin_adds_and_removes_staff_members(client, engine, admin, staff):
    row = team(engine, admin)
    login_as(client, admin)
    response = client.post(f"/staff/teams/{row.id}/members", {"email": f" {staff.email.upper()} "})
    assert response.status_code == 303
    assert members_of(engine, row.id) == {staff.id}
    page = client.get(f"/staff/teams/{row.id}").text
    assert "<strong>Sam Staff</strong> · Staff" in page
    again = client.post(f"/staff/teams/{row.id}/members", {"email": staff.email})
    assert again.status_code == 400
    assert "Sam Staff is already a member." in field_error(again.text, "email")
    client.post(f"/staff/teams/{row.id}/members", {"email": admin.email})
    assert members_of(engine, row.id) == {staff.id, admin.id}
    response = client.post(f"/staff/teams/{row.id}/members/remove", {"user_id": str(staff.id)})
    assert response.status_code == 303
    assert members_of(engine, row.id) == {admin.id}
    assert (
        client.post(f"/staff/teams/{row.id}/members/remove", {"user_id": str(staff.id)}).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("patron", "Only staff and administrators can be members of a team."),
        ("committee", "Only staff and administrators can be members of a team."),
        ("nobody@example.org", "There is no account with this email address."),
        ("", "Enter the email address of a staff member."),
        ("a\x00b@example.org", "There is no account with this email address."),
    ],
)
def test_only_staff_accounts_can_be_members(client, engine, admin, who, message, request):
    row = team(engine, admin)
    email = request.getfixturevalue(who).email if who in ("patron", "committee") else who
    login_as(client, admin)
    response = client.post(f"/staff/teams/{row.id}/members", {"email": email})
    assert response.status_code == 400
    assert message in field_error(response.text, "email")
    assert members_of(engine, row.id) == set()


def test_removing_with_a_bad_person_number_is_not_found(client, engine, admin):
    row = team(engine, admin)
    login_as(client, admin)
    for value in ("", "abc", "0", "99999999999"):
        path = f"/staff/teams/{row.id}/members/remove"
        assert client.post(path, {"user_id": value}).status_code == 404, value


def test_admin_archives_and_restores_a_team(client, engine, admin):
    row = team(engine, admin)
    login_as(client, admin)
    client.post(f"/staff/teams/{row.id}/archive", {"action": "archive"})
    assert f.get(engine, Team, row.id).archived_at is not None
    page = client.get("/staff/teams").text
    assert 'id="archived-title"' in page
    assert "Restore team" in client.get(f"/staff/teams/{row.id}").text
    client.post(f"/staff/teams/{row.id}/archive", {"action": "restore"})
    assert f.get(engine, Team, row.id).archived_at is None


def test_staff_see_teams_and_members_but_change_nothing(client, engine, admin, staff):
    row = team(engine, admin, description="Loans and the help desk.")
    login_as(client, admin)
    client.post(f"/staff/teams/{row.id}/members", {"email": staff.email})
    login_as(client, staff)
    index = client.get("/staff/teams")
    assert index.status_code == 200 and "Public services" in index.text
    assert 'action="/staff/teams"' not in index.text  # no form to add one
    page = client.get(f"/staff/teams/{row.id}")
    assert page.status_code == 200 and "Sam Staff" in page.text
    assert "Remove from the team" not in page.text and "Add member" not in page.text
    before = (teams(engine), members_of(engine, row.id))
    for path, data in [
        ("/staff/teams", {"name": "Spaces"}),
        (f"/staff/teams/{row.id}", {"name": "Renamed"}),
        (f"/staff/teams/{row.id}/members", {"email": admin.email}),
        (f"/staff/teams/{row.id}/members/remove", {"user_id": str(staff.id)}),
        (f"/staff/teams/{row.id}/archive", {"action": "archive"}),
    ]:
        assert client.post(path, data).status_code == 403, path
    assert (teams(engine), members_of(engine, row.id)) == before


@pytest.mark.parametrize("role", ["patron", "committee"])
def test_patrons_and_committee_members_do_not_see_teams(client, engine, admin, role, request):
    row = team(engine, admin)
    login_as(client, request.getfixturevalue(role))
    assert client.get("/staff/teams").status_code == 403
    assert client.get(f"/staff/teams/{row.id}").status_code == 403


def test_a_member_no_longer_staff_is_marked_and_portal_check_repairs_it(
    client, engine, admin, staff
):
    row = team(engine, admin)
    login_as(client, admin)
    client.post(f"/staff/teams/{row.id}/members", {"email": staff.email})
    with db.write(engine) as s:  # another admin makes them a patron at /staff/users
        s.execute(update(User).where(User.id == staff.id).values(role="patron"))
    assert "No longer staff" in client.get(f"/staff/teams/{row.id}").text
    [finding] = domains.check(engine).findings
    assert str(finding) == f"team {row.id}: member user {staff.id} is a patron, not staff"
    assert domains.check(engine, repair=True).left == []
    assert members_of(engine, row.id) == set()
    assert domains.check(engine).findings == []


def test_a_deleted_account_leaves_its_teams(client, engine, admin, staff):
    row = team(engine, admin)
    login_as(client, admin)
    client.post(f"/staff/teams/{row.id}/members", {"email": staff.email})
    login_as(client, staff)
    response = client.post("/account/delete", {"password": PASSWORD})
    assert response.status_code == 303
    assert members_of(engine, row.id) == set()


def test_a_missing_team_is_not_found(client, staff, admin):
    login_as(client, staff)
    assert client.get("/staff/teams/999999").status_code == 404
    login_as(client, admin)
    assert client.post("/staff/teams/999999", {"name": "X"}).status_code == 404
    assert client.post("/staff/teams/999999/archive", {}).status_code == 404
