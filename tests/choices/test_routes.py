"""Questions over HTTP: asking (staff only, bad input beside the field and kept), answering
with a form that works without JavaScript, results hidden until close unless live (staff see
them always), a committee session's questions private, the idea's, session's and decision's
pages showing them, desk answers and citing from the question's page."""

from __future__ import annotations

import html
import re

import pytest

from portal.choices.models import ChoiceAnswer
from tests import decisions as d
from tests import factories as f
from tests.choices import LAYOUTS, answer, ask, close, form, options, ranks, stored
from tests.conftest import login_as
from tests.workshops import factories as wf


@pytest.fixture
def idea(engine, patron, category):
    return f.idea(engine, patron, category)


def text(response) -> str:
    return html.unescape(response.text)


def test_staff_ask_a_question_from_the_idea_page(client, engine, staff, idea):
    login_as(client, staff)
    page = client.get(f"/ideas/{idea.id}").text
    assert f"/choices/new?idea={idea.id}" in page
    response = client.post(f"/choices/new?idea={idea.id}", form())
    assert response.status_code == 303
    assert stored(engine)["choice_question"] == 1 and stored(engine)["choice_option"] == 3


def test_asking_is_for_staff_only(client, engine, patron, idea):
    login_as(client, patron)
    assert client.get(f"/choices/new?idea={idea.id}").status_code == 403
    assert client.post(f"/choices/new?idea={idea.id}", form()).status_code == 403
    assert "/choices/new" not in client.get(f"/ideas/{idea.id}").text
    assert stored(engine)["choice_question"] == 0


def test_asking_about_nothing_is_404(client, staff):
    login_as(client, staff)
    for query in ("", "?idea=999999", "?session=999999", "?idea=abc", "?idea=1&session=1"):
        assert client.get(f"/choices/new{query}").status_code == 404


def test_a_bad_question_is_named_beside_the_field_and_kept(client, engine, staff, idea):
    login_as(client, staff)
    response = client.post(
        f"/choices/new?idea={idea.id}", form(option_2="QUIET rows", text_zh="布局?")
    )
    assert response.status_code == 400
    page = text(response)
    assert 'id="option_2-error"' in response.text and "Another option says the same." in page
    assert 'value="QUIET rows"' in page and 'value="布局?"' in page
    assert stored(engine)["choice_question"] == 0


def test_the_idea_page_shows_the_form_while_open(client, engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id)
    login_as(client, patron)
    page = client.get(f"/ideas/{idea.id}").text
    for o in options(engine, q.id):
        assert f'<select id="rank-{o}" name="rank-{o}">' in page
    assert f'action="/choices/{q.id}/answer"' in page
    assert "The results show once the question closes." in page


def test_answering_over_http_then_changing_it(client, engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id)
    a, b, c = options(engine, q.id)
    login_as(client, patron)
    response = client.post(f"/choices/{q.id}/answer", ranks([a, b, c], 2, 1, None))
    assert response.status_code == 303
    page = client.get(f"/choices/{q.id}").text
    assert "Sending again replaces your answer." in page
    assert re.search(rf'name="rank-{b}">.*?<option value="1" selected>', page, re.S)
    client.post(f"/choices/{q.id}/answer", ranks([a, b, c], 1, None, None))
    assert f.count(engine, ChoiceAnswer) == 1


def test_a_duplicate_rank_is_named_beside_its_field_with_the_choices_kept(
    client, engine, staff, patron, idea
):
    q = ask(engine, staff, idea_id=idea.id)
    a, b, c = options(engine, q.id)
    login_as(client, patron)
    response = client.post(f"/choices/{q.id}/answer", ranks([a, b, c], 1, 2, 2))
    assert response.status_code == 400
    assert f'id="rank-{c}-error"' in response.text
    assert "You gave 2 to “Group tables” as well" in text(response)
    assert re.search(
        rf'name="rank-{c}" aria-describedby="rank-{c}-error" aria-invalid="true">.*?<option value="2" selected>',
        response.text,
        re.S,
    )
    assert stored(engine)["choice_answer"] == 0


def test_a_closed_question_refuses_answers_over_http(client, engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    close(engine, q.id)
    login_as(client, patron)
    response = client.post(f"/choices/{q.id}/answer", {"option": str(options(engine, q.id)[0])})
    assert response.status_code == 400
    assert "This question is not taking answers." in text(response)
    assert f'action="/choices/{q.id}/answer"' not in response.text
    assert stored(engine)["choice_answer"] == 0


def test_answering_needs_sign_in(client, engine, staff, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    response = client.post(f"/choices/{q.id}/answer", {"option": str(options(engine, q.id)[0])})
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]
    assert "Sign in to answer" in client.get(f"/choices/{q.id}").text
    assert stored(engine)["choice_answer"] == 0


def test_results_are_hidden_before_close_except_to_staff(client, engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    answer(engine, patron, q.id, option=str(options(engine, q.id)[0]))
    for path in (f"/choices/{q.id}", f"/ideas/{idea.id}"):
        assert "Answers per option" not in client.get(path).text
    login_as(client, staff)
    assert "Answers per option" in client.get(f"/choices/{q.id}").text


def test_live_results_show_while_open(client, engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick", live="1")
    answer(engine, patron, q.id, option=str(options(engine, q.id)[1]))
    page = text(client.get(f"/choices/{q.id}"))
    assert "Answers per option" in page and "Still open: these results may change." in page
    assert "Most chosen: Group tables" in page


def test_closed_results_show_borda_and_every_runoff_round(
    client, engine, staff, patron, other_patron, committee, idea
):
    q = ask(engine, staff, idea_id=idea.id)
    a, b, c = options(engine, q.id)
    answer(engine, patron, q.id, **ranks([a, b, c], 1, 2, 3))
    answer(engine, other_patron, q.id, **ranks([a, b, c], 3, 1, 2))
    answer(engine, committee, q.id, **ranks([a, b, c], None, 2, 1))
    close(engine, q.id)
    page = text(client.get(f"/ideas/{idea.id}"))
    # Round 1: one first choice each; a tie broken by Borda (Quiet rows 2, Booths 3: Quiet
    # rows out); round 2: Group tables 2 of 3.
    assert "Instant-runoff winner: Group tables" in page
    assert "Round 1: no option has more than half, so Quiet rows is out." in page
    assert "Round 2: Group tables wins." in page
    assert "Borda points (a first choice" in page


def test_a_committee_sessions_questions_are_private(client, engine, staff, patron):
    w = wf.schedule(engine, staff, audience="committee")
    q = ask(engine, staff, workshop_id=w.id, kind="pick")
    login_as(client, patron)
    assert client.get(f"/choices/{q.id}").status_code == 404
    response = client.post(f"/choices/{q.id}/answer", {"option": str(options(engine, q.id)[0])})
    assert response.status_code == 404
    assert stored(engine)["choice_answer"] == 0


def test_the_session_page_shows_its_question(client, engine, staff, patron):
    w = wf.schedule(engine, staff)
    q = ask(engine, staff, workshop_id=w.id, kind="pick")
    login_as(client, patron)
    page = client.get(f"/sessions/{w.id}").text
    assert f'action="/choices/{q.id}/answer"' in page and 'type="radio"' in page


def test_staff_record_desk_answers_shown_in_their_own_column(client, engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    a, b, c = options(engine, q.id)
    answer(engine, patron, q.id, option=str(a))
    login_as(client, staff)
    response = client.post(f"/choices/{q.id}/desk", {f"count-{b}": "5"})
    assert response.status_code == 303
    page = client.get(f"/choices/{q.id}").text
    assert '<th scope="row">Group tables</th><td>0</td><td>5</td><td>5</td><td>83%</td>' in page


def test_bad_desk_counts_are_named_beside_the_field(client, engine, staff, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    a = options(engine, q.id)[0]
    login_as(client, staff)
    response = client.post(f"/choices/{q.id}/desk", {f"count-{a}": "many"})
    assert response.status_code == 400
    assert f'id="count-{a}-error"' in response.text and 'value="many"' in response.text
    assert stored(engine)["choice_desk_answer"] == 0


def test_staff_actions_are_refused_to_others(client, engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    decision = d.publish(engine, staff)
    login_as(client, patron)
    for action, data in (
        ("desk", {f"count-{options(engine, q.id)[0]}": "3"}),
        ("close", {}),
        ("cite", {"decision": str(decision.id)}),
    ):
        assert client.post(f"/choices/{q.id}/{action}", data).status_code == 403
    assert client.post(f"/choices/{q.id}/other", {}).status_code in (403, 404)
    assert stored(engine)["choice_desk_answer"] == 0 and stored(engine)["choice_evidence"] == 0


def test_a_decision_shows_the_question_it_cites(client, engine, staff, patron, idea):
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    answer(engine, patron, q.id, option=str(options(engine, q.id)[2]))
    decision = d.publish(engine, staff)
    login_as(client, staff)
    bad = client.post(f"/choices/{q.id}/cite", {"decision": "999999"})
    assert bad.status_code == 400 and 'id="decision-error"' in bad.text
    assert client.post(f"/choices/{q.id}/cite", {"decision": str(decision.id)}).status_code == 303
    client.post(f"/choices/{q.id}/close", {})
    client.cookies.clear()
    page = text(client.get(f"/you-said-we-did/{decision.id}"))
    assert "Evidence: what people chose" in page and f"/choices/{q.id}" in page
    assert f"{LAYOUTS[2]} came first" in page


def test_the_staff_page_with_two_ranking_forms_has_no_id_twice(client, engine, staff, idea):
    q = ask(engine, staff, idea_id=idea.id)
    ask(engine, staff, idea_id=idea.id)
    login_as(client, staff)
    for path in (f"/choices/{q.id}", f"/ideas/{idea.id}"):
        ids = re.findall(r'\bid="([^"]+)"', client.get(path).text)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    a, b, c = options(engine, q.id)
    response = client.post(f"/choices/{q.id}/desk", {**ranks([a, b, c], 1, 1, None), "count": "2"})
    assert response.status_code == 400 and f'id="rank-{b}-error"' in response.text
    ids = re.findall(r'\bid="([^"]+)"', response.text)
    assert len(ids) == len(set(ids))
