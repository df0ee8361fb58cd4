"""The demo's assessment data: a three-column survey measured before and after the demo's
pilot (two closed, published rounds of over 40 answers, perceived service of the place better
after it), a round open now to everyone signed in, user groups, and stories by theme."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.decisions.models import Decision
from portal.stories.models import Story
from portal.surveys import queries
from portal.surveys.models import Round
from portal.tools.demo import seed_demo


def test_demo_seeds_a_survey_around_the_pilot_with_over_40_answers_a_round(engine, client):
    seed_demo(engine, password="demo password 123")
    now = utcnow()
    with db.read(engine) as s:
        pilot = s.execute(select(Decision).where(Decision.outcome == "piloting")).scalar_one()
        rounds = s.execute(select(Round).order_by(Round.opens_at)).scalars().all()
        baseline, follow_up, still_open = rounds
        results = [queries.round_results(s, r, merge_groups=True) for r in (baseline, follow_up)]
        groups = dict(
            s.execute(select(User.user_group, func.count()).group_by(User.user_group)).all()
        )
        trends = {(t.round_id, t.dimension): t for t in queries.dimension_trends(s)}
        published = s.execute(
            select(func.count()).select_from(Story).where(Story.published_at.is_not(None))
        ).scalar_one()
    assert baseline.closes_at.date() <= pilot.pilot_start
    assert follow_up.opens_at.date() > pilot.pilot_end and follow_up.closes_at <= now
    assert baseline.published_at and follow_up.published_at
    assert still_open.opens_at <= now < still_open.closes_at and still_open.audience == "everyone"
    assert all(r.n >= 40 for r in results)
    before, after = ({d.code: d for d in r.dimensions} for r in results)
    # The pilot (opening hours) touches the library as a place: perceived better after it.
    assert after["space"].summary.mean > before["space"].summary.mean + 0.5
    assert abs(after["service"].summary.mean - before["service"].summary.mean) < 0.5
    # Some "not applicable": not every item has every response.
    assert any(i.summary.n < r.n for r in results for d in r.dimensions for i in d.items)
    assert len([g for g in groups if g]) >= 5 and published >= 3
    # The dashboard's trends agree with the results page's own statistics, dimension by dimension.
    for rnd, result in zip((baseline, follow_up), results, strict=True):
        for d in result.dimensions:
            trend = trends[(rnd.id, d.code)]
            assert (trend.n, trend.mean) == (d.summary.n, round(d.summary.mean, 2))
    signed_in = client.post(  # anyone signed in may answer the open round
        "/login", {"email": "respondent1@example.org", "password": "demo password 123"}
    )
    assert signed_in.status_code == 303
    assert client.get(f"/surveys/{still_open.survey_id}").status_code == 200
    assert client.get(f"/surveys/{still_open.survey_id}/results").status_code == 200
