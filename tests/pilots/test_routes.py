"""Pilots over HTTP, with no JavaScript: the pilot on its decision's page (cohort, join and
leave, results before and after as published, review, the chain of decisions), the staff's
page (bad input beside the field, the invitation emailed in the person's language), the
review form, who may do what, and the idea's timeline."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.decisions.models import Decision
from portal.pilots.models import Pilot
from portal.surveys import services as surveys
from portal.surveys.models import Round
from tests import factories as f
from tests.conftest import login_as, make_user
from tests.decisions import publish
from tests.pilots import join, pilot, piloting, stored
from tests.surveys.helpers import full_answers, survey
from tests.test_query_counts import statements


def _page(client, decision_id: int) -> str:
    response = client.get(f"/you-said-we-did/{decision_id}")
    assert response.status_code == 200
    return html.unescape(response.text)


def test_decision_page_shows_the_cohort_and_a_join_form_that_works_without_javascript(
    client, engine, staff, patron
):
    decision = piloting(engine, staff)
    found = pilot(engine, staff, decision.id, size=2)
    assert "Sign in to join the pilot." in _page(client, decision.id)
    login_as(client, patron)
    page = _page(client, decision.id)
    assert "0 people are in the pilot" in page and "places: 2" in page
    assert f'action="/you-said-we-did/{decision.id}/pilot/join"' in page
    response = client.post(f"/you-said-we-did/{decision.id}/pilot/join", {})
    assert response.status_code == 303
    assert response.headers["location"].endswith(f"/you-said-we-did/{decision.id}#pilot")
    page = _page(client, decision.id)
    assert "1 person is in the pilot" in page and "You are in this pilot." in page
    assert client.post(f"/you-said-we-did/{decision.id}/pilot/leave", {}).status_code == 303
    assert f.get(engine, Pilot, found.id).member_count == 0


def test_joining_a_full_pilot_says_so_and_stores_nothing(
    client, engine, staff, patron, other_patron
):
    decision = piloting(engine, staff)
    found = pilot(engine, staff, decision.id, size=1)
    join(engine, other_patron, found.id)
    login_as(client, patron)
    assert "The pilot is full." in _page(client, decision.id)
    response = client.post(f"/you-said-we-did/{decision.id}/pilot/join", {})
    assert response.status_code == 303
    assert "Sorry, the pilot is full." in _page(client, decision.id)
    assert stored(engine) == {"pilot": 1, "pilot_member": 1}


def test_staff_set_up_a_pilot_and_bad_input_is_named_beside_the_field(client, engine, staff):
    decision = piloting(engine, staff)
    login_as(client, staff)
    assert "Set up the pilot" in _page(client, decision.id)
    for size, survey_id, message in (
        ("0", "", "Enter how many people the pilot takes"),
        ("12abc", "", "Enter how many people the pilot takes"),
        ("5", "4242", "Choose a survey from the list."),
    ):
        response = client.post(
            f"/you-said-we-did/{decision.id}/pilot", {"size": size, "survey_id": survey_id}
        )
        assert response.status_code == 400
        text = html.unescape(response.text)
        assert message in text and 'aria-invalid="true"' in text
        assert f'value="{size}"' in text  # what was typed is kept
    assert stored(engine)["pilot"] == 0
    made = survey(engine, staff)
    response = client.post(
        f"/you-said-we-did/{decision.id}/pilot", {"size": "8", "survey_id": str(made.id)}
    )
    assert response.status_code == 303
    row = f.get(engine, Pilot, 1)
    assert (row.size, row.survey_id) == (8, made.id)


def test_invitation_is_emailed_in_the_persons_language_with_a_link_to_join(
    client, engine, worker, smtp_server, staff, patron
):
    decision = piloting(engine, staff)
    pilot(engine, staff, decision.id)
    with db.write(engine) as s:
        s.execute(update(User).where(User.id == patron.id).values(locale="zh_Hans"))
    login_as(client, staff)
    response = client.post(f"/you-said-we-did/{decision.id}/pilot/invite", {"email": patron.email})
    assert response.status_code == 303
    assert smtp_server.messages == []  # queued, not sent from the request
    worker.step()
    [message] = smtp_server.messages
    assert message["To"] == patron.email
    body = message.get_payload(decode=True).decode()
    assert "试行" in body and "邀请您参加试行" in message["Subject"]
    assert f"/you-said-we-did/{decision.id}#pilot" in body


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nobody@example.org", "There is no account with this email address."),
        ("", "There is no account with this email address."),
    ],
)
def test_inviting_an_unknown_address_is_named_beside_the_field(
    client, engine, staff, email, message
):
    decision = piloting(engine, staff)
    pilot(engine, staff, decision.id)
    login_as(client, staff)
    response = client.post(f"/you-said-we-did/{decision.id}/pilot/invite", {"email": email})
    assert response.status_code == 400
    assert message in html.unescape(response.text)
    assert f'value="{email}"' in response.text


def test_patrons_cannot_manage_invite_or_review(client, engine, staff, patron, other_patron):
    decision = piloting(engine, staff)
    found = pilot(engine, staff, decision.id)
    login_as(client, patron)
    base = f"/you-said-we-did/{decision.id}/pilot"
    assert client.get(base).status_code == 403
    assert client.post(base, {"size": "1"}).status_code == 403
    assert client.post(f"{base}/invite", {"email": other_patron.email}).status_code == 403
    assert client.get(f"{base}/review").status_code == 403
    form = {"findings": "x", "outcome": "adopt", "we_did": "y"}
    assert client.post(f"{base}/review", form).status_code == 403
    row = f.get(engine, Pilot, found.id)
    assert (row.size, row.reviewed_at) == (5, None)
    assert f.count(engine, Decision) == 1
    page = _page(client, decision.id)
    assert "Manage the pilot" not in page and "Record the review" not in page


def test_addresses_of_no_pilot_are_not_found(client, engine, staff, patron):
    adopted = publish(engine, staff, (), "adopted")
    bare = piloting(engine, staff)  # piloting, but no pilot set up
    login_as(client, staff)
    assert client.get(f"/you-said-we-did/{adopted.id}/pilot").status_code == 404
    assert client.get("/you-said-we-did/9999/pilot").status_code == 404
    assert client.get(f"/you-said-we-did/{bare.id}/pilot/review").status_code == 404
    assert (
        client.post(f"/you-said-we-did/{bare.id}/pilot/invite", {"email": patron.email}).status_code
        == 404
    )
    login_as(client, patron)
    assert client.post(f"/you-said-we-did/{bare.id}/pilot/join", {}).status_code == 404
    assert client.post("/you-said-we-did/9999/pilot/leave", {}).status_code == 404
    assert stored(engine) == {"pilot": 0, "pilot_member": 0}


def test_review_form_publishes_the_next_decision_and_the_pages_show_the_chain(
    client, engine, worker, smtp_server, staff, patron, category
):
    idea = f.idea(engine, patron, category, title="Quiet room please")
    decision = piloting(engine, staff, [idea.id])
    pilot(engine, staff, decision.id)
    worker.step()  # the piloting decision's own notice
    sent = len(smtp_server.messages)
    login_as(client, staff)
    url = f"/you-said-we-did/{decision.id}/pilot/review"
    bad = {"findings": "x" * 5001, "outcome": "", "we_did": "Kept."}
    response = client.post(url, bad)
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert (
        "Use at most 5000 characters here." in text and "Choose the outcome of the pilot." in text
    )
    assert "x" * 5001 in text
    assert f.count(engine, Decision) == 1
    form = {"findings": "Nine in ten **liked** it.", "outcome": "adopt", "we_did": "It stays."}
    response = client.post(url, form)
    assert response.status_code == 303
    following = f.get(engine, Decision, 2)
    assert response.headers["location"].endswith(f"/you-said-we-did/{following.id}")
    assert following.outcome == "adopted" and following.we_did == "It stays."
    old = _page(client, decision.id)
    assert "<strong>liked</strong>" in old and "Adopt the change" in old
    assert f'href="/you-said-we-did/{following.id}"' in old
    new = _page(client, following.id)
    assert f'href="/you-said-we-did/{decision.id}"' in new
    assert "follows the review of an earlier pilot" in new
    assert client.get(url).status_code == 404  # reviewed: no form any more
    worker.step()
    assert patron.email in {m["To"] for m in smtp_server.messages[sent:]}
    timeline = html.unescape(client.get(f"/ideas/{idea.id}").text)
    assert "Pilot reviewed" in timeline and "Adopt the change" in timeline


def _answer_round(client, engine, staff, survey_id, pilot_id, people, value, days_ago):
    """A round of the pilot's survey open now, answered by `people` with `value`, then
    closed as if it had run `days_ago`."""
    now = utcnow()
    with db.write(engine) as s:
        rnd = surveys.schedule_round(
            db=s,
            survey_id=survey_id,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=3),
            sources=[("pilot", pilot_id)],
        )
    for person in people:
        login_as(client, person)
        answered = client.post(f"/surveys/{survey_id}", full_answers(engine, survey_id, value))
        assert answered.status_code == 303, answered.text
    with db.write(engine) as s:
        s.execute(
            update(Round)
            .where(Round.id == rnd.id)
            .values(
                opens_at=now - timedelta(days=days_ago + 3),
                closes_at=now - timedelta(days=days_ago),
            )
        )
    return rnd


def test_results_before_and_after_show_only_once_published(client, engine, staff):
    made = survey(engine, staff)
    decision = piloting(engine, staff)
    found = pilot(engine, staff, decision.id, survey_id=made.id)
    people = [make_user(engine, "patron") for _ in range(3)]
    for person in people:
        join(engine, person, found.id)
    before = _answer_round(client, engine, staff, made.id, found.id, people, "3", 40)
    after = _answer_round(client, engine, staff, made.id, found.id, people, "5", 1)
    with db.write(engine) as s:
        s.execute(
            update(Pilot)
            .where(Pilot.id == found.id)
            .values(baseline_round_id=before.id, followup_round_id=after.id)
        )
    client.cookies.clear()
    page = _page(client, decision.id)
    assert "Before and after" not in page and "once they are published" in page
    with db.write(engine) as s:
        for rnd in (before, after):
            surveys.publish_round(db=s, actor=staff, round_id=rnd.id)
    page = _page(client, decision.id)
    assert "Before and after" in page
    assert "3.00" in page and "5.00" in page and "+2.00" in page
    # Each chart drawn once, named by its own title (a chart drawn again from its own SVG had
    # empty ids, `id="-title"` repeated, and its markup as its title).
    charts = re.findall(r'<svg[^>]*aria-labelledby="([^"]*)"', page)
    assert charts and all(re.fullmatch(r"pilot-change-\d+-title", c) for c in charts), charts
    assert len(set(charts)) == len(charts)


def test_decision_page_queries_do_not_grow_with_the_cohort(client, engine, staff):
    decision = piloting(engine, staff)
    found = pilot(engine, staff, decision.id, size=50)

    def measure() -> int:
        with statements(engine) as seen:
            assert client.get(f"/you-said-we-did/{decision.id}").status_code == 200
        return len(seen)

    join(engine, make_user(engine, "patron"), found.id)
    small = measure()
    for _ in range(20):
        join(engine, make_user(engine, "patron"), found.id)
    assert measure() == small


def test_idea_timeline_shows_the_pilots_rounds_once_open_with_flat_queries(
    client, engine, staff, patron, category
):
    made = survey(engine, staff)
    idea = f.idea(engine, patron, category, title="Quiet room please")
    found = pilot(engine, staff, piloting(engine, staff, [idea.id]).id, size=20, survey_id=made.id)
    now = utcnow()
    with db.write(engine) as s:
        rnd = surveys.schedule_round(
            db=s,
            survey_id=made.id,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=3),
            sources=[("pilot", found.id)],
        )
        s.execute(update(Pilot).where(Pilot.id == found.id).values(baseline_round_id=rnd.id))

    def measure() -> int:
        with statements(engine) as seen:
            page = html.unescape(client.get(f"/ideas/{idea.id}").text)
        assert "Pilot: survey before it starts" in page
        return len(seen)

    small = measure()
    for _ in range(15):
        join(engine, make_user(engine, "patron"), found.id)
    assert measure() == small
