"""Who may do what with surveys, over HTTP: staff build and run; people answer the rounds
that ask them; nobody sees or writes another person's response."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from portal.accounts.models import User
from portal.core import db
from portal.surveys import answering
from portal.surveys.models import Dimension, Response, Round, Survey
from tests import factories as f
from tests.conftest import login_as, make_user
from tests.surveys.helpers import full_answers, open_round, structure, survey


def _staff_posts(made_id: int, round_id: int) -> list[tuple[str, dict]]:
    return [
        ("/staff/surveys", {"starter": "service"}),
        (f"/staff/surveys/{made_id}", {"title": "Changed", "scale": "single7"}),
        (f"/staff/surveys/{made_id}/dimensions", {"dim-code": "new", "dim-name": "New"}),
        (f"/staff/surveys/{made_id}/remove", {"kind": "dimension", "part_id": "1"}),
        (f"/staff/surveys/{made_id}/rounds", {"round-audience": "everyone"}),
        (f"/staff/surveys/rounds/{round_id}/close", {}),
    ]


@pytest.mark.parametrize("role", ["patron", "committee"])
def test_only_staff_build_and_run_surveys(client, engine, staff, role):
    made = survey(engine, staff)
    rnd = open_round(engine, staff, made.id)
    login_as(client, make_user(engine, role))
    for path in ("/staff/surveys", f"/staff/surveys/{made.id}", f"/staff/surveys/rounds/{rnd.id}"):
        assert client.get(path).status_code == 403, path
    for path, data in _staff_posts(made.id, rnd.id):
        assert client.post(path, data).status_code == 403, path
    assert f.count(engine, Survey) == 1
    assert f.count(engine, Dimension) == 4
    assert f.get(engine, Round, rnd.id).closes_at == rnd.closes_at


def test_visitors_are_sent_to_sign_in(client, engine, staff):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    response = client.get(f"/surveys/{made.id}", follow_redirects=False)
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]
    assert client.post(f"/surveys/{made.id}", full_answers(engine, made.id)).status_code in (
        302,
        303,
    )
    assert f.count(engine, Response) == 0


def test_an_unconfirmed_person_is_asked_to_confirm_first(client, engine, staff, patron):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    login_as(client, patron)
    with db.write(engine) as s:
        s.execute(update(User).where(User.id == patron.id).values(email_confirmed_at=None))
    assert client.get(f"/surveys/{made.id}").status_code == 403
    assert client.post(f"/surveys/{made.id}", full_answers(engine, made.id)).status_code == 403
    assert f.count(engine, Response) == 0


def test_nobody_sees_another_persons_answers(client, engine, staff, patron, other_patron):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    question = structure(engine, made.id).questions[0]
    with db.write(engine) as s:
        answering.answer(
            db=s,
            actor=patron,
            survey_id=made.id,
            form={f"t-{question.id}": "My private wish", "action": "draft"},
            draft=True,
        )
    for viewer in (other_patron, staff):
        login_as(client, viewer)
        page = client.get(f"/surveys/{made.id}")
        assert page.status_code == 200
        assert "My private wish" not in page.text
        client.post("/logout")


def test_a_round_for_the_committee_is_answered_by_members_only(
    client, engine, staff, patron, committee
):
    made = survey(engine, staff)
    open_round(engine, staff, made.id, audience="committee")
    login_as(client, committee)
    assert client.post(f"/surveys/{made.id}", full_answers(engine, made.id)).status_code == 303
    client.post("/logout")
    login_as(client, patron)
    assert client.post(f"/surveys/{made.id}", full_answers(engine, made.id)).status_code == 403
    assert f.count(engine, Response) == 1
