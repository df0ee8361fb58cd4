"""Comments over HTTP: posting and replying through forms, the staff badge and the official
answer on the idea page, editing within the window, deleting, and forms that come back with
their problems named."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape

from portal.comments.models import Comment
from portal.ideas.models import Idea
from tests import factories as f
from tests.conftest import login_as


@pytest.fixture
def idea(engine, other_patron, category):
    return f.idea(engine, other_patron, category, title="Board games")


def comment_html(page: str, comment_id: int) -> str:
    found = re.search(
        rf'<article class="comment[^"]*" id="comment-{comment_id}".*?</article>', page, re.S
    )
    assert found, f"comment {comment_id} is not on the page"
    return found.group(0)


def test_comment_form_posts_and_shows_the_comment(client, engine, patron, idea):
    login_as(client, patron)
    location, comment_id = f.post_comment(client, idea.id, "I would *love* this.")
    assert location == f"/ideas/{idea.id}#comment-{comment_id}"
    page = client.get(f"/ideas/{idea.id}").text
    assert "Your comment is posted." in page
    shown = comment_html(page, comment_id)
    assert "I would <em>love</em> this." in shown and "Pat Reader" in shown
    assert "Library staff" not in shown
    assert "1 comment" in page
    assert patron.id in f.followers_of(engine, idea.id)
    assert "Following" in page


def test_reply_form_attaches_a_reply_to_a_reply_to_the_thread(client, engine, patron, idea):
    top = f.comment(engine, patron, idea.id, body="Top")
    reply = f.comment(engine, patron, idea.id, body="First reply", parent_id=top.id)
    login_as(client, patron)
    response = client.post(
        f"/ideas/{idea.id}/comments", {"body": "Second reply", "parent_id": str(reply.id)}
    )
    assert response.status_code == 303
    new_id = int(response.headers["location"].rsplit("-", 1)[1])
    assert f.get(engine, Comment, new_id).parent_id == top.id
    page = client.get(f"/ideas/{idea.id}").text
    replies = page.split('<ol class="replies">')[1].split("</ol>")[0]
    assert "First reply" in replies and "Second reply" in replies


def test_staff_comment_shows_the_library_staff_badge(client, engine, staff, idea):
    note = f.comment(engine, staff, idea.id, body="We are on it.")
    shown = comment_html(client.get(f"/ideas/{idea.id}").text, note.id)
    assert 'class="badge staff">Library staff</span>' in shown
    assert "comment--staff" in shown


def test_official_answer_marked_by_staff_is_shown_first(client, engine, patron, staff, idea):
    first = f.comment(engine, patron, idea.id, body="Early thought")
    answer = f.comment(engine, staff, idea.id, body="The answer")
    login_as(client, staff)
    response = client.post(f"/comments/{answer.id}/official", {"official": "1"})
    assert response.status_code == 303
    client.post(f"/comments/{first.id}/official", {"official": "1"})
    client.post(f"/comments/{answer.id}/official", {"official": "1"})
    page = client.get(f"/ideas/{idea.id}").text
    assert "Official answer</span>" in comment_html(page, answer.id)
    assert "Official answer</span>" not in comment_html(page, first.id)
    assert page.index(f'id="comment-{answer.id}"') < page.index(f'id="comment-{first.id}"')
    assert f.count(engine, Comment, Comment.is_official.is_(True)) == 1


def test_official_answer_by_patron_is_forbidden(client, engine, patron, idea):
    note = f.comment(engine, patron, idea.id)
    login_as(client, patron)
    assert client.post(f"/comments/{note.id}/official", {"official": "1"}).status_code == 403
    assert f.get(engine, Comment, note.id).is_official is False


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write your comment."),
        ("   ", "Write your comment."),
        ("x" * 5001, "Use at most 5000 characters for a comment."),
    ],
)
def test_comment_with_bad_body_comes_back_with_the_message(
    client, engine, patron, idea, body, message
):
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/comments", {"body": body})
    assert response.status_code == 400
    assert 'class="error-summary"' in response.text
    assert f'<a href="#body">{message}</a>' in response.text
    assert re.search(rf'id="body-error">.*{re.escape(message)}', response.text)
    if body.strip():
        assert f">{body}</textarea>" in response.text
    assert f.count(engine, Comment) == 0
    assert f.get(engine, Idea, idea.id).comment_count == 0


def test_reply_with_bad_body_keeps_the_reply_form(client, engine, patron, idea):
    top = f.comment(engine, patron, idea.id)
    login_as(client, patron)
    response = client.post(f"/ideas/{idea.id}/comments", {"body": "", "parent_id": str(top.id)})
    assert response.status_code == 400
    assert f'<a href="#reply-{top.id}">' in response.text
    assert f'name="parent_id" value="{top.id}"' in response.text
    assert f.count(engine, Comment) == 1


def test_comment_keeps_the_persons_text_escaped(client, patron, idea):
    login_as(client, patron)
    text = '<script>alert("x")</script> & more ' + "y" * 5000
    response = client.post(f"/ideas/{idea.id}/comments", {"body": text})
    assert response.status_code == 400
    assert "<script>alert" not in response.text
    assert str(escape(text))[:40] in response.text


def test_comment_by_visitor_is_sent_to_sign_in(client, engine, idea):
    response = client.post(f"/ideas/{idea.id}/comments", {"body": "Hello"})
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert f.count(engine, Comment) == 0
    assert "Sign in to comment" in client.get(f"/ideas/{idea.id}").text


@pytest.mark.parametrize("idea_id", [999_999, 99_999_999_999_999_999_999])
def test_comment_on_unknown_idea_is_not_found(client, engine, patron, idea_id):
    login_as(client, patron)
    assert client.post(f"/ideas/{idea_id}/comments", {"body": "Hello"}).status_code == 404
    assert f.count(engine, Comment) == 0


def test_reply_to_an_impossible_parent_is_refused(client, engine, patron, idea):
    login_as(client, patron)
    response = client.post(
        f"/ideas/{idea.id}/comments", {"body": "Hi", "parent_id": "99999999999999999999"}
    )
    assert response.status_code == 400
    assert "The comment you replied to is no longer there." in response.text
    assert f.count(engine, Comment) == 0


def test_edit_own_comment_within_the_window(client, engine, patron, idea):
    note = f.comment(engine, patron, idea.id, body="Tpyo")
    login_as(client, patron)
    assert f'href="/comments/{note.id}/edit"' in client.get(f"/ideas/{idea.id}").text
    form = client.get(f"/comments/{note.id}/edit")
    assert form.status_code == 200 and ">Tpyo</textarea>" in form.text
    response = client.post(f"/comments/{note.id}/edit", {"body": "Typo"})
    assert response.status_code == 303
    assert response.headers["location"] == f"/ideas/{idea.id}#comment-{note.id}"
    shown = comment_html(client.get(f"/ideas/{idea.id}").text, note.id)
    assert "Typo" in shown and "edited" in shown


def test_edit_after_the_window_is_forbidden(client, engine, patron, idea):
    note = f.comment(engine, patron, idea.id, body="Old words")
    f.age_comment(engine, note.id, minutes=16)
    login_as(client, patron)
    assert f'href="/comments/{note.id}/edit"' not in client.get(f"/ideas/{idea.id}").text
    assert client.get(f"/comments/{note.id}/edit").status_code == 403
    assert client.post(f"/comments/{note.id}/edit", {"body": "New"}).status_code == 403
    assert f.get(engine, Comment, note.id).body == "Old words"


def test_edit_with_empty_body_comes_back_with_the_message(client, engine, patron, idea):
    note = f.comment(engine, patron, idea.id, body="Old words")
    login_as(client, patron)
    response = client.post(f"/comments/{note.id}/edit", {"body": ""})
    assert response.status_code == 400
    assert "Write your comment." in response.text and 'class="error-summary"' in response.text
    assert f.get(engine, Comment, note.id).body == "Old words"


def test_edit_or_delete_by_another_patron_is_forbidden(client, engine, patron, other_patron, idea):
    note = f.comment(engine, patron, idea.id, body="Mine")
    login_as(client, other_patron)
    page = client.get(f"/ideas/{idea.id}").text
    assert f'action="/comments/{note.id}/delete"' not in page
    assert client.get(f"/comments/{note.id}/edit").status_code == 403
    assert client.post(f"/comments/{note.id}/edit", {"body": "Yours"}).status_code == 403
    assert client.post(f"/comments/{note.id}/delete").status_code == 403
    stored = f.get(engine, Comment, note.id)
    assert stored.body == "Mine" and stored.deleted_at is None
    assert f.get(engine, Idea, idea.id).comment_count == 1


def test_delete_own_comment_shows_it_as_deleted(client, engine, patron, idea):
    f.comment(engine, patron, idea.id, body="Stays")
    note = f.comment(engine, patron, idea.id, body="Regrettable words")
    login_as(client, patron)
    response = client.post(f"/comments/{note.id}/delete")
    assert response.status_code == 303
    assert response.headers["location"] == f"/ideas/{idea.id}#comment-{note.id}"
    page = client.get(f"/ideas/{idea.id}").text
    assert "This comment was deleted." in comment_html(page, note.id)
    assert "Regrettable words" not in page
    assert "1 comment<" in page
    assert f.get(engine, Idea, idea.id).comment_count == 1
    assert client.get(f"/comments/{note.id}/edit").status_code == 404
    assert client.post(f"/comments/{note.id}/delete").status_code == 403


def test_delete_by_staff_is_allowed(client, engine, patron, staff, idea):
    note = f.comment(engine, patron, idea.id)
    login_as(client, staff)
    assert client.post(f"/comments/{note.id}/delete").status_code == 303
    assert f.get(engine, Comment, note.id).deleted_at is not None


@pytest.mark.parametrize("path", ["/comments/999999/edit", "/comments/99999999999999999999/edit"])
def test_unknown_comment_is_not_found(client, patron, path):
    login_as(client, patron)
    assert client.get(path).status_code == 404
    assert client.post(path, {"body": "x"}).status_code == 404
