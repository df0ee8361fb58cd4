"""An idea with thousands of comments is read a page of threads at a time: oldest first, the
official answer first of all on the first page, with stable links to each page, and every
address of a comment (after posting, in notifications, from the staff desk) leads to the page
that shows it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from portal.comments import queries
from portal.comments import services as comments
from portal.comments.queries import THREADS_PER_PAGE
from portal.core import db
from tests import factories as f
from tests.conftest import login_as

THREADS = 2 * THREADS_PER_PAGE + 10  # three pages, the last one short


@pytest.fixture
def idea(engine, other_patron, category):
    return f.idea(engine, other_patron, category, title="Board games")


@pytest.fixture
def roots(engine, patron, idea) -> list[int]:
    """THREADS top-level comments, "Thread 0" the oldest, written in one transaction."""
    with db.write(engine) as s:
        return [
            comments.add(db=s, actor=patron, idea_id=idea.id, body=f"Thread {i}").id
            for i in range(THREADS)
        ]


def shown(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article class="comment[^"]*" id="comment-(\d+)"', page)]


def test_the_first_page_shows_the_oldest_threads_and_links_to_the_next(client, idea, roots):
    page = client.get(f"/ideas/{idea.id}").text
    assert shown(page) == roots[:THREADS_PER_PAGE]
    assert '<a rel="next" href="?comments=2#comments">' in page
    assert 'rel="prev"' not in page
    assert 'aria-label="Pages of comments"' in page
    assert f"{THREADS} comments" in page


def test_a_later_page_shows_its_threads_with_their_replies(client, engine, patron, idea, roots):
    reply = f.comment(engine, patron, idea.id, body="A reply", parent_id=roots[THREADS_PER_PAGE])
    second = client.get(f"/ideas/{idea.id}?comments=2").text
    assert shown(second) == [
        roots[THREADS_PER_PAGE],
        reply.id,
        *roots[THREADS_PER_PAGE + 1 : 2 * THREADS_PER_PAGE],
    ]
    assert '<a rel="prev" href="?#comments">' in second
    assert '<a rel="next" href="?comments=3#comments">' in second
    last = client.get(f"/ideas/{idea.id}?comments=3").text
    assert shown(last) == roots[2 * THREADS_PER_PAGE :]
    assert 'rel="next"' not in last
    assert reply.id not in shown(client.get(f"/ideas/{idea.id}").text)


@pytest.mark.parametrize("number", ["abc", "-4", "0", ""])
def test_a_nonsense_page_number_is_the_first_page(client, idea, roots, number):
    assert shown(client.get(f"/ideas/{idea.id}?comments={number}").text) == roots[:THREADS_PER_PAGE]


def test_a_page_past_the_end_says_so_and_links_back(client, idea, roots):
    page = client.get(f"/ideas/{idea.id}?comments=9").text
    assert shown(page) == []
    assert "No comments on this page." in page
    assert '<a rel="prev" href="?comments=8#comments">' in page


def test_the_official_answer_comes_first_on_the_first_page_once(client, engine, staff, idea, roots):
    answer = roots[THREADS_PER_PAGE + 5]  # chronologically on page 2
    with db.write(engine) as s:
        comments.mark_official(db=s, actor=staff, comment_id=answer)
    first = shown(client.get(f"/ideas/{idea.id}").text)
    assert first == [answer, *roots[:THREADS_PER_PAGE]]
    assert answer in shown(client.get(f"/ideas/{idea.id}?comments=2").text)
    early = roots[3]  # chronologically on page 1: shown once, first
    with db.write(engine) as s:
        comments.mark_official(db=s, actor=staff, comment_id=early)
    first = shown(client.get(f"/ideas/{idea.id}").text)
    assert first[0] == early and first.count(early) == 1
    assert len(first) == THREADS_PER_PAGE


def test_a_comments_address_leads_to_the_page_that_shows_it(client, engine, patron, idea, roots):
    on_second = roots[THREADS_PER_PAGE + 7]
    reply = f.comment(engine, patron, idea.id, body="Late reply", parent_id=on_second)
    for comment_id in (on_second, reply.id):
        response = client.get(f"/comments/{comment_id}", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/ideas/{idea.id}?comments=2#comment-{comment_id}"
        assert comment_id in shown(client.get(response.headers["location"]).text)
    response = client.get(f"/comments/{roots[0]}", follow_redirects=False)
    assert response.headers["location"] == f"/ideas/{idea.id}#comment-{roots[0]}"
    assert client.get("/comments/999999", follow_redirects=False).status_code == 404


def test_a_new_comment_is_shown_on_the_last_page_it_lands_on(client, patron, idea, roots):
    login_as(client, patron)
    location, comment_id = f.post_comment(client, idea.id, "Late to the party")
    assert location == f"/ideas/{idea.id}?comments=3#comment-{comment_id}"
    assert shown(client.get(location).text)[-1] == comment_id


def test_moderating_on_a_later_page_returns_to_that_page(client, staff, idea, roots):
    login_as(client, staff)
    target = roots[THREADS_PER_PAGE + 1]
    page = client.get(f"/ideas/{idea.id}?comments=2").text
    assert f'name="next" value="/ideas/{idea.id}?comments=2#comment-{target}"' in page
    response = client.post(
        "/staff/moderation/hide",
        {
            "target_type": "comment",
            "target_id": target,
            "reason": "Off topic",
            "next": f"/ideas/{idea.id}?comments=2#comment-{target}",
        },
    )
    assert response.headers["location"] == f"/ideas/{idea.id}?comments=2#comment-{target}"


def test_reading_a_page_costs_the_same_few_queries_however_many_comments(engine, idea, roots):
    statements: list[str] = []

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        for number in (1, 3):
            statements.clear()
            with db.read(engine) as s:
                page = queries.threads(s, idea.id, number)
            assert page.threads
            assert len(statements) <= 3
    finally:
        event.remove(engine, "before_cursor_execute", count)
