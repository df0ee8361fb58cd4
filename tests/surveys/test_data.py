"""A person's survey data (export and deletion), `portal check` of the surveys' references,
and the form's statements not growing with its items."""

from __future__ import annotations

from sqlalchemy import update

from portal import domains
from portal.accounts import privacy
from portal.core import db
from portal.surveys import answering, services
from portal.surveys.models import Answer, Response, RoundSource
from tests import factories as f
from tests.conftest import login_as
from tests.surveys.helpers import full_answers, open_round, survey
from tests.test_query_counts import statements


def test_export_holds_the_persons_responses_and_answers(engine, staff, patron):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    with db.write(engine) as s:
        answering.answer(db=s, actor=patron, survey_id=made.id, form=full_answers(engine, made.id))
    with db.read(engine) as s:
        data = privacy.export(s, patron)
    assert len(data["survey_responses"]) == 1
    assert len(data["survey_answers"]) == f.count(engine, Answer)


def test_deleting_the_account_keeps_sent_answers_without_the_person_and_erases_drafts(
    engine, staff, patron, other_patron
):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    with db.write(engine) as s:
        answering.answer(db=s, actor=patron, survey_id=made.id, form=full_answers(engine, made.id))
        answering.answer(db=s, actor=other_patron, survey_id=made.id, form={}, draft=True)
    for person in (patron, other_patron):
        with db.write(engine) as s:
            privacy.delete_account(db=s, actor=person, password_ok=True)
    assert f.count(engine, Response) == 1
    assert f.count(engine, Response, Response.user_id.is_(None)) == 1
    assert f.count(engine, Answer) > 0


def test_portal_check_finds_and_repairs_an_answer_in_the_wrong_round(engine, staff, patron):
    made = survey(engine, staff)
    rnd = open_round(engine, staff, made.id)
    with db.write(engine) as s:
        answering.answer(db=s, actor=patron, survey_id=made.id, form=full_answers(engine, made.id))
    other = survey(engine, staff, "three")
    second = open_round(engine, staff, other.id)
    with db.write(engine) as s:
        s.execute(update(Answer).where(Answer.id == 1).values(round_id=second.id))
    (finding,) = domains.check(engine).findings
    assert finding.subject == "survey answer 1"
    assert domains.check(engine, repair=True).left == []
    assert f.get(engine, Answer, 1).round_id == rnd.id


def test_portal_check_drops_an_audience_source_that_names_nothing(engine, staff, patron, category):
    idea = f.idea(engine, patron, category)
    made = survey(engine, staff)
    open_round(engine, staff, made.id, audience="participants", idea_ids=str(idea.id))
    with db.write(engine) as s:
        s.execute(update(RoundSource).values(ref_id=idea.id + 100))
    (finding,) = domains.check(engine).findings
    assert "idea" in finding.problem
    domains.check(engine, repair=True)
    assert f.count(engine, RoundSource) == 0


def _add_items(engine, staff, survey_id: int, n: int) -> None:
    with db.write(engine) as s:
        dim = services.add_dimension(
            db=s, actor=staff, survey_id=survey_id, form={"code": f"d{n}", "name": "More"}
        )
        for i in range(n):
            services.add_item(
                db=s,
                actor=staff,
                survey_id=survey_id,
                form={"code": f"x{n}-{i}", "text": f"Item {i}", "dimension_id": str(dim.id)},
            )


def test_the_form_and_its_answers_run_the_same_statements_with_more_items(
    client, engine, staff, patron
):
    made = survey(engine, staff, "three")
    open_round(engine, staff, made.id)
    login_as(client, patron)
    counts = []
    for extra in (1, 20):
        # Instruments cannot change once answered: each pass starts from no response.
        with db.write(engine) as s:
            s.execute(Response.__table__.delete())
        _add_items(engine, staff, made.id, extra)
        answers = full_answers(engine, made.id)
        with statements(engine) as seen:
            assert client.get(f"/surveys/{made.id}").status_code == 200
            assert client.post(f"/surveys/{made.id}", answers).status_code == 303
            assert client.get(f"/surveys/{made.id}").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1]
