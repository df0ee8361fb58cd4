"""Triage's services: who may assign, ask, answer, note and score (staff), who sets criteria
(admins), what bad input says, and the weighted score worked out by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from portal import domains
from portal.accounts.models import User
from portal.core import db
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.moderation.models import AuditEntry
from portal.notifications.models import Event
from portal.teams import services as teams_services
from portal.triage import queries, services
from portal.triage.models import Assignment, Criterion, InputRequest, Note, Score
from tests import factories as f
from tests.conftest import make_user
from tests.teams import team
from tests.triage import criterion

TABLES = (Assignment, InputRequest, Note, Score, Criterion)


def rows(engine) -> int:
    return sum(f.count(engine, t) for t in TABLES)


def test_weighted_score_counts_only_the_criteria_scored(engine, staff, admin, patron, category):
    reach = criterion(engine, admin, "Reach", 3)
    effort = criterion(engine, admin, "Effort", 1)
    cost = criterion(engine, admin, "Cost", 6)
    idea = f.idea(engine, patron, category)
    other = f.idea(engine, patron, category, title="Quiet rooms")
    with db.write(engine) as s:
        services.score(
            db=s,
            actor=staff,
            idea_id=idea.id,
            form={f"score-{reach.id}": "4", f"score-{effort.id}": "1"},
        )
        services.score(
            db=s,
            actor=staff,
            idea_id=other.id,
            form={f"score-{reach.id}": "5", f"score-{effort.id}": "0", f"score-{cost.id}": "2"},
        )
    with db.read(engine) as s:
        found = queries.weighted(s, {idea.id, other.id})
    # (3*4 + 1*1) / (3+1) = 13/4; cost is not scored on the first idea, so not counted.
    assert found[idea.id] == 3.25
    # (3*5 + 1*0 + 6*2) / (3+1+6) = 27/10
    assert found[other.id] == 2.7
    assert f.count(engine, AuditEntry, AuditEntry.action == "triage_score") == 2


def test_score_refuses_values_outside_zero_to_five_and_keeps_the_old_ones(
    engine, staff, admin, patron, category
):
    reach = criterion(engine, admin, "Reach", 3)
    idea = f.idea(engine, patron, category)
    with db.write(engine) as s:
        services.score(db=s, actor=staff, idea_id=idea.id, form={f"score-{reach.id}": "2"})
    for bad in ("6", "-1", "2.5", "x", "１"):
        with pytest.raises(ValidationError) as exc, db.write(engine) as s:
            services.score(db=s, actor=staff, idea_id=idea.id, form={f"score-{reach.id}": bad})
        assert exc.value.errors == {f"score-{reach.id}": "Choose a score from 0 to 5."}
    with db.read(engine) as s:
        assert queries.scores(s, idea.id) == {reach.id: 2}


@pytest.mark.parametrize("role", ["patron", "committee"])
def test_triage_services_refuse_patrons_and_committee_and_write_nothing(
    engine, admin, patron, category, role
):
    person = make_user(engine, role)
    lead = team(engine, admin)
    reach = criterion(engine, admin, "Reach", 3)
    idea = f.idea(engine, patron, category)
    before = rows(engine)
    calls = [
        lambda s: services.assign(
            db=s,
            actor=person,
            idea_id=idea.id,
            form={"team_id": str(lead.id), "owner_id": str(admin.id)},
        ),
        lambda s: services.ask_input(
            db=s,
            actor=person,
            idea_id=idea.id,
            form={"input_team_id": str(lead.id), "message": "Look"},
        ),
        lambda s: services.add_note(db=s, actor=person, idea_id=idea.id, body="secret"),
        lambda s: services.score(
            db=s, actor=person, idea_id=idea.id, form={f"score-{reach.id}": "3"}
        ),
        lambda s: services.add_criterion(db=s, actor=person, form={"name": "Fit", "weight": "2"}),
    ]
    for call in calls:
        with pytest.raises(Forbidden), db.write(engine) as s:
            call(s)
    assert rows(engine) == before
    assert f.count(engine, Event) == 0


def test_staff_cannot_set_criteria(engine, staff):
    with pytest.raises(Forbidden), db.write(engine) as s:
        services.add_criterion(db=s, actor=staff, form={"name": "Fit", "weight": "2"})
    assert f.count(engine, Criterion) == 0


def test_assign_refuses_a_patron_owner_and_an_archived_team(engine, staff, admin, patron, category):
    lead = team(engine, admin)
    gone = team(engine, admin, "Old team")
    with db.write(engine) as s:
        teams_services.archive(db=s, actor=admin, team_id=gone.id)
    idea = f.idea(engine, patron, category)
    with pytest.raises(ValidationError) as exc, db.write(engine) as s:
        services.assign(
            db=s,
            actor=staff,
            idea_id=idea.id,
            form={"team_id": str(gone.id), "owner_id": str(patron.id)},
        )
    assert exc.value.errors == {
        "team_id": "Choose a team.",
        "owner_id": "Choose a member of staff.",
    }
    with pytest.raises(NotFound), db.write(engine) as s:
        services.assign(
            db=s,
            actor=staff,
            idea_id=99999,
            form={"team_id": str(lead.id), "owner_id": str(staff.id)},
        )
    assert f.count(engine, Assignment) == 0


def test_ask_input_needs_a_message_and_asking_again_reopens(engine, staff, admin, patron, category):
    other = team(engine, admin, "Cataloguing")
    idea = f.idea(engine, patron, category)
    with pytest.raises(ValidationError) as exc, db.write(engine) as s:
        services.ask_input(
            db=s,
            actor=staff,
            idea_id=idea.id,
            form={"input_team_id": str(other.id), "message": "  "},
        )
    assert exc.value.errors == {"message": "Say what you would like the team to look at."}
    with db.write(engine) as s:
        asked = services.ask_input(
            db=s,
            actor=staff,
            idea_id=idea.id,
            form={"input_team_id": str(other.id), "message": "Metadata?"},
        )
    with db.write(engine) as s:
        services.answer_input(db=s, actor=staff, request_id=asked.id)
    with db.write(engine) as s:
        again = services.ask_input(
            db=s,
            actor=staff,
            idea_id=idea.id,
            form={"input_team_id": str(other.id), "message": "And now?"},
        )
    assert again.id == asked.id
    row = f.get(engine, InputRequest, asked.id)
    assert (row.message, row.answered_at) == ("And now?", None)


def test_note_text_never_reaches_the_audit_log(engine, staff, patron, category):
    idea = f.idea(engine, patron, category)
    with db.write(engine) as s:
        services.add_note(db=s, actor=staff, idea_id=idea.id, body="Budget is **tight**")
    with db.read(engine) as s:
        entries = list(s.execute(select(AuditEntry)).scalars())
    assert [e.action for e in entries] == ["triage_note"]
    assert "tight" not in entries[0].after


def test_note_refuses_empty_and_too_long_text(engine, staff, patron, category):
    idea = f.idea(engine, patron, category)
    for bad, message in (
        ("   ", "Write the note."),
        ("x" * 5001, "Use at most 5000 characters here."),
    ):
        with pytest.raises(ValidationError) as exc, db.write(engine) as s:
            services.add_note(db=s, actor=staff, idea_id=idea.id, body=bad)
        assert exc.value.errors == {"note": message}
    assert f.count(engine, Note) == 0


def test_criteria_are_at_most_eight_weighted_one_to_ten(engine, admin):
    for bad in ("0", "11", "", "ten"):
        with pytest.raises(ValidationError) as exc, db.write(engine) as s:
            services.add_criterion(db=s, actor=admin, form={"name": "Fit", "weight": bad})
        assert exc.value.errors == {"weight": "Choose a weight from 1 to 10."}
    for n in range(8):
        criterion(engine, admin, f"C{n}", 1 + n)
    with pytest.raises(ValidationError) as exc, db.write(engine) as s:
        services.add_criterion(db=s, actor=admin, form={"name": "Ninth", "weight": "2"})
    assert "at most 8" in exc.value.errors["name"]
    assert f.count(engine, Criterion) == 8


def test_portal_check_finds_an_owner_who_is_no_longer_staff(engine, staff, admin, patron, category):
    lead = team(engine, admin)
    idea = f.idea(engine, patron, category)
    with db.write(engine) as s:
        services.assign(
            db=s,
            actor=admin,
            idea_id=idea.id,
            form={"team_id": str(lead.id), "owner_id": str(staff.id)},
        )
        s.execute(update(User).where(User.id == staff.id).values(role="patron"))
    report = domains.check(engine)
    assert [(x.subject, x.problem) for x in report.findings] == [
        (f"idea {idea.id}", f"owner user {staff.id} is a patron, not staff")
    ]
    assert domains.check(engine, repair=True).findings[0].repaired
    row = f.get(engine, Assignment, idea.id)
    assert (row.team_id, row.owner_id) == (lead.id, None)
    assert domains.check(engine).findings == []
