"""Privacy: a person downloads all their data, and deletes their account: personal data
erased, what they wrote kept as "deleted user", votes kept as anonymous rows."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import LoginSession, User
from portal.comments import services as comments
from portal.core import db
from portal.ideas.models import Idea
from portal.votes import services as votes
from portal.votes.models import Vote
from tests.conftest import PASSWORD, login_as, make_user
from tests.factories import counter_mismatches, votes_of
from tests.factories import idea as make_idea


def _users(engine) -> int:  # noqa: ANN001
    with db.read(engine) as s:
        return s.execute(select(func.count()).select_from(User)).scalar_one()


def test_export_holds_profile_ideas_comments_and_votes_but_no_password(
    client, patron, staff, category, engine
):
    idea = make_idea(engine, patron, category, title="Quiet room on floor 3")
    with db.write(engine) as s:
        comments.add(db=s, actor=patron, idea_id=idea.id, body="My own comment")
    other = make_idea(engine, staff, category, title="Staff idea")
    with db.write(engine) as s:
        votes.vote(db=s, actor=patron, idea_id=other.id)
    login_as(client, patron)
    r = client.get("/account/export.json")
    assert r.status_code == 200
    assert "attachment" in r.headers["content-disposition"]
    data = r.json()
    assert data["profile"]["email"] == patron.email
    assert "password_hash" not in data["profile"] and "argon2" not in r.text
    assert [i["title"] for i in data["ideas"]] == ["Quiet room on floor 3"]
    assert [c["body"] for c in data["comments"]] == ["My own comment"]
    assert [v["idea_id"] for v in data["votes"]] == [other.id]


def test_export_needs_sign_in(client):
    r = client.get("/account/export.json", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_delete_account_keeps_content_as_deleted_user_and_vote_counts(
    client, patron, staff, category, engine
):
    idea = make_idea(engine, patron, category, title="Longer loans")
    with db.write(engine) as s:
        comments.add(db=s, actor=patron, idea_id=idea.id, body="Still here after I leave")
    theirs = make_idea(engine, staff, category)
    with db.write(engine) as s:
        votes.vote(db=s, actor=patron, idea_id=theirs.id)
    login_as(client, patron)
    copied_cookie = client.cookies["sid"]
    r = client.post("/account/delete", {"password": PASSWORD})
    assert r.status_code == 303
    with db.read(engine) as s:
        assert s.get(User, patron.id) is None
        assert s.execute(select(func.count()).select_from(LoginSession)).scalar_one() == 0
        assert s.get(Idea, theirs.id).vote_count == 1
        assert s.get(Idea, idea.id).author_id is None
    page = client.get(f"/ideas/{idea.id}").text
    assert "Still here after I leave" in page and "deleted user" in page
    assert patron.email not in page and "Pat Reader" not in page
    client.cookies.set("sid", copied_cookie)
    assert "Sign out" not in client.get("/").text


def test_delete_account_keeps_its_votes_as_anonymous_rows(client, patron, staff, category, engine):
    theirs = make_idea(engine, staff, category)
    other = make_user(engine)
    with db.write(engine) as s:
        votes.vote(db=s, actor=patron, idea_id=theirs.id)
        votes.vote(db=s, actor=other, idea_id=theirs.id)
    login_as(client, patron)
    assert client.post("/account/delete", {"password": PASSWORD}).status_code == 303
    # The count and the rows agree: the vote is still there, without the person.
    assert counter_mismatches(engine) == []
    assert votes_of(engine, theirs.id) == {None, other.id}
    with db.read(engine) as s:
        assert s.get(Idea, theirs.id).vote_count == 2
        assert s.execute(select(func.count()).select_from(Vote)).scalar_one() == 2


def test_delete_account_with_wrong_password_keeps_everything(client, patron, engine):
    login_as(client, patron)
    before = _users(engine)
    r = client.post("/account/delete", {"password": "not my password"})
    assert r.status_code == 400
    assert "The password is not right." in r.text
    assert _users(engine) == before
