"""An internal note, a request's message and the scores are for staff alone: a marker written
into them is found on the staff panel, and in no other output: no page of the app for
visitors, patrons or the committee (every GET route, ids filled in), the API, the feeds, the
patron's data export, the emails the worker sends, the search."""

from __future__ import annotations

import re

from starlette.routing import Route

from portal.core import db
from portal.ideas import services as ideas
from portal.teams import services as teams_services
from portal.triage import services
from portal.web.routing import every_route
from tests import factories as f
from tests.conftest import login_as, make_user
from tests.teams import team
from tests.triage import criterion

MARKER = "Zq7MarkerNote"


def _paths(app, idea_id: int) -> list[str]:
    """Every GET address of the app, its parameters filled in with the idea's id."""
    paths = []
    for route in every_route(app.routes):
        if isinstance(route, Route) and "GET" in (route.methods or ()):
            paths.append(re.sub(r"\{[^}]+\}", str(idea_id), route.path))
    return paths


def _setup(engine, staff, admin, patron, category) -> int:
    idea = f.idea(engine, patron, category, title="Longer opening hours")
    lead = team(engine, admin, "Public services")
    with db.write(engine) as s:
        teams_services.add_member(db=s, actor=admin, team_id=lead.id, email=staff.email)
    reach = criterion(engine, admin, f"Reach {MARKER}", 4)
    with db.write(engine) as s:
        services.assign(
            db=s,
            actor=admin,
            idea_id=idea.id,
            form={"team_id": str(lead.id), "owner_id": str(staff.id)},
        )
        services.ask_input(
            db=s,
            actor=admin,
            idea_id=idea.id,
            form={"input_team_id": str(lead.id), "message": f"Please look {MARKER}"},
        )
        services.add_note(db=s, actor=staff, idea_id=idea.id, body=f"Budget note {MARKER}")
        services.score(db=s, actor=staff, idea_id=idea.id, form={f"score-{reach.id}": "4"})
        ideas.change_status(
            db=s,
            actor=staff,
            idea_id=idea.id,
            status="under_review",
            response="Looking",
            duplicate_of="",
        )
    return idea.id


def test_marker_note_reaches_staff_and_no_other_output(
    client, app, engine, worker, smtp_server, staff, admin, patron, category
):
    idea_id = _setup(engine, staff, admin, patron, category)
    committee = make_user(engine, "committee")
    f.vote(engine, committee, idea_id)
    login_as(client, staff)
    assert MARKER in client.get(f"/ideas/{idea_id}").text  # the test can see it where it is
    client.post("/logout")
    client.cookies.clear()

    leaks = []
    for who in (None, patron, committee):
        if who is not None:
            login_as(client, who)
        for path in [*_paths(app, idea_id), "/account/export.json"]:
            for _ in range(2):  # the second visit is served from the page cache
                response = client.get(path, follow_redirects=True)
                if MARKER in response.text:
                    leaks.append((who and who.role, path, response.status_code))
        client.cookies.clear()
    assert leaks == []
    # The search echoes what was asked, so it is checked by what it finds: a word of the
    # note finds nothing, a word of the idea finds it.
    assert "Longer opening hours" not in client.get(f"/ideas?q={MARKER}").text
    assert "Longer opening hours" not in client.get("/ideas?q=Budget").text
    assert "Longer opening hours" in client.get("/ideas?q=opening").text
    assert MARKER not in client.get("/api/v1/ideas?q=Budget").text

    while worker.step():
        pass
    assert smtp_server.messages  # the team member and the followers were written to
    for message in smtp_server.messages:
        assert MARKER not in message.as_string()
