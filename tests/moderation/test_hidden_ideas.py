"""An idea hidden by the moderators stays hidden wherever it is named (pages, emails, in-app
notifications, feeds, calendar files, the API), except to staff and to its author, and takes no
new votes or comments except from the moderators."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from portal.accounts.models import User
from portal.comments.models import Comment
from portal.core import db
from portal.core.clock import utcnow
from portal.ideas import services as ideas
from portal.notifications import services as notifications
from portal.notifications.models import KINDS, EmailOutbox
from portal.votes.models import Vote
from tests import factories as f
from tests.conftest import login_as
from tests.decisions import publish
from tests.moderation import hide, report
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


# -- every place that names an idea ---------------------------------------------------------
# The scene: the hidden idea's author (patron), a follower who is not staff (other_patron), a
# follower on staff (admin), a follower who reads a daily digest in Chinese (committee); an
# idea marked as its duplicate, a session and a decision that name it; a status change and a
# staff comment on it after it was hidden, and the emails they bring.

ZH_HIDDEN = "已隐藏的建议"


@pytest.fixture
def scene(engine, worker, smtp_server, patron, other_patron, admin, committee, staff, category):
    idea = f.idea(engine, patron, category, title=TITLE)
    for person in (other_patron, admin, committee):
        f.vote(engine, person, idea.id)
    with db.write(engine) as s:
        s.execute(update(User).where(User.id == committee.id).values(locale="zh_Hans"))
        for kind in KINDS:
            notifications.set_mode(s, committee.id, kind, "digest")
    copy = f.idea(engine, other_patron, category, title="Printing for less")
    hide(engine, staff, "idea", idea.id, "Advertising")
    with db.write(engine) as s:
        ideas.change_status(
            db=s, actor=staff, idea_id=copy.id, status="duplicate", duplicate_of=str(idea.id)
        )
        ideas.change_status(
            db=s, actor=staff, idea_id=idea.id, status="declined", response="Not for now."
        )
    f.comment(engine, staff, idea.id, "Hidden while we check the link.")
    session = w.schedule(engine, staff, agenda=str(idea.id))
    decision = publish(engine, staff, [idea.id], "declined", reason="Out of scope.")
    w.drain(worker)
    later = (utcnow() + timedelta(days=1)).replace(hour=worker.digest_hour + 1, minute=0)
    assert worker.queue_digests(now=later) == 1
    with db.write(engine) as s:
        s.execute(update(EmailOutbox).values(next_attempt_at=utcnow()))
    worker.send_batch()
    return {"idea": idea, "copy": copy, "session": session, "decision": decision}


def emails_to(inbox, person) -> list[str]:
    """Subject and body of each email `person` received, as one text each."""
    return [f"{m['Subject']}\n{m.get_content()}" for m in inbox.by_recipient(person.email)]


def test_no_email_names_a_hidden_idea_to_anyone_but_staff_and_its_author(
    scene, smtp_server, patron, other_patron, admin, committee
):
    named = {"status": "is now", "comment": "New comment on"}
    for person, sees in ((other_patron, False), (committee, False), (patron, True), (admin, True)):
        texts = emails_to(smtp_server, person)
        assert texts, person.email
        about = [t for t in texts if any(words in t for words in named.values())]
        if person is not committee:  # the digest is in Chinese
            assert {k for k, words in named.items() if any(words in t for t in about)} == {
                "status",
                "comment",
            }, person.email
        for text in texts:
            assert (TITLE in text) == (sees and text in about), (person.email, text)
        if not sees:
            hidden = ZH_HIDDEN if person is committee else "Hidden idea"
            assert all(hidden in t for t in about), (person.email, about)
    [digest] = emails_to(smtp_server, committee)
    assert ZH_HIDDEN in digest and TITLE not in digest


@pytest.mark.parametrize(
    "path",
    [
        "/ideas/{copy}",  # marked as a duplicate of the hidden idea
        "/sessions/{session}",
        "/you-said-we-did/{decision}",
        "/notifications",
    ],
)
def test_pages_name_a_hidden_idea_only_to_staff_and_its_author(
    client, scene, path, patron, other_patron, admin, committee
):
    url = path.format(**{k: v.id for k, v in scene.items()})
    readers = [(None, False), (other_patron, False), (patron, True), (admin, True)]
    for person, sees in readers:
        client.cookies.clear()
        if person is None and path == "/notifications":
            continue
        if person is not None:
            login_as(client, person)
        page = client.get(url).text
        assert (TITLE in page) == sees, (url, person and person.email)
        if not sees:
            assert "Hidden idea" in page, (url, person and person.email)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/ideas",
        "/ideas?q=printing",
        "/ideas?status=declined",
        "/ideas/similar?title=Cheap+printing+for+students",
        "/ideas/{idea}",
        "/you-said-we-did",
        "/feeds/decisions.atom",
        "/sessions",
        "/sessions.ics",
        "/sessions/{session}.ics",
        "/api/v1/ideas",
        "/api/v1/ideas?q=printing",
        "/api/v1/ideas?status=declined",
        "/api/v1/ideas/{idea}",
        "/api/v1/sessions",
        "/api/v1/decisions",
    ],
)
def test_public_pages_feeds_calendars_and_the_api_never_name_a_hidden_idea(client, scene, path):
    url = path.format(**{k: v.id for k, v in scene.items()})
    response = client.get(url)
    assert response.status_code in (200, 404), url
    assert TITLE not in response.text and "Cheap printing" not in response.text, url


def test_the_staff_desk_and_moderation_queue_name_a_hidden_idea_to_staff(
    client, engine, scene, other_patron, staff
):
    report(engine, other_patron, "idea", scene["idea"].id, "Still advertising")
    login_as(client, staff)
    desk = client.get("/staff").text
    assert TITLE in desk and "Still advertising" in desk
