"""Triage over HTTP with JavaScript off: the idea's staff panel and its forms, the team's
board (by status, against the promise, sorted, paged, in a fixed number of queries), the
criteria page; patrons and the committee get 403 and write nothing; refused forms keep the
text and name the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from portal.core import db
from portal.core.clock import utcnow
from portal.ideas.models import Idea
from portal.triage import services
from portal.triage.models import Assignment, Criterion, InputRequest, Note, Score
from tests import factories as f
from tests.conftest import login_as, make_user
from tests.teams import team
from tests.test_query_counts import statements
from tests.triage import criterion

TABLES = (Assignment, InputRequest, Note, Score, Criterion)


def _assign(engine, actor, idea_id: int, team_id: int, owner_id: int) -> None:
    with db.write(engine) as s:
        services.assign(
            db=s,
            actor=actor,
            idea_id=idea_id,
            form={"team_id": str(team_id), "owner_id": str(owner_id)},
        )


def test_staff_assign_ask_note_and_score_from_the_idea_page(
    client, engine, staff, admin, patron, category
):
    lead = team(engine, admin, "Public services")
    other = team(engine, admin, "Cataloguing")
    reach = criterion(engine, admin, "Reach", 2, "覆盖面")
    idea = f.idea(engine, patron, category)
    login_as(client, staff)
    page = client.get(f"/ideas/{idea.id}").text
    assert 'id="triage"' in page and "No team leads on this idea yet." in page
    r = client.post(
        f"/staff/ideas/{idea.id}/triage/assign", {"team_id": lead.id, "owner_id": staff.id}
    )
    assert r.status_code == 303 and r.headers["location"] == f"/ideas/{idea.id}#triage"
    client.post(
        f"/staff/ideas/{idea.id}/triage/input", {"input_team_id": other.id, "message": "Records?"}
    )
    client.post(f"/staff/ideas/{idea.id}/triage/notes", {"note": "Ask *finance* first"})
    client.post(f"/staff/ideas/{idea.id}/triage/scores", {f"score-{reach.id}": "4"})
    page = client.get(f"/ideas/{idea.id}").text
    assert "Led by Public services, owned by Sam Staff." in page
    assert "<em>finance</em>" in page and "Records?" in page
    assert "Weighted score: 4.0 of 5" in page
    chinese = client.get(f"/ideas/{idea.id}", headers={"Accept-Language": "zh-CN"}).text
    assert "覆盖面" in chinese


@pytest.mark.parametrize("role", ["patron", "committee"])
def test_patrons_and_committee_get_403_and_write_nothing(
    client, engine, admin, patron, category, role
):
    lead = team(engine, admin)
    reach = criterion(engine, admin, "Reach", 2)
    idea = f.idea(engine, patron, category)
    with db.write(engine) as s:
        asked = services.ask_input(
            db=s,
            actor=admin,
            idea_id=idea.id,
            form={"input_team_id": str(lead.id), "message": "Look"},
        )
    before = [f.count(engine, t) for t in TABLES]
    login_as(client, make_user(engine, role))
    posts = {
        f"/staff/ideas/{idea.id}/triage/assign": {"team_id": lead.id, "owner_id": admin.id},
        f"/staff/ideas/{idea.id}/triage/input": {"input_team_id": lead.id, "message": "x"},
        f"/staff/ideas/{idea.id}/triage/notes": {"note": "x"},
        f"/staff/ideas/{idea.id}/triage/scores": {f"score-{reach.id}": "5"},
        f"/staff/triage/requests/{asked.id}/answer": {},
        "/staff/triage/criteria": {"name": "Fit", "weight": "3"},
        f"/staff/triage/criteria/{reach.id}": {"action": "remove"},
    }
    for path, data in posts.items():
        assert client.post(path, data).status_code == 403, path
    for path in (
        f"/staff/ideas/{idea.id}/triage",
        "/staff/triage/criteria",
        f"/staff/teams/{lead.id}",
    ):
        assert client.get(path).status_code == 403, path
    assert 'id="triage"' not in client.get(f"/ideas/{idea.id}").text
    assert [f.count(engine, t) for t in TABLES] == before
    assert f.get(engine, InputRequest, asked.id).answered_at is None


def test_staff_cannot_change_criteria_over_http(client, engine, staff, admin):
    reach = criterion(engine, admin, "Reach", 2)
    login_as(client, staff)
    assert client.get("/staff/triage/criteria").status_code == 403
    assert (
        client.post(f"/staff/triage/criteria/{reach.id}", {"action": "remove"}).status_code == 403
    )
    assert f.count(engine, Criterion) == 1


def test_refused_forms_keep_the_text_and_name_the_field(
    client, engine, staff, admin, patron, category
):
    reach = criterion(engine, admin, "Reach", 2)
    idea = f.idea(engine, patron, category)
    login_as(client, staff)
    r = client.post(
        f"/staff/ideas/{idea.id}/triage/input", {"input_team_id": "abc", "message": "Keep <me>"}
    )
    assert r.status_code == 400
    assert 'id="input_team_id-error"' in r.text and "Keep &lt;me&gt;</textarea>" in r.text
    r = client.post(f"/staff/ideas/{idea.id}/triage/scores", {f"score-{reach.id}": "9"})
    assert r.status_code == 400 and f'id="score-{reach.id}-error"' in r.text
    r = client.post(f"/staff/ideas/{idea.id}/triage/notes", {"note": "x" * 6000})
    assert r.status_code == 400 and 'id="note-error"' in r.text
    r = client.post(
        f"/staff/ideas/{idea.id}/triage/assign", {"team_id": "", "owner_id": str(patron.id)}
    )
    assert r.status_code == 400 and 'id="owner_id-error"' in r.text
    assert client.post("/staff/ideas/99999/triage/notes", {"note": "x"}).status_code == 404
    assert sum(f.count(engine, t) for t in (Assignment, InputRequest, Note, Score)) == 0
    login_as(client, admin)
    r = client.post("/staff/triage/criteria", {"name": "  ", "name_zh": "适合", "weight": "12"})
    assert r.status_code == 400 and 'value="适合"' in r.text
    assert 'id="name-error"' in r.text and 'id="weight-error"' in r.text
    r = client.post(
        f"/staff/triage/criteria/{reach.id}", {"action": "save", "name": "Reach", "weight": "0"}
    )
    assert r.status_code == 400 and f'id="weight-{reach.id}-error"' in r.text
    assert f.get(engine, Criterion, reach.id).weight == 2


def test_board_shows_ideas_by_status_overdue_and_sorted(
    client, engine, staff, admin, patron, category
):
    lead = team(engine, admin, "Public services")
    reach = criterion(engine, admin, "Reach", 1)
    old = f.idea(engine, patron, category, title="Old unanswered idea", vote_count=1)
    fresh = f.idea(engine, patron, category, title="Fresh idea", vote_count=9)
    done = f.idea(engine, patron, category, title="Finished idea", status="done")
    with db.write(engine) as s:
        s.execute(
            update(Idea)
            .where(Idea.id.in_([old.id, done.id]))
            .values(created_at=utcnow() - timedelta(days=30))
        )
    for idea in (old, fresh, done):
        _assign(engine, admin, idea.id, lead.id, staff.id)
    with db.write(engine) as s:
        services.score(db=s, actor=staff, idea_id=old.id, form={f"score-{reach.id}": "5"})
        services.score(db=s, actor=staff, idea_id=fresh.id, form={f"score-{reach.id}": "1"})
    login_as(client, staff)
    page = client.get(f"/staff/teams/{lead.id}").text
    assert (
        page.index("Old unanswered idea") < page.index("Fresh idea") < page.index("Finished idea")
    )
    assert page.count('class="overdue"') == 1  # the done one is no longer waiting
    assert "30 days" in page and "within 14 days" in page
    by_votes = client.get(f"/staff/teams/{lead.id}?sort=votes").text
    assert by_votes.index("Fresh idea") < by_votes.index("Old unanswered idea")
    assert client.get(f"/staff/teams/{lead.id}?sort=nonsense&page=zz").status_code == 200


def test_board_pages_and_runs_the_same_queries_for_more_ideas(
    client, engine, staff, admin, patron, category
):
    lead = team(engine, admin, "Public services")
    other = team(engine, admin, "Cataloguing")
    criterion(engine, admin, "Reach", 1)
    login_as(client, staff)

    def add(n: int) -> None:
        for idea_id in f.many_ideas(engine, patron, category, n, prefix=f"Batch{n}"):
            _assign(engine, admin, idea_id, lead.id, staff.id)
            with db.write(engine) as s:
                services.ask_input(
                    db=s,
                    actor=admin,
                    idea_id=idea_id,
                    form={"input_team_id": str(lead.id), "message": "m"},
                )

    add(2)
    with statements(engine) as few:
        client.get(f"/staff/teams/{lead.id}")
    add(30)
    with statements(engine) as many:
        page = client.get(f"/staff/teams/{lead.id}").text
    assert len(many) == len(few)
    assert 'rel="next"' in page
    second = client.get(f"/staff/teams/{lead.id}?page=2").text
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert client.get(f"/staff/teams/{other.id}").status_code == 200


def test_team_marks_a_request_answered_from_its_board(
    client, engine, staff, admin, patron, category
):
    other = team(engine, admin, "Cataloguing")
    idea = f.idea(engine, patron, category)
    with db.write(engine) as s:
        asked = services.ask_input(
            db=s,
            actor=admin,
            idea_id=idea.id,
            form={"input_team_id": str(other.id), "message": "Records?"},
        )
    login_as(client, staff)
    assert "Records?" in client.get(f"/staff/teams/{other.id}").text
    r = client.post(f"/staff/triage/requests/{asked.id}/answer")
    assert r.headers["location"] == f"/staff/teams/{other.id}#asked"
    assert f.get(engine, InputRequest, asked.id).answered_by == staff.id
