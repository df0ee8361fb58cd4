"""`portal seed-demo`: the living demo is built through the services, and its counters and
references agree with its rows."""

from __future__ import annotations

from sqlalchemy import select

from portal.core import db
from portal.decisions.models import Decision
from portal.domains import check
from portal.pilots.models import Pilot
from portal.tools.demo import seed_demo
from portal.workshops.models import Workshop
from tests.factories import counter_mismatches


def test_demo_data_agrees_with_itself(engine):
    assert seed_demo(engine, password="demo password 123") == "demo password 123"
    assert [str(finding) for finding in check(engine).findings] == []
    assert counter_mismatches(engine) == []
    assert seed_demo(engine, only_if_empty=True) is None  # a second run adds nothing


def test_demo_piloting_decision_has_a_pilot_with_a_cohort(engine):
    seed_demo(engine, password="demo password 123")
    with db.read(engine) as s:
        pilot = s.execute(select(Pilot)).scalar_one()
        decision = s.get(Decision, pilot.decision_id)
    assert decision.outcome == "piloting"
    assert pilot.member_count == 13 and pilot.size == 20


def test_demo_past_session_shows_its_outputs(client, engine):
    seed_demo(engine, password="demo password 123")
    with db.read(engine) as s:
        session = s.execute(
            select(Workshop).where(Workshop.title == "Group-study floor workshop")
        ).scalar_one()
    page = client.get(f"/sessions/{session.id}").text
    assert "Eleven people sketched the group-study floor" in page
    assert 'alt="Whiteboard sketch of the group-study floor' in page
    assert "Which layout for the group-study floor?" in page
    assert "Movable whiteboards for group rooms</a>" in page
    assert "The workshop started from this idea." in page
    comments = page.split('id="outputs-comments"')[1]
    assert comments.count('<article class="comment') == 3
    assert "<strong>tables for six by the windows</strong>" in comments
