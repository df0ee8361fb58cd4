"""Votes and follows over HTTP: the htmx partial, the JavaScript-off redirect, visitors."""

from __future__ import annotations

import re

import pytest

from portal.ideas.models import Idea
from portal.votes.models import Follow, Vote
from tests import factories as f
from tests.conftest import login_as

HX = {"HX-Request": "true"}


@pytest.fixture
def idea(engine, other_patron, category):
    return f.idea(engine, other_patron, category, title="Board games")


def vote_button(partial: str, idea_id: int) -> str:
    """The htmx answer: one root element, the vote box with its stable id."""
    assert re.match(rf'<div [^>]*\bid="vote-{idea_id}"', partial.strip()), partial
    assert partial.strip().endswith("</div>") and "<html" not in partial
    return partial


def vote_state(page: str, idea_id: int) -> tuple[str | None, int]:
    """(aria-pressed, count) of the vote box for an idea on a full page."""
    start = page.index(f'id="vote-{idea_id}"')
    box = page[start : page.index("</div>", start)]
    pressed = re.search(r'aria-pressed="(\w+)"', box)
    count = re.search(r'class="vote-count">(\d+)<', box)
    assert count, box
    return (pressed.group(1) if pressed else None), int(count.group(1))


def test_vote_with_htmx_returns_the_pressed_button_with_the_new_count(client, engine, patron, idea):
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/vote", {"action": "add"}, headers=HX)
    assert response.status_code == 200
    part = vote_button(response.text, idea.id)
    assert 'aria-pressed="true"' in part
    assert '<span class="vote-count">1</span>' in part
    assert 'name="action" value="remove"' in part
    assert f.votes_of(engine, idea.id) == {patron.id}


def test_withdraw_with_htmx_returns_the_released_button(client, engine, patron, idea):
    f.vote(engine, patron, idea.id)
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/vote", {"action": "remove"}, headers=HX)
    part = vote_button(response.text, idea.id)
    assert 'aria-pressed="false"' in part
    assert '<span class="vote-count">0</span>' in part
    assert 'name="action" value="add"' in part
    assert f.votes_of(engine, idea.id) == set()


def test_vote_twice_with_htmx_still_counts_one(client, engine, patron, idea):
    login_as(client, patron)
    for _ in range(2):
        response = client.post(f"/ideas/{idea.id}/vote", {"action": "add"}, headers=HX)
    assert '<span class="vote-count">1</span>' in response.text
    assert f.get(engine, Idea, idea.id).vote_count == 1


def test_vote_without_javascript_redirects_back(client, engine, patron, idea):
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/vote", {"action": "add", "next": "/ideas?sort=new"})
    assert response.status_code == 303
    assert response.headers["location"] == "/ideas?sort=new"
    assert f.votes_of(engine, idea.id) == {patron.id}
    assert "Your vote is counted." in client.get(f"/ideas/{idea.id}").text


def test_vote_without_javascript_then_withdraw_shows_the_new_state(client, engine, patron, idea):
    login_as(client, patron)
    client.post(f"/ideas/{idea.id}/vote", {"action": "add"})
    assert vote_state(client.get(f"/ideas/{idea.id}").text, idea.id) == ("true", 1)
    response = client.post(f"/ideas/{idea.id}/vote", {"action": "remove"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/ideas/{idea.id}"
    page = client.get(f"/ideas/{idea.id}").text
    assert "Your vote is withdrawn." in page
    assert vote_state(page, idea.id) == ("false", 0)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil", "x"])
def test_vote_redirect_stays_on_this_site(client, patron, idea, target):
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/vote", {"action": "add", "next": target})
    assert response.headers["location"] == f"/ideas/{idea.id}"


def test_vote_by_visitor_is_sent_to_sign_in(client, engine, idea):
    response = client.post(f"/ideas/{idea.id}/vote", {"action": "add"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
    partial = client.post(f"/ideas/{idea.id}/vote", {"action": "add"}, headers=HX)
    assert partial.headers["HX-Redirect"].startswith("/login")
    assert f.count(engine, Vote) == 0


def test_idea_page_asks_visitors_to_sign_in_to_vote(client, idea):
    page = client.get(f"/ideas/{idea.id}").text
    assert f'href="/login?next=/ideas/{idea.id}">Sign in to vote' in page
    assert f'action="/ideas/{idea.id}/vote"' not in page
    assert vote_state(page, idea.id) == (None, 0)


def test_vote_without_csrf_token_is_refused(client, engine, patron, idea):
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/vote", {"action": "add"}, csrf=False, headers=HX)
    assert response.status_code == 403
    assert f.count(engine, Vote) == 0


@pytest.mark.parametrize("status", ["done", "declined", "duplicate"])
def test_vote_on_a_closed_idea_is_forbidden(client, engine, patron, idea, status):
    f.set_status(engine, idea.id, status)
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/vote", {"action": "add"}, headers=HX)
    assert response.status_code == 403
    assert f.count(engine, Vote) == 0
    assert f'action="/ideas/{idea.id}/vote"' not in client.get(f"/ideas/{idea.id}").text


@pytest.mark.parametrize("idea_id", [999_999, 99_999_999_999_999_999_999])
def test_vote_on_unknown_idea_is_not_found(client, patron, idea_id):
    login_as(client, patron)
    assert client.post(f"/ideas/{idea_id}/vote", {"action": "add"}).status_code == 404
    assert client.post(f"/ideas/{idea_id}/follow", {"action": "add"}).status_code == 404


def test_follow_and_unfollow_without_javascript(client, engine, patron, idea):
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/follow", {"action": "add"})
    assert response.status_code == 303 and response.headers["location"] == f"/ideas/{idea.id}"
    assert patron.id in f.followers_of(engine, idea.id)
    assert "You follow this idea now." in client.get(f"/ideas/{idea.id}").text
    response = client.post(f"/ideas/{idea.id}/follow", {"action": "remove"})
    assert response.status_code == 303
    assert patron.id not in f.followers_of(engine, idea.id)
    assert "You no longer follow this idea." in client.get(f"/ideas/{idea.id}").text


def test_follow_with_htmx_returns_the_button(client, engine, patron, idea):
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/follow", {"action": "add"}, headers=HX)
    assert response.text.lstrip().startswith(f'<form id="follow-{idea.id}"')
    assert 'aria-pressed="true"' in response.text and "Following" in response.text
    assert f.count(engine, Follow, Follow.user_id == patron.id) == 1
    response = client.post(f"/ideas/{idea.id}/follow", {"action": "remove"}, headers=HX)
    assert 'aria-pressed="false"' in response.text
    assert f.count(engine, Follow, Follow.user_id == patron.id) == 0


def test_follow_by_visitor_is_sent_to_sign_in(client, engine, idea):
    response = client.post(f"/ideas/{idea.id}/follow", {"action": "add"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert f.followers_of(engine, idea.id) == {idea.author_id}


def test_each_person_sees_their_own_votes_and_only_staff_see_staff_controls(
    app, client, engine, patron, other_patron, staff, category
):
    from tests.conftest import Client

    voted, other = f.idea(engine, patron, category), f.idea(engine, patron, category)
    f.vote(engine, patron, voted.id)
    f.vote(engine, other_patron, other.id)
    pressed = r'id="vote-{}-button" class="vote-button[^"]*" aria-pressed="(\w+)"'
    with (
        Client(app, base_url="http://testserver") as second,
        Client(app, base_url="http://testserver") as third,
    ):
        login_as(client, patron)
        login_as(second, other_patron)
        login_as(third, staff)
        for _round in range(2):  # the second time, everything kept per process is warm
            for address in ("/ideas", "/", f"/ideas/{voted.id}"):
                mine, theirs = client.get(address).text, second.get(address).text
                assert re.search(pressed.format(voted.id), mine).group(1) == "true"  # type: ignore[union-attr]
                assert re.search(pressed.format(voted.id), theirs).group(1) == "false"  # type: ignore[union-attr]
            for address in ("/ideas", "/"):
                mine, theirs = client.get(address).text, second.get(address).text
                assert re.search(pressed.format(other.id), mine).group(1) == "false"  # type: ignore[union-attr]
                assert re.search(pressed.format(other.id), theirs).group(1) == "true"  # type: ignore[union-attr]
            assert "/staff/moderation/hide" in third.get(f"/ideas/{voted.id}").text  # staff: hide
            assert "/staff/moderation/hide" not in client.get(f"/ideas/{voted.id}").text
