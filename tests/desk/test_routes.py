"""The desk over HTTP: who may open and post the form, what a post becomes and where it
shows ("from the desk"), bad input named beside its field with the text kept, the channel
counts on the scorecard and the staff dashboard, and a page that reads a fixed number of
queries however much was recorded."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.assessment import dashboard
from portal.comments.models import Comment
from portal.core import db
from portal.desk.models import DeskRecord
from portal.ideas.models import Idea
from portal.votes.models import DeskVote, Vote
from tests import factories as f
from tests.conftest import login_as, make_user
from tests.test_query_counts import statements

PATH = "/staff/feedback"


@pytest.fixture
def idea(engine, other_patron, category):
    return f.idea(engine, other_patron, category, title="Board games")


def form(**given: str) -> dict[str, str]:
    return {"source": "desk", "kind": "idea", **given}


@pytest.mark.parametrize("role", ["patron", "committee"])
def test_desk_form_is_refused_to_patrons_and_the_committee(client, engine, idea, role):
    login_as(client, make_user(engine, role))
    assert client.get(PATH).status_code == 403
    response = client.post(PATH, form(kind="vote", idea=str(idea.id)))
    assert response.status_code == 403
    assert f.count(engine, DeskVote) == 0 and f.count(engine, DeskRecord) == 0


def test_desk_form_sends_visitors_to_sign_in(client):
    response = client.get(PATH, follow_redirects=False)
    assert response.status_code in (302, 303) and "/login" in response.headers["location"]


def test_desk_idea_is_posted_and_shown_as_from_the_desk(client, engine, staff, patron, category):
    login_as(client, staff)
    response = client.post(
        PATH,
        form(
            source="card",
            title="Quiet carrels",
            body="More *of them*",
            category_id=str(category.id),
            email=patron.email,
        ),
    )
    assert response.status_code == 303 and response.headers["location"] == PATH
    page = client.get(PATH).text
    assert "The feedback is recorded." in page and "Pat Reader" in page and "Sam Staff" in page
    with db.read(engine) as s:
        idea = s.execute(select(Idea).where(Idea.title == "Quiet carrels")).scalar_one()
    shown = client.get(f"/ideas/{idea.id}").text
    assert "by Pat Reader" in shown and "From a comment card" in shown


def test_desk_comment_without_an_account_shows_discreetly(client, engine, staff, idea):
    login_as(client, staff)
    response = client.post(
        PATH, form(kind="comment", source="phone", idea=str(idea.id), comment="Yes please")
    )
    assert response.status_code == 303
    page = client.get(f"/ideas/{idea.id}").text
    found = re.search(r'<article class="comment[^"]*".*?</article>', page, re.S)
    assert found and "Someone without an account" in found.group(0)
    assert "By phone" in found.group(0) and "Yes please" in found.group(0)
    assert f.count(engine, Comment) == 1


def test_desk_votes_without_an_account_show_apart_on_the_idea(client, engine, staff, idea):
    login_as(client, staff)
    for _ in range(2):
        client.post(PATH, form(kind="vote", idea=str(idea.id)))
    page = client.get(f"/ideas/{idea.id}").text
    assert "and 2 votes from the desk" in page
    assert f.count(engine, Vote) == 0


def test_desk_bad_input_is_named_beside_the_field_and_kept(client, engine, staff, category):
    login_as(client, staff)
    response = client.post(
        PATH,
        form(
            title="Kept title",
            body="Kept words",
            category_id=str(category.id),
            contact_name="Mei Lin",
            email="nobody@example.org",
        ),
    )
    assert response.status_code == 400
    page = response.text
    assert 'id="email-error"' in page and "No account has this address" in page
    assert 'value="Kept title"' in page and "Kept words" in page and 'value="Mei Lin"' in page
    assert f.count(engine, Idea) == 0 and f.count(engine, DeskRecord) == 0


def test_desk_form_without_csrf_token_stores_nothing(client, engine, staff, idea):
    login_as(client, staff)
    response = client.post(PATH, form(kind="vote", idea=str(idea.id)), csrf=False)
    assert response.status_code == 403
    assert f.count(engine, DeskVote) == 0


def test_scorecard_shows_the_small_table_by_channel(client, engine, staff, idea):
    login_as(client, staff)
    client.post(PATH, form(kind="vote", source="chat", idea=str(idea.id)))
    client.get("/logout")
    page = client.get("/scorecard").text
    row = re.search(r"<tr><th scope=\"row\">From a chat</th>(.*?)</tr>", page)
    assert row and row.group(1) == "<td>0</td><td>0</td><td>1</td>"


def test_dashboard_counts_acts_by_source(client, engine, staff, patron, idea):
    login_as(client, staff)
    f.vote(engine, patron, idea.id)
    client.post(PATH, form(kind="vote", source="card", idea=str(idea.id)))
    client.post(PATH, form(kind="comment", source="card", idea=str(idea.id), comment="Hi"))
    with db.read(engine) as s:
        months = dashboard.dashboard(s, answer_days=14).participation
    now = months[-1]
    assert now.sources == {"web": 2, "email": 0, "desk": 0, "card": 2, "phone": 0, "chat": 0}
    csv = client.get("/staff/assessment?format=csv&table=sources").text.splitlines()
    assert csv[0] == "month,web,email,desk,card,phone,chat"
    assert csv[-1].endswith(",2,0,0,2,0,0")


def test_desk_page_reads_the_same_queries_however_much_was_recorded(client, engine, staff, idea):
    login_as(client, staff)

    def count() -> int:
        with statements(engine) as seen:
            assert client.get(PATH).status_code == 200
        return len(seen)

    client.post(PATH, form(kind="vote", idea=str(idea.id)))
    few = count()
    for i in range(5):
        person = make_user(engine)
        client.post(PATH, form(kind="vote", idea=str(idea.id), email=person.email))
        client.post(PATH, form(kind="comment", idea=str(idea.id), comment=f"c{i}"))
    assert count() == few


def test_desk_recording_is_limited_per_staff_member(client, engine, staff, category):
    login_as(client, staff)
    counter = client.app.state.rate_counter
    for _ in range(300):
        counter.hit("desk", str(staff.id))
    response = client.post(
        PATH, form(title="Kept title", body="Kept words", category_id=str(category.id))
    )
    assert response.status_code == 429
    page = response.text
    assert 'id="submit-error"' in page and "recorded a great deal of feedback" in page
    assert 'value="Kept title"' in page and "Kept words" in page
    assert f.count(engine, Idea) == 0 and f.count(engine, DeskRecord) == 0
    # Another staff member's recording is counted apart.
    login_as(client, make_user(engine, "staff"))
    response = client.post(
        PATH, form(title="Other title", body="Words", category_id=str(category.id))
    )
    assert response.status_code == 303 and f.count(engine, Idea) == 1
