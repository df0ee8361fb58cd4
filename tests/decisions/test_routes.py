"""Decisions over HTTP: staff publish through the form (and bad input re-renders it), the public
list and page, the follow-up answer, and the decision on the idea's timeline."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from portal.core import db
from portal.decisions.models import Decision, FollowUp
from portal.ideas.models import Idea, StatusChange
from tests import factories as f
from tests.conftest import login_as
from tests.decisions import WE_DID, YOU_SAID, form, publish, stored


def field_error(page: str, name: str) -> str:
    """The message shown beside a field, or '' when there is none."""
    found = re.search(rf'id="{name}-error">(.*?)</p>', page, re.S)
    if not found:
        return ""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def listed_titles(page: str) -> list[str]:
    return [
        html.unescape(t)
        for t in re.findall(
            r'id="decision-\d+-title"><a href="/you-said-we-did/\d+">([^<]+)</a>', page
        )
    ]


def timeline_of(page: str) -> str:
    return page.split('id="history"', 1)[1].split("</section>", 1)[0]


# -- publishing -----------------------------------------------------------------------------


def test_publish_form_is_shown_to_staff_with_linked_ideas_prefilled(client, staff):
    login_as(client, staff)
    response = client.get("/staff/decisions/new?ideas=3,%204")
    assert response.status_code == 200
    assert 'name="we_did"' in response.text and 'name="outcome"' in response.text
    assert 'value="3, 4"' in response.text


def test_staff_publish_redirects_to_the_decision_and_moves_idea_status(
    client, engine, patron, staff, category
):
    first = f.idea(engine, patron, category, title="Open later")
    second = f.idea(engine, patron, category, title="Open on Sundays")
    login_as(client, staff)
    response = client.post(
        "/staff/decisions/new", form([first.id, second.id], title="Evening hours")
    )
    assert response.status_code == 303
    with db.read(engine) as s:
        decision = s.execute(select(Decision)).scalar_one()
    assert response.headers["location"] == f"/you-said-we-did/{decision.id}"
    assert decision.title == "Evening hours" and decision.outcome == "adopted"
    for idea_id in (first.id, second.id):
        assert f.get(engine, Idea, idea_id).status == "planned"
        with db.read(engine) as s:
            change = s.execute(
                select(StatusChange).where(StatusChange.idea_id == idea_id)
            ).scalar_one()
        assert change.to_status == "planned" and "Evening hours" in change.response
    page = client.get(response.headers["location"])
    assert "The decision is published" in page.text


@pytest.mark.parametrize(
    ("outcome", "extra", "status"),
    [
        ("adopted", {"adopted_status": "done"}, "done"),
        ("piloting", {}, "piloting"),
        ("declined", {}, "declined"),
    ],
)
def test_staff_publish_moves_status_for_each_outcome(
    client, engine, patron, staff, category, outcome, extra, status
):
    idea = f.idea(engine, patron, category)
    login_as(client, staff)
    response = client.post("/staff/decisions/new", form([idea.id], outcome, **extra))
    assert response.status_code == 303
    assert f.get(engine, Idea, idea.id).status == status
    with db.read(engine) as s:
        change = s.execute(select(StatusChange)).scalar_one()
    assert change.to_status == status and "Longer opening hours" in change.response


def test_publish_by_a_patron_is_forbidden_and_stores_nothing(client, engine, patron, category):
    idea = f.idea(engine, patron, category)
    before = stored(engine)
    login_as(client, patron)
    assert client.get("/staff/decisions/new").status_code == 403
    response = client.post("/staff/decisions/new", form([idea.id]))
    assert response.status_code == 403
    assert stored(engine) == before
    assert f.get(engine, Idea, idea.id).status == "new"


def test_publish_by_a_visitor_goes_to_sign_in(client, engine, patron, category):
    idea = f.idea(engine, patron, category)
    response = client.get("/staff/decisions/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    before = stored(engine)
    assert client.post("/staff/decisions/new", form([idea.id])).status_code == 303
    assert stored(engine) == before


BAD_FORMS = [
    ("missing we did", "adopted", {"we_did": ""}, "we_did", "Say what the library did"),
    ("unknown idea", "adopted", {"ideas": "9999"}, "ideas", "There is no idea number 9999"),
    (
        "non-numeric links",
        "adopted",
        {"ideas": "12, twelve"},
        "ideas",
        "Enter idea numbers separated by commas",
    ),
    ("declined without reason", "declined", {"reason": ""}, "reason", "Give the reason"),
    ("deferred without reason", "deferred", {"reason": ""}, "reason", "Give the reason"),
    (
        "piloting without dates",
        "piloting",
        {"pilot_start": "", "pilot_end": "", "review_date": ""},
        "pilot_start",
        "Enter when the pilot starts",
    ),
    (
        "pilot end before start",
        "piloting",
        {"pilot_start": "2030-03-01", "pilot_end": "2030-02-01"},
        "pilot_end",
        "The pilot must end after it starts",
    ),
    ("bad date", "piloting", {"review_date": "next spring"}, "review_date", "Enter a date like"),
]


@pytest.mark.parametrize(
    ("case", "outcome", "fields", "name", "message"), BAD_FORMS, ids=[b[0] for b in BAD_FORMS]
)
def test_publish_with_bad_input_rerenders_the_form_and_stores_nothing(
    client, engine, patron, staff, category, case, outcome, fields, name, message
):
    idea = f.idea(engine, patron, category)
    login_as(client, staff)
    before = stored(engine)
    data = form(
        [idea.id], outcome, title="Kept title", you_said="Kept: quiet zones, please", **fields
    )
    response = client.post("/staff/decisions/new", data)
    assert response.status_code == 400
    assert message in field_error(response.text, name)
    assert f'href="#{name}"' in response.text  # the error summary links to the field
    assert 'value="Kept title"' in response.text
    assert ">Kept: quiet zones, please</textarea>" in response.text
    assert stored(engine) == before
    assert f.get(engine, Idea, idea.id).status == "new"


def test_publish_piloting_without_dates_names_every_missing_date(client, engine, staff):
    login_as(client, staff)
    response = client.post(
        "/staff/decisions/new", form((), "piloting", pilot_start="", pilot_end="", review_date="")
    )
    assert response.status_code == 400
    assert field_error(response.text, "pilot_end") == "Error: Enter when the pilot ends."
    assert field_error(response.text, "review_date") == (
        "Error: Enter when the pilot will be reviewed."
    )
    assert stored(engine)["decision"] == 0


# -- the public list and page ---------------------------------------------------------------


def test_decisions_list_when_empty_says_so(client):
    response = client.get("/you-said-we-did")
    assert response.status_code == 200
    assert "No decisions yet" in response.text


def test_decisions_list_filters_by_outcome(client, engine, staff):
    publish(engine, staff, (), "adopted", title="Adopted one")
    publish(engine, staff, (), "declined", title="Declined one")
    publish(engine, staff, (), "piloting", title="Pilot one")
    assert listed_titles(client.get("/you-said-we-did").text) == [
        "Pilot one",
        "Declined one",
        "Adopted one",
    ]
    assert listed_titles(client.get("/you-said-we-did?outcome=declined").text) == ["Declined one"]
    assert listed_titles(client.get("/you-said-we-did?outcome=piloting").text) == ["Pilot one"]
    assert listed_titles(client.get("/you-said-we-did?outcome=deferred").text) == []
    # An unknown outcome is ignored, not an error.
    response = client.get("/you-said-we-did?outcome=%3Cscript%3E")
    assert response.status_code == 200 and len(listed_titles(response.text)) == 3


def test_decision_page_shows_what_was_said_and_done_and_who_was_told(
    client, engine, worker, patron, other_patron, staff, category
):
    first = f.idea(engine, patron, category, title="Open later")
    second = f.idea(engine, other_patron, category, title="Open on Sundays")
    decision = publish(engine, staff, [first.id, second.id], "adopted", title="Evening hours")
    page = client.get(f"/you-said-we-did/{decision.id}").text
    assert "0 people were notified" in page
    worker.step()
    response = client.get(f"/you-said-we-did/{decision.id}")
    assert response.status_code == 200
    page = response.text
    assert '<h1 id="decision-title">Evening hours</h1>' in page
    assert ">You said</h2>" in page and YOU_SAID in page
    assert ">We did</h2>" in page and WE_DID in page
    assert "outcome--adopted" in page and "Adopted" in page
    assert f'<a href="/ideas/{first.id}">Open later</a>' in page
    assert f'<a href="/ideas/{second.id}">Open on Sundays</a>' in page
    assert "2 people were notified" in page


def test_decision_page_shows_reason_and_pilot_window(client, engine, staff):
    declined = publish(engine, staff, (), "declined", reason="No evening staff.")
    pilot = publish(engine, staff, (), "piloting")
    assert "No evening staff." in client.get(f"/you-said-we-did/{declined.id}").text
    page = client.get(f"/you-said-we-did/{pilot.id}").text
    assert "Jan 6, 2030" in page and "Mar 31, 2030" in page and "Apr 15, 2030" in page


def test_decision_page_of_a_missing_decision_is_404(client):
    assert client.get("/you-said-we-did/9999").status_code == 404


def test_decision_text_is_escaped_on_the_page(client, engine, staff):
    decision = publish(
        engine, staff, (), title="<script>alert(1)</script>", we_did="<img src=x onerror=alert(1)>"
    )
    page = client.get(f"/you-said-we-did/{decision.id}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "<img" not in page


# -- the follow-up --------------------------------------------------------------------------


def fanned_out_decision(engine, worker, patron, staff, category) -> Decision:
    idea = f.idea(engine, patron, category, title="Open later")
    decision = publish(engine, staff, [idea.id])
    worker.step()
    return decision


def test_follow_up_form_is_shown_only_to_notified_people(
    client, engine, worker, patron, other_patron, staff, category
):
    decision = fanned_out_decision(engine, worker, patron, staff, category)
    url = f"/you-said-we-did/{decision.id}"
    assert "People who took part in the ideas can answer" in client.get(url).text
    login_as(client, other_patron)
    assert f'action="{url}/follow-up"' not in client.get(url).text
    client.post("/logout")
    login_as(client, patron)
    assert f'action="{url}/follow-up"' in client.get(url).text


def test_follow_up_by_a_notified_person_is_saved_and_can_be_changed(
    client, engine, worker, patron, staff, category
):
    decision = fanned_out_decision(engine, worker, patron, staff, category)
    login_as(client, patron)
    url = f"/you-said-we-did/{decision.id}/follow-up"
    response = client.post(url, {"rating": "2", "comment": "Not yet."})
    assert response.status_code == 303
    assert response.headers["location"] == f"/you-said-we-did/{decision.id}#follow-up"
    response = client.post(url, {"rating": "5", "comment": "Now it helps."})
    assert response.status_code == 303
    with db.read(engine) as s:
        rows = list(s.execute(select(FollowUp)).scalars())
    assert [(r.user_id, r.rating, r.comment) for r in rows] == [(patron.id, 5, "Now it helps.")]
    page = client.get(f"/you-said-we-did/{decision.id}").text
    assert "Your answer (you can change it)" in page
    assert 'value="5" checked' in page
    assert "Now it helps." in page


@pytest.mark.parametrize("rating", ["0", "6", "x", ""])
def test_follow_up_with_a_bad_rating_shows_the_message_and_stores_nothing(
    client, engine, worker, patron, staff, category, rating
):
    decision = fanned_out_decision(engine, worker, patron, staff, category)
    login_as(client, patron)
    response = client.post(
        f"/you-said-we-did/{decision.id}/follow-up", {"rating": rating, "comment": "Keep my words"}
    )
    assert response.status_code == 400
    assert "Choose a number from 1 (not at all) to 5 (very much)." in field_error(
        response.text, "rating"
    )
    assert ">Keep my words</textarea>" in response.text
    assert f.count(engine, FollowUp) == 0


def test_follow_up_by_a_patron_who_was_not_notified_is_forbidden(
    client, engine, worker, patron, other_patron, staff, category
):
    decision = fanned_out_decision(engine, worker, patron, staff, category)
    login_as(client, other_patron)
    response = client.post(f"/you-said-we-did/{decision.id}/follow-up", {"rating": "5"})
    assert response.status_code == 403
    assert f.count(engine, FollowUp) == 0


def test_follow_up_by_a_visitor_goes_to_sign_in(client, engine, worker, patron, staff, category):
    decision = fanned_out_decision(engine, worker, patron, staff, category)
    response = client.post(f"/you-said-we-did/{decision.id}/follow-up", {"rating": "5"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert f.count(engine, FollowUp) == 0


def test_follow_up_on_a_missing_decision_is_404(client, patron):
    login_as(client, patron)
    assert client.post("/you-said-we-did/9999/follow-up", {"rating": "5"}).status_code == 404


def test_decision_page_shows_the_follow_up_count_and_distribution(
    client, engine, worker, patron, other_patron, committee, staff, category
):
    idea = f.idea(engine, patron, category)
    f.vote(engine, other_patron, idea.id)
    f.comment(engine, committee, idea.id)
    decision = publish(engine, staff, [idea.id])
    worker.step()
    url = f"/you-said-we-did/{decision.id}"
    assert "No answers yet." in client.get(url).text
    for person, rating in ((patron, "5"), (other_patron, "4"), (committee, "4")):
        login_as(client, person)
        assert client.post(f"{url}/follow-up", {"rating": rating}).status_code == 303
        client.post("/logout")
    page = client.get(url).text
    assert "3 answers" in page and "average 4.3 of 5" in page
    rows = dict(re.findall(r'<tr><th scope="row">(\d)</th><td>(\d+)</td>', page))
    assert rows == {"5": "1", "4": "2", "3": "0", "2": "0", "1": "0"}
    assert 'value="67"' in page and 'value="33"' in page
    assert "Helped: 4.3 of 5 (3 answers)" in client.get("/you-said-we-did").text


# -- the idea's timeline --------------------------------------------------------------------


def test_idea_timeline_shows_the_decision_and_its_follow_up(
    client, engine, worker, patron, staff, category
):
    idea = f.idea(engine, patron, category, title="Open later")
    decision = publish(engine, staff, [idea.id], "adopted", title="Evening hours")
    worker.step()
    login_as(client, patron)
    client.post(f"/you-said-we-did/{decision.id}/follow-up", {"rating": "4"})
    timeline = timeline_of(client.get(f"/ideas/{idea.id}").text)
    assert f'<a href="/you-said-we-did/{decision.id}">Evening hours</a>' in timeline
    assert "Status changed to Planned" in timeline
    assert "4.0 of 5 from 1 answers" in timeline
