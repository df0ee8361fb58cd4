"""An idea hidden by the moderators stays hidden wherever it is named (session agendas,
decisions, the staff's own forms excepted), and takes no new votes or comments except from
the moderators."""

from __future__ import annotations

import pytest

from portal.comments.models import Comment
from portal.votes.models import Vote
from tests import factories as f
from tests.conftest import login_as
from tests.decisions import publish
from tests.moderation import hide
from tests.workshops import factories as w

TITLE = "Cheap printing for students"


@pytest.fixture
def hidden(engine, patron, staff, category):
    idea = f.idea(engine, patron, category, title=TITLE)
    hide(engine, staff, "idea", idea.id, "Advertising")
    return idea


def test_others_cannot_vote_for_a_hidden_idea(client, engine, other_patron, hidden):
    login_as(client, other_patron)
    page = client.get(f"/ideas/{hidden.id}").text
    assert f'action="/ideas/{hidden.id}/vote"' not in page
    r = client.post(f"/ideas/{hidden.id}/vote", {"action": "add"})
    assert r.status_code == 403
    assert f.count(engine, Vote) == 0


def test_a_vote_given_before_hiding_can_still_be_withdrawn(
    client, engine, patron, other_patron, staff, category
):
    idea = f.idea(engine, patron, category, title=TITLE)
    f.vote(engine, other_patron, idea.id)
    hide(engine, staff, "idea", idea.id, "Advertising")
    login_as(client, other_patron)
    assert client.post(f"/ideas/{idea.id}/vote", {"action": "remove"}).status_code == 303
    assert f.count(engine, Vote) == 0


def test_only_the_moderators_can_comment_under_a_hidden_idea(
    client, engine, patron, other_patron, staff, hidden
):
    for person in (other_patron, patron):
        login_as(client, person)
        assert 'name="body"' not in client.get(f"/ideas/{hidden.id}").text
        r = client.post(f"/ideas/{hidden.id}/comments", {"body": "Still here?"})
        assert r.status_code == 403
    assert f.count(engine, Comment) == 0
    login_as(client, staff)
    assert client.post(f"/ideas/{hidden.id}/comments", {"body": "Why hidden."}).status_code == 303
    assert f.count(engine, Comment) == 1


def test_session_agendas_and_decisions_do_not_name_a_hidden_idea(
    client, engine, patron, staff, hidden
):
    session = w.schedule(engine, staff, agenda=str(hidden.id))
    decision = publish(engine, staff, [hidden.id], "declined", reason="Out of scope.")
    for path in (f"/sessions/{session.id}", f"/you-said-we-did/{decision.id}"):
        page = client.get(path).text
        assert TITLE not in page and "Hidden idea" in page, path
        login_as(client, patron)  # the author still sees their own title
        assert TITLE in client.get(path).text, path
        login_as(client, staff)
        assert TITLE in client.get(path).text, path
        client.cookies.clear()
