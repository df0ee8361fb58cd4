"""Recording desk feedback through the service, on the real database (SQLite, or PostgreSQL
with PORTAL_TEST_DB=postgresql): what each kind becomes, for whom, uniqueness of votes on
behalf, votes without an account counted apart, the contact kept only with consent, the audit
entry, and bad input that stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.assessment import queries as assessment_q
from portal.comments.models import Comment
from portal.core import db
from portal.core.errors import Forbidden, ValidationError
from portal.desk import services
from portal.desk.models import DeskRecord
from portal.ideas.models import Idea
from portal.moderation.models import AuditEntry
from portal.votes import queries as votes_q
from portal.votes.models import DeskVote, Vote
from tests import factories as f
from tests.conftest import make_user


@pytest.fixture
def idea(engine, other_patron, category):
    return f.idea(engine, other_patron, category, title="Board games")


def values(**given: str) -> dict[str, str]:
    out = dict.fromkeys(services.FIELDS, "")
    out.update(source="desk", kind="idea")
    out.update(given)
    return out


def record(engine, recorder, **given: str) -> DeskRecord:
    with db.write(engine) as s:
        return services.record(db=s, recorder=recorder, values=values(**given))


def refused(engine, recorder, **given: str) -> dict[str, str]:
    with pytest.raises(ValidationError) as exc:
        record(engine, recorder, **given)
    return exc.value.errors


def stored(engine) -> tuple[int, int, int, int, int, int]:
    return (
        f.count(engine, Idea),
        f.count(engine, Comment),
        f.count(engine, Vote),
        f.count(engine, DeskVote),
        f.count(engine, DeskRecord),
        f.count(engine, AuditEntry),
    )


def test_desk_idea_for_an_account_is_theirs_and_marked_with_its_source(
    engine, staff, patron, category
):
    row = record(
        engine,
        staff,
        source="phone",
        title="Quiet carrels",
        body="More of them",
        category_id=str(category.id),
        email=patron.email.upper(),
    )
    idea = f.get(engine, Idea, row.idea_id)
    assert (idea.author_id, idea.source, idea.origin) == (patron.id, "phone", "patron")
    assert patron.id in f.followers_of(engine, idea.id)
    assert (row.person_id, row.recorded_by_id, row.kind) == (patron.id, staff.id, "idea")


def test_desk_idea_without_an_account_has_no_author_and_keeps_no_contact_unasked(
    engine, staff, category
):
    row = record(
        engine, staff, source="card", title="Lockers", body="Please", category_id=str(category.id)
    )
    idea = f.get(engine, Idea, row.idea_id)
    assert (idea.author_id, idea.source) == (None, "card")
    assert (row.person_id, row.contact_name, row.contact) == (None, "", "")
    assert f.followers_of(engine, idea.id) == set()


def test_desk_contact_is_kept_only_with_consent(engine, staff, category):
    before = stored(engine)
    errors = refused(
        engine,
        staff,
        title="Lockers",
        body="Please",
        category_id=str(category.id),
        contact_name="Mei",
        contact="555 0100",
    )
    assert set(errors) == {"consent"}
    assert stored(engine) == before
    row = record(
        engine,
        staff,
        title="Lockers",
        body="Please",
        category_id=str(category.id),
        contact_name="Mei",
        contact="555 0100",
        consent="1",
    )
    assert (row.contact_name, row.contact) == ("Mei", "555 0100")


def test_desk_comment_for_an_account_and_without_one(engine, staff, patron, idea):
    mine = record(
        engine, staff, kind="comment", idea=str(idea.id), comment="Yes", email=patron.email
    )
    theirs = record(
        engine, staff, kind="comment", source="chat", idea=str(idea.id), comment="Me too"
    )
    first, second = (
        f.get(engine, Comment, mine.comment_id),
        f.get(engine, Comment, theirs.comment_id),
    )
    assert (first.author_id, first.source, first.is_staff) == (patron.id, "desk", False)
    assert (second.author_id, second.source) == (None, "chat")
    assert f.get(engine, Idea, idea.id).comment_count == 2
    assert f.counter_mismatches(engine) == []


def test_desk_vote_for_an_account_is_their_one_vote(engine, staff, patron, idea):
    record(engine, staff, kind="vote", idea=str(idea.id), email=patron.email)
    with db.read(engine) as s:
        vote = s.execute(select(Vote).where(Vote.user_id == patron.id)).scalar_one()
    assert vote.source == "desk"
    before = stored(engine)
    errors = refused(
        engine, staff, kind="vote", source="phone", idea=str(idea.id), email=patron.email
    )
    assert set(errors) == {"email"}
    assert stored(engine) == before
    assert f.get(engine, Idea, idea.id).vote_count == 1
    # The person's own vote on the site afterwards finds it there too.
    assert f.vote(engine, patron, idea.id) is False


def test_desk_vote_on_the_site_first_is_not_counted_twice(engine, staff, patron, idea):
    f.vote(engine, patron, idea.id)
    assert "email" in refused(engine, staff, kind="vote", idea=str(idea.id), email=patron.email)
    assert f.get(engine, Idea, idea.id).vote_count == 1


def test_desk_votes_without_an_account_are_counted_apart(engine, staff, idea):
    for _ in range(3):
        record(engine, staff, kind="vote", source="card", idea=str(idea.id))
    assert f.get(engine, Idea, idea.id).vote_count == 0
    with db.read(engine) as s:
        assert votes_q.desk_votes(s, idea.id) == 3
    assert f.counter_mismatches(engine) == []


def test_desk_vote_on_a_closed_idea_is_refused_and_stores_nothing(engine, staff, patron, idea):
    f.set_status(engine, idea.id, "done")
    before = stored(engine)
    assert set(refused(engine, staff, kind="vote", idea=str(idea.id))) == {"idea"}
    assert set(refused(engine, staff, kind="vote", idea=str(idea.id), email=patron.email)) == {
        "idea"
    }
    assert stored(engine) == before


def test_desk_feedback_is_audited_with_who_recorded_it(engine, staff, idea):
    record(engine, staff, kind="vote", source="phone", idea=str(idea.id))
    with db.read(engine) as s:
        entry = s.execute(select(AuditEntry).order_by(AuditEntry.id.desc())).scalars().first()
    assert (entry.actor_id, entry.action, entry.target_type, entry.target_id) == (
        staff.id,
        "desk_vote",
        "idea",
        idea.id,
    )
    assert '"source": "phone"' in entry.after


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"source": "web"}, "source"),  # the site is not a desk channel
        ({"source": "pigeon"}, "source"),
        ({"kind": "petition"}, "kind"),
        ({"email": "nobody@example.org"}, "email"),
        ({"kind": "comment", "idea": "abc", "comment": "Hi"}, "idea"),
        ({"kind": "vote", "idea": "999999"}, "idea"),
        ({"kind": "vote", "idea": "-1"}, "idea"),
        ({"kind": "comment", "idea": "IDEA", "comment": "   "}, "comment"),
        ({"contact_name": "x" * 121, "consent": "1"}, "contact_name"),
        ({"title": "", "body": "Something"}, "title"),
    ],
)
def test_desk_bad_input_is_named_and_nothing_is_stored(engine, staff, idea, given, field):
    if given.get("idea") == "IDEA":
        given = {**given, "idea": str(idea.id)}
    before = stored(engine)
    assert field in refused(engine, staff, **{"title": "T", "body": "B", **given})
    assert stored(engine) == before


def test_desk_refuses_blocked_and_unconfirmed_accounts(engine, staff, idea):
    from sqlalchemy import update

    from portal.accounts.models import User
    from portal.core.clock import utcnow

    blocked, unconfirmed = make_user(engine), make_user(engine)
    with db.write(engine) as s:
        s.execute(update(User).where(User.id == blocked.id).values(blocked_at=utcnow()))
        s.execute(update(User).where(User.id == unconfirmed.id).values(email_confirmed_at=None))
    before = stored(engine)
    for person in (blocked, unconfirmed):
        errors = refused(engine, staff, kind="vote", idea=str(idea.id), email=person.email)
        assert set(errors) == {"email"}
    assert stored(engine) == before


@pytest.mark.parametrize("role", ["patron", "committee"])
def test_desk_refuses_anyone_but_staff(engine, idea, role):
    person = make_user(engine, role)
    before = stored(engine)
    with pytest.raises(Forbidden):
        record(engine, person, kind="vote", idea=str(idea.id))
    assert stored(engine) == before


def test_scorecard_counts_contributions_by_channel(engine, staff, patron, idea):
    f.comment(engine, patron, idea.id)
    record(engine, staff, kind="vote", source="card", idea=str(idea.id))
    record(engine, staff, kind="vote", source="card", idea=str(idea.id), email=patron.email)
    record(engine, staff, kind="comment", source="phone", idea=str(idea.id), comment="Yes")
    with db.read(engine) as s:
        figures, _ = assessment_q.scorecard(s)
    assert figures.by_source == {
        "web": {"ideas": 1, "comments": 1, "votes": 0},
        "card": {"ideas": 0, "comments": 0, "votes": 2},
        "phone": {"ideas": 0, "comments": 1, "votes": 0},
    }
