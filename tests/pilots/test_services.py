"""Pilots through their services: setting one up, joining and leaving (also many at once),
the review that publishes the next decision, and `portal check` of the cohort counts."""

from __future__ import annotations

from contextlib import suppress

import pytest
from sqlalchemy import select, update

from portal import domains
from portal.core import db
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.decisions.models import Decision
from portal.ideas.models import Idea
from portal.notifications.models import Event
from portal.pilots import queries, services
from portal.pilots.models import Pilot, PilotMember
from portal.surveys import queries as surveys_q
from portal.tools.demo_pilots import seed_pilot
from tests import factories as f
from tests.conftest import make_user
from tests.decisions import publish
from tests.pilots import join, pilot, piloting, stored
from tests.surveys.helpers import open_round, survey
from tests.votes.test_concurrency import run_together


def test_set_up_gives_a_piloting_decision_its_cohort_and_survey(engine, staff):
    decision = piloting(engine, staff)
    made = survey(engine, staff)
    found = pilot(engine, staff, decision.id, size=12, survey_id=made.id)
    assert (found.size, found.survey_id, found.member_count) == (12, made.id, 0)
    with db.read(engine) as s:
        assert queries.for_decision(s, decision.id).id == found.id


@pytest.mark.parametrize(
    ("size", "survey_id", "field"),
    [
        ("0", "", "size"),
        ("-3", "", "size"),
        ("ten", "", "size"),
        ("10001", "", "size"),
        ("5", "999", "survey_id"),
        ("5", "x", "survey_id"),
    ],
)
def test_set_up_refuses_bad_input_beside_the_field_and_stores_nothing(
    engine, staff, size, survey_id, field
):
    decision = piloting(engine, staff)
    with pytest.raises(ValidationError) as caught, db.write(engine) as s:
        services.set_up(db=s, actor=staff, decision_id=decision.id, size=size, survey_id=survey_id)
    assert set(caught.value.errors) == {field}
    assert stored(engine) == {"pilot": 0, "pilot_member": 0}


def test_size_cannot_go_below_the_people_already_in(engine, staff, patron, other_patron):
    found = pilot(engine, staff, piloting(engine, staff).id, size=3)
    join(engine, patron, found.id)
    join(engine, other_patron, found.id)
    with pytest.raises(ValidationError) as caught, db.write(engine) as s:
        services.set_up(db=s, actor=staff, decision_id=found.decision_id, size="1")
    assert "size" in caught.value.errors
    assert f.get(engine, Pilot, found.id).size == 3


def test_joining_is_counted_once_and_leaving_gives_the_place_back(engine, staff, patron):
    found = pilot(engine, staff, piloting(engine, staff).id, size=1)
    join(engine, patron, found.id)
    join(engine, patron, found.id)  # a second click changes nothing
    assert f.get(engine, Pilot, found.id).member_count == 1
    with db.write(engine) as s:
        assert services.leave(db=s, actor=patron, pilot_id=found.id) is True
        assert services.leave(db=s, actor=patron, pilot_id=found.id) is False
    assert f.get(engine, Pilot, found.id).member_count == 0
    assert stored(engine)["pilot_member"] == 0


def test_a_full_pilot_refuses_one_more(engine, staff, patron, other_patron):
    found = pilot(engine, staff, piloting(engine, staff).id, size=1)
    join(engine, patron, found.id)
    with pytest.raises(ValidationError), db.write(engine) as s:
        services.join(db=s, actor=other_patron, pilot_id=found.id)
    assert f.get(engine, Pilot, found.id).member_count == 1


def test_unconfirmed_and_blocked_people_cannot_join(engine, staff, patron):
    found = pilot(engine, staff, piloting(engine, staff).id)
    with db.write(engine) as s:
        s.execute(
            update(type(patron)).where(type(patron).id == patron.id).values(email_confirmed_at=None)
        )
    with db.read(engine) as s:
        unconfirmed = s.get(type(patron), patron.id)
    with pytest.raises(Forbidden), db.write(engine) as s:
        services.join(db=s, actor=unconfirmed, pilot_id=found.id)
    assert stored(engine)["pilot_member"] == 0


def test_concurrent_joins_never_exceed_the_size(engine, staff):
    size, people = 4, 12
    found = pilot(engine, staff, piloting(engine, staff).id, size=size)
    users = [make_user(engine, "patron") for _ in range(people)]

    def attempt(user):
        def job() -> None:
            # "The pilot is full" is the answer a late person gets.
            with suppress(ValidationError):
                join(engine, user, found.id)

        return job

    # Each person twice, as a double click would.
    errors = run_together([attempt(u) for u in users for _ in range(2)])
    assert errors == []
    with db.read(engine) as s:
        members = (
            s.execute(select(PilotMember.user_id).where(PilotMember.pilot_id == found.id))
            .scalars()
            .all()
        )
    assert len(members) == len(set(members)) == size
    assert f.get(engine, Pilot, found.id).member_count == size


def _review(engine, staff, pilot_id, **form):
    with db.write(engine) as s:
        return services.review(db=s, actor=staff, pilot_id=pilot_id, form=form)


@pytest.mark.parametrize(
    ("outcome", "extra", "next_outcome", "idea_status"),
    [
        ("adopt", {}, "adopted", "planned"),
        ("stop", {"reason": "Too few people used it."}, "declined", "declined"),
        (
            "extend",
            {"pilot_start": "2031-01-05", "pilot_end": "2031-03-01", "review_date": "2031-03-15"},
            "piloting",
            "piloting",
        ),
    ],
)
def test_review_publishes_the_next_decision_linked_to_this_one_and_notifies(
    engine, staff, patron, category, outcome, extra, next_outcome, idea_status
):
    idea = f.idea(engine, patron, category, title="A quiet room")
    decision = piloting(engine, staff, [idea.id])
    found = pilot(engine, staff, decision.id)
    done = _review(
        engine,
        staff,
        found.id,
        findings="People **liked** it.",
        outcome=outcome,
        we_did="The quiet room stays.",
        **extra,
    )
    following = f.get(engine, Decision, done.next_decision_id)
    assert following.outcome == next_outcome and following.we_did == "The quiet room stays."
    assert following.title == decision.title
    assert f.get(engine, Decision, decision.id).reviewed_at is not None
    assert (done.outcome, done.findings) == (outcome, "People **liked** it.")
    assert f.get(engine, Idea, idea.id).status == idea_status
    with db.read(engine) as s:
        assert queries.previous_of(s, following.id).id == found.id
    # Told as any published decision is: its decision event, for the worker to fan out.
    assert f.count(engine, Event, Event.kind == "decision", Event.decision_id == following.id) == 1


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"findings": "Fine.", "we_did": "More."}, "outcome"),
        ({"findings": "Fine.", "outcome": "maybe", "we_did": "More."}, "outcome"),
        ({"findings": "x" * 5001, "outcome": "adopt", "we_did": "More."}, "findings"),
        ({"findings": "", "outcome": "adopt", "we_did": "More."}, "findings"),
        ({"findings": "Fine.", "outcome": "adopt", "we_did": ""}, "we_did"),
        ({"findings": "Fine.", "outcome": "stop", "we_did": "Stopped."}, "reason"),
        ({"findings": "Fine.", "outcome": "extend", "we_did": "Longer."}, "pilot_start"),
    ],
)
def test_review_refuses_bad_input_and_stores_nothing(engine, staff, form, field):
    decision = piloting(engine, staff)
    found = pilot(engine, staff, decision.id)
    decisions = f.count(engine, Decision)
    with pytest.raises(ValidationError) as caught:
        _review(engine, staff, found.id, **form)
    assert field in caught.value.errors
    assert f.count(engine, Decision) == decisions
    row = f.get(engine, Pilot, found.id)
    assert row.reviewed_at is None and row.findings == "" and row.next_decision_id is None
    assert f.get(engine, Decision, decision.id).reviewed_at is None


def test_a_pilot_is_reviewed_once(engine, staff):
    found = pilot(engine, staff, piloting(engine, staff).id)
    _review(engine, staff, found.id, findings="Good.", outcome="adopt", we_did="Kept.")
    decisions = f.count(engine, Decision)
    with pytest.raises(ValidationError):
        _review(engine, staff, found.id, findings="Again.", outcome="adopt", we_did="Kept.")
    assert f.count(engine, Decision) == decisions


def test_patrons_cannot_set_up_review_or_invite(engine, staff, patron, mail_settings):
    decision = piloting(engine, staff)
    found = pilot(engine, staff, decision.id)
    for call in (
        lambda s: services.set_up(db=s, actor=patron, decision_id=decision.id, size="3"),
        lambda s: services.review(
            db=s,
            actor=patron,
            pilot_id=found.id,
            form={"findings": "x", "outcome": "adopt", "we_did": "y"},
        ),
        lambda s: services.invite(
            db=s, actor=patron, pilot_id=found.id, email=patron.email, settings=mail_settings
        ),
    ):
        with pytest.raises(Forbidden), db.write(engine) as s:
            call(s)
    assert f.get(engine, Pilot, found.id).size == 5


def test_only_a_piloting_decision_gets_a_pilot(engine, staff):
    adopted = publish(engine, staff, (), "adopted")
    with pytest.raises(NotFound), db.write(engine) as s:
        services.set_up(db=s, actor=staff, decision_id=adopted.id, size="3")
    assert stored(engine)["pilot"] == 0


def test_check_finds_and_repairs_a_wrong_member_count(engine, staff, patron):
    found = pilot(engine, staff, piloting(engine, staff).id)
    join(engine, patron, found.id)
    assert domains.check(engine).findings == []
    with db.write(engine) as s:
        s.execute(update(Pilot).values(member_count=0))
    report = domains.check(engine, repair=True)
    assert [x.subject for x in report.findings] == [f"pilot {found.id}"]
    assert f.get(engine, Pilot, found.id).member_count == 1
    assert domains.check(engine).findings == []


def test_demo_pilot_is_measured_by_the_rounds_it_is_given(engine, staff, patron, worker):
    made = survey(engine, staff)
    rnd = open_round(engine, staff, made.id)
    decision = piloting(engine, staff)
    with db.write(engine) as s:
        found = seed_pilot(s, staff, [patron], size=3, baseline_round_id=rnd.id)
    row = f.get(engine, Pilot, found.id)
    assert (row.decision_id, row.member_count, row.survey_id) == (decision.id, 1, made.id)
    assert row.baseline_round_id == rnd.id
    worker.step()  # only the follow-up is left to schedule
    assert f.get(engine, Pilot, found.id).followup_round_id is not None
    with pytest.raises(ValidationError), db.write(engine) as s:
        services.use_rounds(db=s, actor=staff, pilot_id=found.id, followup_round_id=999)


def test_a_round_staff_schedule_can_ask_a_pilots_cohort(engine, staff, patron, other_patron):
    found = pilot(engine, staff, piloting(engine, staff).id)
    join(engine, patron, found.id)
    made = survey(engine, staff)
    with pytest.raises(ValidationError) as caught:
        open_round(engine, staff, made.id, audience="participants", pilot_ids="9999")
    assert "pilot_ids" in caught.value.errors
    rnd = open_round(engine, staff, made.id, audience="participants", pilot_ids=str(found.id))
    with db.read(engine) as s:
        assert surveys_q.in_audience(s, rnd, patron.id)
        assert not surveys_q.in_audience(s, rnd, other_patron.id)
