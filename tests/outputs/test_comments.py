"""Comments on what a session produced: participants with a confirmed place and staff comment
under the outputs (a plain form POST), others read and get no form, and a POST from them
writes nothing; bad input is named beside the field and kept; the rules of idea comments hold
(edit window, deletion, moderation, a person's data, `portal check`); whoever else had a place
hears of each comment through the outbox (a real SMTP server), in their language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from portal.comments import services as comments
from portal.comments.models import Comment
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.domains import check
from portal.moderation.models import Flag
from portal.notifications.models import Event, Preference
from tests.conftest import PASSWORD, login_as, make_user
from tests.notifications.test_worker import make_due
from tests.outputs.test_outputs import publish
from tests.test_query_counts import statements
from tests.workshops import factories as w


def on_session(engine, workshop_id: int) -> list[Comment]:  # noqa: ANN001
    with db.read(engine) as s:
        return list(
            s.execute(
                select(Comment).where(Comment.workshop_id == workshop_id).order_by(Comment.id)
            ).scalars()
        )


def total(engine) -> int:  # noqa: ANN001
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(Comment)).scalar_one()


def held(engine, staff, *people, title: str = "Floor layouts", published: bool = True):  # noqa: ANN001, ANN002
    """A past session where `people` had a confirmed place, its outputs published or not."""
    session = w.schedule(engine, staff, capacity=max(len(people), 1) + 1, title=title)
    for person in people:
        w.register(engine, person, session.id)
    w.to_the_past(engine, session.id)
    if published:
        publish(engine, staff, session.id)
    return session


def say(engine, actor, workshop_id: int, body: str) -> Comment:  # noqa: ANN001
    with db.write(engine) as s:
        return comments.add_on_session(db=s, actor=actor, workshop_id=workshop_id, body=body)


def comment_form(page: str) -> str:
    """The comments section of a session page."""
    return page.split('id="outputs-comments"')[1].split("</section>")[0]


def test_comments_on_outputs_a_participant_posts_without_javascript(client, engine, staff, patron):
    session = held(engine, staff, patron)
    login_as(client, patron)
    page = client.get(f"/sessions/{session.id}").text
    assert f'action="/sessions/{session.id}/outputs/comments"' in comment_form(page)
    response = client.post(
        f"/sessions/{session.id}/outputs/comments", {"body": "The **window tables** are best."}
    )
    [made] = on_session(engine, session.id)
    assert response.status_code == 303
    assert response.headers["location"] == f"/sessions/{session.id}#comment-{made.id}"
    page = client.get(response.headers["location"]).text
    assert "Your comment is posted." in page
    assert "<strong>window tables</strong>" in comment_form(page)  # stored Markdown, rendered
    assert made.author_id == patron.id and made.idea_id is None and made.body_html


def test_comments_on_outputs_staff_comment_and_others_read_without_a_form(
    client, engine, staff, patron, other_patron
):
    session = held(engine, staff, patron)
    say(engine, staff, session.id, "Thanks to everyone who came.")
    for reader in (other_patron, None):
        client.cookies.clear()
        if reader:
            login_as(client, reader)
        section = comment_form(client.get(f"/sessions/{session.id}").text)
        assert "Thanks to everyone who came." in section
        assert "<form" not in section.split("</article>")[-1]
        assert 'name="body"' not in section
    login_as(client, other_patron)
    response = client.post(f"/sessions/{session.id}/outputs/comments", {"body": "Me too"})
    assert response.status_code == 403
    client.cookies.clear()
    response = client.post(f"/sessions/{session.id}/outputs/comments", {"body": "Me too"})
    assert response.status_code in (302, 303, 401, 403)
    assert [c.body for c in on_session(engine, session.id)] == ["Thanks to everyone who came."]


def test_comments_on_outputs_are_for_a_confirmed_place_only(engine, staff, patron, other_patron):
    waiting = make_user(engine)
    session = w.schedule(engine, staff, capacity=1)
    w.register(engine, patron, session.id)
    w.register(engine, waiting, session.id)  # full: on the waitlist
    w.to_the_past(engine, session.id)
    publish(engine, staff, session.id)
    for person in (waiting, other_patron):
        with pytest.raises(Forbidden):
            say(engine, person, session.id, "Can I say something?")
    committee_only = w.schedule(engine, staff, audience="committee")
    w.to_the_past(engine, committee_only.id)
    publish(engine, staff, committee_only.id)
    with pytest.raises(NotFound):  # a session the person may not see
        say(engine, patron, committee_only.id, "Hello")
    with pytest.raises(NotFound):
        say(engine, patron, 999_999, "Hello")
    assert total(engine) == 0


def test_comments_on_outputs_bad_input_is_named_and_kept(client, engine, staff, patron):
    session = held(engine, staff, patron)
    early = held(engine, staff, patron, title="Not yet", published=False)
    login_as(client, patron)
    cases = [
        (session.id, "   ", "Write your comment."),
        (session.id, "x" * 5001, "at most"),
        (session.id, "bad\x00byte", "control characters"),
        (early.id, "Too early", "once what the session produced is published"),
    ]
    for workshop_id, body, message in cases:
        response = client.post(f"/sessions/{workshop_id}/outputs/comments", {"body": body})
        assert response.status_code == 400, body
        assert message in w.field_error(response.text, "body"), body
        if body.strip() and "\x00" not in body:
            assert f">{body}</textarea>" in response.text  # the text is kept
    assert total(engine) == 0


def test_comments_on_outputs_keep_the_edit_and_delete_rules(client, engine, staff, patron):
    other = make_user(engine)
    session = held(engine, staff, patron, other)
    mine = say(engine, patron, session.id, "First thought")
    login_as(client, other)
    assert client.post(f"/comments/{mine.id}/edit", {"body": "Hijack"}).status_code == 403
    assert client.post(f"/comments/{mine.id}/delete").status_code == 403
    assert client.post(f"/comments/{mine.id}/official").status_code == 403
    login_as(client, patron)
    response = client.post(f"/comments/{mine.id}/edit", {"body": "Second thought"})
    assert response.headers["location"] == f"/sessions/{session.id}#comment-{mine.id}"
    with db.write(engine) as s:  # the edit window has passed
        s.execute(
            update(Comment)
            .where(Comment.id == mine.id)
            .values(created_at=utcnow() - timedelta(hours=1))
        )
    assert client.post(f"/comments/{mine.id}/edit", {"body": "Late"}).status_code == 403
    assert client.post(f"/comments/{mine.id}/delete").status_code == 303
    [gone] = on_session(engine, session.id)
    assert gone.body == "Second thought"[:0] and gone.deleted_at is not None
    login_as(client, staff)  # a comment on a session is never an official answer
    theirs = say(engine, other, session.id, "Hmm")
    assert client.post(f"/comments/{theirs.id}/official", {"official": "1"}).status_code == 404
    assert not w.stored(engine, Comment, theirs.id).is_official


def test_comments_on_outputs_are_moderated_like_any_comment(
    client, engine, staff, patron, other_patron
):
    session = held(engine, staff, patron)
    rude = say(engine, patron, session.id, "Rude words here")
    login_as(client, other_patron)
    here = f"/sessions/{session.id}"
    response = client.post(
        "/report",
        {"target_type": "comment", "target_id": str(rude.id), "reason": "Rude", "next": here},
    )
    assert response.status_code == 303
    login_as(client, staff)
    desk = client.get("/staff").text
    assert "Comment on a session&#39;s outputs" in desk or "Comment on a session's outputs" in desk
    assert f'href="/comments/{rude.id}"' in desk and "Floor layouts" in desk
    assert (
        client.get(f"/comments/{rude.id}", follow_redirects=False).headers["location"]
        == f"{here}#comment-{rude.id}"
    )
    response = client.post(
        "/staff/moderation/hide",
        {"target_type": "comment", "target_id": str(rude.id), "reason": "Insults", "next": here},
    )
    assert response.status_code == 303
    with db.read(engine) as s:
        assert s.execute(select(Flag.resolution)).scalar_one() == "hidden"
    assert w.stored(engine, Comment, rude.id).hidden_at is not None
    login_as(client, other_patron)
    section = comment_form(client.get(here).text)
    assert "Rude words" not in section and "hidden by the moderators" in section
    login_as(client, patron)  # the author sees why
    assert "Insults" in comment_form(client.get(here).text)


def test_comments_on_outputs_tell_the_others_by_email_in_their_language(
    client, engine, staff, patron, worker, smtp_server
):
    chinese, off, outsider = make_user(engine), make_user(engine), make_user(engine)
    with db.write(engine) as s:
        s.get(type(chinese), chinese.id).locale = "zh_Hans"
        s.add(Preference(user_id=off.id, kind="outputs", mode="off"))
    session = held(engine, staff, patron, chinese, off)
    w.drain(worker)
    smtp_server.messages.clear()
    login_as(client, patron)
    client.post(f"/sessions/{session.id}/outputs/comments", {"body": "Booths with screens!"})
    [made] = on_session(engine, session.id)
    with db.read(engine) as s:  # in the outbox, in the comment's own transaction
        assert s.execute(
            select(Event.id).where(Event.kind == "outputs", Event.comment_id == made.id)
        ).scalar_one()
    w.drain(worker)
    [zh] = smtp_server.by_recipient(chinese.email)
    assert "Floor layouts" in zh["Subject"] and "New comment" not in zh["Subject"]  # 中文
    assert "Booths with screens!" in zh.get_content()
    assert f"http://testserver/comments/{made.id}" in zh.get_content()
    assert smtp_server.by_recipient(patron.email) == []  # not to the author
    assert smtp_server.by_recipient(off.email) == []
    assert smtp_server.by_recipient(outsider.email) == []
    say(engine, staff, session.id, "Noted, thank you.")
    w.drain(worker)
    [to_patron] = smtp_server.by_recipient(patron.email)
    assert to_patron["Subject"] == "New comment on what “Floor layouts” produced"
    assert "Noted, thank you." in to_patron.get_content()
    login_as(client, patron)
    listed = client.get("/notifications").text
    assert "New comment on what “Floor layouts” produced" in listed


def test_comments_on_outputs_are_in_the_persons_data_and_outlive_the_account(
    client, engine, staff, patron
):
    session = held(engine, staff, patron)
    made = say(engine, patron, session.id, "My words on the floor plan")
    login_as(client, patron)
    exported = client.get("/account/export.json").json()
    assert [c["body"] for c in exported["comments"]] == ["My words on the floor plan"]
    assert exported["comments"][0]["workshop_id"] == session.id
    assert client.post("/account/delete", {"password": PASSWORD}).status_code in (302, 303)
    kept = w.stored(engine, Comment, made.id)
    assert kept.author_id is None and kept.body == "My words on the floor plan"
    client.cookies.clear()
    assert "deleted user" in comment_form(client.get(f"/sessions/{session.id}").text)


def test_comments_on_outputs_page_queries_do_not_grow(client, engine, staff):
    people = [make_user(engine) for _ in range(6)]
    session = held(engine, staff, *people)
    say(engine, people[0], session.id, "One")
    login_as(client, people[0])
    with statements(engine) as few:
        client.get(f"/sessions/{session.id}")
    for i, person in enumerate(people[1:]):
        say(engine, person, session.id, f"More {i}")
    with statements(engine) as many:
        page = client.get(f"/sessions/{session.id}").text
    assert "More 4" in page
    assert len(many) == len(few)


def test_comments_on_outputs_portal_check_repairs_a_reply_or_official_mark(engine, staff, patron):
    session = held(engine, staff, patron)
    first = say(engine, patron, session.id, "One")
    second = say(engine, staff, session.id, "Two")
    assert [str(x) for x in check(engine).findings] == []
    with db.write(engine) as s:
        s.execute(
            update(Comment)
            .where(Comment.id == second.id)
            .values(parent_id=first.id, is_official=True)
        )
    found = [str(x) for x in check(engine).findings]
    assert any(f"comment {second.id}" in line and "reply" in line for line in found), found
    check(engine, repair=True)
    repaired = w.stored(engine, Comment, second.id)
    assert repaired.parent_id is None and not repaired.is_official
    assert [str(x) for x in check(engine).findings] == []


def test_comments_on_outputs_have_exactly_one_subject(engine, staff, patron):
    session = held(engine, staff, patron)
    with pytest.raises(ValidationError):
        say(engine, patron, session.id, "")
    with pytest.raises(IntegrityError), db.write(engine) as s:  # the database refuses none
        s.add(Comment(author_id=patron.id, body="Nowhere"))
        s.flush()
    assert total(engine) == 0


def test_comments_on_outputs_share_the_comment_rate_limit(app, client, engine, staff, patron):
    session = held(engine, staff, patron)
    app.state.rate_counter.factor = 0.1  # 30 comments in ten minutes become 3
    login_as(client, patron)
    url = f"/sessions/{session.id}/outputs/comments"
    assert [client.post(url, {"body": f"Thought {i}"}).status_code for i in range(3)] == [303] * 3
    assert client.post(url, {"body": "One more"}).status_code == 429
    assert len(on_session(engine, session.id)) == 3


def test_comments_on_outputs_take_no_files(client, engine, staff, patron):
    session = held(engine, staff, patron)
    made = say(engine, patron, session.id, "A thought")
    login_as(client, patron)
    assert client.get(f"/attach/comment/{made.id}").status_code == 404
    assert "Attach a picture or a PDF</a>" not in comment_form(
        client.get(f"/sessions/{session.id}").text
    )


def test_comments_on_outputs_in_the_daily_digest(engine, staff, patron, worker, smtp_server):
    other = make_user(engine)
    session = held(engine, staff, patron, other)
    w.drain(worker)
    with db.write(engine) as s:
        s.add(Preference(user_id=patron.id, kind="outputs", mode="digest"))
    made = say(engine, other, session.id, "The second layout, please.")
    w.drain(worker)
    assert smtp_server.by_recipient(patron.email)[1:] == []  # only the outputs email, sent before
    tomorrow = utcnow() + timedelta(days=1)
    later = tomorrow.replace(hour=worker.digest_hour + 1, minute=0, second=0, microsecond=0)
    assert worker.queue_digests(now=later) == 1
    make_due(engine)
    worker.send_batch()
    digest = smtp_server.by_recipient(patron.email)[-1]
    body = digest.get_content()
    assert "New comment on what “Floor layouts” produced" in body
    assert f"http://testserver/comments/{made.id}" in body


def test_comments_on_outputs_no_form_until_the_address_is_confirmed(client, engine, staff, patron):
    session = held(engine, staff, patron)
    login_as(client, patron)
    assert 'name="body"' in comment_form(client.get(f"/sessions/{session.id}").text)
    with db.write(engine) as s:
        s.get(type(patron), patron.id).email_confirmed_at = None
    assert 'name="body"' not in comment_form(client.get(f"/sessions/{session.id}").text)
    response = client.post(f"/sessions/{session.id}/outputs/comments", {"body": "Hello"})
    assert response.status_code in (303, 403) and "#comment-" not in response.headers.get(
        "location", ""
    )
    assert total(engine) == 0
