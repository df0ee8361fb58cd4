"""The survey pages over HTTP: staff build and schedule, people answer, drafts, bad input,
anonymous links, invitations and the reminder through the outbox."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from portal.core import db
from portal.core.clock import utcnow
from portal.notifications import services as notifications
from portal.surveys import answering
from portal.surveys.models import Answer, Invitation, Response, Round, Survey, TextAnswer
from tests import factories as f
from tests.conftest import login_as
from tests.surveys.helpers import full_answers, open_round, structure, survey


def test_staff_starts_a_survey_from_a_template(client, engine, staff):
    login_as(client, staff)
    response = client.post("/staff/surveys", {"starter": "three"})
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "Getting to information" in page.text
    assert f.count(engine, Survey) == 1


def test_patron_may_not_open_the_staff_pages(client, engine, staff, patron):
    made = survey(engine, staff)
    login_as(client, patron)
    assert client.get("/staff/surveys").status_code == 403
    assert client.post("/staff/surveys", {"starter": "three"}).status_code == 403
    assert (
        client.post(f"/staff/surveys/{made.id}/rounds", {"round-audience": "everyone"}).status_code
        == 403
    )
    assert f.count(engine, Survey) == 1
    assert f.count(engine, Round) == 0


def test_staff_adds_a_dimension_with_a_bad_code_and_keeps_the_text(client, engine, staff):
    made = survey(engine, staff)
    login_as(client, staff)
    response = client.post(
        f"/staff/surveys/{made.id}/dimensions", {"dim-code": "bad code", "dim-name": "Quiet"}
    )
    assert response.status_code == 400
    assert 'id="dim-code"' in response.text and 'value="Quiet"' in response.text
    assert "short code" in response.text


def test_staff_schedules_a_round_and_sees_its_response_count(client, engine, staff, patron):
    made = survey(engine, staff)
    login_as(client, staff)
    today = utcnow().date()
    response = client.post(
        f"/staff/surveys/{made.id}/rounds",
        {
            "round-opens": today.isoformat(),
            "round-closes": (today + timedelta(days=3)).isoformat(),
            "round-audience": "everyone",
        },
    )
    assert response.status_code == 303
    rnd_id = f.count(engine, Round)
    with db.write(engine) as s:
        answering.answer(db=s, actor=patron, survey_id=made.id, form=full_answers(engine, made.id))
    page = client.get(f"/staff/surveys/rounds/{rnd_id}")
    assert re.search(r'id="response-count">1<', page.text)


def test_patron_answers_and_a_second_submission_replaces_the_first(client, engine, staff, patron):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    login_as(client, patron)
    assert client.get(f"/surveys/{made.id}").status_code == 200
    assert client.post(f"/surveys/{made.id}", full_answers(engine, made.id, "2")).status_code == 303
    assert client.post(f"/surveys/{made.id}", full_answers(engine, made.id, "5")).status_code == 303
    assert f.count(engine, Response) == 1
    assert f.count(engine, Answer, Answer.value == 2) == 0
    assert f.count(engine, Answer, Answer.value == 5) == len(structure(engine, made.id).all_items)


def test_save_and_finish_later_keeps_a_draft_shown_on_return(client, engine, staff, patron):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    item = structure(engine, made.id).all_items[0]
    question = structure(engine, made.id).questions[0]
    login_as(client, patron)
    response = client.post(
        f"/surveys/{made.id}",
        {f"r-{item.id}-rating": "3", f"t-{question.id}": "Longer hours", "action": "draft"},
    )
    assert response.status_code == 303
    page = client.get(f"/surveys/{made.id}")
    assert re.search(
        rf'id="r-{item.id}-rating-3" name="r-{item.id}-rating" value="3" checked', page.text
    )
    assert "Longer hours" in page.text
    assert f.count(engine, Response, Response.is_draft.is_(True)) == 1


def test_sending_an_incomplete_form_names_the_missing_items_and_stores_nothing(
    client, engine, staff, patron
):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    answers = full_answers(engine, made.id)
    missing = next(iter(answers))
    del answers[missing]
    login_as(client, patron)
    response = client.post(f"/surveys/{made.id}", answers)
    assert response.status_code == 400
    assert f'href="#{missing}"' in response.text
    assert f.count(engine, Response) == 0


def test_answer_outside_the_scale_is_named_others_kept_nothing_stored(
    client, engine, staff, patron
):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    answers = full_answers(engine, made.id, "4")
    first, second = list(answers)[:2]
    login_as(client, patron)
    for bad in ("6", "0", "-1", "٣", "4.0", "99999999999999999999"):
        response = client.post(f"/surveys/{made.id}", {**answers, first: bad})
        assert response.status_code == 400, bad
        assert f'id="{first}-error"' in response.text
        assert re.search(rf'name="{second}" value="4" checked', response.text)
    assert f.count(engine, Response) == 0


def test_an_unknown_item_is_refused_with_a_message(client, engine, staff, patron):
    made = survey(engine, staff)
    other = survey(engine, staff, "three")
    open_round(engine, staff, made.id)
    foreign = structure(engine, other.id).all_items[0]
    login_as(client, patron)
    response = client.post(
        f"/surveys/{made.id}", {**full_answers(engine, made.id), f"r-{foreign.id}-rating": "3"}
    )
    assert response.status_code == 400
    assert "does not have" in response.text
    assert f.count(engine, Response) == 0


def test_a_closed_or_not_yet_open_round_says_why(client, engine, staff, patron):
    made = survey(engine, staff)
    rnd = open_round(engine, staff, made.id)
    login_as(client, patron)
    with db.write(engine) as s:
        s.execute(update(Round).values(opens_at=utcnow() + timedelta(days=1)))
    response = client.post(f"/surveys/{made.id}", full_answers(engine, made.id))
    assert response.status_code == 409 and "not open yet" in response.text
    with db.write(engine) as s:
        s.execute(
            update(Round)
            .where(Round.id == rnd.id)
            .values(opens_at=utcnow() - timedelta(days=9), closes_at=utcnow() - timedelta(days=1))
        )
    response = client.post(f"/surveys/{made.id}", full_answers(engine, made.id))
    assert response.status_code == 410 and "has closed" in response.text
    assert f.count(engine, Response) == 0


def test_a_person_outside_the_audience_is_refused(client, engine, staff, patron):
    made = survey(engine, staff)
    open_round(engine, staff, made.id, audience="committee")
    login_as(client, patron)
    assert client.get(f"/surveys/{made.id}").status_code == 403
    response = client.post(f"/surveys/{made.id}", {"action": "draft"})
    assert response.status_code == 403
    assert f.count(engine, Response) == 0


def test_invitation_and_one_reminder_go_through_the_outbox(
    client, engine, worker, smtp_server, staff, patron
):
    made = survey(engine, staff)
    rnd = open_round(engine, staff, made.id, audience="committee")
    worker.step()
    invited = {m["To"] for m in smtp_server.messages}
    assert staff.email in invited and patron.email not in invited
    assert f.count(engine, Invitation) == len(invited)
    # Three days before the close: one reminder to those who have not answered.
    with db.write(engine) as s:
        s.execute(update(Round).values(closes_at=utcnow() + timedelta(days=2)))
    before = len(smtp_server.messages)
    worker.step()
    worker.step()
    reminders = smtp_server.messages[before:]
    assert [m["To"] for m in reminders] == [staff.email]
    assert "Closing soon" in reminders[0]["Subject"]
    assert rnd.id


def test_anonymous_link_works_once_and_stores_no_person(client, engine, worker, smtp_server, staff):
    made = survey(engine, staff)
    open_round(engine, staff, made.id, audience="committee", anonymous="1")
    worker.step()
    (mail,) = [m for m in smtp_server.messages if m["To"] == staff.email]
    link = re.search(r"link=([A-Za-z0-9_-]+)", mail.get_content())[1]
    page = client.get(f"/surveys/{made.id}?link={link}")
    assert page.status_code == 200
    answers = {**full_answers(engine, made.id), "link": link}
    assert client.post(f"/surveys/{made.id}", answers).status_code == 303
    again = client.post(f"/surveys/{made.id}", answers)
    assert again.status_code == 410 and "already been used" in again.text
    assert f.count(engine, Response) == 1
    assert f.count(engine, Response, Response.user_id.is_(None)) == 1
    assert f.count(engine, Invitation, Invitation.used_at.is_not(None)) == 1
    wrong = client.post(f"/surveys/{made.id}", {**answers, "link": "x" * 43})
    assert wrong.status_code == 403
    assert f.count(engine, TextAnswer) == 0


def test_visitors_see_the_list_with_a_way_to_sign_in(client, engine, staff):
    made = survey(engine, staff)
    open_round(engine, staff, made.id)
    page = client.get("/surveys")
    assert page.status_code == 200
    assert 'href="/login?next=/surveys"' in page.text
    assert made.title not in page.text


def test_an_anonymous_round_asks_for_the_link_and_stores_nothing_without_it(
    client, engine, staff, committee
):
    made = survey(engine, staff)
    open_round(engine, staff, made.id, audience="committee", anonymous="1")
    login_as(client, committee)
    page = client.get(f"/surveys/{made.id}")
    assert page.status_code == 409 and "link in your invitation" in page.text
    response = client.post(f"/surveys/{made.id}", full_answers(engine, made.id))
    assert response.status_code == 409
    assert f.count(engine, Response) == 0


def test_a_person_who_turned_survey_email_off_gets_no_invitation(
    engine, worker, smtp_server, staff, committee
):
    with db.write(engine) as s:
        notifications.set_mode(s, committee.id, "survey", "off")
    made = survey(engine, staff)
    open_round(engine, staff, made.id, audience="committee")
    worker.step()
    invited = {m["To"] for m in smtp_server.messages}
    assert staff.email in invited and committee.email not in invited
    # Still invited (the form is open to them), only not by email.
    assert f.count(engine, Invitation) == 2


def test_no_reminder_goes_to_someone_who_has_answered(client, engine, worker, smtp_server, staff):
    made = survey(engine, staff)
    open_round(engine, staff, made.id, audience="committee")
    worker.step()
    login_as(client, staff)
    assert client.post(f"/surveys/{made.id}", full_answers(engine, made.id)).status_code == 303
    with db.write(engine) as s:
        s.execute(update(Round).values(closes_at=utcnow() + timedelta(days=2)))
    before = len(smtp_server.messages)
    worker.step()
    # Sending marks the invitation used, and the reminder goes only to unused ones.
    assert [m["To"] for m in smtp_server.messages[before:]] == []
    assert f.count(engine, Invitation, Invitation.used_at.is_not(None)) == 1


def test_home_asks_the_same_statements_however_many_rounds_are_open(
    client, engine, staff, patron, category
):
    """The home page lists the open rounds that ask the reader: one look for all of them, not
    one (or three) per round, whatever their audiences."""
    from tests.test_query_counts import statements

    idea = f.idea(engine, patron, category)

    def home_statements() -> tuple[int, str]:
        login_as(client, patron)
        client.get("/")  # warm: the same page twice costs the same
        with statements(engine) as seen:
            page = client.get("/").text
        client.get("/logout")
        return len(seen), page

    first = survey(engine, staff)
    open_round(engine, staff, first.id)
    one, page = home_statements()
    assert first.title in page
    asked = survey(engine, staff, "three")
    open_round(engine, staff, asked.id, audience="participants", idea_ids=str(idea.id))
    not_asked = survey(engine, staff)
    open_round(engine, staff, not_asked.id, audience="committee")
    invited = survey(engine, staff)
    rnd = open_round(engine, staff, invited.id, audience="committee")
    with db.write(engine) as s:
        s.add(Invitation(round_id=rnd.id, user_id=patron.id, token_hash="x" * 64))
    four, page = home_statements()
    assert (four, one) == (one, one)
    assert page.count(f"/surveys/{asked.id}") and page.count(f"/surveys/{invited.id}")
    assert f"/surveys/{not_asked.id}" not in page
