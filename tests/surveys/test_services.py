"""Building instruments and rounds, and answering, through the services (no HTTP)."""

from __future__ import annotations

import pytest

from portal.core import db
from portal.core.errors import Forbidden, ValidationError
from portal.surveys import answering, queries, services
from portal.surveys.models import Answer, Item, Response, Round
from tests import factories as f
from tests.surveys.helpers import full_answers, open_round, structure, survey


def test_starter_service_quality_has_four_dimensions_of_three_to_five_items(engine, staff):
    made = survey(engine, staff, "service")
    shape = structure(engine, made.id)
    assert [d.code for d in shape.dimensions] == ["staff", "place", "find", "know"]
    assert all(3 <= len(shape.items[d.id]) <= 5 for d in shape.dimensions)
    assert all(i.text_zh for i in shape.all_items)
    assert (shape.survey.scale, shape.survey.points) == ("single", 5)


def test_starter_three_column_rates_one_to_nine(engine, staff):
    made = survey(engine, staff, "three")
    assert (made.scale, made.points) == ("three", 9)


def test_patron_cannot_build_a_survey(engine, patron):
    with pytest.raises(Forbidden), db.write(engine) as s:
        services.create_from_starter(db=s, actor=patron, starter="service")


@pytest.mark.parametrize("code", ["", "has space", "ä", "x" * 21, "a.b", "staff"])
def test_dimension_code_short_ascii_and_unique(engine, staff, code):
    made = survey(engine, staff)
    with pytest.raises(ValidationError) as exc, db.write(engine) as s:
        services.add_dimension(
            db=s, actor=staff, survey_id=made.id, form={"code": code, "name": "New"}
        )
    assert "code" in exc.value.errors


def test_editing_is_refused_once_a_round_has_responses(engine, staff, patron):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    with db.write(engine) as s:
        answering.answer(db=s, actor=patron, survey_id=made.id, form={}, draft=True)
    items_before = f.count(engine, Item)
    with pytest.raises(ValidationError) as exc, db.write(engine) as s:
        services.add_item(
            db=s,
            actor=staff,
            survey_id=made.id,
            form={"code": "new1", "text": "New", "dimension_id": "1"},
        )
    assert "survey" in exc.value.errors
    assert f.count(engine, Item) == items_before


def test_rounds_of_one_survey_may_not_overlap(engine, staff):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    with pytest.raises(ValidationError) as exc:
        open_round(engine, staff, made.id)
    assert "opens" in exc.value.errors
    assert f.count(engine, Round) == 1


def test_round_of_participants_needs_existing_ideas(engine, staff):
    made = survey(engine, staff)
    with pytest.raises(ValidationError) as exc:
        open_round(engine, staff, made.id, audience="participants", idea_ids="99999")
    assert "99999" in exc.value.errors["idea_ids"]


def test_participants_of_an_idea_are_its_proposer_voters_and_commenters(
    engine, staff, patron, other_patron, committee, category
):
    idea = f.idea(engine, patron, category)
    f.vote(engine, other_patron, idea.id)
    made = survey(engine, staff)
    rnd = open_round(engine, staff, made.id, audience="participants", idea_ids=str(idea.id))
    with db.read(engine) as s:
        assert queries.in_audience(s, rnd, patron.id)
        assert queries.in_audience(s, rnd, other_patron.id)
        assert not queries.in_audience(s, rnd, committee.id)


def test_answer_outside_audience_is_forbidden_and_stores_nothing(engine, staff, patron):
    made = survey(engine, staff)
    open_round(engine, staff, made.id, audience="committee")
    with pytest.raises(Forbidden), db.write(engine) as s:
        answering.answer(db=s, actor=patron, survey_id=made.id, form=full_answers(engine, made.id))
    assert f.count(engine, Response) == 0


def test_round_ratings_gives_each_items_values_per_response(engine, staff, patron, other_patron):
    made = survey(engine, staff, "three")
    rnd = open_round(engine, staff, made.id)
    shape = structure(engine, made.id)
    first = shape.all_items[0]
    answers = full_answers(engine, made.id, "5")
    answers[f"r-{first.id}-perceived"] = "na"
    with db.write(engine) as s:
        answering.answer(db=s, actor=patron, survey_id=made.id, form={**answers, "group": "staff"})
        answering.answer(db=s, actor=other_patron, survey_id=made.id, form={}, draft=True)
    with db.read(engine) as s:
        ratings = queries.round_ratings(s, rnd.id)
    assert ratings.groups == ["staff"]
    assert ratings.values[first.code] == {"minimum": [5], "desired": [5], "perceived": [None]}
    assert ratings.dimensions["service"] == ["svc1", "svc2", "svc3"]
    assert f.count(engine, Answer) == len(shape.all_items) * 3
