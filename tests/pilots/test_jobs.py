"""The worker schedules each pilot's baseline round (open the week before the pilot starts,
closed as it starts) and follow-up round (open on the review date for two weeks) on its
survey, for its cohort; the surveys' own job invites the cohort by email when each opens.
Time is moved by giving the modules that read the clock a later "now"."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from portal.core import db
from portal.core.clock import utcnow
from portal.pilots import services
from portal.pilots.models import Pilot
from portal.surveys import queries as surveys_q
from portal.surveys.models import Round
from tests import factories as f
from tests.pilots import REVIEW_IN, START_IN, join, pilot, piloting
from tests.surveys.helpers import survey

CLOCKS = ("portal.pilots.services", "portal.surveys.queries", "portal.surveys.invitations")


@pytest.fixture
def move_to(monkeypatch):
    """Set the clock of the scheduling and inviting modules `days` from now."""

    def move(days: int) -> None:
        later = utcnow() + timedelta(days=days)
        for module in CLOCKS:
            monkeypatch.setattr(f"{module}.utcnow", lambda: later)

    return move


def _midnight(days: int) -> datetime:
    return datetime.combine(utcnow().date() + timedelta(days=days), time(), UTC)


def _rounds(engine) -> list[Round]:
    with db.read(engine) as s:
        return list(s.execute(select(Round).order_by(Round.opens_at)).scalars())


def _invited(smtp_server, since: int = 0) -> set[str]:
    return {m["To"] for m in smtp_server.messages[since:]}


def test_worker_schedules_baseline_and_follow_up_once_and_invites_the_cohort_as_each_opens(
    engine, worker, smtp_server, staff, patron, other_patron, committee, move_to
):
    made = survey(engine, staff)
    decision = piloting(engine, staff)
    found = pilot(engine, staff, decision.id, survey_id=made.id)
    join(engine, patron, found.id)
    join(engine, other_patron, found.id)
    worker.step()
    worker.step()  # run twice: still one round each
    baseline, follow_up = _rounds(engine)
    assert (baseline.opens_at, baseline.closes_at) == (_midnight(START_IN - 7), _midnight(START_IN))
    assert (follow_up.opens_at, follow_up.closes_at) == (
        _midnight(REVIEW_IN),
        _midnight(REVIEW_IN + 14),
    )
    row = f.get(engine, Pilot, found.id)
    assert (row.baseline_round_id, row.followup_round_id) == (baseline.id, follow_up.id)
    with db.read(engine) as s:
        assert surveys_q.sources(s, baseline.id) == [("pilot", found.id)]
    assert smtp_server.messages == []  # neither has opened

    move_to(START_IN - 5)
    worker.step()
    assert _invited(smtp_server) == {patron.email, other_patron.email}
    with db.read(engine) as s:
        assert surveys_q.in_audience(s, baseline, patron.id)
        assert not surveys_q.in_audience(s, baseline, committee.id)
    worker.step()
    assert len(smtp_server.messages) == 2  # invited once

    # Someone who left before the review is not asked at it.
    with db.write(engine) as s:
        services.leave(db=s, actor=other_patron, pilot_id=found.id)
    sent = len(smtp_server.messages)
    move_to(REVIEW_IN + 1)
    worker.step()
    assert _invited(smtp_server, sent) == {patron.email}
    assert len(_rounds(engine)) == 2


def test_a_pilot_set_up_after_it_started_gets_only_its_follow_up(engine, worker, staff, move_to):
    made = survey(engine, staff)
    found = pilot(engine, staff, piloting(engine, staff).id, survey_id=made.id)
    move_to(START_IN + 1)
    worker.step()
    [follow_up] = _rounds(engine)
    assert follow_up.opens_at == _midnight(REVIEW_IN)
    row = f.get(engine, Pilot, found.id)
    assert (row.baseline_round_id, row.followup_round_id) == (None, follow_up.id)


def test_a_pilot_without_a_survey_gets_no_rounds(engine, worker, staff):
    pilot(engine, staff, piloting(engine, staff).id)
    worker.step()
    assert _rounds(engine) == []


def test_the_baseline_opens_now_when_the_pilot_starts_within_the_week(
    engine, worker, staff, move_to
):
    made = survey(engine, staff)
    pilot(engine, staff, piloting(engine, staff).id, survey_id=made.id)
    move_to(START_IN - 2)
    worker.step()
    baseline = _rounds(engine)[0]
    assert _midnight(START_IN - 3) < baseline.opens_at <= _midnight(START_IN - 1)
    assert baseline.closes_at == _midnight(START_IN)
