"""`portal check [--repair]`: data made through the services agrees with itself; rows broken on
purpose are each named on a line, repaired when the rows say what is right, and reported when
they do not; the command's exit status and the site's data version follow. In-process and as
the real command, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from portal.accounts import privacy
from portal.comments import services as comments
from portal.comments.models import Comment
from portal.core import db
from portal.core.clock import utcnow
from portal.domains import check
from portal.ideas import services as ideas
from portal.ideas.models import Idea, IdeaSearch
from portal.moderation import services as moderation
from portal.notifications.models import EmailOutbox
from portal.votes.models import Vote
from portal.workshops.models import Workshop
from tests import factories as f
from tests.conftest import SECRET, make_user
from tests.decisions import publish
from tests.processes import portal_run
from tests.workshops import factories as sessions


@dataclass
class Site:
    """A small site made through the services, as people would use it."""

    a: int  # three votes (one anonymous), a thread with a staff reply, a decision
    b: int  # the original of c
    c: int  # a duplicate of b
    note: int  # a top-level comment on a
    reply: int  # staff's reply to it
    session: int  # a design session with two places, both taken


@pytest.fixture
def site(engine, patron, other_patron, staff, category) -> Site:
    leaver, third = make_user(engine), make_user(engine)
    a = f.idea(engine, patron, category, title="Open until ten")
    b = f.idea(engine, other_patron, category, title="Longer hours")
    c = f.idea(engine, third, category, title="Later closing")
    for person in (patron, other_patron, leaver):
        f.vote(engine, person, a.id)
    for person in (leaver, third):
        f.vote(engine, person, c.id)
    note = f.comment(engine, other_patron, a.id, body="Evenings, please.")
    reply = f.comment(engine, staff, a.id, body="We are counting.", parent_id=note.id)
    gone = f.comment(engine, third, a.id, body="Typo")
    spam = f.comment(engine, third, b.id, body="Buy now")
    with db.write(engine) as s:
        comments.delete(db=s, actor=third, comment_id=gone.id)
        moderation.hide(db=s, actor=staff, target_type="comment", target_id=spam.id, reason="Ad")
        ideas.change_status(db=s, actor=staff, idea_id=c.id, status="duplicate", duplicate_of=b.id)
        privacy.delete_account(db=s, actor=leaver, password_ok=True)
    publish(engine, staff, [a.id], move_status="0")
    session = sessions.schedule(engine, staff, capacity=2)
    for person in (patron, other_patron):
        sessions.register(engine, person, session.id)
    return Site(a.id, b.id, c.id, note.id, reply.id, session.id)


def _change(engine, statement) -> None:  # noqa: ANN001
    with db.write(engine) as s:
        s.execute(statement)


def _lines(report) -> list[str]:  # noqa: ANN001
    return [str(finding) for finding in report.findings]


def test_check_finds_nothing_wrong_in_a_site_used_through_the_services(engine, site):
    report = check(engine)
    assert _lines(report) == []
    assert report.summary().startswith("Everything agrees")
    assert None in f.votes_of(engine, site.a)  # the vote of the deleted account
    assert f.get(engine, Idea, site.a).vote_count == 3


# Each breaks one rule: (what to do to the site, the line the check prints)
def _vote_count(s: Site) -> tuple[Any, str]:
    statement = update(Idea).where(Idea.id == s.a).values(vote_count=Idea.vote_count + 2)
    return statement, f"idea {s.a}: vote_count 5, rows 3"


def _vote_rows(s: Site) -> tuple[Any, str]:
    return Vote.__table__.delete().where(Vote.idea_id == s.a), f"idea {s.a}: vote_count 3, rows 0"


def _trending(s: Site) -> tuple[Any, str]:
    statement = update(Idea).where(Idea.id == s.a).values(trending=Idea.trending * 2)
    return statement, f"idea {s.a}: trending"


def _comment_count(s: Site) -> tuple[Any, str]:
    statement = update(Idea).where(Idea.id == s.b).values(comment_count=4)
    return statement, f"idea {s.b}: comment_count 4, rows 0"


def _reply_elsewhere(s: Site) -> tuple[Any, str]:
    statement = update(Comment).where(Comment.id == s.reply).values(idea_id=s.b)
    return statement, f"comment {s.reply}: on idea {s.b}, a reply to comment {s.note}, which is on"


def _reply_to_reply(s: Site) -> tuple[Any, str]:
    statement = insert(Comment).values(
        idea_id=s.a,
        parent_id=s.reply,
        body="Deep",
        is_staff=False,
        is_official=False,
        created_at=utcnow(),
        hidden_reason="",
    )
    return statement, f"a reply to comment {s.reply}, itself a reply to comment {s.note}"


def _official_deleted(s: Site) -> tuple[Any, str]:
    statement = (
        update(Comment)
        .where(Comment.idea_id == s.a, Comment.deleted_at.is_not(None))
        .values(is_official=True)
    )
    return statement, "deleted, yet marked as the official answer"


def _chain(s: Site) -> tuple[Any, str]:
    statement = update(Idea).where(Idea.id == s.b).values(status="duplicate", duplicate_of_id=s.a)
    return statement, f"idea {s.c}: a duplicate of idea {s.b}, itself a duplicate of idea {s.a}"


def _no_longer_duplicate(s: Site) -> tuple[Any, str]:
    statement = update(Idea).where(Idea.id == s.c).values(status="planned")
    return statement, f"idea {s.c}: names idea {s.b} as its original, but its status is planned"


def _no_first_response(s: Site) -> tuple[Any, str]:
    statement = update(Idea).where(Idea.id == s.a).values(first_response_at=None)
    return statement, f"idea {s.a}: a staff comment or official answer, but no first_response_at"


def _stale_terms(s: Site) -> tuple[Any, str]:
    statement = update(IdeaSearch).where(IdeaSearch.idea_id == s.a).values(terms="old words")
    return statement, f"idea {s.a}: search terms of an older text"


def _no_terms(s: Site) -> tuple[Any, str]:
    statement = delete(IdeaSearch).where(IdeaSearch.idea_id == s.b)
    return statement, f"idea {s.b}: no search terms"


def _orphan_email(s: Site) -> tuple[Any, str]:
    statement = insert(EmailOutbox).values(
        idempotency_key="left-behind",
        user_id=None,
        to_addr="gone@example.org",
        subject="Hi",
        body="Hello",
        kind="comment",
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
        last_error="",
        created_at=utcnow(),
    )
    return statement, "waits to be sent to a person whose account was deleted"


REPAIRABLE = [
    _vote_count,
    _vote_rows,
    _trending,
    _comment_count,
    _reply_elsewhere,
    _reply_to_reply,
    _official_deleted,
    _chain,
    _no_longer_duplicate,
    _no_first_response,
    _stale_terms,
    _no_terms,
    _orphan_email,
]


@pytest.mark.parametrize("breakage", REPAIRABLE, ids=lambda b: b.__name__.strip("_"))
def test_check_names_what_disagrees_and_repair_sets_it_right(engine, site, breakage):
    statement, line = breakage(site)
    _change(engine, statement)
    found = _lines(check(engine))
    assert any(line in text for text in found), found
    assert all(not text.endswith("(repaired)") for text in found)

    version = db.data_version(engine)
    repaired = check(engine, repair=True)
    assert repaired.findings and repaired.left == [], _lines(repaired)
    assert db.data_version(engine) > version  # kept pages show the repaired figures

    assert _lines(check(engine)) == []
    assert f.counter_mismatches(engine) == []


def test_repair_of_a_chain_points_the_duplicate_at_the_idea_that_holds_its_votes(engine, site):
    _change(engine, _chain(site)[0])
    check(engine, repair=True)
    assert f.get(engine, Idea, site.c).duplicate_of_id == site.a


def test_repair_of_a_reply_puts_it_where_the_idea_page_shows_it(engine, site):
    _change(engine, _reply_to_reply(site)[0])
    check(engine, repair=True)
    with db.read(engine) as s:
        deep = s.execute(select(Comment).where(Comment.body == "Deep")).scalar_one()
    assert deep.parent_id == site.note  # in the thread it replied to
    _change(engine, _reply_elsewhere(site)[0])
    check(engine, repair=True)
    assert f.get(engine, Comment, site.reply).parent_id is None  # a thread of its own on b


def test_repair_of_a_first_response_takes_the_earliest_answer(engine, site):
    with db.read(engine) as s:
        reply = s.get(Comment, site.reply)
    _change(engine, _no_first_response(site)[0])
    check(engine, repair=True)
    assert f.get(engine, Idea, site.a).first_response_at == reply.created_at


def _overbooked(s: Site) -> tuple[Any, str]:
    statement = update(Workshop).where(Workshop.id == s.session).values(capacity=1)
    return statement, f"session {s.session}: confirmed 2, capacity 1"


def _self_duplicate(s: Site) -> tuple[Any, str]:
    statement = update(Idea).where(Idea.id == s.c).values(duplicate_of_id=s.c)
    return statement, f"idea {s.c}: a duplicate of itself"


def _hidden_original(s: Site) -> tuple[Any, str]:
    statement = update(Idea).where(Idea.id == s.b).values(hidden_at=utcnow(), hidden_reason="x")
    return statement, f"idea {s.c}: a duplicate of idea {s.b}, which is hidden"


def _two_official(s: Site) -> tuple[Any, str]:
    statement = update(Comment).where(Comment.id.in_([s.note, s.reply])).values(is_official=True)
    return statement, f"idea {s.a}: 2 official answers; staff choose one on the idea's page"


@pytest.mark.parametrize(
    "breakage",
    [_overbooked, _self_duplicate, _hidden_original, _two_official],
    ids=lambda b: b.__name__.strip("_"),
)
def test_what_the_rows_cannot_decide_is_reported_and_left_as_it_is(engine, site, breakage):
    statement, line = breakage(site)
    _change(engine, statement)
    version = db.data_version(engine)
    report = check(engine, repair=True)
    assert [str(f) for f in report.left] == [f"{line} (not repairable here)"]
    assert db.data_version(engine) == version  # nothing was changed
    assert report.summary() == "1 disagreement; the rows cannot tell what is right."


def test_waitlist_beside_a_free_place_is_reported(engine, site, committee):
    sessions.register(engine, committee, site.session)  # the third person waits
    _change(engine, update(Workshop).where(Workshop.id == site.session).values(capacity=3))
    assert _lines(check(engine)) == [
        f"session {site.session}: free places 1, waitlisted 1 (not repairable here)"
    ]


def test_check_alone_changes_nothing(engine, site):
    _change(engine, _vote_count(site)[0])
    version = db.data_version(engine)
    check(engine)
    check(engine)
    assert db.data_version(engine) == version
    assert f.get(engine, Idea, site.a).vote_count == 5


# -- the real command -----------------------------------------------------------------------


@pytest.fixture
def env(database_url, tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "PORTAL_VAR_DIR": str(tmp_path),
    }


def test_portal_check_prints_each_disagreement_and_exits_1_until_repaired(engine, site, env):
    done = portal_run("check", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Everything agrees")

    _change(engine, _vote_count(site)[0])
    _change(engine, _comment_count(site)[0])
    _change(engine, _orphan_email(site)[0])
    done = portal_run("check", env=env)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"idea {site.a}: vote_count 5, rows 3",
        f"idea {site.b}: comment_count 4, rows 0",
        "email 1: waits to be sent to a person whose account was deleted",
        "3 disagreements (3 can be repaired with --repair).",
    ]

    version = db.data_version(engine)
    done = portal_run("check", "--repair", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "3 disagreements: 3 repaired, 0 left."
    assert f"idea {site.a}: vote_count 5, rows 3 (repaired)" in done.stdout
    assert db.data_version(engine) > version
    assert f.get(engine, Idea, site.a).vote_count == 3
    assert f.count(engine, EmailOutbox) == 0

    assert portal_run("check", env=env).returncode == 0


def test_portal_check_repair_exits_1_while_something_is_left(engine, site, env):
    _change(engine, _vote_count(site)[0])
    _change(engine, _overbooked(site)[0])
    done = portal_run("check", "--repair", env=env)
    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == "2 disagreements: 1 repaired, 1 left."
    assert f.get(engine, Idea, site.a).vote_count == 3
